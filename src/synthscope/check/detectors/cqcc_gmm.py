"""The CQCC-GMM audio detector: the other ASVspoof 2019 baseline, the LFCC-GMM back end (two
mixtures, mean per-frame likelihood ratio, Platt sigmoid) on constant-Q cepstral coefficients.

Constant-Q bins are narrow at low frequencies and short in time at high frequencies, where
vocoders leave their traces; the two front ends err differently, so both are offered.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._cqcc import cqcc
from synthscope.check.detectors._lfcc import frame_count
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors.lfcc_gmm import Array, LfccGmmDetector, speech_frames


class CqccGmmDetector(LfccGmmDetector):
    """Model in ``models/cqcc-gmm.npz``."""

    version = "1"
    model_file = "cqcc-gmm.npz"

    def voiced_features(self, media: Loaded) -> tuple[Array, NDArray[np.int_]]:
        """One row per frame of speech (the LFCC front end's frames and voice activity
        detection, 10 ms hop): CQCC, deltas, delta-deltas; and each row's frame index."""
        x = media.audio_16k()
        at = speech_frames(x, frame_count(len(x)))
        return cqcc(x, at), at
