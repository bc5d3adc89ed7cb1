"""The ``AIGC`` tag in audio and video containers, written without re-encoding.

MP4/MOV and Matroska/WebM are remuxed with PyAV (packets copied, never decoded); for MP4 the
``use_metadata_tags`` flag makes FFmpeg write ``moov/udta/meta`` keys, without which it silently
drops the tag. WAV gets a RIFF chunk ``AIGC``; MP3 an ID3v2 ``TXXX:AIGC`` frame; FLAC and Ogg a
Vorbis comment, through mutagen on an in-memory copy.
"""

from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO, cast

from synthscope.check.labels._image_xmp import ContainerError, _riff_chunks, riff_chunk

KEY = "AIGC"
_MUXERS = {"video/quicktime": "mov", "video/mp4": "mp4", "audio/mp4": "ipod"}


def _muxer(mime: str) -> str:
    if mime in _MUXERS:
        return _MUXERS[mime]
    return "webm" if mime == "video/webm" else "matroska"


def container_read(stream: BinaryIO) -> str | None:
    """The AIGC tag of an MP4/MOV/Matroska container (any case of the key)."""
    import av

    try:
        with av.open(stream) as container:
            tags = dict(container.metadata)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise ContainerError(str(exc)) from exc
    return next((v for k, v in tags.items() if k.upper() == KEY), None)


def container_write(data: bytes, value: str, mime: str) -> bytes:
    """Remux every packet into a new container whose global metadata holds the tag."""
    import av

    out_buffer = io.BytesIO()
    muxer = _muxer(mime)
    options = {"movflags": "use_metadata_tags"} if muxer in ("mp4", "mov", "ipod") else {}
    try:
        with av.open(io.BytesIO(data)) as source:
            target = av.open(out_buffer, mode="w", format=muxer, options=options)
            _copy_packets(source, target, value)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise ContainerError(str(exc)) from exc
    return out_buffer.getvalue()


def _copy_packets(source: Any, target: Any, value: str) -> None:
    try:
        for key, old in source.metadata.items():
            if key.upper() != KEY:
                target.metadata[key] = old
        target.metadata[KEY] = value
        streams = {s.index: target.add_stream_from_template(s) for s in source.streams}
        for packet in source.demux():
            if packet.size == 0:  # the flush packet at the end of each stream
                continue
            packet.stream = streams[packet.stream.index]
            target.mux(packet)
    finally:
        target.close()


def wav_read(stream: BinaryIO) -> str | None:
    """The body of a RIFF chunk ``AIGC`` in a WAV file, found by reading only the chunk headers
    (the chunk is often after the samples, at the end of a long recording)."""
    header = stream.read(12)
    if len(header) < 12:
        return None
    pos, end = 12, 8 + struct.unpack("<I", header[4:8])[0]
    while pos + 8 <= end:
        stream.seek(pos)
        chunk = stream.read(8)
        if len(chunk) < 8:
            break
        size = struct.unpack("<I", chunk[4:8])[0]
        if chunk[:4] == b"AIGC":
            body = stream.read(min(size, end - pos - 8))
            return body.decode("utf-8", "replace").rstrip("\x00")
        pos += 8 + size + (size & 1)
    return None


def wav_write(data: bytes, value: str) -> bytes:
    """The WAV with its chunks kept in order, an old AIGC chunk dropped, the new one appended."""
    chunks = [data[s:e] for k, s, e in _riff_chunks(data) if k != b"AIGC"]
    chunks.append(riff_chunk(b"AIGC", value.encode("utf-8")))
    payload = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def _mutagen_file(data: bytes | BinaryIO) -> Any:
    import mutagen

    buffer = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        loaded = mutagen.File(buffer)
    except mutagen.MutagenError as exc:
        raise ContainerError(str(exc)) from exc
    if loaded is None:
        raise ContainerError("mutagen does not know this format")
    return loaded, buffer


def tag_read(stream: BinaryIO) -> str | None:
    """TXXX:AIGC of an MP3, or the AIGC Vorbis comment of FLAC/Ogg."""
    from mutagen.id3 import ID3

    loaded, _ = _mutagen_file(stream)
    tags = loaded.tags
    if tags is None:
        return None
    if isinstance(tags, ID3):
        frames: list[Any] = cast(Any, tags).getall(f"TXXX:{KEY}")
        return str(frames[0].text[0]) if frames and frames[0].text else None
    values = tags.get(KEY)
    return str(values[0]) if values else None


def tag_write(data: bytes, value: str) -> bytes:
    """The same file with the tag set; audio frames are copied, not re-encoded."""
    import mutagen
    from mutagen.id3 import ID3, TXXX

    loaded, buffer = _mutagen_file(data)
    if loaded.tags is None:
        loaded.add_tags()
    tags: Any = loaded.tags
    if isinstance(tags, ID3):
        tags.delall(f"TXXX:{KEY}")  # type: ignore[no-untyped-call]
        tags.add(TXXX(encoding=3, desc=KEY, text=[value]))  # type: ignore[no-untyped-call]
    else:
        tags[KEY] = [value]
    try:
        buffer.seek(0)
        loaded.save(buffer)
    except mutagen.MutagenError as exc:
        raise ContainerError(str(exc)) from exc
    return bytes(buffer.getvalue())
