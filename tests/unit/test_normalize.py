"""Tests for synthscope.observe.normalize: URL identities, counts, dates, arXiv and Bilibili ids."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synthscope.errors import InputError
from synthscope.observe.items import Identity
from synthscope.observe.normalize import (
    ARXIV_NEW,
    ARXIV_OLD,
    arxiv_id,
    arxiv_month,
    av_to_bv,
    bv_to_av,
    dedupe_key,
    find_arxiv_ids,
    identify,
    parse_count,
    parse_date,
)

YT = "dQw4w9WgXcQ"
YT_URL = f"https://www.youtube.com/watch?v={YT}"
BV = "BV17x411w7KC"  # av170001, the pair quoted in Bilibili's own BV announcement
BV_URL = f"https://www.bilibili.com/video/{BV}"
TT = "7123456789012345678"
TWEET = "1453201234567890123"


YT_ID: tuple[str, str, str, str | None] = ("youtube", YT, YT_URL, "video")


IDENTITY_CASES: list[tuple[str, tuple[str, str, str, str | None]]] = [
    # YouTube, every URL form with the extra parameters people paste along
    (f"https://www.youtube.com/watch?v={YT}", YT_ID),
    (f"https://www.youtube.com/watch?v={YT}&t=42s", YT_ID),
    (f"https://www.youtube.com/watch?feature=share&v={YT}&list=PL123", YT_ID),
    (f"https://youtube.com/watch?app=desktop&v={YT}#t=30", YT_ID),
    (f"https://youtu.be/{YT}", YT_ID),
    (f"https://youtu.be/{YT}?si=AbCdEfGh&t=10", YT_ID),
    (f"youtu.be/{YT}", YT_ID),
    (f"https://www.youtube.com/shorts/{YT}?feature=share", YT_ID),
    (f"https://www.youtube.com/embed/{YT}?start=5", YT_ID),
    (f"https://www.youtube.com/v/{YT}", YT_ID),
    (f"https://www.youtube.com/live/{YT}?si=x", YT_ID),
    (f"https://m.youtube.com/watch?v={YT}", YT_ID),
    (f"https://music.youtube.com/watch?v={YT}&feature=share", YT_ID),
    (f"https://www.youtube-nocookie.com/embed/{YT}", YT_ID),
    (f"HTTPS://WWW.YOUTUBE.COM/watch?v={YT}", YT_ID),
    (f"http://www.youtube.com:443/watch?v={YT}", YT_ID),
    (f"  www.youtube.com/watch?v={YT}  ", YT_ID),
    # Bilibili: BV and av forms are one identity
    (BV_URL, ("bilibili", BV, BV_URL, "video")),
    (f"{BV_URL}/?spm_id_from=333.337&vd_source=abc", ("bilibili", BV, BV_URL, "video")),
    ("https://www.bilibili.com/video/av170001", ("bilibili", BV, BV_URL, "video")),
    ("https://www.bilibili.com/video/AV170001/", ("bilibili", BV, BV_URL, "video")),
    (f"https://m.bilibili.com/video/{BV}?p=2", ("bilibili", BV, BV_URL, "video")),
    (f"https://www.bilibili.com/s/video/{BV}", ("bilibili", BV, BV_URL, "video")),
    (f"www.bilibili.com/video/{BV}", ("bilibili", BV, BV_URL, "video")),
    (
        f"https://player.bilibili.com/player.html?bvid={BV}&page=1",
        ("bilibili", BV, BV_URL, "video"),
    ),
    (
        "https://player.bilibili.com/player.html?isOutside=true&aid=170001",
        ("bilibili", BV, BV_URL, "video"),
    ),
    (BV, ("bilibili", BV, BV_URL, "video")),
    ("av170001", ("bilibili", BV, BV_URL, "video")),
    ("https://b23.tv/AbCdEf", ("web", "https://b23.tv/AbCdEf", "https://b23.tv/AbCdEf", None)),
    # TikTok: the canonical URL must not depend on the user
    (
        f"https://www.tiktok.com/@someone/video/{TT}?is_from_webapp=1",
        ("tiktok", TT, f"https://www.tiktok.com/embed/v2/{TT}", "video"),
    ),
    (
        f"https://m.tiktok.com/v/{TT}.html",
        ("tiktok", TT, f"https://www.tiktok.com/embed/v2/{TT}", "video"),
    ),
    (
        f"https://www.tiktok.com/embed/v2/{TT}",
        ("tiktok", TT, f"https://www.tiktok.com/embed/v2/{TT}", "video"),
    ),
    (
        "https://vm.tiktok.com/ZMabc123/",
        ("web", "https://vm.tiktok.com/ZMabc123", "https://vm.tiktok.com/ZMabc123", None),
    ),
    # Douyin and Kuaishou
    (
        f"https://www.douyin.com/video/{TT}",
        ("douyin", TT, f"https://www.douyin.com/video/{TT}", "video"),
    ),
    (
        f"https://www.iesdouyin.com/share/video/{TT}/?region=CN",
        ("douyin", TT, f"https://www.douyin.com/video/{TT}", "video"),
    ),
    (
        f"https://www.douyin.com/discover?modal_id={TT}",
        ("douyin", TT, f"https://www.douyin.com/video/{TT}", "video"),
    ),
    (
        f"https://www.douyin.com/user/MS4wLj?from=x&modal_id={TT}",
        ("douyin", TT, f"https://www.douyin.com/video/{TT}", "video"),
    ),
    (
        "https://www.kuaishou.com/short-video/3xk8abcdef12?authorId=3x",
        ("kuaishou", "3xk8abcdef12", "https://www.kuaishou.com/short-video/3xk8abcdef12", "video"),
    ),
    (
        "https://v.kuaishou.com/AbCd12",
        ("web", "https://v.kuaishou.com/AbCd12", "https://v.kuaishou.com/AbCd12", None),
    ),
    # X / Twitter: one identity across hosts
    (
        f"https://twitter.com/jack/status/{TWEET}",
        ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post"),
    ),
    (
        f"https://x.com/jack/status/{TWEET}?s=20",
        ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post"),
    ),
    (
        f"https://mobile.twitter.com/jack/status/{TWEET}/photo/1",
        ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post"),
    ),
    (
        f"https://mobile.x.com/a_b/status/{TWEET}",
        ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post"),
    ),
    (
        f"https://fxtwitter.com/jack/status/{TWEET}",
        ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post"),
    ),
    (
        f"https://vxtwitter.com/jack/status/{TWEET}",
        ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post"),
    ),
    (
        f"https://twitter.com/i/web/status/{TWEET}",
        ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post"),
    ),
    (f"x.com/jack/status/{TWEET}", ("x", TWEET, f"https://x.com/i/status/{TWEET}", "post")),
    # Weibo
    (
        "https://weibo.com/1234567890/KzK5b4Ww0",
        ("weibo", "KzK5b4Ww0", "https://m.weibo.cn/status/KzK5b4Ww0", "post"),
    ),
    (
        "https://m.weibo.cn/detail/4613123456789012",
        ("weibo", "4613123456789012", "https://m.weibo.cn/status/4613123456789012", "post"),
    ),
    (
        "https://m.weibo.cn/status/KzK5b4Ww0?sourceType=weixin",
        ("weibo", "KzK5b4Ww0", "https://m.weibo.cn/status/KzK5b4Ww0", "post"),
    ),
    (
        "https://weibo.com/u/1234567890",
        ("web", "https://weibo.com/u/1234567890", "https://weibo.com/u/1234567890", None),
    ),
    # iQIYI, Youku, Tencent Video
    (
        "https://www.iqiyi.com/v_19rrok4nt0.html?vfm=2008_aldbd",
        ("iqiyi", "v_19rrok4nt0", "https://www.iqiyi.com/v_19rrok4nt0.html", "video"),
    ),
    (
        "https://v.youku.com/v_show/id_XMzA5NjE0NjY4OA==.html?spm=a2h0k",
        (
            "youku",
            "XMzA5NjE0NjY4OA==",
            "https://v.youku.com/v_show/id_XMzA5NjE0NjY4OA==.html",
            "video",
        ),
    ),
    (
        "https://v.youku.com/v_show/id_XNDk2.html",
        ("youku", "XNDk2", "https://v.youku.com/v_show/id_XNDk2.html", "video"),
    ),
    (
        "https://v.qq.com/x/cover/mzc00200abc/v0034xyz9.html",
        ("tencent_video", "v0034xyz9", "https://v.qq.com/x/page/v0034xyz9.html", "video"),
    ),
    (
        "https://v.qq.com/x/page/v0034xyz9.html",
        ("tencent_video", "v0034xyz9", "https://v.qq.com/x/page/v0034xyz9.html", "video"),
    ),
    # arXiv
    (
        "https://arxiv.org/abs/1406.2661v3",
        ("arxiv", "1406.2661", "https://arxiv.org/abs/1406.2661", "paper"),
    ),
    (
        "arxiv.org/pdf/1911.04111.pdf",
        ("arxiv", "1911.04111", "https://arxiv.org/abs/1911.04111", "paper"),
    ),
    (
        "https://export.arxiv.org/abs/2104.12255",
        ("arxiv", "2104.12255", "https://arxiv.org/abs/2104.12255", "paper"),
    ),
    (
        "https://arxiv.org/html/2401.00001v2",
        ("arxiv", "2401.00001", "https://arxiv.org/abs/2401.00001", "paper"),
    ),
    (
        "arXiv:2104.12255v1",
        ("arxiv", "2104.12255", "https://arxiv.org/abs/2104.12255", "paper"),
    ),
    (
        "https://arxiv.org/abs/hep-th/9901001v2",
        ("arxiv", "hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001", "paper"),
    ),
    (
        "https://arxiv.org/list/cs.CV/recent",
        ("web", "https://arxiv.org/list/cs.CV/recent", "https://arxiv.org/list/cs.CV/recent", None),
    ),
    # GitHub
    (
        "https://github.com/iperov/DeepFaceLab",
        ("github", "iperov/deepfacelab", "https://github.com/iperov/deepfacelab", "repo"),
    ),
    (
        "https://github.com/iperov/DeepFaceLab.git",
        ("github", "iperov/deepfacelab", "https://github.com/iperov/deepfacelab", "repo"),
    ),
    (
        "github.com/deepfakes/faceswap/tree/master/lib?tab=readme#usage",
        ("github", "deepfakes/faceswap", "https://github.com/deepfakes/faceswap", "repo"),
    ),
    (
        "https://github.com/iperov",
        ("web", "https://github.com/iperov", "https://github.com/iperov", None),
    ),
    (
        "https://github.com/topics/deepfake",
        ("web", "https://github.com/topics/deepfake", "https://github.com/topics/deepfake", None),
    ),
    (
        "https://github.com/orgs/deepfakes/repositories",
        (
            "web",
            "https://github.com/orgs/deepfakes/repositories",
            "https://github.com/orgs/deepfakes/repositories",
            None,
        ),
    ),
    # generic web pages
    (
        "HTTP://WWW.Example.COM:80/News/Item/?utm_source=x&b=2&a=1&t=5&spm=1.2#top",
        (
            "web",
            "https://example.com/News/Item?a=1&b=2&t=5",
            "https://example.com/News/Item?a=1&b=2&t=5",
            None,
        ),
    ),
    ("example.com", ("web", "https://example.com", "https://example.com", None)),
    ("https://m.example.com/", ("web", "https://example.com", "https://example.com", None)),
    (
        "https://news.example.cn:8443/a?fbclid=1&ref=tw&s=09&si=x&from=timeline",
        ("web", "https://news.example.cn:8443/a", "https://news.example.cn:8443/a", None),
    ),
    (
        "https://www.youtube.com/@SomeChannel/videos",
        (
            "web",
            "https://youtube.com/@SomeChannel/videos",
            "https://youtube.com/@SomeChannel/videos",
            None,
        ),
    ),
]


@pytest.mark.parametrize(("url", "expected"), IDENTITY_CASES, ids=[c[0] for c in IDENTITY_CASES])
def test_identify_table(url: str, expected: tuple[str, str, str, str | None]) -> None:
    got = identify(url)
    assert got == Identity(*expected)
    assert dedupe_key(url) == f"{expected[0]}:{expected[1]}"
    # The canonical URL is a fixed point: it identifies as the same thing.
    assert identify(got.url) == got


def test_identity_is_a_plain_identity() -> None:
    got = identify(YT_URL)
    assert type(got) is Identity
    assert hash(got) == hash(Identity("youtube", YT, YT_URL, "video"))
    assert got.key == f"youtube:{YT}"


def test_same_post_on_x_and_twitter_is_one_key() -> None:
    assert dedupe_key(f"https://twitter.com/a/status/{TWEET}") == dedupe_key(
        f"https://x.com/b/status/{TWEET}?s=20"
    )


@pytest.mark.parametrize(
    "bad", ["", "   ", "abc", "hello world", "http://", "://x", "12abc", "https://exa mple.com/x"]
)
def test_identify_garbage_raises(bad: str) -> None:
    with pytest.raises(InputError, match="Not a URL"):
        identify(bad)


def test_identify_non_string_raises() -> None:
    with pytest.raises(InputError):
        identify(None)  # type: ignore[arg-type]


# --- YouTube ids survive every URL form -------------------------------------------------------

YT_ALPHABET = string.ascii_letters + string.digits + "_-"
YT_FORMS = [
    "https://www.youtube.com/watch?v={}",
    "https://www.youtube.com/watch?v={}&t=1m2s&si=abc",
    "https://www.youtube.com/watch?feature=youtu.be&v={}",
    "http://youtube.com/watch?v={}&list=PLx&index=3",
    "https://youtu.be/{}",
    "youtu.be/{}?si=q1w2e3&t=5",
    "https://www.youtube.com/shorts/{}",
    "https://www.youtube.com/embed/{}?autoplay=1",
    "https://www.youtube.com/v/{}",
    "https://www.youtube.com/live/{}",
    "https://m.youtube.com/watch?v={}",
    "https://music.youtube.com/watch?v={}",
    "https://www.youtube-nocookie.com/embed/{}",
    "https://www.youtube.com/watch?v={}#comments",
]


@given(st.text(alphabet=YT_ALPHABET, min_size=11, max_size=11))
def test_youtube_ids_survive_every_form(video_id: str) -> None:
    for form in YT_FORMS:
        got = identify(form.format(video_id))
        assert (got.platform, got.platform_id, got.kind) == ("youtube", video_id, "video")
        assert got.url == f"https://www.youtube.com/watch?v={video_id}"


@given(
    st.lists(
        st.tuples(
            st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6),
            st.text(alphabet=string.ascii_letters + string.digits, max_size=6),
        ),
        max_size=5,
    ),
    st.sampled_from(["", "/a", "/a/b/", "/A-b_c.html"]),
)
def test_web_identity_is_idempotent(params: list[tuple[str, str]], path: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    got = identify(f"http://www.example.org{path}?{query}")
    assert got.platform == "web"
    assert identify(got.url) == got
    assert not any(p.startswith(("utm_", "spm=", "si=")) for p in got.url.split("?")[-1].split("&"))


# --- Bilibili av <-> BV -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aid", "bvid"),
    [(170001, "BV17x411w7KC"), (2, "BV1xx411c7mD"), (111298867365120, "BV1L9Uoa9EUx")],
)
def test_av_bv_known_pairs(aid: int, bvid: str) -> None:
    assert av_to_bv(aid) == bvid
    assert bv_to_av(bvid) == aid


@given(st.integers(min_value=1, max_value=2**51 - 1))
def test_av_bv_round_trip(aid: int) -> None:
    bvid = av_to_bv(aid)
    assert len(bvid) == 12 and bvid.startswith("BV1")
    assert bv_to_av(bvid) == aid
    assert (
        identify(f"av{aid}") == identify(bvid) == identify(f"https://www.bilibili.com/video/{bvid}")
    )


@pytest.mark.parametrize("aid", [0, -1, 2**51, True, "170001", 1.0])
def test_av_to_bv_rejects(aid: object) -> None:
    with pytest.raises(InputError):
        av_to_bv(aid)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bvid", ["", "BV17x411w7K", "XX17x411w7KC", "BV17x411w7K0", "BV1zzzzzzzzz"]
)
def test_bv_to_av_rejects(bvid: str) -> None:
    with pytest.raises(InputError):
        bv_to_av(bvid)


# --- arXiv ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/1406.2661v3", "1406.2661"),
        ("arxiv.org/pdf/1911.04111.pdf", "1911.04111"),
        ("arXiv:2104.12255v1", "2104.12255"),
        ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
        ("math.GT/0309136", "math/0309136"),
        ("https://export.arxiv.org/abs/cond-mat/0102536", "cond-mat/0102536"),
        ("arxiv.org/html/2401.00001v2", "2401.00001"),
        ("0704.0001", "0704.0001"),
        ("https://doi.org/10.48550/arXiv.2304.08485", "2304.08485"),
        ("no id here", None),
        ("1406.26612", None),  # 2014 ids have 4 digits after the dot
        ("1501.0001", None),  # 2015 on they have 5
        ("0703.0001", None),  # the new scheme started in April 2007
        ("2013.12345", None),  # no month 13
    ],
)
def test_arxiv_id(text: str, expected: str | None) -> None:
    assert arxiv_id(text) == expected


def test_arxiv_patterns_are_public() -> None:
    assert ARXIV_NEW.search("see 1406.2661v3").group(1) == "1406.2661"  # type: ignore[union-attr]
    m = ARXIV_OLD.search("hep-th/9901001")
    assert m is not None and (m.group(1), m.group(2)) == ("hep-th", "9901001")


def test_find_arxiv_ids_only_in_context() -> None:
    line = (
        "- [GAN](https://arxiv.org/abs/1406.2661v3) and arXiv:2104.12255, not 2020.12345 or "
        "1406.2661 alone; old: arxiv.org/pdf/math.GT/0309136v1; again https://arxiv.org/pdf/1406.2661"
    )
    assert find_arxiv_ids(line) == ["1406.2661", "2104.12255", "math/0309136"]
    assert find_arxiv_ids("model 2020.12345 scored 1406.2661") == []
    ftp = "[Paper](https://arxiv.org/ftp/arxiv/papers/2108/2108.05307.pdf)"
    assert find_arxiv_ids(ftp) == ["2108.05307"]


@pytest.mark.parametrize(
    ("aid", "month"),
    [
        ("1406.2661", (2014, 6)),
        ("hep-th/9901001", (1999, 1)),
        ("0704.0001", (2007, 4)),
        ("2312.00001v2", (2023, 12)),
        ("math/0309136", (2003, 9)),
    ],
)
def test_arxiv_month(aid: str, month: tuple[int, int]) -> None:
    assert arxiv_month(aid) == month


def test_arxiv_month_rejects_non_ids() -> None:
    with pytest.raises(InputError):
        arxiv_month("not-an-id")


# --- counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234", 1234),
        ("3.3k", 3300),
        ("3.3K", 3300),
        ("1.2万", 12000),
        ("2亿", 200_000_000),
        ("10万+", 100_000),
        ("1.5M", 1_500_000),
        ("2m", 2_000_000),
        ("1.2w", 12000),
        ("1.2W", 12000),
        ("1,2K", 12000),
        ("29,900", 29900),
        (" 42 ", 42),
        (42, 42),
        (42.0, 42),
        ("1.0e3", 1000),
        ("3千", 3000),
        ("2百万", 2_000_000),
        ("1.5千万", 15_000_000),
        ("0", 0),
        (0, 0),
        ("0.5", 1),
        ("2.5", 3),
        (2.5, 3),
        ("1.00005万", 10001),
        (Decimal("7.5"), 8),
        ("1.2 万", 12000),
    ],
)
def test_parse_count(value: object, expected: int) -> None:
    got = parse_count(value)
    assert got == expected and type(got) is int


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "NA",
        "N/A",
        "n/a",
        "null",
        "None",
        "-",
        "--",
        "—",
        "未知",
        "暂无",
        float("nan"),
        " ",
    ],
)
def test_parse_count_unknown_is_none_never_zero(value: object) -> None:
    assert parse_count(value) is None


@pytest.mark.parametrize(
    "value", ["abc", "12abc", "-5", -5, -0.5, "1.2.3", True, False, float("inf"), [1], "1e99999"]
)
def test_parse_count_garbage_raises_naming_value(value: object) -> None:
    with pytest.raises(InputError) as err:
        parse_count(value)
    assert repr(value)[:6] in str(err.value)


@given(st.integers(min_value=0, max_value=10**12))
def test_count_with_thousands_separators_round_trips(n: int) -> None:
    assert parse_count(f"{n:,}") == n


@given(st.integers(min_value=10_000, max_value=10**11))
def test_count_in_wan_round_trips_within_rounding(n: int) -> None:
    got = parse_count(f"{n / 10_000:.1f}万")
    assert got is not None and abs(got - n) <= 500


@given(st.integers(min_value=1000, max_value=10**9))
def test_count_in_k_round_trips_within_rounding(n: int) -> None:
    got = parse_count(f"{n / 1000:.1f}k")
    assert got is not None and abs(got - n) <= 50


# --- dates ------------------------------------------------------------------------------------


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-04", utc(2021, 3, 4)),
        ("2021-03-04T12:00:00", utc(2021, 3, 4, 12)),
        ("2021-03-04T12:00:00Z", utc(2021, 3, 4, 12)),
        ("2021-03-04T20:00:00+08:00", utc(2021, 3, 4, 12)),
        ("2021-03-04 12:00", utc(2021, 3, 4, 12)),
        ("2021-03-04 12:00:30", utc(2021, 3, 4, 12, 0, 30)),
        ("2021/3/4", utc(2021, 3, 4)),
        ("2021.3.4", utc(2021, 3, 4)),
        ("2021-3-4 8:05", utc(2021, 3, 4, 8, 5)),
        ("2021年3月4日", utc(2021, 3, 4)),
        ("2021年3月4日 12:30", utc(2021, 3, 4, 12, 30)),
        ("2021年3月", utc(2021, 3, 1)),
        ("2021-03", utc(2021, 3, 1)),
        ("2021", utc(2021, 1, 1)),
        ("20210304", utc(2021, 3, 4)),
        ("2021-03-04T12:00:00.123456789Z", utc(2021, 3, 4, 12, 0, 0, 123456)),
        ("Thu, 04 Mar 2021 20:00:00 +0800", utc(2021, 3, 4, 12)),
        (1614859200, utc(2021, 3, 4, 12)),
        (1614859200.0, utc(2021, 3, 4, 12)),
        ("1614859200", utc(2021, 3, 4, 12)),
        (1614859200000, utc(2021, 3, 4, 12)),
        ("1614859200000", utc(2021, 3, 4, 12)),
        (2021, utc(2021, 1, 1)),
        (datetime(2021, 3, 4, 12), utc(2021, 3, 4, 12)),
        (
            datetime(2021, 3, 4, 20, tzinfo=timezone(timedelta(hours=8))),
            utc(2021, 3, 4, 12),
        ),
        (date(2021, 3, 4), utc(2021, 3, 4)),
    ],
)
def test_parse_date(value: object, expected: datetime) -> None:
    got = parse_date(value)
    assert got == expected
    assert got is not None and got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [None, "", "NA", "-", "—", "未知", "暂无", "null", float("nan")])
def test_parse_date_unknown_is_none(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value", ["garbage", "2021-02-30", "2021-13", "2021年13月", "12345", "0", -1, True, [2021]]
)
def test_parse_date_garbage_raises(value: object) -> None:
    with pytest.raises(InputError):
        parse_date(value)


@given(st.datetimes(min_value=datetime(2001, 9, 10), max_value=datetime(2100, 1, 1)))
def test_epoch_seconds_and_millis_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    seconds = int(moment.timestamp())
    assert parse_date(seconds) == moment
    assert parse_date(str(seconds * 1000)) == moment
    assert parse_date(moment.isoformat()) == moment
