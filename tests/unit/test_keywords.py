"""Keyword sets: loading, validation, user sets, and the matching rules."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthscope.errors import InputError, UsageError
from synthscope.observe.items import MODALITIES
from synthscope.observe.keywords import _NFKC_SAFE as NFKC_SAFE
from synthscope.observe.keywords import (
    KeywordSet,
    Matcher,
    Term,
    available_sets,
    builtin_set_names,
    load_keyword_set,
)


@pytest.fixture(scope="module")
def research() -> Matcher:
    return Matcher(load_keyword_set("research"))


@pytest.fixture(scope="module")
def content() -> Matcher:
    return Matcher(load_keyword_set("content"))


RESEARCH_CASES = [
    ("GAN inversion", ("GAN",)),
    ("Training GANs is hard", ("GAN",)),
    ("A GAN-based method", ("GAN",)),
    ("CycleGAN for unpaired translation", ("GAN",)),
    ("AttnGAN and InfoGAN", ("GAN",)),
    ("DCGAN", ("GAN",)),
    ("real-esrgan", ("GAN",)),
    ("(GAN)", ("GAN",)),
    ("用GAN生成人脸", ("GAN",)),
    ("ＧＡＮ 全角", ("GAN",)),
    ("gan", ("GAN",)),
    ("The organ of Corti", ()),
    ("Ganges river delta", ()),
    ("A slogan began with a vegan", ()),
    ("ORGAN TRANSPLANT", ()),
    ("xgan", ()),
    ("StyleGAN2 editing", ("StyleGAN", "GAN")),
    ("HiFi-GAN: efficient vocoder", ("vocoder", "GAN")),
    ("audio deepfakes", ("audio deepfake", "deepfake")),
    ("NeRFs in the wild", ("NeRF",)),
    ("nerf-pytorch", ("NeRF",)),
    ("Neural Radiance Fields for view synthesis", ("NeRF",)),
    ("Nerfed builds", ()),
    ("Text to speech with Tacotron 2", ("text-to-speech",)),
    ("TTS", ("text-to-speech",)),
    ("Face swapping and face-swap", ("face swap",)),
    ("GPT-2 and GPT3", ("large language model",)),
    ("a language model for retrieval", ()),
    ("deep. fake", ()),
    ("text to. speech synthesis", ("speech synthesis",)),
]

CONTENT_CASES = [
    ("Deepfakes compilation", ("deepfake",)),
    ("DeepFake", ("deepfake",)),
    ("deep-fake", ("deepfake",)),
    ("deep  fake", ("deepfake",)),
    ("deepfake_detection", ("deepfake",)),
    ("Ｄｅｅｐｆａｋｅ", ("deepfake",)),
    ("xdeepfake", ()),
    ("faceswap", ("face swap",)),
    ("AI换脸 教程", ("换脸",)),
    ("【ＡＩ换脸】杨幂", ("换脸",)),
    ("《Deepfakes》换脸", ("deepfake", "换脸")),
    ("深度伪造和深度合成", ("深度伪造", "深度合成")),
    ("虚拟数字人直播", ("数字人",)),
    ("数字人民币试点", ()),
    ("变换脸型的技巧", ()),
    ("lip sync battle", ()),
    ("AI lip-sync of a painting", ("AI lip sync",)),
]


@pytest.mark.parametrize(("text", "expected"), RESEARCH_CASES)
def test_research_matches(research: Matcher, text: str, expected: tuple[str, ...]) -> None:
    assert research.match(text) == expected


@pytest.mark.parametrize(("text", "expected"), CONTENT_CASES)
def test_content_matches(content: Matcher, text: str, expected: tuple[str, ...]) -> None:
    assert content.match(text) == expected


def test_match_joins_texts_and_skips_missing(content: Matcher) -> None:
    assert content.match(None, "数字人", "", "a deepfake") == ("deepfake", "数字人")
    assert content.match() == ()
    assert content.match(None, "") == ()


def test_match_does_not_join_words_across_texts(content: Matcher) -> None:
    assert content.match("deep", "fake") == ()


def test_matches_come_in_set_order_once(research: Matcher) -> None:
    order = [term.text for term in research.kset.terms]
    found = research.match("GAN, vocoder, GAN again, TTS and a GAN-based vocoder")
    assert found == tuple(sorted(set(found), key=order.index))
    assert set(found) == {"GAN", "vocoder", "text-to-speech"}


def test_modality_is_the_most_frequent(research: Matcher) -> None:
    assert research.modality(["GAN", "NeRF", "vocoder"]) == "image_video"
    assert research.modality(["vocoder", "text-to-speech", "GAN"]) == "audio"
    assert research.modality([]) is None
    assert research.modality(["not a term"]) is None


def test_modality_ties_go_to_the_earlier_term(research: Matcher) -> None:
    # vocoder comes before GAN in the research set
    assert research.modality(["GAN", "vocoder"]) == "audio"
    assert research.modality(research.match("HiFi-GAN")) == "audio"


def test_builtin_sets() -> None:
    assert builtin_set_names() == ["content", "research"]
    assert set(available_sets()) == {"content", "research"}
    assert all(available_sets().values())


def test_content_set_is_bilingual_and_big_enough() -> None:
    terms = load_keyword_set("content").terms
    assert len(terms) >= 12
    assert {term.lang for term in terms} == {"zh", "en"}
    texts = {term.text for term in terms}
    assert {"deepfake", "深度伪造", "深度合成", "换脸", "face swap", "voice cloning"} <= texts


def test_research_set_has_a_modality_for_every_term() -> None:
    terms = load_keyword_set("research").terms
    assert len(terms) >= 18
    assert all(term.modality in MODALITIES for term in terms)
    assert {term.modality for term in terms} == set(MODALITIES)
    assert {"GAN", "NeRF", "text-to-speech", "StyleGAN", "diffusion model"} <= {
        term.text for term in terms
    }


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


GOOD = 'name = "mine"\ndescription = "my terms"\n[[term]]\ntext = "cheapfake"\nlang = "en"\n'

BAD_SETS = [
    ('[[term]]\nlang = "en"\n', "missing 'text'"),
    ('[[term]]\ntext = "x"\nmodality = "video"\n', "bad modality 'video'"),
    ('[[term]]\ntext = "x"\nlang = "fr"\n', "bad lang 'fr'"),
    ('[[term]]\ntext = "deepfake"\n[[term]]\ntext = "Deep Fakes"\n', "duplicate term"),
    ('[[term]]\ntext = "a"\naliases = ["b", "A"]\n[[term]]\ntext = "b"\n', "duplicate term"),
    ('[[term]]\ntext = "x"\nmodalty = "audio"\n', "unknown key 'modalty'"),
    ('[[term]]\ntext = "x"\naliases = "y"\n', "'aliases' must be a list"),
    ('[[term]]\ntext = "x"\naliases = ["re:(unclosed"]\n', "bad regular expression"),
    ('[[term]]\ntext = "x"\naliases = ["re:(?P<g>x)"]\n', "named groups"),
    ('[[term]]\ntext = "x"\nexclude = ["re:y"]\n', "plain phrases"),
    ('[[term]]\ntext = "--"\n', "no letters or digits"),
    ('[[term]]\ntext = "re:x+"\n', "'text' must be plain"),
    ('description = "empty"\n', "no [[term]] tables"),
    ("[[term]\ntext = 1\n", "invalid TOML"),
    ('colour = "blue"\n[[term]]\ntext = "x"\n', "unknown key 'colour'"),
]


@pytest.mark.parametrize(("body", "problem"), BAD_SETS)
def test_invalid_sets_name_the_file_and_the_problem(
    tmp_path: Path, body: str, problem: str
) -> None:
    path = _write(tmp_path, "broken.toml", body)
    with pytest.raises(InputError) as caught:
        load_keyword_set(str(path))
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(InputError, match=r"nowhere\.toml"):
        load_keyword_set(str(missing))


def test_set_by_path(tmp_path: Path) -> None:
    kset = load_keyword_set(str(_write(tmp_path, "mine.toml", GOOD)))
    assert kset == KeywordSet("mine", "my terms", (Term("cheapfake", "en"),))
    assert Matcher(kset).match("Cheapfakes everywhere") == ("cheapfake",)


def test_lang_defaults_from_the_script(tmp_path: Path) -> None:
    body = '[[term]]\ntext = "深度伪造"\n[[term]]\ntext = "deepfake"\n'
    kset = load_keyword_set(str(_write(tmp_path, "guess.toml", body)))
    assert [term.lang for term in kset.terms] == ["zh", "en"]
    assert kset.name == "guess"


def test_user_set_from_extra_dirs(tmp_path: Path) -> None:
    _write(tmp_path, "mine.toml", GOOD)
    assert load_keyword_set("mine", [tmp_path]).name == "mine"
    assert available_sets([tmp_path / "absent", tmp_path])["mine"] == "my terms"


def test_user_set_name_must_match_its_file(tmp_path: Path) -> None:
    _write(tmp_path, "other.toml", GOOD)
    with pytest.raises(InputError, match=r"other\.toml"):
        load_keyword_set("other", [tmp_path])


def test_user_set_may_not_shadow_a_builtin(tmp_path: Path) -> None:
    _write(tmp_path, "content.toml", GOOD.replace("mine", "content"))
    with pytest.raises(UsageError, match="built-in"):
        load_keyword_set("content", [tmp_path])
    with pytest.raises(UsageError):
        available_sets([tmp_path])


def test_user_set_defined_twice_is_refused(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        _write(tmp_path / folder, "mine.toml", GOOD)
    with pytest.raises(UsageError, match="twice"):
        load_keyword_set("mine", [tmp_path / "a", tmp_path / "b"])


def test_unknown_name_lists_the_known_sets(tmp_path: Path) -> None:
    _write(tmp_path, "mine.toml", GOOD)
    with pytest.raises(UsageError) as caught:
        load_keyword_set("nonesuch", [tmp_path])
    assert "content" in str(caught.value)
    assert "mine" in str(caught.value)


def test_matcher_compiles_lazily() -> None:
    # Constructing does no work: a broken pattern only fails on first use.
    broken = KeywordSet("broken", "", (Term("x", "en", None, ("re:(",)),))
    matcher = Matcher(broken)
    with pytest.raises(Exception, match="missing"):
        matcher.match("x")


def test_exclusions_only_block_their_own_phrase(content: Matcher) -> None:
    assert content.match("数字人民币和数字人") == ("数字人",)


def test_nfkc_safe_characters_never_change_a_match() -> None:
    """Texts made only of these skip NFKC; NFKC must leave each alone or make it punctuation."""
    for code in range(0x110000):
        char = chr(code)
        if NFKC_SAFE.fullmatch(char):
            folded = unicodedata.normalize("NFKC", char)
            assert folded == char or not any(c.isalnum() for c in folded), hex(code)


_terms = load_keyword_set("research").terms + load_keyword_set("content").terms
_filler = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", max_size=30)


@settings(max_examples=200, deadline=None)
@given(before=_filler, term=st.sampled_from(_terms), after=_filler)
def test_a_term_set_apart_is_always_found(before: str, term: Term, after: str) -> None:
    kset = load_keyword_set("research" if term.modality else "content")
    found = Matcher(kset).match(f"{before} {term.text} {after}")
    assert term.text in found
    assert len(set(found)) == len(found)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_matches_to_known_terms_in_order(research: Matcher, text: str) -> None:
    order = [term.text for term in research.kset.terms]
    found = research.match(text)
    assert all(term in order for term in found)
    assert list(found) == sorted(set(found), key=order.index)
