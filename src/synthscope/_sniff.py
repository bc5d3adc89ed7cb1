"""Recognise a file's real type from its first bytes, never from its name.

Each type belongs to a *family* of container formats; a file whose extension names another family
than its content is lying about itself (``photo.png`` that is a JPEG). Extensions inside one family
are interchangeable (``.mov`` for an MP4, ``.webm`` for a Matroska file).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

_OOXML = "application/vnd.openxmlformats-officedocument."


@dataclass(frozen=True, slots=True)
class FileType:
    """What a file is: MIME type, kind (image|video|audio|text|other) and container family."""

    mime: str
    kind: str
    family: str


_EXT_FAMILY = {
    **dict.fromkeys(("jpg", "jpeg", "jpe", "jfif"), "jpeg"),
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    **dict.fromkeys(("tif", "tiff"), "tiff"),
    "bmp": "bmp",
    **dict.fromkeys(("mp4", "m4v", "m4a", "mov", "3gp", "heic", "heif", "avif"), "isobmff"),
    **dict.fromkeys(("mkv", "mka", "webm"), "matroska"),
    "wav": "wav",
    "mp3": "mp3",
    "flac": "flac",
    **dict.fromkeys(("ogg", "oga", "ogv", "opus"), "ogg"),
    "pdf": "pdf",
    **dict.fromkeys(("docx", "xlsx", "pptx"), "ooxml"),
    **dict.fromkeys(("md", "markdown", "txt", "text"), "text"),
}

_SIMPLE = (
    (b"\xff\xd8\xff", FileType("image/jpeg", "image", "jpeg")),
    (b"\x89PNG\r\n\x1a\n", FileType("image/png", "image", "png")),
    (b"GIF87a", FileType("image/gif", "image", "gif")),
    (b"GIF89a", FileType("image/gif", "image", "gif")),
    (b"II*\x00", FileType("image/tiff", "image", "tiff")),
    (b"MM\x00*", FileType("image/tiff", "image", "tiff")),
    (b"BM", FileType("image/bmp", "image", "bmp")),
    (b"fLaC", FileType("audio/flac", "audio", "flac")),
    (b"OggS", FileType("audio/ogg", "audio", "ogg")),
    (b"ID3", FileType("audio/mpeg", "audio", "mp3")),
    (b"%PDF-", FileType("application/pdf", "other", "pdf")),
)

OTHER = FileType("application/octet-stream", "other", "other")


def extension_family(name: str) -> str | None:
    """The family an extension claims, or None when it claims nothing we know."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _EXT_FAMILY.get(ext)


def sniff(data: bytes, name: str = "") -> FileType:
    """The type of ``data`` from its content (``name`` only separates Markdown from plain text)."""
    for magic, file_type in _SIMPLE:
        if data.startswith(magic):
            return file_type
    return (
        _riff(data)
        or _isobmff(data)
        or _matroska(data)
        or _mp3(data)
        or _zip(data)
        or _text(data, name)
    )


def _riff(data: bytes) -> FileType | None:
    if data[:4] != b"RIFF":
        return None
    form = data[8:12]
    if form == b"WEBP":
        return FileType("image/webp", "image", "webp")
    if form == b"WAVE":
        return FileType("audio/wav", "audio", "wav")
    return None


def _isobmff(data: bytes) -> FileType | None:
    if data[4:8] != b"ftyp":
        return None
    brands = {data[i : i + 4] for i in range(8, min(int.from_bytes(data[:4], "big"), 64), 4)}
    if brands & {b"heic", b"heix", b"mif1", b"msf1", b"avif"}:
        return FileType("image/heif", "image", "isobmff")
    if data[8:12] == b"qt  ":
        return FileType("video/quicktime", "video", "isobmff")
    if data[8:12] in (b"M4A ", b"M4B "):
        return FileType("audio/mp4", "audio", "isobmff")
    return FileType("video/mp4", "video", "isobmff")


def _matroska(data: bytes) -> FileType | None:
    if not data.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    if b"webm" in data[:64]:
        return FileType("video/webm", "video", "matroska")
    return FileType("video/x-matroska", "video", "matroska")


def _mp3(data: bytes) -> FileType | None:
    # an MPEG audio frame header: 11 sync bits, layer III, not a reserved bitrate
    if len(data) > 3 and data[0] == 0xFF and (data[1] & 0xE6) == 0xE2 and data[2] & 0xF0 != 0xF0:
        return FileType("audio/mpeg", "audio", "mp3")
    return None


def _zip(data: bytes) -> FileType | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return FileType("application/zip", "other", "zip")
    for folder, mime in (
        ("word/", "wordprocessingml.document"),
        ("xl/", "spreadsheetml.sheet"),
        ("ppt/", "presentationml.presentation"),
    ):
        if any(n.startswith(folder) for n in names):
            return FileType(_OOXML + mime, "text", "ooxml")
    return FileType("application/zip", "other", "zip")


def _text(data: bytes, name: str) -> FileType:
    head = data[:65536]
    if b"\x00" in head:
        return OTHER
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a character cut at the 64 KiB boundary is fine
            return OTHER
    markdown = name.lower().endswith((".md", ".markdown")) or head.startswith(b"---\n")
    return FileType("text/markdown" if markdown else "text/plain", "text", "text")
