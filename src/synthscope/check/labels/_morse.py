"""The GB 45438 audio rhythm cue 短长短短 (Morse "AI": dot dash, dot dot): make it, find it.

Timing follows Morse proportions: a dash is three dots, gaps inside a letter one dot, between
letters three dots. The detector measures the cue tone's energy in 10 ms frames, turns it into
on/off runs and looks for four tones whose lengths read short-long-short-short.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

DOT_S = 0.08
FREQ_HZ = 1000.0
_PATTERN = ((1, 1), (3, 3), (1, 1), (1, 3))  # (tone, following gap) in dots: . -  . .


def cue(rate: int, amplitude: float = 0.5) -> NDArray[np.float64]:
    """The cue followed by a short silence, mono, float in [-1, 1]."""
    parts = []
    for tone, gap in _PATTERN:
        t = np.arange(int(tone * DOT_S * rate)) / rate
        ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.005)  # 5 ms fades: no clicks
        parts += [
            amplitude * ramp * np.sin(2 * np.pi * FREQ_HZ * t),
            np.zeros(int(gap * DOT_S * rate)),
        ]
    parts.append(np.zeros(int(4 * DOT_S * rate)))
    return np.concatenate(parts)


def _tone_runs(mono: NDArray[Any], rate: int) -> list[tuple[bool, float]]:
    hop = max(1, int(rate * 0.01))
    frames = len(mono) // hop
    if frames < 4:
        return []
    chunks = mono[: frames * hop].reshape(frames, hop)
    t = np.arange(hop) / rate
    probe = np.exp(-2j * np.pi * FREQ_HZ * t)
    tone = np.abs(chunks @ probe) / hop
    total = np.sqrt(np.mean(chunks**2, axis=1)) + 1e-9
    on = (tone / total > 0.5) & (tone > 0.02)  # most of the energy sits at the cue frequency
    runs: list[tuple[bool, float]] = []
    for state in on:
        if runs and runs[-1][0] == state:
            runs[-1] = (state, runs[-1][1] + 0.01)
        else:
            runs.append((bool(state), 0.01))
    return runs


def has_cue(samples: NDArray[Any], rate: int, window_s: float = 4.0) -> bool:
    """Whether the first or last ``window_s`` seconds hold the 短长短短 cue."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    span = int(window_s * rate)
    return any(_matches(_tone_runs(part, rate)) for part in (mono[:span], mono[-span:]))


def _matches(runs: list[tuple[bool, float]]) -> bool:
    tones = [length for state, length in runs if state and length >= 0.03]
    for i in range(len(tones) - 3):
        a, b, c, d = tones[i : i + 4]
        short = (a + c + d) / 3
        if b > 2 * short and max(a, c, d) < 1.6 * min(a, c, d) and short < 0.3:
            return True
    return False
