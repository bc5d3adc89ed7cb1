"""Draw the visible label on images and on the opening seconds of videos."""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthscope.errors import MediaError, UsageError

if TYPE_CHECKING:
    from PIL import Image, ImageFont

    from synthscope.media import Media

# where Debian's CJK font packages put their fonts (fonts-wqy-microhei, fonts-noto-cjk)
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
_FONT_NAMES = (
    "wqy-microhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "wqy-zenhei.ttc",
    "NotoSansSC-Regular.otf",
)
MIN_HEIGHT = 0.05  # of the shortest side (GB 45438 5.2)
MIN_PIXELS = 12  # and never smaller: the smallest text size commonly held legible on screens
SHORTEST = "AI生成"  # the shortest notice with both of the standard's elements
# what a line may break after: spaces, each CJK character, a run of anything else
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_PIECES = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
VIDEO_SECONDS = 2.0


def find_font(configured: Path | None) -> Path:
    """The configured font, else the first CJK font found in the system font folders.

    Raises:
        UsageError: the configured font is not a file, or none is found.
    """
    if configured is not None:
        if configured.is_file():
            return configured
        raise UsageError(
            f"The label font {configured} (SYNTHSCOPE_LABEL_FONT) is not a file.",
            zh=f"标识字体 {configured}（SYNTHSCOPE_LABEL_FONT）不是文件。",
        )
    for folder in map(Path, _FONT_DIRS):
        for name in _FONT_NAMES:
            found = next(iter(folder.rglob(name)), None) if folder.is_dir() else None
            if found:
                return found
    raise UsageError(
        "No CJK font found for the visible label; install fonts-wqy-microhei or set "
        "SYNTHSCOPE_LABEL_FONT.",
        zh="找不到可显示中文的字体；请安装 fonts-wqy-microhei 或设置 SYNTHSCOPE_LABEL_FONT。",
    )


def _font(path: Path, target: int, text: str) -> ImageFont.FreeTypeFont:
    """The smallest size at which the drawn glyphs of ``text`` (not the em box) are ``target``
    pixels tall."""
    from PIL import ImageFont

    points = target
    while True:
        font = ImageFont.truetype(str(path), points)
        _left, top, _right, bottom = font.getbbox(text)
        if bottom - top >= target or points > 4 * target:
            return font
        points += 1


def check_glyphs(path: Path, text: str) -> None:
    """Refuse a font that draws some character of ``text`` as its "missing glyph" box.

    A character is missing when its bitmap is the one the font draws for a code point no font
    maps (U+10FFFD), or empty while that is empty too.

    Raises:
        UsageError: the font lacks a glyph (the characters are named).
    """
    from PIL import ImageFont

    font = ImageFont.truetype(str(path), 24)
    notdef = font.getmask("\U0010fffd")
    blank = notdef.getbbox() is None
    missing = [
        ch
        for ch in dict.fromkeys(text)
        if unicodedata.category(ch)[0] not in "ZC" and _same_mask(font.getmask(ch), notdef, blank)
    ]
    if missing:
        chars = " ".join(missing[:12])
        raise UsageError(
            f"The font {path.name} has no glyph for {chars}: the notice would show boxes; set "
            "SYNTHSCOPE_LABEL_FONT to a font that covers it (for Chinese, a CJK font such as "
            "WenQuanYi Micro Hei).",
            zh=f"字体 {path.name} 缺少字符 {chars} 的字形，提示文字会显示为方框；请将 "
            "SYNTHSCOPE_LABEL_FONT 设为包含这些字符的字体（中文需 CJK 字体，如文泉驿微米黑）。",
        )


def _same_mask(mask: Any, notdef: Any, blank: bool) -> bool:
    if blank:
        return mask.getbbox() is None
    return bool(mask.size == notdef.size and bytes(mask) == bytes(notdef))


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the notice goes on a picture of one size: the font, its lines and their corner."""

    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]
    line_height: int
    pad: int

    def width(self) -> int:
        """Width of the widest line."""
        return max(math.ceil(self.font.getlength(line)) for line in self.lines)

    def height(self) -> int:
        """Height of the block of lines."""
        return len(self.lines) * self.line_height + (len(self.lines) - 1) * self.pad


def layout(size: tuple[int, int], text: str, font_path: Path, name: str = "") -> Layout:
    """The notice laid out for a picture of ``size``: glyphs at least 5% of the shortest side
    (GB 45438) and never under MIN_PIXELS (legibility), wrapped to the picture's width.

    Raises:
        UsageError: the font lacks a character, or the picture is too small for the notice.
    """
    check_glyphs(font_path, text)
    target = max(math.ceil(MIN_HEIGHT * min(size)) + 1, MIN_PIXELS)
    font = _font(font_path, target, text)
    _left, top, _right, bottom = font.getbbox(text)
    line_height = math.ceil(bottom - top)
    pad = max(2, line_height // 4)
    room = (size[0] - 4 * pad, size[1] - 4 * pad)
    lines = _wrap(text, font, room[0])
    placed = Layout(font, tuple(lines), line_height, pad) if lines else None
    if placed is not None and placed.height() <= room[1]:
        return placed
    # Too small for any notice (the shortest valid one, on one line), or too small for this text
    shortest = _one_line(font_path, SHORTEST)
    if placed is None or size[0] < shortest[0] or size[1] < shortest[1]:
        raise _too_small(size, text, font_path, name)
    raise _too_long(size, text, len(placed.lines), name)


def _too_long(size: tuple[int, int], text: str, lines: int, name: str) -> UsageError:
    what = f"{name} ({size[0]}x{size[1]} pixels)" if name else f"a {size[0]}x{size[1]} picture"
    what_zh = f"{name}（{size[0]}x{size[1]} 像素）" if name else f"{size[0]}x{size[1]} 的画面"
    return UsageError(
        f"The visible notice ({len(text)} characters) does not fit on {what} at the required "
        f"size (5% of the shortest side, at least {MIN_PIXELS} px), even in {lines} lines; "
        "give a shorter text.",
        zh=f"提示文字（{len(text)} 个字符）在规定字号下（最短边的 5%，且至少 {MIN_PIXELS} 像素）"
        f"即使分成 {lines} 行也放不下 {what_zh}；请改用更短的文字。",
    )


def _one_line(font_path: Path, text: str) -> tuple[int, int]:
    """The smallest picture that holds ``text`` on one line at the smallest legible size."""
    font = _font(font_path, MIN_PIXELS, text)
    _left, top, _right, bottom = font.getbbox(text)
    height = math.ceil(bottom - top)
    pad = max(2, height // 4)
    return math.ceil(font.getlength(text)) + 4 * pad, height + 4 * pad


def _too_small(size: tuple[int, int], text: str, font_path: Path, name: str) -> UsageError:
    need = _one_line(font_path, text)
    shown = text if len(text) <= 40 else text[:37] + "..."
    what = f"{name} is {size[0]}x{size[1]} pixels" if name else f"A {size[0]}x{size[1]} picture is"
    what_zh = f"{name} 为 {size[0]}x{size[1]} 像素" if name else f"{size[0]}x{size[1]} 的画面"
    return UsageError(
        f"{what}: too small for a legible visible notice {shown!r} at 5% of its shortest side "
        f"(at least {MIN_PIXELS} px tall); on one line it needs at least "
        f"{need[0]}x{need[1]} pixels (or give a shorter text).",
        zh=f"{what_zh}，太小，无法清晰显示提示“{shown}”（字高须不低于最短边的 5%，且至少 "
        f"{MIN_PIXELS} 像素）；单行显示至少需要 {need[0]}x{need[1]} 像素（或改用更短的文字）。",
    )


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str] | None:
    """``text`` broken into lines no wider than ``width``: at spaces where it can, between any
    two characters of Chinese (or of a word longer than a line); None when a character alone is
    too wide."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for piece in _PIECES.findall(paragraph):
            trial = line + piece
            if font.getlength(trial) <= width:
                line = trial
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = piece.lstrip()
            while font.getlength(line) > width:
                cut = _fit(line, font, width)
                if cut == 0:
                    return None
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return [line for line in lines if line] or None


def _fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many leading characters of ``text`` fit in ``width``."""
    n = 0
    while n < len(text) and font.getlength(text[: n + 1]) <= width:
        n += 1
    return n


def draw_label(
    image: Image.Image, text: str, font_path: Path, placed: Layout | None = None
) -> Image.Image:
    """A copy of ``image`` (RGBA) with ``text`` in the bottom-right corner on a dark plate.

    Raises:
        UsageError: the picture is too small for the notice, or the font lacks a character.
    """
    from PIL import Image, ImageDraw

    base = image.convert("RGBA")
    placed = placed or layout(base.size, text, font_path)
    font, pad = placed.font, placed.pad
    width, height = placed.width(), placed.height()
    x = base.width - width - 3 * pad
    y = base.height - height - 3 * pad
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    plate = (x - pad, y - pad, x + width + pad, y + height + pad)
    draw.rounded_rectangle(plate, radius=pad, fill=(0, 0, 0, 160))
    top = font.getbbox(text)[1]
    for i, line in enumerate(placed.lines):
        at = (x - font.getbbox(line)[0], y - top + i * (placed.line_height + pad))
        draw.text(at, line, font=font, fill=(255, 255, 255, 255))
    return Image.alpha_composite(base, layer)


def label_image(media: Media, text: str, font: Path | None) -> bytes:
    """The image re-encoded in its own format with the label drawn; transparency is kept.

    Raises:
        UsageError: the image is too small for the notice, or the font lacks a character.
    """
    image = media.image()
    font_path = find_font(font)
    drawn = draw_label(image, text, font_path, layout(image.size, text, font_path, media.name))
    fmt = image.format or "PNG"
    keep_alpha = _has_alpha(image) and fmt in ("PNG", "WEBP", "TIFF")
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": 95} if fmt == "JPEG" else {}
    drawn.convert("RGBA" if keep_alpha else "RGB").save(out, fmt, **options)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def label_video(media: Media, text: str, font: Path | None) -> bytes:
    """The video with the label on its first 2 s (H.264 re-encode); audio packets copied.

    Raises:
        UsageError: the frames are too small for the notice, or the font lacks a character.
        MediaError: the video cannot be decoded or encoded.
    """
    import av

    from synthscope.check.labels._plain import reason

    info = media.stream_info()
    font_path = find_font(font)
    placed = layout((info.width, info.height), text, font_path, media.name)  # before encoding
    out_buffer = io.BytesIO()
    muxer = "mp4" if media.type.family == "isobmff" else "matroska"
    try:
        source: Any = av.open(io.BytesIO(media.data))
        target: Any = av.open(out_buffer, "w", format=muxer)
        with source, target:
            _relabel(source, target, lambda picture: draw_label(picture, text, font_path, placed))
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(
            f"Cannot re-encode {media.name} ({reason(exc)}).",
            zh=f"无法重新编码 {media.name}（{reason(exc)}）。",
        ) from exc
    return out_buffer.getvalue()


def _relabel(source: Any, target: Any, draw: Callable[[Image.Image], Image.Image]) -> None:
    import av

    vin = source.streams.video[0]
    vout = target.add_stream("libx264", rate=vin.average_rate or 25)
    vout.width, vout.height = vin.codec_context.width, vin.codec_context.height
    vout.pix_fmt, vout.options = "yuv420p", {"crf": "18"}
    audio = {s.index: target.add_stream_from_template(s) for s in source.streams.audio}
    for packet in source.demux():
        if packet.stream.index in audio and packet.size:
            packet.stream = audio[packet.stream.index]
            target.mux(packet)
        elif packet.stream is vin:
            for frame in packet.decode():
                picture = frame.to_image()
                if float(frame.time or 0.0) < VIDEO_SECONDS:
                    picture = draw(picture).convert("RGB")
                new = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]
                target.mux(vout.encode(new))
    target.mux(vout.encode(None))
