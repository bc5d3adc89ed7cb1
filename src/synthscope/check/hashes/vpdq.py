"""vPDQ video hashing (Meta): PDQ of sampled frames, compared as a bag of frames.

A video's signal value is its kept frames as ``<pdq_hex>:<quality>:<seconds>`` joined by commas
(no spaces, so it fits the ``<signal_type> <value>`` exchange line). Two videos are compared the
way Meta's vPDQ does: frames with quality >= 50 count; a frame matches when some frame of the other
video is within Hamming distance 31; the match percentages of query and candidate are the shares of
their good frames that match. As in python-threatexchange, a query matches when at least 80% of its
frames match (so an excerpt of a banked video matches it): :meth:`VpdqHasher.distance` is
``100 - query %``. Frames are hashed at their decoded size (no 512 px step, as Meta's vPDQ).

In ``local_file`` exchange lines a value is written the way python-threatexchange's ``vpdq``
signal type writes it: a JSON list of ``"<pdq_hex>,<quality>,<seconds>"`` strings; both forms are
read.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthscope.check.hashes import _decode, _pdqcore
from synthscope.check.hashes.base import Frame, Hasher, Signal, Source
from synthscope.check.hashes.index import HammingIndex
from synthscope.errors import InputError, UsageError

FRAME_THRESHOLD = 31
FRAME_QUALITY = 50


class VpdqHasher(Hasher):
    """Per-frame PDQ at ``fps`` frames per second (``None``: every decoded frame)."""

    threshold = 20  # a match: at least 80% of the query's good frames match
    min_quality = 50
    index_cls = HammingIndex  # of every good frame

    def __init__(self, fps: float | None = 1.0) -> None:
        self.fps = fps

    def frames(self, source: Source) -> list[Frame]:
        """The PDQ frames of a video file or its bytes.

        Raises:
            InputError: unreadable, no video stream, or no frame decoded.
            UsageError: ``fps`` is not positive.
        """
        if self.fps is not None and not self.fps > 0:
            raise UsageError(
                f"fps must be positive, not {self.fps}.", zh=f"fps 必须为正数，而不是 {self.fps}。"
            )
        found = []
        for index, seconds, rgb in _decode.video_frames(source, self.fps):
            value, quality = _pdqcore.pdq(np.ascontiguousarray(rgb))
            found.append(Frame(index, round(seconds, 3), value, quality))
        if not found:
            name = _decode.describe(source)
            raise InputError(
                f"{name} has no decodable video frame.", zh=f"{name} 没有可解码的视频帧。"
            )
        return found

    def hash(self, source: Source) -> Signal:
        """The vPDQ signal; its quality is the share (0-100) of frames with quality >= 50.

        Raises:
            InputError: as :meth:`frames`.
        """
        frames = tuple(self.frames(source))
        good = sum(f.quality >= FRAME_QUALITY for f in frames)
        return Signal(self.name, serialize(frames), round(100 * good / len(frames)), frames)

    def distance(self, a: str, b: str) -> int:
        """100 minus the percentage of query ``a``'s good frames that match ``b``.

        Raises:
            InputError: a value is not a vPDQ signal.
        """
        query, _ = match_percent(parse(a), parse(b))
        return round(100 - query)

    def validate(self, value: str) -> str:
        """The canonical serialisation of either form.

        Raises:
            InputError: not a list of ``hex:quality:seconds`` frames, nor threatexchange's JSON.
        """
        return serialize(parse(value.strip()))

    def exchange_value(self, value: str) -> str:
        """python-threatexchange's form: a JSON list of ``"<pdq_hex>,<quality>,<seconds>"``."""
        return json.dumps([f"{f.value},{f.quality},{f.seconds:.3f}" for f in parse(value)])

    @classmethod
    def examples(cls) -> list[tuple[bytes, bytes, bytes]]:
        """A 3-second moving-blob video, its smaller re-encode, and another video."""
        return [(_video(1, 320), _video(1, 240), _video(2, 320))]


def serialize(frames: Sequence[Frame]) -> str:
    """Frames as ``hex:quality:seconds`` joined by commas."""
    return ",".join(f"{f.value}:{f.quality}:{f.seconds:.3f}" for f in frames)


def parse(value: str) -> list[Frame]:
    """Frames from their serialisation, or from python-threatexchange's JSON list.

    Raises:
        InputError: a frame is malformed, or the value is empty.
    """
    parts, sep = _threatexchange_parts(value), ","
    if parts is None:
        parts, sep = value.split(","), ":"
    if not parts:
        raise InputError("A vPDQ value has no frames.", zh="vPDQ 值中没有帧。")
    frames = []
    for index, part in enumerate(parts):
        fields = part.split(sep)
        try:
            if len(fields) != 3:
                raise ValueError(part)
            hexval = _pdqcore.hex_to_bytes(fields[0]).hex()
            quality, seconds = int(fields[1]), float(fields[2])
            if not (0 <= quality <= 100 and 0 <= seconds < float("inf")):
                raise ValueError(part)
            frames.append(Frame(index, seconds, hexval, quality))
        except (ValueError, InputError):
            form = sep.join(("<pdq_hex>", "<quality 0-100>", "<seconds>"))
            raise InputError(
                f"vPDQ frame {index + 1} is not {form}.",
                zh=f"vPDQ 第 {index + 1} 帧不是 {form} 格式。",
            ) from None
    return frames


def _threatexchange_parts(value: str) -> list[str] | None:
    """The frame strings of a JSON list value; None when ``value`` is not one."""
    if not value.lstrip().startswith("["):
        return None
    try:
        parts = json.loads(value)
    except ValueError:
        raise InputError(
            "A vPDQ value that starts with '[' must be a JSON list of strings.",
            zh="以“[”开头的 vPDQ 值必须是字符串组成的 JSON 列表。",
        ) from None
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        raise InputError(
            'A vPDQ JSON value must be a list of "<pdq_hex>,<quality>,<seconds>" strings.',
            zh="vPDQ 的 JSON 值必须是“<pdq_hex>,<quality>,<seconds>”字符串的列表。",
        )
    return parts


def _good(frames: Sequence[Frame]) -> np.ndarray[Any, np.dtype[np.uint8]]:
    kept = [bytes.fromhex(f.value) for f in frames if f.quality >= FRAME_QUALITY]
    return np.frombuffer(b"".join(kept), np.uint8).reshape(-1, 32)


def match_percent(query: Sequence[Frame], candidate: Sequence[Frame]) -> tuple[float, float]:
    """(query %, candidate %): shares of good frames of each with a match in the other."""
    q, c = _good(query), _good(candidate)
    if not len(q) or not len(c):
        return 0.0, 0.0
    q_hit, c_hit = np.zeros(len(q), bool), np.zeros(len(c), bool)
    for start in range(0, len(q), 64):  # bounded memory for long videos
        part = q[start : start + 64]
        close = (
            np.unpackbits(part[:, None, :] ^ c[None, :, :], axis=2).sum(axis=2) <= FRAME_THRESHOLD
        )
        q_hit[start : start + 64] = close.any(axis=1)
        c_hit |= close.any(axis=0)
    return 100.0 * q_hit.mean(), 100.0 * c_hit.mean()


def _video(seed: int, width: int) -> bytes:
    """A small H.264 clip of drifting blobs (deterministic)."""
    import av

    from synthscope.check.hashes.pdq import _picture

    base = np.asarray(_picture(seed))
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, width * 3 // 4, "yuv420p"
        stream.codec_context.thread_count = 1  # byte-identical output on every run
        for i in range(30):
            shifted = np.roll(base, i * 4, axis=1)
            frame = av.VideoFrame.from_ndarray(shifted, format="rgb24").reformat(
                stream.width, stream.height
            )
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()
