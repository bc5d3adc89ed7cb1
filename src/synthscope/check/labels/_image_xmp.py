"""Find and replace the XMP packet of JPEG, PNG, WebP, TIFF and GIF files without re-encoding.

Each writer copies every byte of the image data and changes only the metadata container, so the
decoded pixels are identical before and after. Readers return the raw packet or None.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator

_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_PNG_XMP = b"XML:com.adobe.xmp"
_GIF_XMP = b"\x21\xff\x0bXMP DataXMP"
_GIF_TRAILER = bytes([1, *range(255, -1, -1), 0])
_MAX_XMP = 16 << 20


class ContainerError(ValueError):
    """The file's structure cannot be walked, or cannot carry the packet."""


# JPEG: APP1 segment "http://ns.adobe.com/xap/1.0/\0" + packet, before the first non-APP marker


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of each segment from SOI up to (not including) SOS."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ContainerError("JPEG marker expected")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xDA or marker == 0xD9:
            return
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        yield marker, pos, pos + 2 + length
        pos += 2 + length
    raise ContainerError("JPEG ends before its image data")


def _is_jpeg_xmp(data: bytes, marker: int, start: int) -> bool:
    return marker == 0xE1 and data[start + 4 : start + 4 + len(_JPEG_XMP)] == _JPEG_XMP


def jpeg_read(data: bytes) -> bytes | None:
    for marker, start, end in _jpeg_segments(data):
        if _is_jpeg_xmp(data, marker, start):
            return data[start + 4 + len(_JPEG_XMP) : end]
    return None


def jpeg_write(data: bytes, packet: bytes) -> bytes:
    payload = _JPEG_XMP + packet
    if len(payload) + 2 > 0xFFFF:
        raise ContainerError("XMP packet too large for one JPEG segment")
    segments = list(_jpeg_segments(data))
    tail = segments[-1][2] if segments else 2
    parts = [(m, data[s:e]) for m, s, e in segments if not _is_jpeg_xmp(data, m, s)]
    n = 0
    while n < len(parts) and parts[n][0] in (0xE0, 0xE1):
        n += 1  # after JFIF / Exif, where XMP writers place it
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    head, rest = b"".join(p for _, p in parts[:n]), b"".join(p for _, p in parts[n:])
    return data[:2] + head + segment + rest + data[tail:]


# PNG: iTXt chunk with keyword XML:com.adobe.xmp, placed before the first IDAT


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    pos = 8
    while pos + 12 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        yield kind, pos, pos + 12 + length
        if kind == b"IEND":
            return
        pos += 12 + length
    raise ContainerError("PNG ends without IEND")


def _png_xmp(body: bytes) -> bytes | None:
    keyword, _, rest = body.partition(b"\x00")
    if keyword != _PNG_XMP or len(rest) < 2:
        return None
    compressed = rest[0] == 1
    _lang, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if not compressed:
        return text
    inflater = zlib.decompressobj()
    out = inflater.decompress(text, _MAX_XMP)
    if inflater.unconsumed_tail:
        raise ContainerError("compressed XMP larger than 16 MiB")
    return out


def png_read(data: bytes) -> bytes | None:
    for kind, start, end in _png_chunks(data):
        if kind == b"iTXt":
            found = _png_xmp(data[start + 8 : end - 4])
            if found is not None:
                return found
    return None


def png_write(data: bytes, packet: bytes) -> bytes:
    body = _PNG_XMP + b"\x00\x00\x00\x00\x00" + packet
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(chunk[4:]) & 0xFFFFFFFF)
    out, placed = [data[:8]], False
    for kind, start, end in _png_chunks(data):
        if kind == b"iTXt" and _png_xmp(data[start + 8 : end - 4]) is not None:
            continue
        if kind == b"IDAT" and not placed:
            out.append(chunk)
            placed = True
        out.append(data[start:end])
    return b"".join(out)


# WebP: "XMP " chunk at the end and the XMP flag in VP8X (created when the file is simple)


def _riff_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    pos, end = 12, min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while pos + 8 <= end:
        size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        yield data[pos : pos + 4], pos, min(pos + 8 + size + (size & 1), len(data))
        pos += 8 + size + (size & 1)


def riff_chunk(kind: bytes, body: bytes) -> bytes:
    """One RIFF chunk, padded to an even size."""
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def webp_read(data: bytes) -> bytes | None:
    for kind, start, _end in _riff_chunks(data):
        if kind == b"XMP ":
            size = struct.unpack("<I", data[start + 4 : start + 8])[0]
            return data[start + 8 : start + 8 + size]
    return None


def webp_write(data: bytes, packet: bytes, size: tuple[int, int], alpha: bool) -> bytes:
    chunks = [(k, data[s:e]) for k, s, e in _riff_chunks(data) if k != b"XMP "]
    if chunks and chunks[0][0] == b"VP8X":
        vp8x = bytearray(chunks[0][1])
        vp8x[8] |= 0x04
        chunks[0] = (b"VP8X", bytes(vp8x))
    else:
        flags = 0x04 | (0x10 if alpha else 0)
        w, h = size[0] - 1, size[1] - 1
        body = bytes([flags, 0, 0, 0]) + w.to_bytes(3, "little") + h.to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", riff_chunk(b"VP8X", body)))
    chunks.append((b"XMP ", riff_chunk(b"XMP ", packet)))
    payload = b"WEBP" + b"".join(c for _, c in chunks)
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


# TIFF: tag 700 in IFD0; a rewritten IFD0 is appended and the header points to it


def _tiff_ifd0(data: bytes) -> tuple[str, int, list[tuple[int, int, int, bytes]], int]:
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or struct.unpack(order + "H", data[2:4])[0] != 42:
        raise ContainerError("not a classic TIFF (BigTIFF is not supported)")
    offset = struct.unpack(order + "I", data[4:8])[0]
    count = struct.unpack(order + "H", data[offset : offset + 2])[0]
    entries = []
    for i in range(count):
        raw = data[offset + 2 + 12 * i : offset + 14 + 12 * i]
        tag, kind, n = struct.unpack(order + "HHI", raw[:8])
        entries.append((tag, kind, n, raw[8:12]))
    next_at = offset + 2 + 12 * count
    return order, offset, entries, struct.unpack(order + "I", data[next_at : next_at + 4])[0]


def tiff_read(data: bytes) -> bytes | None:
    order, _, entries, _ = _tiff_ifd0(data)
    for tag, _kind, n, value in entries:
        if tag == 700:
            at = struct.unpack(order + "I", value)[0] if n > 4 else None
            return data[at : at + n] if at is not None else value[:n]
    return None


def tiff_write(data: bytes, packet: bytes) -> bytes:
    order, _, entries, next_ifd = _tiff_ifd0(data)
    out = bytearray(data)
    out += b"\x00" * (len(out) & 1)
    packet_at = len(out)
    out += packet + b"\x00" * (len(packet) & 1)
    xmp = (700, 1, len(packet), struct.pack(order + "I", packet_at))
    entries = sorted([e for e in entries if e[0] != 700] + [xmp])
    ifd_at = len(out)
    out += struct.pack(order + "H", len(entries))
    for tag, kind, n, value in entries:
        out += struct.pack(order + "HHI", tag, kind, n) + value
    out += struct.pack(order + "I", next_ifd)
    out[4:8] = struct.pack(order + "I", ifd_at)
    return bytes(out)


# GIF: XMP application extension ("XMP DataXMP" + packet + magic trailer) after the screen header


def _gif_xmp_span(data: bytes) -> tuple[int, int] | None:
    start = data.find(_GIF_XMP)
    if start < 0:
        return None
    end = data.find(_GIF_TRAILER, start)
    if end < 0:
        raise ContainerError("GIF XMP block has no trailer")
    return start, end + len(_GIF_TRAILER)


def gif_read(data: bytes) -> bytes | None:
    span = _gif_xmp_span(data)
    return data[span[0] + len(_GIF_XMP) : span[1] - len(_GIF_TRAILER)] if span else None


def gif_write(data: bytes, packet: bytes) -> bytes:
    span = _gif_xmp_span(data)
    if span:
        data = data[: span[0]] + data[span[1] :]
    flags = data[10]
    header_end = 13 + (3 * (2 ** ((flags & 7) + 1)) if flags & 0x80 else 0)
    return data[:header_end] + _GIF_XMP + packet + _GIF_TRAILER + data[header_end:]


XmpReader = Callable[[bytes], bytes | None]
READERS: dict[str, XmpReader] = {
    "jpeg": jpeg_read,
    "png": png_read,
    "webp": webp_read,
    "tiff": tiff_read,
    "gif": gif_read,
}
