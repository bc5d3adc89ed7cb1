"""Small media made in code, for labelers' ``examples()`` and the tests (no files shipped)."""

from __future__ import annotations

import io
import zipfile
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.media import Media


def gradient(width: int = 64, height: int = 48, seed: int = 0) -> NDArray[np.uint8]:
    """An RGB image with edges and noise, so lossy codecs have something to keep."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x ^ y) & 255])
    noise = rng.integers(0, 24, size=(3, height, width))
    return np.clip(base + noise, 0, 255).astype(np.uint8).transpose(1, 2, 0)


def image_bytes(fmt: str, width: int = 64, height: int = 48, mode: str = "RGB") -> bytes:
    """An image in Pillow format ``fmt`` (JPEG, PNG, WEBP, TIFF, GIF)."""
    from PIL import Image

    image = Image.fromarray(gradient(width, height)).convert(mode)
    buffer = io.BytesIO()
    options = {"lossless": True} if fmt == "WEBP" else {}
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def declared_png(width: int, height: int) -> bytes:
    """A small PNG whose header declares ``width`` x ``height`` RGB pixels (a decompression bomb
    when large): 1 KB of zero rows follows, so only the header can be read cheaply."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(chunk[4:]))
    idat = zlib.compress(b"\x00" * 1024)
    body = (
        struct.pack(">I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    )
    return b"\x89PNG\r\n\x1a\n" + chunk + body + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def tiny_png() -> Media:
    """A 64x48 PNG."""
    return Media.open(image_bytes("PNG"), name="tiny.png")


def tiny_jpeg() -> Media:
    """A 64x48 JPEG."""
    return Media.open(image_bytes("JPEG"), name="tiny.jpg")


def tone(seconds: float = 0.5, rate: int = 16000) -> NDArray[np.float32]:
    """A mono 440 Hz tone with a little noise, float32 in [-1, 1]."""
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(1).normal(0, 0.01, t.size)
    return (0.3 * np.sin(2 * np.pi * 440 * t) + noise).astype(np.float32)


def audio_bytes(fmt: str, seconds: float = 0.5, rate: int = 16000) -> bytes:
    """A tone as WAV, FLAC or OGG (soundfile) or MP3 (PyAV's LAME)."""
    if fmt == "MP3":
        return _encode_mp3(tone(seconds, rate), rate)
    import soundfile

    buffer = io.BytesIO()
    subtype = {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS"}[fmt]
    soundfile.write(buffer, tone(seconds, rate), rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def _encode_mp3(samples: NDArray[np.float32], rate: int) -> bytes:
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def video_bytes(
    fmt: str = "mp4", frames: int = 12, fps: int = 12, size: tuple[int, int] = (64, 48)
) -> bytes:
    """A short moving-gradient video with a tone track (H.264+AAC in MP4/MOV, VP8+Opus in WebM)."""
    import av

    codec, audio_codec = ("libvpx", "libopus") if fmt == "webm" else ("libx264", "aac")
    rate = 48000
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as out:
        video: Any = out.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        audio = out.add_stream(audio_codec, rate=rate)
        for i in range(frames):
            image = np.roll(gradient(*size), 3 * i, axis=1)
            for packet in video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        _encode_audio(out, audio, tone(frames / fps, rate), rate)
        for packet in video.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def _encode_audio(out: Any, stream: Any, samples: NDArray[np.float32], rate: int) -> None:
    import av

    size = 960
    for start in range(0, samples.size - size + 1, size):
        chunk = samples[start : start + size].reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCX_BODY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
)


def docx_bytes(text: str = "Hello") -> bytes:
    """A minimal valid DOCX with one paragraph."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("_rels/.rels", _DOCX_RELS)
        archive.writestr("word/document.xml", _DOCX_BODY.format(text=text))
    return buffer.getvalue()


def tiny_markdown() -> Media:
    """A Markdown note with a title and front matter."""
    return Media.open(b"---\ntitle: note\n---\n# Note\n\nText.\n", name="note.md")
