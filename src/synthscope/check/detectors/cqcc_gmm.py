"""The CQCC-GMM audio detector: the other ASVspoof 2019 baseline, the LFCC-GMM back end (two
mixtures, mean per-frame likelihood ratio, Platt sigmoid) on constant-Q cepstral coefficients.

Constant-Q bins are narrow at low frequencies and short in time at high frequencies, where
vocoders leave their traces; the two front ends err differently, so both are offered.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._cqcc import cqcc
from synthscope.check.detectors._lfcc import frames, voiced
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors.lfcc_gmm import Array, LfccGmmDetector


class CqccGmmDetector(LfccGmmDetector):
    """Model in ``models/cqcc-gmm.npz``."""

    version = "1"
    model_file = "cqcc-gmm.npz"

    def voiced_features(self, media: Loaded) -> tuple[Array, NDArray[np.int_]]:
        """One row per voiced frame (the LFCC front end's frames and energy VAD, 10 ms hop):
        CQCC, deltas, delta-deltas; and each row's frame index in the clip."""
        x = media.audio_16k()
        framed = frames(x)
        at = np.flatnonzero(voiced(framed)) if len(framed) else np.zeros(0, dtype=np.int_)
        return cqcc(x, at), at
