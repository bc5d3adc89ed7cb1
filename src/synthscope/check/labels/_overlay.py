"""Draw the visible label on images and on the opening seconds of videos."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
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
VIDEO_SECONDS = 2.0


def find_font(configured: Path | None) -> Path:
    """The configured font, else the first CJK font found in the system font folders.

    Raises:
        UsageError: none is found.
    """
    if configured is not None and configured.is_file():
        return configured
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


def _font(path: Path, size: tuple[int, int], text: str) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    target = math.ceil(MIN_HEIGHT * min(size)) + 1
    points = target
    while True:  # grow until the drawn glyphs (not the em box) are tall enough
        font = ImageFont.truetype(str(path), points)
        _left, top, _right, bottom = font.getbbox(text)
        if bottom - top >= target:
            return font
        points += 1


def draw_label(image: Image.Image, text: str, font_path: Path) -> Image.Image:
    """A copy of ``image`` with ``text`` in the bottom-right corner on a dark plate."""
    from PIL import Image, ImageDraw

    base = image.convert("RGBA")
    font = _font(font_path, base.size, text)
    left, top, right, bottom = font.getbbox(text)
    pad = max(2, (bottom - top) // 4)
    x = base.width - (right - left) - 3 * pad
    y = base.height - (bottom - top) - 3 * pad
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    plate = (x - pad, y - pad, x + right - left + pad, y + bottom - top + pad)
    draw.rounded_rectangle(plate, radius=pad, fill=(0, 0, 0, 160))
    draw.text((x - left, y - top), text, font=font, fill=(255, 255, 255, 255))
    return Image.alpha_composite(base, layer)


def label_image(media: Media, text: str, font: Path | None) -> bytes:
    """The image re-encoded in its own format with the label drawn."""
    image = media.image()
    drawn = draw_label(image, text, find_font(font))
    fmt = image.format or "PNG"
    keep_alpha = "A" in image.getbands() and fmt in ("PNG", "WEBP", "TIFF")
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": 95} if fmt == "JPEG" else {}
    drawn.convert("RGBA" if keep_alpha else "RGB").save(out, fmt, **options)
    return out.getvalue()


def label_video(media: Media, text: str, font: Path | None) -> bytes:
    """The video with the label on its first 2 s (H.264 re-encode); audio packets copied."""
    import av

    media.stream_info()
    font_path = find_font(font)
    out_buffer = io.BytesIO()
    muxer = "mp4" if media.type.family == "isobmff" else "matroska"
    try:
        source: Any = av.open(io.BytesIO(media.data))
        target: Any = av.open(out_buffer, "w", format=muxer)
        with source, target:
            _relabel(source, target, lambda picture: draw_label(picture, text, font_path))
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(
            f"Cannot re-encode {media.name}: {exc}.", zh=f"无法重新编码 {media.name}。"
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
