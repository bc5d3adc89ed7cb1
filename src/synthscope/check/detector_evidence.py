"""Detector scores as findings for :func:`synthscope.check.scan.scan`, with an honest band.

Scores are calibrated probabilities of synthesis (see each model card). The policy's rule for
detectors: a detector alone never makes a file ``synthetic``. A score at or above ``high`` is
``likely_synthetic``, at or below ``low`` ``likely_authentic``, anything between ``inconclusive``,
and that band is shown rather than hidden. A detector that could not score the file (too short,
no face, undecodable stream) says why and claims nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthscope.check.detectors import Loaded, detect, detector_names, load_builtin_detectors
from synthscope.check.findings import Claim, Finding
from synthscope.media import Media

HIGH = 0.8
LOW = 0.2
# Left out of ``check`` by default: cnn-image's model card reports a leave-one-generator-out AUC
# of 0.34 once the training pack's padding shortcut is removed (face-blend: trained for video
# faces, its rate on photos is unmeasured); cqcc-gmm is the second ASVspoof baseline, weaker on
# the LJSpeech pairs than vocoder-trace and spectro-cnn, which check already runs. Run them by name
# (``names``) to see their scores.
NOT_BY_DEFAULT = frozenset({"cnn-image", "face-blend", "cqcc-gmm"})


@dataclass(frozen=True)
class DetectorEvidence:
    """Runs the registered detectors (or ``names``) on a file."""

    names: tuple[str, ...] | None = None
    high: float = HIGH
    low: float = LOW

    def findings(self, media: Media) -> list[Finding]:
        """One finding per detector that reads this kind of media.

        Raises:
            UsageError: an unknown detector name.
        """
        loaded = Loaded(media.data, media.name)
        names = list(self.names) if self.names else default_names()
        return [self._finding(result) for result in detect(loaded, names)]

    def _finding(self, result: dict[str, Any]) -> Finding:
        score = result["score"]
        name = result["name"]
        if score is None:
            return Finding(f"detector:{name}", "none", "detectors", [result])
        claim = band(score, self.high, self.low)
        en = {
            "likely_synthetic": "Detector {n} scores {s:.2f}: likely synthetic (not proof).",
            "likely_authentic": "Detector {n} scores {s:.2f}: no sign of synthesis found.",
            "inconclusive": "Detector {n} scores {s:.2f}: inconclusive ({lo:.1f}-{hi:.1f} band).",
        }[claim]
        zh = {
            "likely_synthetic": "检测器 {n} 得分 {s:.2f}：可能为合成内容（不构成证明）。",
            "likely_authentic": "检测器 {n} 得分 {s:.2f}：未发现合成迹象。",
            "inconclusive": "检测器 {n} 得分 {s:.2f}：无法判断（{lo:.1f}-{hi:.1f} 区间）。",
        }[claim]
        args = {"n": name, "s": score, "lo": self.low, "hi": self.high}
        return Finding(
            f"detector:{name}",
            claim,
            "detectors",
            [result],
            reason=en.format(**args),
            reason_zh=zh.format(**args),
            score=float(score),
        )


def band(score: float, high: float = HIGH, low: float = LOW) -> Claim:
    """What a calibrated detector score claims under the policy's bands."""
    if score >= high:
        return "likely_synthetic"
    return "likely_authentic" if score <= low else "inconclusive"


def default_names() -> list[str]:
    load_builtin_detectors()
    return [n for n in detector_names() if n not in NOT_BY_DEFAULT]
