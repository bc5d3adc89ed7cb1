"""A small private loader: a file's bytes decoded as an image, audio or video frames.

This is the one place detectors meet decoders (Pillow, soundfile, PyAV), kept apart so the lead can
swap it for :class:`synthscope.media.Media` without touching a detector. Decoding is lazy and
cached; video frames are streamed so a long clip never sits in memory.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from synthscope.errors import InputError
from synthscope.media import HeldOrOnDisk, Source, open_source

if TYPE_CHECKING:
    from synthscope.media import Media

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"}
ORIENTATION = 0x0112  # the EXIF tag that says how a picture is turned


# Quantising to a colour table replaces the sensor noise and the fine spectrum the content
# detectors read with the quantiser's own pattern: a real photo saved as a palette PNG scored 0.88.
PALETTE_REASON = (
    "a palette image (at most 256 colours): colour quantisation replaces the fine noise and "
    "spectral traces this detector reads",
    "调色板图像（最多 256 色）：颜色量化抹去了本检测器所读取的细微噪声与频谱痕迹",
)


# A recording longer than whole_s() (AUDIO_WINDOWS windows: one) is scored on windows of
# AUDIO_WINDOW_S, decoded and scored one at a time, and its score is its most suspicious
# window's: scored whole, a 4.5-minute recording with 30 s of synthetic speech spliced in
# averaged the stretch away ("no sign of synthesis"). Windows also bound memory: the audio
# detectors' features of a whole 30-minute recording took 1.8-2.6 GB each, and the public
# service accepts 50 MB uploads (an hour and more of compressed speech). Up to
# MAX_AUDIO_WINDOWS windows, each starting half a window after the one before, cover the whole
# recording (an hour); a longer one gets that many, spread evenly from its start to its end.
# Half-overlapping, so a stretch of up to half a window lies whole in one of them: back to back,
# 30 s spliced across a window boundary scored 0.50 in either half (inconclusive) instead of 0.92.
AUDIO_WINDOWS, AUDIO_WINDOW_S, MAX_AUDIO_WINDOWS = 1, 30.0, 240


# Pillow's modes for 16-bit and 32-bit integer and float pixels: converting them to RGB clips
# every value above 255 to white (a 16-bit PNG became a flat white picture).
WIDE_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def _eight_bit(img: Any) -> Any:
    """A single-channel 16/32-bit or float picture as 8-bit grey ("L"), scaled rather than
    clipped: 16-bit ranges by 255/65535, floats in [0, 1] by 255, anything wider by its maximum."""
    from PIL import Image

    a = np.asarray(img, dtype=np.float64)
    top = float(a.max()) if a.size else 0.0
    if img.mode == "F" and top <= 1.0:
        scale = 255.0
    elif top <= 255.0 and img.mode != "F" and not img.mode.startswith("I;16"):
        scale = 1.0
    elif top <= 65535.0:
        scale = 255.0 / 65535.0
    else:
        scale = 255.0 / top
    return Image.fromarray(np.clip(a * scale + 0.5, 0, 255).astype(np.uint8), "L")


@contextmanager
def _no_bomb_warning() -> Iterator[None]:
    """Pillow warns above 89 megapixels; ``check`` has already held the file to its own pixel
    limit (``Media.check_limits``), so the warning would only clutter the output."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _needed(seconds: float) -> int:
    """How many half-overlapping windows cover a recording of ``seconds``."""
    hop = AUDIO_WINDOW_S / 2
    return 1 + max(0, int(np.ceil((seconds - AUDIO_WINDOW_S) / hop - 1e-9)))


def whole_s() -> float:
    """The longest recording scored whole: as long as AUDIO_WINDOWS windows together."""
    return AUDIO_WINDOWS * AUDIO_WINDOW_S


def window_starts(seconds: float) -> list[float]:
    """Where the windows of a recording of ``seconds`` start: every half window from 0, the last
    one ending at the end; or, past MAX_AUDIO_WINDOWS windows, that many spread evenly from the
    start to the end."""
    span, needed = AUDIO_WINDOW_S, _needed(seconds)
    if needed > MAX_AUDIO_WINDOWS:
        return [float(t) for t in np.linspace(0.0, seconds - span, MAX_AUDIO_WINDOWS)]
    return [i * span / 2 for i in range(needed - 1)] + [max(0.0, seconds - span)]


class AudioWindows:
    """The windows of a long recording, decoded one at a time as they are iterated (each as a
    Loaded holding only its own samples), so the whole recording is never held."""

    def __init__(self, owner: Loaded, seconds: float) -> None:
        self.owner, self.seconds = owner, seconds
        self.starts = window_starts(seconds)
        self.tiled = _needed(seconds) <= MAX_AUDIO_WINDOWS  # every stretch heard

    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self) -> Iterator[tuple[float, Loaded]]:
        """(start in seconds, the window) in order.

        Raises:
            InputError: the audio cannot be decoded (before any window; a tail that breaks
                later ends the windows early).
        """
        owner, name = self.owner, self.owner.name
        cut = _soundfile_windows(owner.source, self.starts)
        try:
            first = next(cut, None)
        except Exception:  # not a libsndfile format, or MP3: FFmpeg decodes from the start
            cut, first = _av_windows(owner.source, self.starts), None
            try:
                first = next(cut, None)
            except Exception as exc:
                raise owner._bad("audio") from exc
        if first is None:
            raise owner._bad("audio")
        window: Window | None = first
        for start in self.starts:
            if window is None:
                return
            x, rate = window
            yield start, Loaded.of_audio(x, rate, f"{name}@{start:.0f}s")
            try:
                window = next(cut, None)
            except Exception:  # a broken tail: the windows so far stand
                return


class Loaded(HeldOrOnDisk):
    """One file, decoded on demand. Build it from a path or from bytes plus a name.

    A large audio or video file opened from a path (see ``synthscope.media.STREAM_BYTES``) is not
    read into memory: every decoder streams it from disk (``source`` is then its path)."""

    def __init__(self, data: bytes | None, name: str = "", path: Path | None = None) -> None:
        if data is None and path is None:
            raise ValueError("Loaded needs the bytes or the path of a file")
        self._data = data
        self.path = path if data is None else None
        self.name = name

    @property
    def data(self) -> bytes:
        """All the bytes (read from disk on first use for a file left there)."""
        if self._data is None:
            assert self.path is not None
            self._data = self.path.read_bytes()
        return self._data

    def stream(self) -> BinaryIO:
        """A fresh binary stream over the file; the caller closes it."""
        return open_source(self.source)

    @classmethod
    def of_media(cls, media: Media) -> Loaded:
        """The same file as ``media`` (left on disk when ``media`` left it there)."""
        source = media.source
        if isinstance(source, Path):
            return cls(None, media.name, source)
        return cls(source, media.name)

    @classmethod
    def of_audio(cls, samples: NDArray[np.float32], rate: int, name: str = "") -> Loaded:
        """Decoded mono samples (a window of a longer recording) as a Loaded audio file."""
        loaded = cls(b"", name)
        # cached_property reads the instance's own dict first: these stand for decoding
        loaded.__dict__.update(kind="audio", _audio=(samples, rate), _audio_windows=None)
        return loaded

    @classmethod
    def open(cls, path: str | Path) -> Loaded:
        """Read ``path``.

        Raises:
            InputError: the file cannot be read.
        """
        from synthscope.media import STREAM_BYTES

        try:
            file = Path(path)
            if file.stat().st_size > STREAM_BYTES and file.suffix.lower() not in IMAGE_SUFFIXES:
                with file.open("rb"):  # readable now, not at the first decode
                    return cls(None, str(path), file)
            return cls(file.read_bytes(), str(path))
        except OSError as exc:
            raise InputError(
                f"Cannot read {path}: {exc.strerror or exc}.", zh=f"无法读取 {path}。"
            ) from exc

    @cached_property
    def kind(self) -> str:
        """image, audio, video or other, from the content (the suffix only breaks ties)."""
        if self._try(self._pil):
            return "image"
        suffix = Path(self.name).suffix.lower()
        info = self._try(lambda: self._av_streams)
        if info is not None and info[0] and suffix not in AUDIO_SUFFIXES:
            return "video"
        if self._try(lambda: self._soundfile_info) is not None or (info and info[1]):
            return "audio"
        return "other"

    @staticmethod
    def _try(fn: Any) -> Any:
        try:
            return fn()
        except Exception:  # every decoder signals "not mine" differently
            return None

    def _pil(self) -> Any:
        from PIL import Image

        with self.stream() as stream, _no_bomb_warning():
            Image.open(stream)  # the header names an image; decoding may still fail
        return True

    def image(self) -> Any:
        """The image as an RGB ``PIL.Image`` (first frame of animated files).

        Raises:
            InputError: not a decodable image.
        """
        return self._image

    @cached_property
    def _image(self) -> Any:
        from PIL import Image, ImageOps

        try:
            with _no_bomb_warning():
                img: Image.Image = Image.open(io.BytesIO(self.data))
                img.load()
            self.image_info = dict(img.info)
            self.image_mode = img.mode
            self.exif = img.getexif()
            # Turned and converted only when needed: each copy of a 100-megapixel picture is
            # 400 MB (exif_transpose copies even when there is nothing to turn).
            if self.exif.get(ORIENTATION, 1) != 1:
                img = ImageOps.exif_transpose(img)
            if img.mode in WIDE_MODES:
                img = _eight_bit(img)
            return img if img.mode == "RGB" else img.convert("RGB")
        except Exception as exc:
            raise self._bad("image") from exc

    def is_palette(self) -> bool:
        """Whether the picture is stored as indices into a colour table of at most 256 colours
        (Pillow modes P and PA: GIF and palette PNG).

        Raises:
            InputError: not a decodable image.
        """
        self.image()
        return self.image_mode in ("P", "PA")

    def raw_image(self) -> Any:
        """The image as Pillow opened it (info, EXIF and text chunks intact), not converted.

        Raises:
            InputError: not a decodable image.
        """
        from PIL import Image

        try:
            with _no_bomb_warning():
                return Image.open(io.BytesIO(self.data))
        except Exception as exc:
            raise self._bad("image") from exc

    def pixels(self) -> NDArray[np.float32]:
        """The RGB image as float32 in [0, 255], shape (H, W, 3)."""
        return np.asarray(self.image(), dtype=np.float32)

    @cached_property
    def _soundfile_info(self) -> Any:
        import soundfile

        with self.stream() as stream:
            return soundfile.info(stream)

    def audio(self) -> tuple[NDArray[np.float32], int]:
        """Mono samples in [-1, 1] and the sample rate.

        Raises:
            InputError: no decodable audio.
        """
        return self._audio

    def audio_16k(self) -> NDArray[np.float64]:
        """Mono samples at 16 kHz, the rate every audio detector reads (resampled once per file).

        Raises:
            InputError: no decodable audio.
        """
        return self._audio_16k

    def audio_windows(self) -> AudioWindows | None:
        """None for a recording of at most ``whole_s()`` (or of unknown length): it is scored
        whole. For a longer one, its windows (see :func:`window_starts`), decoded as they are
        iterated, as (start in seconds, the window's samples as a Loaded)."""
        return self._audio_windows

    @cached_property
    def _audio_windows(self) -> AudioWindows | None:
        seconds = self._try(lambda: _audio_seconds(self.source))
        if seconds is None or seconds <= whole_s():
            return None
        return AudioWindows(self, seconds)

    @cached_property
    def _audio_16k(self) -> NDArray[np.float64]:
        from synthscope.check.detectors._lfcc import resample

        samples, rate = self._audio
        return resample(samples, rate)

    @cached_property
    def _audio(self) -> tuple[NDArray[np.float32], int]:
        import soundfile

        try:
            with self.stream() as stream:
                samples, rate = soundfile.read(stream, dtype="float32", always_2d=True)
            return samples.mean(axis=1).astype(np.float32), int(rate)
        except Exception:
            pass
        try:
            return _av_audio(self.source)
        except Exception as exc:
            raise self._bad("audio") from exc

    @cached_property
    def _av_streams(self) -> tuple[bool, bool]:
        import av

        with self.stream() as stream, av.open(stream, "r") as container:
            name = str(container.format.name)
            still = name == "image2" or name.endswith("_pipe")  # FFmpeg's single-image readers
            return bool(container.streams.video) and not still, bool(container.streams.audio)

    def frames(self, every_s: float = 0.5, limit: int = 240) -> Iterator[tuple[float, Any]]:
        """Yield ``(seconds, RGB PIL.Image)`` about every ``every_s`` seconds, at most ``limit``.

        Raises:
            InputError: the container or its video stream cannot be opened.
        """
        import av

        with self.stream() as handle:
            try:
                container = av.open(handle, "r")
                stream = container.streams.video[0]
            except Exception as exc:
                raise self._bad("video") from exc
            stream.thread_type = "AUTO"
            yield from _sampled(container, stream, every_s, limit)

    def _bad(self, what: str) -> InputError:
        name = self.name or "the input"
        return InputError(
            f"{name} cannot be decoded as {what}.", zh=f"{name} 无法作为{_ZH[what]}解码。"
        )


_ZH = {"image": "图像", "audio": "音频", "video": "视频"}


def _sampled(
    container: Any, stream: Any, every_s: float, limit: int
) -> Iterator[tuple[float, Any]]:
    next_t, kept = 0.0, 0
    try:
        for frame in container.decode(stream):
            t = float(frame.time or 0.0)
            if t + 1e-6 < next_t:
                continue
            yield t, frame.to_image()
            kept, next_t = kept + 1, t + every_s
            if kept >= limit:
                break
    except Exception:  # a truncated tail ends the stream; earlier frames still count
        return
    finally:
        container.close()


def _audio_seconds(source: Source) -> float:
    """A recording's length from its header (soundfile's, else the container's)."""
    import soundfile

    try:
        with open_source(source) as handle:
            return float(soundfile.info(handle).duration)
    except Exception:  # not a format libsndfile reads: ask FFmpeg
        import av

        with open_source(source) as handle, av.open(handle, "r") as container:
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is None:
                raise ValueError("length unknown") from None
            return float(container.duration) / 1e6


Window = tuple[NDArray[np.float32], int]  # mono samples and their rate


def _soundfile_windows(source: Source, starts: list[float]) -> Iterator[Window]:
    """Mono float32 windows of AUDIO_WINDOW_S from ``starts`` (seconds), read by seeking, one
    at a time.

    Not for MP3: libmpg123 resumes mid-stream without its bit reservoir, prints errors on the
    process's stderr and decodes the first milliseconds wrong; FFmpeg decodes it instead."""
    import soundfile

    with open_source(source) as handle, soundfile.SoundFile(handle) as f:
        if f.format in ("MP3", "MPEG"):  # soundfile names libsndfile's MPEG format MP3
            raise ValueError("MP3 is not cut by seeking")
        rate = int(f.samplerate)
        for start in starts:
            f.seek(int(start * rate))
            x = f.read(int(AUDIO_WINDOW_S * rate), dtype="float32", always_2d=True)
            yield x.mean(axis=1).astype(np.float32), rate


def _av_windows(source: Source, starts: list[float]) -> Iterator[Window]:
    """Mono float32 windows of AUDIO_WINDOW_S from ``starts`` (seconds, ascending), each yielded
    as soon as the stream, decoded from the start, has passed its end (only the samples of the
    windows not yet yielded are kept). A stream that breaks after the first window ends them.

    Raises:
        ValueError: no audio frame before the first window was complete.
        whatever FFmpeg raised, before the first window was complete.
    """
    import av

    with open_source(source) as handle, av.open(handle, "r") as container:
        stream = container.streams.audio[0]
        rate = int(stream.rate)
        bounds = [(int(t * rate), int(t * rate) + int(AUDIO_WINDOW_S * rate)) for t in starts]
        parts: list[list[NDArray[np.float32]]] = [[] for _ in starts]
        resampler = av.AudioResampler(format="flt", layout="mono")
        at, done = 0, 0
        frames = container.decode(stream)
        while done < len(bounds):
            try:
                frame = next(frames, None)
            except Exception:
                if done == 0:
                    raise
                return  # a broken tail: the windows so far stand
            if frame is None:
                break
            for out in resampler.resample(frame):
                x = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                for index in range(done, len(bounds)):
                    lo, hi = bounds[index]
                    if lo >= at + len(x):
                        break  # later windows start later still
                    if at < hi:
                        parts[index].append(x[max(lo - at, 0) : min(hi, at + len(x)) - at])
                at += len(x)
            while done < len(bounds) and at >= bounds[done][1]:
                yield _joined(parts[done]), rate
                parts[done], done = [], done + 1
        if done == 0 and not any(parts):
            raise ValueError("no audio frames")
        for part in parts[done:]:  # the stream ended before these windows did
            yield _joined(part), rate


def _joined(part: list[NDArray[np.float32]]) -> NDArray[np.float32]:
    return np.concatenate(part).astype(np.float32) if part else np.zeros(0, np.float32)


def _av_audio(source: Source) -> tuple[NDArray[np.float32], int]:
    import av

    with open_source(source) as handle, av.open(handle, "r") as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono")
        chunks = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        rate = int(stream.rate)
    if not chunks:
        raise ValueError("no audio frames")
    return np.concatenate(chunks).astype(np.float32), rate
