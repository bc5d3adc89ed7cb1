"""Keyword sets: named, documented term lists, and one fast matcher per set.

The seed report counted content by "10 zh/en keywords" and papers by "16 keywords" but never
published the lists, so ours live in TOML files (``synthscope/data/keywords/*.toml``, layout in the
comment at the top of each) that users can read, copy and replace. A set is found by name among the
built-ins and the user's keyword directories, or by path.

Matching rules, the same for every set (texts and terms are NFKC-normalised first, so full-width
``ＧＡＮ`` is ``GAN``; case is ignored unless a regex alias says ``(?-i:...)``):

* ``lang = "en"``: whole words only (a letter or digit on either side blocks a match, so ``GAN`` is
  not found in ``organ``, but is in ``用GAN生成``); a trailing ``s`` is allowed (``Deepfakes``);
  spaces, hyphens and underscores between words are optional (``deep fake`` = ``deep-fake`` =
  ``deepfake``), other punctuation keeps words apart (``deep. fake`` is not ``deepfake``).
* ``lang = "zh"``: plain substrings (Chinese has no spaces to mark words).
* An alias written ``re:PATTERN`` is a Python regular expression searched as written (its own
  boundaries; case-insensitive unless it says ``(?-i:...)``); this is how ``GAN`` also covers
  ``AttnGAN`` without covering ``organ``.
* ``exclude`` phrases are consumed and never count (``数字人民币`` is not ``数字人``).
* Each occurrence counts for one term, the longest literal first; a term whose own alias contains
  another term (``StyleGAN`` contains ``GAN``) reports both. Several texts are matched as one, but
  a word never runs on from one text into the next.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from synthscope.errors import InputError, UsageError
from synthscope.observe.items import MODALITIES

LANGS: tuple[str, ...] = ("zh", "en")
REGEX_PREFIX = "re:"
_SET_KEYS = frozenset({"name", "description", "term"})
_TERM_KEYS = frozenset({"text", "lang", "modality", "aliases", "exclude"})
_SEPARATORS = re.compile(r"[\s\-_\u2010\u2011]+")
# A letter or digit next to an English term means it is part of a longer word.
_WORD_CHAR = "0-9a-z\u00c0-\u024f"
_EN_AFTER = f"s?(?![{_WORD_CHAR}])"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Term:
    """One term: its canonical text, language, modality (research sets), aliases and exclusions."""

    text: str
    lang: str
    modality: str | None = None
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeywordSet:
    """A named, described, ordered tuple of terms (order breaks modality ties)."""

    name: str
    description: str
    terms: tuple[Term, ...]


# --- parsing -------------------------------------------------------------------------------------


def _fail(source: str, where: str, problem: str) -> InputError:
    return InputError(f"keyword set {source}: {where}: {problem}")


def _str_list(raw: dict[str, Any], key: str, source: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(source, where, f"'{key}' must be a list of non-empty strings")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _check_regex(alias: str, source: str, where: str) -> None:
    try:
        compiled = re.compile(alias.removeprefix(REGEX_PREFIX))
    except re.error as exc:
        raise _fail(source, where, f"bad regular expression {alias!r}: {exc}") from exc
    if compiled.groupindex:
        raise _fail(source, where, f"named groups are not allowed in {alias!r}")


def _parse_term(raw: Any, source: str, number: int) -> Term:
    where = f"term {number}"
    if not isinstance(raw, dict):
        raise _fail(source, where, "must be a [[term]] table")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _fail(source, where, "missing 'text'")
    where = f"term {number} ({text!r})"
    if text.startswith(REGEX_PREFIX):
        raise _fail(source, where, "'text' must be plain; put regular expressions in 'aliases'")
    if unknown := sorted(set(raw) - _TERM_KEYS):
        raise _fail(source, where, f"unknown key {unknown[0]!r}")
    lang = raw.get("lang", "zh" if _CJK.search(text) else "en")
    if lang not in LANGS:
        raise _fail(source, where, f"bad lang {lang!r} (expected zh or en)")
    modality = raw.get("modality")
    if modality is not None and modality not in MODALITIES:
        raise _fail(source, where, f"bad modality {modality!r} (expected {', '.join(MODALITIES)})")
    aliases = _str_list(raw, "aliases", source, where)
    exclude = _str_list(raw, "exclude", source, where)
    if any(phrase.startswith(REGEX_PREFIX) for phrase in exclude):
        raise _fail(source, where, "'exclude' takes plain phrases, not regular expressions")
    for spelling in (text, *aliases, *exclude):
        _check_spelling(spelling, lang, source, where)
    return Term(text.strip(), lang, modality, aliases, exclude)


def _check_spelling(spelling: str, lang: str, source: str, where: str) -> None:
    if spelling.startswith(REGEX_PREFIX):
        _check_regex(spelling, source, where)
    elif not _words(spelling, lang):
        raise _fail(source, where, f"{spelling!r} has no letters or digits to match")


def _dedup_key(text: str, lang: str) -> str:
    """What two spellings share when the matcher cannot tell them apart."""
    if text.startswith(REGEX_PREFIX):
        return text
    key = "".join(_words(text, lang))
    return key.removesuffix("s") if lang == "en" else key


def _check_duplicates(terms: Sequence[Term], source: str) -> None:
    owner: dict[str, str] = {}
    for term in terms:
        for spelling in dict.fromkeys(_dedup_key(s, term.lang) for s in (term.text, *term.aliases)):
            if spelling in owner:
                problem = f"duplicate term {spelling!r} (also in {owner[spelling]!r})"
                raise _fail(source, f"term {term.text!r}", problem)
            owner[spelling] = term.text


def _parse_keyword_set(data: dict[str, Any], source: str, default_name: str) -> KeywordSet:
    """Validate parsed TOML ``data`` read from ``source``; raises InputError naming the problem."""
    if unknown := sorted(set(data) - _SET_KEYS):
        raise _fail(source, "top level", f"unknown key {unknown[0]!r}")
    name, description = data.get("name", default_name), data.get("description", "")
    if not isinstance(name, str) or not name or not isinstance(description, str):
        raise _fail(source, "top level", "'name' and 'description' must be strings")
    raw_terms = data.get("term")
    if not isinstance(raw_terms, list) or not raw_terms:
        raise _fail(source, "top level", "no [[term]] tables")
    terms = tuple(_parse_term(raw, source, n) for n, raw in enumerate(raw_terms, 1))
    _check_duplicates(terms, source)
    return KeywordSet(name, description, terms)


def _read_toml(path: Path | Traversable, source: str) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise InputError(f"cannot read keyword set {source}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"keyword set {source}: invalid TOML: {exc}") from exc


# --- finding sets --------------------------------------------------------------------------------


def _builtin_dir() -> Traversable:
    return resources.files("synthscope") / "data" / "keywords"


def builtin_set_names() -> list[str]:
    """Names of the keyword sets shipped with synthscope, sorted."""
    files = (entry.name for entry in _builtin_dir().iterdir())
    return sorted(name.removesuffix(".toml") for name in files if name.endswith(".toml"))


@cache
def _load_builtin(name: str) -> KeywordSet:
    source = f"{name}.toml (built-in)"
    return _parse_keyword_set(_read_toml(_builtin_dir() / f"{name}.toml", source), source, name)


def _user_sets(extra_dirs: Iterable[Path]) -> dict[str, Path]:
    """NAME -> file for every NAME.toml in the user's directories; refuses shadowing and doubles."""
    builtins, found = set(builtin_set_names()), dict[str, Path]()
    for directory in extra_dirs:
        for path in sorted(Path(directory).glob("*.toml")) if Path(directory).is_dir() else ():
            if path.stem in builtins:
                raise UsageError(f"keyword set {path} has the name of a built-in set; rename it")
            if path.stem in found:
                raise UsageError(f"keyword set {path.stem!r} is defined twice: {found[path.stem]}")
            found[path.stem] = path
    return found


def _load_path(path: Path) -> KeywordSet:
    return _parse_keyword_set(_read_toml(path, str(path)), str(path), path.stem)


def _load_user(name: str, path: Path) -> KeywordSet:
    kset = _load_path(path)
    if kset.name != name:
        raise _fail(str(path), "top level", f"name {kset.name!r} differs from the file name")
    return kset


def _looks_like_path(name_or_path: str) -> bool:
    return name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path


def load_keyword_set(name_or_path: str, extra_dirs: Sequence[Path] = ()) -> KeywordSet:
    """Load a built-in set, a user set NAME.toml from ``extra_dirs``, or a ``.toml`` path.

    Raises UsageError for an unknown name or a user set that shadows a built-in, and InputError for
    a file that cannot be read or is not a valid keyword set (the message names the file).
    """
    if _looks_like_path(name_or_path):
        return _load_path(Path(name_or_path))
    user = _user_sets(extra_dirs)
    if name_or_path in builtin_set_names():
        return _load_builtin(name_or_path)
    if name_or_path in user:
        return _load_user(name_or_path, user[name_or_path])
    known = ", ".join([*builtin_set_names(), *sorted(user)])
    raise UsageError(f"unknown keyword set {name_or_path!r}; known sets: {known}")


def available_sets(extra_dirs: Sequence[Path] = ()) -> dict[str, str]:
    """Name -> description of every built-in and user set; raises like :func:`load_keyword_set`."""
    described = {name: _load_builtin(name).description for name in builtin_set_names()}
    user = _user_sets(extra_dirs)
    return described | {name: _load_user(name, path).description for name, path in user.items()}


# --- matching ------------------------------------------------------------------------------------
#
# Speed: Python's re slows down sharply with many capturing groups, with IGNORECASE and with
# patterns it must try at every character. So the English spellings of a set form ONE trie-shaped
# pattern without groups that starts with a space, run over a lowercased "skeleton" of the text in
# which separators (whitespace, "-", "_") are spaces and other punctuation is " \x01 ": re jumps
# from space to space in C, which is also the word-boundary rule, and "deep. fake" stays apart.
# Chinese spellings form a second trie run over the lowercased text. A matched span is mapped back
# to its terms by a dict lookup. Regex aliases (rare) are searched as written.

_SEP = "\0"  # trie token for "optional separators here"
_Hits = tuple[int, ...]
_NON_WORD = re.compile(f"[^{_WORD_CHAR}]+")
# Lowercases, blanks separators and marks other punctuation (\x01) in one pass; bytes.translate
# is several times faster than str.translate.
_ASCII_SKELETON = bytes(
    ord(chr(i).lower()) if chr(i).isalnum() else 32 if chr(i) in " \t\n\r\f\v-_" else 1
    for i in range(256)
)
# Characters that NFKC leaves alone or turns into punctuation only (checked by a test over every
# one of them): ASCII, Latin-1 letters, general and CJK punctuation, CJK ideographs, Hangul,
# full-width punctuation (not full-width letters or digits), emoji.
_NFKC_SAFE = re.compile(
    "[\x00-\x7f\u4e00-\u9fff\u3000-\u3037\u303b-\u303f\uff01-\uff0f\uff1a-\uff20"
    "\uff3b-\uff40\uff5b-\uff64\u2000-\u206f\u00c0-\u00ff\u3400-\u4dbf\uac00-\ud7a3"
    "\U0001f300-\U0001faff]*"
)
# Between two texts: a boundary but not a separator, so a word never runs on into the next text.
_JOINER = "\n\x01\n"
_ANY_SEP = r"[\s\-_\u2010\u2011]*"


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _fold(text: str) -> str:
    """NFKC where it can change a match: most CJK titles carry full-width punctuation, which
    NFKC would slowly rewrite into ASCII punctuation that matches the same way."""
    if text.isascii() or _NFKC_SAFE.fullmatch(text):
        return text
    return unicodedata.normalize("NFKC", text)


def _words(text: str, lang: str) -> list[str]:
    splitter = _NON_WORD if lang == "en" else _SEPARATORS
    return [word for word in splitter.split(_nfkc(text).lower()) if word]


@dataclass
class _Trie:
    children: dict[str, _Trie]
    end: bool = False

    def add(self, words: Sequence[str]) -> None:
        node = self
        for number, word in enumerate(words):
            for token in ([_SEP] if number else []) + list(word):
                node = node.children.setdefault(token, _Trie({}))
        node.end = True

    def regex(self, separator: str, tail: str, guard: bool = False) -> str:
        """Longer continuations first, so ``face swapping`` is tried before ``face swap``.

        ``guard`` (top level only) checks, after the first character, that no word character
        comes before it: starting with a plain character is what keeps re fast.
        """
        alternatives = []
        for token, child in sorted(self.children.items()):
            head = separator if token == _SEP else re.escape(token)
            check = f"(?<![{_WORD_CHAR}]{head})" if guard else ""
            alternatives.append(head + check + child.regex(separator, tail))
        alternatives += [tail] if self.end else []
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"


@dataclass(frozen=True)
class _Spelling:
    """One way to write a term, or a phrase that must not count for it (``excluded``)."""

    text: str
    lang: str
    term: int
    excluded: bool = False

    @property
    def is_regex(self) -> bool:
        return self.text.startswith(REGEX_PREFIX)


def _spellings(kset: KeywordSet) -> list[_Spelling]:
    found: list[_Spelling] = []
    for index, term in enumerate(kset.terms):
        found += [_Spelling(text, term.lang, index, excluded=True) for text in term.exclude]
        found += [_Spelling(text, term.lang, index) for text in (term.text, *term.aliases)]
    return found


_Implied = dict[_Spelling, _Hits]


class _Side:
    """The literal spellings of one language: compiled patterns, and a lookup from span to terms.

    English gets two patterns with the same meaning: ``narrow`` for ASCII text turned into a
    skeleton (lowercase words between single spaces), and ``wide`` for any other lowercased text.
    """

    def __init__(self, lang: str, spellings: Iterable[_Spelling], implied: _Implied) -> None:
        mine = [s for s in spellings if s.lang == lang and not s.is_regex]
        trie, self.keys, self.lang = _Trie({}), dict[str, _Hits](), lang
        for s in sorted(mine, key=lambda s: s.excluded):  # an exclusion overwrites a spelling
            words = _words(s.text, lang)
            trie.add(words)
            self.keys["".join(words)] = () if s.excluded else (s.term, *implied.get(s, ()))
        self.narrow = self.wide = None if not mine else re.compile(trie.regex(_ANY_SEP, ""))
        if mine and lang == "en":
            self.narrow = re.compile(" " + trie.regex(" *", "s?(?= )"))
            self.wide = re.compile(trie.regex(_ANY_SEP, _EN_AFTER, guard=True))
        self.ascii_text_may_match = any(s.text.isascii() for s in mine)
        self._spans: dict[str, _Hits] = {}

    def _lookup(self, span: str) -> _Hits:
        key = "".join(_words(span, self.lang))
        hits = self.keys.get(key)
        if hits is None:  # the optional English plural "s"
            hits = self.keys.get(key[:-1], ())
        self._spans[span] = hits
        return hits

    def scan(self, pattern: re.Pattern[str] | None, text: str, found: set[int]) -> None:
        """Add the terms that ``pattern`` (one of ours) finds in ``text`` to ``found``."""
        if pattern is None:
            return
        # findall() (no groups: whole spans) is one C call; finditer() or a search() loop costs
        # several times more on short texts. Spans repeat, so their terms are cached.
        spans = self._spans
        for span in pattern.findall(text):
            hits = spans.get(span)
            found.update(self._lookup(span) if hits is None else hits)


class _Compiled:
    """The compiled form of some spellings: ``find`` returns the term indices in a text."""

    def __init__(self, spellings: Sequence[_Spelling], implied: _Implied) -> None:
        self.en = _Side("en", spellings, implied)
        self.zh = _Side("zh", spellings, implied)
        flags = re.IGNORECASE
        self.regexes = [
            (re.compile(s.text.removeprefix(REGEX_PREFIX), flags), s.term)
            for s in spellings
            if s.is_regex and not s.excluded
        ]

    def find(self, text: str) -> set[int]:
        """Term indices found in ``text`` (already NFKC-normalised)."""
        found: set[int] = set()
        en, zh = self.en, self.zh
        if text.isascii():  # the common case, kept fast
            skeleton = text.encode().translate(_ASCII_SKELETON).replace(b"\x01", b" \x01 ")
            en.scan(en.narrow, f" {skeleton.decode()} ", found)
            if zh.ascii_text_may_match:
                zh.scan(zh.wide, text.lower(), found)
        else:
            lowered = text.lower()
            en.scan(en.wide, lowered, found)
            zh.scan(zh.wide, lowered, found)
        for pattern, term in self.regexes:
            if pattern.search(text):
                found.add(term)
        return found


def _implied(spellings: Sequence[_Spelling]) -> _Implied:
    """Other terms that a literal spelling contains: ``StyleGAN2`` also reports ``GAN``."""
    terms = sorted({s.term for s in spellings})
    per_term = {t: _Compiled([s for s in spellings if s.term == t], {}) for t in terms}
    return {
        s: tuple(t for t in terms if t != s.term and per_term[t].find(_nfkc(s.text)))
        for s in spellings
        if not (s.excluded or s.is_regex)
    }


class Matcher:
    """Finds a keyword set's terms in texts; compiles its patterns on first use."""

    def __init__(self, kset: KeywordSet) -> None:
        self.kset = kset
        self._compiled: _Compiled | None = None
        self._texts: tuple[str, ...] = ()

    def _compile(self) -> _Compiled:
        spellings = _spellings(self.kset)
        self._texts = tuple(term.text for term in self.kset.terms)
        self._compiled = _Compiled(spellings, _implied(spellings))
        return self._compiled

    def match(self, *texts: str | None) -> tuple[str, ...]:
        """Canonical texts of the terms found in ``texts``, in set order, each once."""
        compiled = self._compiled or self._compile()
        if len(texts) == 1 or (len(texts) == 2 and not texts[1]):
            text = texts[0]  # one text (a title without a description): nothing to join
        else:
            text = _JOINER.join(t for t in texts if t)
        if not text:
            return ()
        found = compiled.find(text if text.isascii() else _fold(text))
        if not found:
            return ()
        texts_of = self._texts
        return tuple([texts_of[i] for i in sorted(found)])

    def modality(self, matched: Sequence[str]) -> str | None:
        """The most frequent modality among the ``matched`` terms; ties go to the earlier term."""
        wanted = set(matched)
        ranked = [t.modality for t in self.kset.terms if t.text in wanted and t.modality]
        counts = Counter(ranked)
        return max(dict.fromkeys(ranked), key=counts.__getitem__, default=None)
