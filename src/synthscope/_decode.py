"""Decoding behind :class:`synthscope.media.Media`: Pillow for images, PyAV and soundfile for
audio and video. Every third-party error becomes a :class:`MediaError` naming the file."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from synthscope.errors import MediaError

if TYPE_CHECKING:
    import av.container
    from PIL import Image

    from synthscope.media import Media, StreamInfo

_SOUNDFILE_FAMILIES = ("wav", "flac", "ogg")


def decode_error(media: Media, exc: BaseException) -> MediaError:
    """The one wording for a file its decoder refuses (the decoder's own words in brackets)."""
    reason = str(exc).strip().rstrip(".") or type(exc).__name__
    return MediaError(
        f"{media.name or 'The input'} cannot be decoded as {media.mime} ({reason}); "
        "it may be truncated or corrupt.",
        zh=f"{media.name or '输入'} 无法按 {media.mime} 解码（{reason}），可能已截断或损坏。",
    )


_WHAT_ZH = {
    "pixels": "像素数",
    "frames": "帧数",
    "seconds": "时长（秒）",
    "pixels per frame": "每帧像素数",
}


def _over(media: Media, what: str, value: float, limit: float) -> MediaError:
    return MediaError(
        f"{media.name or 'The input'} has {value:,.0f} {what}, "
        f"more than the limit of {limit:,.0f}.",
        zh=f"{media.name or '输入'} 的{_WHAT_ZH[what]}为 {value:,.0f}，超过上限 {limit:,.0f}。",
    )


def _bomb(media: Media, exc: Exception) -> MediaError:
    """Pillow's own refusal (over twice its MAX_IMAGE_PIXELS, before our check could run) in the
    words of :func:`_over`: its message names the pixel count."""
    from PIL import Image

    found = re.search(r"\((\d+) pixels\)", str(exc))
    if found is None:
        return MediaError(
            f"{media.name or 'The input'} declares more pixels than allowed.",
            zh=f"{media.name or '输入'} 声明的像素数超过上限（疑似解压炸弹）。",
        )
    pillow_limit = 2 * (Image.MAX_IMAGE_PIXELS or 0) or media.limits.max_pixels
    return _over(media, "pixels", int(found[1]), min(media.limits.max_pixels, pillow_limit))


def open_image(media: Media) -> Image.Image:
    """Open, check the header against the limits, then decode the first frame."""
    return _opened_image(media, decode=True)


def check_image_header(media: Media) -> None:
    """Check the pixel and frame counts an image's header declares against the limits, without
    decoding it (a 500 KB PNG can declare 177 megapixels: 530 MB once decoded)."""
    _opened_image(media, decode=False)


def _opened_image(media: Media, decode: bool) -> Image.Image:
    from PIL import Image

    if media.kind != "image":
        raise MediaError(
            f"{media.name} is not an image ({media.mime}).", zh=f"{media.name} 不是图片。"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(media.data))
            width, height = image.size
            if width * height > media.limits.max_pixels:
                raise _over(media, "pixels", width * height, media.limits.max_pixels)
            frames = int(getattr(image, "n_frames", 1))
            if frames > media.limits.max_frames:
                raise _over(media, "frames", frames, media.limits.max_frames)
            if decode:
                image.load()
    except MediaError:
        raise
    except Image.DecompressionBombError as exc:
        raise _bomb(media, exc) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise decode_error(media, exc) from exc
    return image


def decoded_pixels(media: Media) -> np.ndarray[Any, Any]:
    """Pixels of an image (as stored) or of all video frames (RGB, stacked)."""
    if media.kind == "image":
        return np.asarray(open_image(media))
    probe(media)
    frames = [f.to_ndarray(format="rgb24") for f in _frames(media, "video")]
    if not frames:
        raise decode_error(media, ValueError("no video frames"))
    return np.stack(frames)


def decoded_samples(media: Media) -> np.ndarray[Any, Any]:
    """Audio samples as stored (soundfile where it reads the format, PyAV otherwise)."""
    probe(media)
    if media.type.family in _SOUNDFILE_FAMILIES:
        import soundfile

        try:
            with media.stream() as handle:
                samples, _ = soundfile.read(handle, dtype="float64", always_2d=True)
            return np.asarray(samples)
        except (RuntimeError, soundfile.LibsndfileError) as exc:
            raise decode_error(media, exc) from exc
    chunks = [f.to_ndarray().reshape(-1) for f in _frames(media, "audio")]
    if not chunks:
        raise decode_error(media, ValueError("no audio samples"))
    return np.concatenate(chunks)


@contextmanager
def open_container(media: Media) -> Iterator[av.container.InputContainer]:
    """The file opened by PyAV (from memory or from disk); closed, with its stream, on exit.

    Raises:
        MediaError: FFmpeg cannot open it.
    """
    import av

    with media.stream() as handle:
        try:
            container = av.open(handle, mode="r")
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise decode_error(media, exc) from exc
        with container:
            yield container


def _frames(media: Media, kind: str) -> Iterator[Any]:
    import av

    with open_container(media) as container:
        try:
            streams = container.streams.video if kind == "video" else container.streams.audio
            if not streams:
                return
            yield from container.decode(streams[0])
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise decode_error(media, exc) from exc


def probe(media: Media) -> StreamInfo:
    """Read the container header and check duration and frame count against the limits."""
    from synthscope.media import StreamInfo

    with open_container(media) as container:
        video = container.streams.video[0] if container.streams.video else None
        duration = (container.duration or 0) / 1_000_000
        frames = 0
        if video is not None:
            rate = float(video.average_rate or video.guessed_rate or 0)
            frames = int(video.frames or round(duration * rate))
        info = StreamInfo(
            duration_s=duration,
            frames=frames,
            width=int(video.codec_context.width) if video else 0,
            height=int(video.codec_context.height) if video else 0,
            has_video=video is not None,
            has_audio=bool(container.streams.audio),
        )
    limits = media.limits
    if info.duration_s > limits.max_duration_s:
        raise _over(media, "seconds", info.duration_s, limits.max_duration_s)
    if info.frames > limits.max_frames:
        raise _over(media, "frames", info.frames, limits.max_frames)
    if info.width * info.height > limits.max_pixels:
        raise _over(media, "pixels per frame", info.width * info.height, limits.max_pixels)
    return info
