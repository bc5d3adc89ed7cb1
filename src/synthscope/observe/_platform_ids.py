"""Platform-specific ids: arXiv ids, Bilibili av/BV numbers, and the per-host URL handlers.

Each handler takes the part of a URL after the host (path and query, no fragment) and returns the
platform :class:`Identity`, or None when the URL is not a content page (a channel, a search, a
short link that needs the network). ``HOSTS`` maps every lowercase host a handler knows to that
handler, so :func:`synthscope.observe.normalize.identify` does one dict lookup and one precompiled
match per URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TypeVar

from synthscope.errors import InputError
from synthscope.observe.items import Identity


def _make_identity_fast(platform: str, pid: str, url: str, kind: str | None) -> Identity:
    """Build an Identity through its slots, skipping the frozen-dataclass ``__init__``.

    The frozen ``__init__`` costs about twice as much, and identify() builds one per URL on
    imports of millions of rows. Equal to ``Identity(...)`` in every way (same class, same slots).
    """
    ident = _new(Identity)
    _set_platform(ident, platform)
    _set_pid(ident, pid)
    _set_url(ident, url)
    _set_kind(ident, kind)
    return ident


_new = object.__new__
_set_platform, _set_pid, _set_url, _set_kind = (
    getattr(Identity, name).__set__ for name in ("platform", "platform_id", "url", "kind")
)
# Should Identity ever gain a field, the shortcut would leave it unset: use the constructor then.
make_identity: Callable[[str, str, str, str | None], Identity] = (
    _make_identity_fast
    if tuple(f.name for f in fields(Identity)) == ("platform", "platform_id", "url", "kind")
    else Identity
)


# --- arXiv -----------------------------------------------------------------------------------

# New-style ids: YYMM.NNNN from 0704 to 1412, YYMM.NNNNN from 1501 on (arXiv identifier docs).
_NEW_CORE = (
    r"(?:07(?:0[4-9]|1[0-2])|(?:0[89]|1[0-4])(?:0[1-9]|1[0-2]))\.\d{4}"
    r"|(?:1[5-9]|[2-9]\d)(?:0[1-9]|1[0-2])\.\d{5}"
)
# Old-style archives (frozen list: no archive was added after the 2007 scheme change).
_OLD_ARCHIVES = (
    "acc-phys|adap-org|alg-geom|ao-sci|astro-ph|atom-ph|bayes-an|chao-dyn|chem-ph|cmp-lg|comp-gas"
    "|cond-mat|cs|dg-ga|funct-an|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|math|mtrl-th|nlin"
    "|nucl-ex|nucl-th|patt-sol|physics|plasm-ph|q-alg|q-bio|quant-ph|solv-int|supr-con"
)
_OLD_CORE = rf"({_OLD_ARCHIVES})(?:\.[A-Za-z-]+)?/((?:9[1-9]|0[0-7])(?:0[1-9]|1[0-2])\d{{3}})"

ARXIV_NEW: re.Pattern[str] = re.compile(rf"(?<!\d)(?<!\d\.)({_NEW_CORE})(?:v\d+)?(?!\d)")
"""New-style arXiv id; group 1 is the id without its version."""
ARXIV_OLD: re.Pattern[str] = re.compile(rf"(?<![\w-]){_OLD_CORE}(?:v\d+)?(?!\d)", re.IGNORECASE)
"""Old-style arXiv id; group 1 is the archive, group 2 the number (subject class not captured)."""

# Only ids introduced by an arXiv URL, an 'arXiv:' prefix or the arXiv DOI count in free text,
# so a number such as '2020.12345' in prose is never taken for a paper.
_ARXIV_CONTEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html|ps|format|ftp/arxiv/papers/\d{4})/|arxiv:\s?|10\.48550/arxiv\.)"
    rf"(?:({_NEW_CORE})|{_OLD_CORE})(?:v\d+)?(?!\d)",
    re.IGNORECASE,
)
_ARXIV_BARE = re.compile(rf"(?:arxiv:\s?)?(?:({_NEW_CORE})|{_OLD_CORE})(?:v\d+)?", re.IGNORECASE)


def _old_id(archive: str, number: str) -> str:
    return f"{archive.lower()}/{number}"


def arxiv_id(text: str) -> str | None:
    """Return the first arXiv id in a URL or string, without version or subject class, or None."""
    new = ARXIV_NEW.search(text)
    old = ARXIV_OLD.search(text)
    if old and (new is None or old.start() < new.start()):
        return _old_id(old.group(1), old.group(2))
    return new.group(1) if new else None


def find_arxiv_ids(text: str) -> list[str]:
    """Return the distinct arXiv ids linked or 'arXiv:'-prefixed in ``text``, in order.

    Bare numbers such as '2020.12345' in prose are ignored: they are too often not papers.
    """
    seen: dict[str, None] = {}
    for m in _ARXIV_CONTEXT.finditer(text):
        seen[m.group(1) or _old_id(m.group(2), m.group(3))] = None
    return list(seen)


_arxiv_id = arxiv_id  # arxiv_month's parameter shadows the function name


def arxiv_month(arxiv_id: str) -> tuple[int, int]:
    """Return the (year, month) an arXiv id was submitted in.

    Raises:
        InputError: ``arxiv_id`` holds no arXiv id.
    """
    found = _arxiv_id(arxiv_id)
    if found is None:
        raise InputError(f"Not an arXiv id: {arxiv_id!r}")
    yymm = found.rpartition("/")[2][:4]
    yy, month = int(yymm[:2]), int(yymm[2:])
    # Old-style ids run from 1991 to 2007; new-style ones all start in 2007 or later.
    return (1900 + yy if yy >= 91 else 2000 + yy), month


def bare_arxiv(text: str) -> str | None:
    """Return the id when ``text`` is nothing but an arXiv id (optionally 'arXiv:'-prefixed)."""
    m = _ARXIV_BARE.fullmatch(text)
    if m is None:
        return None
    return m.group(1) or _old_id(m.group(2), m.group(3))


def arxiv_identity(arxiv: str) -> Identity:
    return make_identity("arxiv", arxiv, f"https://arxiv.org/abs/{arxiv}", "paper")


# --- Bilibili av <-> BV ----------------------------------------------------------------------

# The public algorithm since 2024 (bilibili-API-collect, docs/misc/bvid_desc.md).
XOR_CODE = _XOR_CODE = 23442827791579
_MASK_CODE = 2251799813685247
MAX_AID = 1 << 51
BASE = _BASE = 58
ALPHABET = _ALPHABET = "FcwAPNKTMug3GV5Lj7EJnHpWsx4tb8haYeviqBz6rkCy12mUSDQX9RdoZf"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_SWAPS = ((3, 9), (4, 7))
_T = TypeVar("_T")


def _swap(items: list[_T]) -> list[_T]:
    for a, b in _SWAPS:
        items[a], items[b] = items[b], items[a]
    return items


# The algorithm writes base-58 digit k (least significant first) at position 11 - k, then swaps;
# _DIGIT_AT[i] is the digit that ends at position 3 + i, so encoding needs no list shuffling.
DIGIT_AT = _DIGIT_AT = tuple(11 - pos for pos in _swap(list(range(12)))[3:])


def av_to_bv(aid: int) -> str:
    """Return the BV id ('BV1' + 9 characters) of a Bilibili av number.

    Raises:
        InputError: ``aid`` is not an integer in 1 .. 2**51 - 1.
    """
    if isinstance(aid, bool) or not isinstance(aid, int) or not 0 < aid < MAX_AID:
        raise InputError(f"Not a Bilibili av number: {aid!r}")
    tmp = (MAX_AID | aid) ^ _XOR_CODE
    digits = []
    for _ in range(9):
        tmp, digit = divmod(tmp, _BASE)
        digits.append(_ALPHABET[digit])
    return "BV1" + "".join([digits[k] for k in _DIGIT_AT])


def bv_to_av(bvid: str) -> int:
    """Return the av number of a Bilibili BV id ('BV1...', 12 characters; 'bv1' accepted).

    Raises:
        InputError: ``bvid`` is not a valid BV id.
    """
    if not isinstance(bvid, str) or len(bvid) != 12 or bvid[:3].upper() != "BV1":
        raise InputError(f"Not a Bilibili BV id: {bvid!r}")
    tmp = 0
    try:
        for ch in _swap(list(bvid))[3:]:
            tmp = tmp * _BASE + _INDEX[ch]
    except KeyError:
        raise InputError(f"Not a Bilibili BV id: {bvid!r}") from None
    aid = (tmp & _MASK_CODE) ^ _XOR_CODE
    # Only ids that re-encode to themselves are real; others decode to out-of-range numbers.
    if not 0 < aid < MAX_AID or av_to_bv(aid) != "BV1" + bvid[3:]:
        raise InputError(f"Not a Bilibili BV id: {bvid!r}")
    return aid


def bilibili_identity(bvid: str) -> Identity:
    return make_identity("bilibili", bvid, f"https://www.bilibili.com/video/{bvid}", "video")


_BV_CHARS = r"[1-9A-HJ-NP-Za-km-z]{9}"
_BARE_BILI = re.compile(rf"[Bb][Vv]1({_BV_CHARS})|[Aa][Vv](\d{{1,16}})")


def bili_from_match(bv_tail: str | None, aid: str | None) -> Identity | None:
    """Identity from a matched 'BV1' tail or av digits; None for an av number out of range."""
    if bv_tail is not None:
        return bilibili_identity("BV1" + bv_tail)
    number = int(aid or 0)
    return bilibili_identity(av_to_bv(number)) if 0 < number < MAX_AID else None


def bare_bilibili(text: str) -> Identity | None:
    """Identity of a bare 'BV1...' or 'av123' string, or None when ``text`` is neither."""
    m = _BARE_BILI.fullmatch(text)
    return bili_from_match(m.group(1), m.group(2)) if m else None


# --- per-host URL handlers -------------------------------------------------------------------

Handler = Callable[[str], Identity | None]
_END = r"(?=[/?&.]|\Z)"  # an id ends at a path, query or extension boundary, never mid-token


@dataclass(frozen=True, slots=True)
class Rule:
    """What a regex handler does, as data: the column-wise identifier (``_vector_ids``) compiles
    the same pattern for whole columns of URLs, so the rules have one definition."""

    platform: str
    pattern: str
    prefix: str
    suffix: str
    kind: str


RULES: dict[Handler, Rule] = {}
"""Regex handler -> its rule (the id is the last group that matched)."""


def _regex_handler(platform: str, pattern: str, url: tuple[str, str], kind: str) -> Handler:
    """Handler whose id is the last group that matched ``pattern``; ``url`` wraps the id.

    One generated closure per platform keeps identify() at one call and one match per URL.
    """
    compiled = re.compile(pattern)
    prefix, suffix = url
    rule = Rule(platform, pattern, prefix, suffix, kind)

    def handle(rest: str) -> Identity | None:
        m = compiled.match(rest)
        if m is None:
            return None
        pid = m[m.lastindex or 0]
        return make_identity(platform, pid, prefix + pid + suffix, kind)

    RULES[handle] = rule
    return handle


_YT_ID = r"([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])"
_youtube = _regex_handler(
    "youtube",
    rf"/(?:watch/?\?(?:[^#]*?&)?v=|(?:shorts|embed|v|e|live)/){_YT_ID}",
    ("https://www.youtube.com/watch?v=", ""),
    "video",
)
_youtu_be = _regex_handler(
    "youtube", rf"/{_YT_ID}", ("https://www.youtube.com/watch?v=", ""), "video"
)
_tiktok = _regex_handler(
    "tiktok",
    r"/(?:@[^/?#]*/video|v|embed/v2|embed|share/video)/(\d{6,25})(?:\.html)?(?=[/?&]|\Z)",
    ("https://www.tiktok.com/embed/v2/", ""),
    "video",
)
_douyin = _regex_handler(
    "douyin",
    r"/(?:share/)?video/(\d{6,25})(?=[/?&]|\Z)|[^?#]*\?(?:[^#]*?&)?modal_id=(\d{6,25})(?=&|\Z)",
    ("https://www.douyin.com/video/", ""),
    "video",
)
_kuaishou = _regex_handler(
    "kuaishou",
    r"/short-video/([A-Za-z0-9]+)(?=[/?&]|\Z)",
    ("https://www.kuaishou.com/short-video/", ""),
    "video",
)
_x = _regex_handler(
    "x",
    r"/(?:i/web|i|[A-Za-z0-9_]{1,50})/status(?:es)?/(\d{1,25})(?=[/?&]|\Z)",
    ("https://x.com/i/status/", ""),
    "post",
)
# Weibo ids come as a 9-character base62 mblogid or a 16-19 digit mid; both are kept as given.
_WEIBO_ID = r"([A-Za-z0-9]{9}|\d{16,19})(?=[/?&]|\Z)"
_weibo = _regex_handler(
    "weibo", rf"/(?:\d+|detail|status)/{_WEIBO_ID}", ("https://m.weibo.cn/status/", ""), "post"
)
_weibo_cn = _regex_handler(
    "weibo", rf"/(?:detail|status)/{_WEIBO_ID}", ("https://m.weibo.cn/status/", ""), "post"
)
_iqiyi = _regex_handler(
    "iqiyi", r"/(v_[A-Za-z0-9]+)\.html", ("https://www.iqiyi.com/", ".html"), "video"
)
_youku = _regex_handler(
    "youku",
    r"/(?:v_show|video)/id_([A-Za-z0-9=_-]+?)(?:\.html)?(?=[/?&]|\Z)",
    ("https://v.youku.com/v_show/id_", ".html"),
    "video",
)
_tencent_video = _regex_handler(
    "tencent_video",
    r"/x/(?:cover/[A-Za-z0-9]+|page)/([A-Za-z0-9]+)\.html",
    ("https://v.qq.com/x/page/", ".html"),
    "video",
)

BILIBILI_PATTERN = (
    rf"(?:/s)?/video/(?:[Bb][Vv]1({_BV_CHARS})|[Aa][Vv](\d{{1,16}})){_END}"
    rf"|/player\.html\?(?:[^#]*?&)?(?:bvid=[Bb][Vv]1({_BV_CHARS})|aid=(\d{{1,16}})){_END}"
)
_BILIBILI = re.compile(BILIBILI_PATTERN)


def _bilibili(rest: str) -> Identity | None:
    m = _BILIBILI.match(rest)
    if m is None:
        return None
    if m[1] is not None:  # the modern BV form, by far the most common: no conversion needed
        return bilibili_identity("BV1" + m[1])
    return bili_from_match(m[3], m[2] or m[4])


bilibili_handler: Handler = _bilibili


def _arxiv(rest: str) -> Identity | None:
    found = arxiv_id(rest.partition("?")[0])
    return arxiv_identity(found) if found else None


# First path segments of github.com that are site pages, not users or organisations.
_GITHUB_RESERVED_WORDS = (
    "orgs topics search marketplace features about settings login logout join signup sponsors "
    "collections trending explore notifications pulls issues new organizations enterprise "
    "pricing apps site security codespaces users customer-stories readme team contact events "
    "stars watching dashboard account sessions resources solutions"
)
_GITHUB_RESERVED = frozenset(_GITHUB_RESERVED_WORDS.split())
_GITHUB = re.compile(r"/([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100})(?=[/?#]|\Z)")


def _github(rest: str) -> Identity | None:
    m = _GITHUB.match(rest)
    if m is None or m.group(1).lower() in _GITHUB_RESERVED:
        return None
    repo = m.group(2).lower().removesuffix(".git")
    if repo in ("", ".", ".."):
        return None
    slug = f"{m.group(1).lower()}/{repo}"
    return make_identity("github", slug, "https://github.com/" + slug, "repo")


def _hosts(
    handler: Handler, *domains: str, prefixes: tuple[str, ...] = ("", "www.")
) -> dict[str, Handler]:
    return {p + d: handler for d in domains for p in prefixes}


HOSTS: dict[str, Handler] = {
    **_hosts(
        _youtube, "youtube.com", "youtube-nocookie.com", prefixes=("", "www.", "m.", "music.")
    ),
    **_hosts(_youtu_be, "youtu.be"),
    **_hosts(_bilibili, "bilibili.com", prefixes=("", "www.", "m.", "player.")),
    **_hosts(_tiktok, "tiktok.com", prefixes=("", "www.", "m.")),
    **_hosts(_douyin, "douyin.com", "iesdouyin.com", prefixes=("", "www.", "m.")),
    **_hosts(_kuaishou, "kuaishou.com", prefixes=("", "www.", "m.")),
    **_hosts(_x, "twitter.com", "x.com", prefixes=("", "www.", "mobile.")),
    **_hosts(_x, "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com"),
    **_hosts(_weibo, "weibo.com"),
    **_hosts(_weibo_cn, "m.weibo.cn", "weibo.cn"),
    **_hosts(_iqiyi, "iqiyi.com", prefixes=("", "www.", "m.")),
    **_hosts(_youku, "v.youku.com", "m.youku.com", "youku.com"),
    **_hosts(_tencent_video, "v.qq.com", "m.v.qq.com"),
    **_hosts(_arxiv, "arxiv.org", prefixes=("", "www.", "export.", "browse.")),
    **_hosts(_github, "github.com"),
}
"""Lowercase host -> handler; a host absent here gets the generic web identity."""
