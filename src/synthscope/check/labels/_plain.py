"""Plain words for what third-party libraries say: no object reprs, no errno numbers.

Pillow says ``cannot identify image file <_io.BytesIO object at 0x7f...>`` and FFmpeg
``[Errno 1094995529] Invalid data found when processing input: '<none>'``; a user should read
"not a readable JPEG image (cannot identify image file)". The library's own words stay, in
brackets, cleaned of what only means something inside this process.
"""

from __future__ import annotations

import re

from synthscope.errors import os_words
from synthscope.media import Media

_REPR = re.compile(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>")
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_NO_NAME = re.compile(r":\s*'<none>'")
_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/heif": "HEIF",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/webm": "WebM",
    "video/x-matroska": "Matroska",
    "audio/mp4": "M4A",
    "audio/wav": "WAV",
    "audio/mpeg": "MP3",
    "audio/flac": "FLAC",
    "audio/ogg": "Ogg",
}
_KINDS = {"image": ("image", "图片"), "video": ("video", "视频"), "audio": ("audio file", "音频")}


def reason(exc: BaseException) -> str:
    """The exception's message without object reprs, errno numbers or a trailing period."""
    text = _NO_NAME.sub("", _ERRNO.sub("", _REPR.sub("", str(exc))))
    return text.strip().rstrip(".") or type(exc).__name__


def what(media: Media, article: bool = True) -> tuple[str, str]:
    """What the file is, in words: ("a JPEG image", "JPEG 图片"), or without the article."""
    fmt = _FORMATS.get(media.mime, media.mime)
    en, zh = _KINDS.get(media.kind, ("file", "文件"))
    a = ("an " if fmt in ("MP4", "MP3", "M4A", "MOV", "Ogg") else "a ") if article else ""
    return f"{a}{fmt} {en}", f"{fmt} {zh}"


def os_reason(exc: OSError) -> tuple[str, str]:
    """Why a file operation failed, in English and Chinese (the wording ``Media`` uses)."""
    return os_words(exc)
