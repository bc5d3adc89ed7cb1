"""Video frames for the face detectors: uniform samples plus the first frame after each scene cut,
and faces followed from sample to sample by box overlap (IoU tracks).

Every frame is decoded (H.264 cannot skip inter frames) but only a 64x36 grey thumbnail is made of
most of them: the mean absolute change between consecutive thumbnails marks a cut. A cut ends
every face track, so a face before and after it is never taken for one person.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthscope.errors import InputError
from synthscope.media import Source, open_source

THUMB, CUT_LEVEL, MIN_GAP_S, TRACK_IOU, TRACK_GAP = (64, 36), 40.0, 0.2, 0.3, 2


@dataclass(slots=True)
class Sample:
    """One kept frame: time, RGB PIL image, and whether a scene cut comes right before it."""

    t: float
    image: Any
    cut: bool


UNIFORM_SHARE = 0.75  # of a sample limit, for uniform samples; the rest leaves room for cuts


def spacing(every_s: float, limit: int, seconds: float | None) -> float:
    """Seconds between uniform samples: ``every_s``, or wider for a video too long for its
    share of ``limit`` samples at that spacing, so that they reach its end."""
    if not seconds or seconds <= 0:
        return every_s
    return max(every_s, seconds / max(1, int(limit * UNIFORM_SHARE)))


def video_seconds(source: Source) -> float | None:
    """A video's length from its container (None when it does not say)."""
    import av

    try:
        with open_source(source) as handle, av.open(handle, "r") as container:
            stream = container.streams.video[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            return None if container.duration is None else float(container.duration) / 1e6
    except Exception:  # sample_frames says why a video cannot be read
        return None


def sample_frames(
    source: Source, name: str, every_s: float, limit: int, seconds: float | None = None
) -> Iterator[Sample]:
    """Frames about every ``every_s`` seconds and at each scene cut, at most ``limit``. With the
    video's length in ``seconds``, a cut gets its own sample only while enough of the limit is
    left for the uniform samples still to come (a film cut every few seconds would otherwise use
    the limit up long before its end); a cut between samples still marks the next one.

    Raises:
        InputError: the container or its video stream cannot be opened.
    """
    import av

    with open_source(source) as handle:
        try:
            container = av.open(handle, "r")
            stream = container.streams.video[0]
        except Exception as exc:
            label = name or "the input"
            raise InputError(
                f"{label} cannot be decoded as video.", zh=f"{label} 无法作为视频解码。"
            ) from exc
        stream.thread_type = "AUTO"
        try:
            yield from _walk(container.decode(stream), every_s, limit, seconds)
        except Exception:  # a truncated tail ends the stream; earlier frames still count
            return
        finally:
            container.close()


def _walk(
    frames: Iterator[Any], every_s: float, limit: int, seconds: float | None = None
) -> Iterator[Sample]:
    next_t, last_t, kept, prev, pending_cut = 0.0, -1.0, 0, None, False
    for frame in frames:
        t = float(frame.time or 0.0)
        thumb = frame.reformat(width=THUMB[0], height=THUMB[1], format="gray").to_ndarray()
        thumb = thumb.astype(np.float32)
        cut = prev is not None and float(np.abs(thumb - prev).mean()) > CUT_LEVEL
        prev, pending_cut = thumb, pending_cut or cut
        due = t + 1e-6 >= next_t
        own = cut and t - last_t >= MIN_GAP_S and _room(kept, limit, t, seconds, every_s)
        if not (due or own):
            continue
        yield Sample(t, frame.to_image(), pending_cut)
        kept, last_t, pending_cut = kept + 1, t, False
        next_t = t + every_s
        if kept >= limit:
            return


def _room(kept: int, limit: int, t: float, seconds: float | None, every_s: float) -> bool:
    """Whether a cut sample at ``t`` leaves enough of ``limit`` for the uniform samples still
    due before the video ends (always, when its length is unknown)."""
    if seconds is None:
        return True
    return kept + 1 + int(max(0.0, seconds - t) / every_s) < limit


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (left, top, width, height) boxes."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(0, w) * max(0, h)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclass(slots=True)
class Track:
    """One face followed across samples: indices of the samples it was seen in and its boxes."""

    id: int
    samples: list[int] = field(default_factory=list)
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)


def link(
    tracks: list[Track], open_ids: list[int], index: int, boxes: list[tuple[int, int, int, int]]
) -> list[int]:
    """Give each box of sample ``index`` to the open track it overlaps most (IoU >= TRACK_IOU,
    seen at most TRACK_GAP samples ago) or a new track; returns each box's track id."""
    ids: list[int] = []
    taken: set[int] = set()
    for box in boxes:
        best, best_iou = None, TRACK_IOU
        for tid in open_ids:
            track = tracks[tid]
            if tid in taken or index - track.samples[-1] > TRACK_GAP:
                continue
            overlap = iou(track.boxes[-1], box)
            if overlap >= best_iou:
                best, best_iou = tid, overlap
        if best is None:
            best = len(tracks)
            tracks.append(Track(best))
            open_ids.append(best)
        tracks[best].samples.append(index)
        tracks[best].boxes.append(box)
        taken.add(best)
        ids.append(best)
    return ids
