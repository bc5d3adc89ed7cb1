"""Media: the bytes of one file, its real type, and decoding on demand within limits.

A file is identified from its content (see :mod:`synthscope._sniff`), and every limit that can be
checked from a header (bytes, pixels, duration, frames) is checked before anything is decoded, so a
decompression bomb or a truncated upload is refused with one sentence instead of eating the machine.
Media never changes a file: writers return new bytes and :func:`write_atomic` puts them in place.

An audio or video file larger than ``STREAM_BYTES`` that was opened from a path stays on disk:
readers get a file stream (:meth:`Media.stream`) and only a reader that needs every byte at once
(a label writer) reads it whole. Reading a 1.5 GB 60 s 1080p clip into memory first made
``check`` peak at 1.74 GB.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from synthscope._sniff import FileType, extension_family, sniff
from synthscope.errors import MediaError, os_words

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

    from synthscope.config import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds checked before decoding."""

    max_bytes: int = 2_000_000_000
    max_pixels: int = 100_000_000
    max_duration_s: float = 4 * 3600
    max_frames: int = 1_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits configured in ``settings``."""
        return cls(
            settings.max_bytes, settings.max_pixels, settings.max_duration_s, settings.max_frames
        )


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What a container header says about an audio or video file."""

    duration_s: float
    frames: int
    width: int
    height: int
    has_video: bool
    has_audio: bool


Source = bytes | Path  # a file's bytes, or the path of a file left on disk


def open_source(source: Source) -> BinaryIO:
    """A fresh binary stream over ``source``; the caller closes it.

    Raises:
        OSError: the file cannot be opened.
    """
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


# Audio and video files above this size (opened from a path) are read from disk as streams.
STREAM_BYTES = 64 * 1024 * 1024
# What is read of such a file to find its type (every audio and video signature is in the first
# 64 bytes; the rest is room).
HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024


class HeldOrOnDisk:
    """A file's bytes held in memory (``_data``), or the ``path`` of a file left on disk."""

    _data: bytes | None
    path: Path | None

    @property
    def source(self) -> Source:
        """The bytes, or the path of the file while it is left on disk."""
        if self._data is not None:
            return self._data
        assert self.path is not None
        return self.path


class Media(HeldOrOnDisk):
    """One file's bytes and real type; decoded lazily. Build it with :meth:`open`."""

    def __init__(
        self,
        data: bytes | None,
        name: str,
        file_type: FileType,
        limits: Limits,
        path: Path | None = None,
    ) -> None:
        if data is None and path is None:
            raise ValueError("Media needs its bytes or the path of its file")
        self._data = data
        self.path = path if data is None else None
        self.name = name
        self.type = file_type
        self.limits = limits
        self._image: Image.Image | None = None
        self._info: StreamInfo | None = None

    @property
    def data(self) -> bytes:
        """All the bytes (read from disk on first use when the file was left there).

        Raises:
            MediaError: the file can no longer be read.
        """
        if self._data is None:
            assert self.path is not None
            self._data = _read(self.path, self.limits)
        return self._data

    @property
    def on_disk(self) -> bool:
        """Whether the bytes are read from the file as they are needed, not held in memory."""
        return self._data is None

    def stream(self) -> BinaryIO:
        """A fresh binary stream over the bytes, positioned at the start; the caller closes it.

        Raises:
            MediaError: the file can no longer be read.
        """
        try:
            return open_source(self.source)
        except OSError as exc:
            raise _unreadable(self.path or Path(self.name), exc) from exc

    @classmethod
    def open(
        cls, source: str | os.PathLike[str] | bytes, *, name: str = "", limits: Limits | None = None
    ) -> Media:
        """Read ``source`` (a path or the bytes themselves) and identify its type.

        Raises:
            MediaError: the file is missing, empty, too large, or its extension names another type.
        """
        limits = limits or Limits()
        if isinstance(source, bytes):
            data, name = source, name
        else:
            path, name = Path(source), name or str(source)
            left = _left_on_disk(path, name, limits)
            if left is not None:
                return left
            data = _read(path, limits)
        if not data:
            raise MediaError(f"{name or 'The input'} is empty.", zh=f"{name or '输入'} 是空文件。")
        if len(data) > limits.max_bytes:
            raise _too_big(name, len(data), limits.max_bytes)
        file_type = sniff(data, name)
        _check_extension(name, file_type)
        check_declared_size(name, data)
        return cls(data, name, file_type, limits)

    @property
    def kind(self) -> str:
        """image, video, audio, text or other."""
        return self.type.kind

    @property
    def mime(self) -> str:
        """The MIME type found from the content."""
        return self.type.mime

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        if self._data is not None:
            return hashlib.sha256(self._data).hexdigest()
        digest = hashlib.sha256()
        with self.stream() as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def image(self) -> Image.Image:
        """The decoded image (first frame), after checking its pixel count.

        Raises:
            MediaError: not an image, over the pixel or frame limit, truncated or corrupt.
        """
        from synthscope._decode import open_image

        if self._image is None:
            self._image = open_image(self)
        return self._image

    def pixels(self) -> np.ndarray[Any, Any]:
        """Decoded pixels of an image, or of every video frame stacked (frames x h x w x 3).

        Raises:
            MediaError: not decodable within the limits.
        """
        from synthscope._decode import decoded_pixels

        return decoded_pixels(self)

    def samples(self) -> np.ndarray[Any, Any]:
        """Decoded audio samples (frames x channels), as the file stores them.

        Raises:
            MediaError: not decodable within the limits.
        """
        from synthscope._decode import decoded_samples

        return decoded_samples(self)

    def stream_info(self) -> StreamInfo:
        """Duration, frame count and size from the container header (audio and video).

        Raises:
            MediaError: the header cannot be read or breaks a limit.
        """
        from synthscope._decode import probe

        if self._info is None:  # check_limits, verify and the labelers all ask
            self._info = probe(self)
        return self._info

    def verify(self) -> None:
        """Check that the content can be read within the limits: images are decoded, audio and
        video containers probed (cheap: no frame is decoded).

        Raises:
            MediaError: truncated, corrupt or over a limit.
        """
        if self.kind == "image":
            self.image()
        elif self.kind in ("audio", "video"):
            self.stream_info()

    def check_limits(self) -> None:
        """Check what the file declares (an image's pixels and frames, a stream's duration and
        size) against the limits, decoding nothing: run before any decoder sees the file.

        Raises:
            MediaError: the header cannot be read or breaks a limit.
        """
        from synthscope._decode import check_image_header

        if self.kind == "image":
            check_image_header(self)
        elif self.kind in ("audio", "video"):
            self.stream_info()

    def replace(self, data: bytes) -> Media:
        """A Media of the same name holding ``data`` (what a writer produced).

        Raises:
            MediaError: ``data`` is not a readable file.
        """
        return Media.open(data, name=self.name, limits=self.limits)


def _read(path: Path, limits: Limits) -> bytes:
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_big(str(path), size, limits.max_bytes)
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _left_on_disk(path: Path, name: str, limits: Limits) -> Media | None:
    """A Media that reads ``path`` from disk when it is an audio or video file larger than
    STREAM_BYTES, else None (the caller reads it whole)."""
    try:
        size = path.stat().st_size
        if size <= STREAM_BYTES or not path.is_file():
            return None
        if size > limits.max_bytes:
            raise _too_big(name, size, limits.max_bytes)
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    file_type = sniff(head, name)
    if file_type.kind not in ("audio", "video"):
        return None
    _check_extension(name, file_type)
    check_declared_size(name, head, size)
    return Media(None, name, file_type, limits, path=path)


def _unreadable(path: Path, exc: OSError) -> MediaError:
    if isinstance(exc, IsADirectoryError):
        return MediaError(f"{path} is a folder, not a file.", zh=f"{path} 是文件夹，不是文件。")
    reason = exc.strerror or str(exc)
    return MediaError(f"Cannot read {path}: {reason}.", zh=f"无法读取 {path}：{os_words(exc)[1]}。")


def _too_big(name: str, size: int, limit: int) -> MediaError:
    return MediaError(
        f"{name} has {size:,} bytes, more than the limit of {limit:,}.",
        zh=f"{name} 有 {size:,} 字节，超过上限 {limit:,}。",
    )


def _check_extension(name: str, file_type: FileType) -> None:
    claimed = extension_family(name)
    if claimed is None or claimed == file_type.family:
        return
    extension = Path(name).suffix
    raise MediaError(
        f"{name} has the extension {extension} but its content is {file_type.mime}.",
        zh=f"{name} 的扩展名为 {extension}，但内容是 {file_type.mime}。",
    )


def check_declared_size(name: str, data: bytes, size: int | None = None) -> None:
    """``data`` is the file, or its start when ``size`` gives the file's length."""
    size = len(data) if size is None else size
    # RIFF (WAV, WebP) states its own length: a shorter file was cut off in transfer
    if data[:4] == b"RIFF" and len(data) >= 8:
        declared = 8 + int.from_bytes(data[4:8], "little")
        if declared > size + 1:
            raise MediaError(
                f"{name or 'The input'} is truncated: {size:,} of {declared:,} bytes.",
                zh=f"{name or '输入'} 不完整：只有 {declared:,} 字节中的 {size:,}。",
            )


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename; the
    temporary file is removed whatever stops the write (a full disk, ``path`` being a folder,
    an interrupt).

    Raises:
        MediaError: the folder cannot be written, or ``path`` is a folder.
    """
    target = Path(path)
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes the file private; a labelled copy is meant to be shared like its input.
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        raise unwritable(target, exc) from exc


def unwritable(target: Path, exc: OSError) -> MediaError:
    """Why ``target`` cannot be written, in plain words (a path the user gave: an input error)."""
    folder = target.parent
    if target.is_dir():
        en, zh = "it is a folder", "它是文件夹"
    elif isinstance(exc, FileNotFoundError) and not folder.is_dir():
        en, zh = f"the folder {folder} does not exist", f"文件夹 {folder} 不存在"
    else:
        en, zh = os_words(exc)
    return MediaError(f"Cannot write {target}: {en}.", zh=f"无法写入 {target}：{zh}。")
