"""Visible labels that cannot be legible are refused, long text wraps, a font without the
notice's characters is refused, and audio (which gets a cue) refuses a text it would not use."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from synthscope.check.labels import _examples as ex
from synthscope.check.labels import _overlay
from synthscope.check.labels.explicit import ExplicitLabeler
from synthscope.config import Settings
from synthscope.errors import UsageError
from synthscope.media import Media

_LATIN = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(scope="module")
def cjk() -> Path:
    configured = Settings().label_font
    try:
        return _overlay.find_font(configured if configured and configured.is_file() else None)
    except UsageError:
        pytest.skip("no CJK font (install fonts-wqy-microhei or set SYNTHSCOPE_LABEL_FONT)")


@pytest.fixture(scope="module")
def latin() -> Path:
    if not _LATIN.is_file():
        pytest.skip("DejaVu Sans not installed (fonts-dejavu-core)")
    return _LATIN


@pytest.mark.parametrize(("width", "height"), [(1, 1000), (8, 8), (32, 32), (1000, 5)])
def test_a_picture_too_small_for_a_legible_notice_is_refused(
    cjk: Path, width: int, height: int
) -> None:
    media = Media.open(ex.image_bytes("PNG", width, height), name="small.png")
    with pytest.raises(UsageError, match="too small for a legible visible notice") as e:
        ExplicitLabeler(cjk).apply(media, "")
    assert "at least" in str(e.value) and e.value.zh and "至少" in e.value.zh


def test_the_smallest_picture_the_message_names_is_labelled(cjk: Path) -> None:
    with pytest.raises(UsageError) as e:
        ExplicitLabeler(cjk).apply(Media.open(ex.image_bytes("PNG", 8, 8), name="s.png"), "")
    width, height = (int(n) for n in str(e.value).split("at least ")[-1].split(" ")[0].split("x"))
    media = Media.open(ex.image_bytes("PNG", width, height), name="ok.png")
    out = media.replace(ExplicitLabeler(cjk).apply(media, ""))
    assert np.any(out.pixels() != media.pixels())


def test_long_text_wraps_inside_the_picture(cjk: Path) -> None:
    text = "AI生成 " + "这是一段较长的说明文字 with some English words " * 4
    placed = _overlay.layout((600, 400), text, cjk)
    assert len(placed.lines) > 1 and "".join(placed.lines).replace(" ", "") == text.replace(" ", "")
    assert placed.width() <= 600 - 4 * placed.pad and placed.height() <= 400 - 4 * placed.pad
    media = Media.open(ex.image_bytes("PNG", 600, 400), name="a.png")
    out = media.replace(ExplicitLabeler(cjk).apply(media, text))
    changed = np.any(out.pixels() != media.pixels(), axis=2)
    rows, cols = np.nonzero(changed)
    assert cols.min() > 0 and cols.max() < 599 and rows.min() > 0  # nothing clipped at an edge
    assert rows.max() - rows.min() + 1 >= len(placed.lines) * math.ceil(0.05 * 400)


def test_text_that_cannot_fit_even_wrapped_is_refused(cjk: Path) -> None:
    media = Media.open(ex.image_bytes("PNG", 400, 300), name="a.png")
    with pytest.raises(UsageError, match=r"does not fit .* give a shorter text") as e:
        ExplicitLabeler(cjk).apply(media, "AI生成" + "很长的文字" * 240)
    assert e.value.zh and "更短" in e.value.zh


def test_a_font_without_the_characters_is_refused(latin: Path) -> None:
    media = Media.open(ex.image_bytes("PNG", 400, 300), name="a.png")
    with pytest.raises(UsageError, match=r"DejaVuSans\.ttf has no glyph for 生 成") as e:
        ExplicitLabeler(latin).apply(media, "")
    assert e.value.zh and "DejaVuSans.ttf" in e.value.zh
    _overlay.check_glyphs(latin, "AI generated")  # what it has passes


def test_layout_with_any_font(latin: Path) -> None:
    """The same rules with a Latin font and text (no CJK font needed)."""
    with pytest.raises(UsageError, match="too small"):
        _overlay.layout((1, 1000), "AI generated", latin, "thin.png")
    placed = _overlay.layout((200, 300), "AI generated " * 6, latin)
    assert len(placed.lines) > 1 and placed.width() <= 200 - 4 * placed.pad
    with pytest.raises(UsageError, match="give a shorter text"):
        _overlay.layout((200, 300), "AI generated " * 200, latin)


def test_the_cjk_font_covers_the_notices(cjk: Path) -> None:
    from synthscope.check.labels.explicit import DEFAULT_TEXT, NOTICE

    _overlay.check_glyphs(cjk, DEFAULT_TEXT + NOTICE)


def test_a_configured_font_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is not a file"):
        _overlay.find_font(tmp_path / "missing.ttf")


def test_audio_refuses_a_text_it_would_not_use() -> None:
    media = Media.open(ex.audio_bytes("WAV", seconds=1.0), name="a.wav")
    with pytest.raises(UsageError, match="not a text") as e:
        ExplicitLabeler().apply(media, "AI生成的声音")
    assert e.value.zh and "不使用文字" in e.value.zh
    assert ExplicitLabeler().apply(media, "")  # the cue, as before
