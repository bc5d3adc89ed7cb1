"""Findings: what one labeler, hash bank or detector says about a file, before any verdict.

Every piece of evidence is a :class:`Finding` with a *claim* on one scale, so the policy can weigh
labels, hash matches and detectors the same way; a new kind of evidence needs no new policy code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Claim = Literal["synthetic", "likely_synthetic", "inconclusive", "likely_authentic", "none"]

# strongest first; "none" says the source looked and found nothing
CLAIMS: tuple[Claim, ...] = (
    "synthetic",
    "likely_synthetic",
    "inconclusive",
    "likely_authentic",
    "none",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One source's evidence: its claim, why (en + zh), and its section of ``synthscope.check/1``.

    ``section`` names the key of the check JSON the ``data`` belongs to (``c2pa``, ``aigc``,
    ``watermarks``, ``explicit``, ``hash_matches``, ``detectors``); list sections are extended.
    ``score`` is a calibrated probability of synthesis, given only by detectors.
    """

    source: str
    claim: Claim
    section: str
    data: Any
    reason: str = ""
    reason_zh: str = ""
    score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def localized_reason(self, lang: str) -> str:
        """The reason in ``lang`` (English when there is no Chinese text)."""
        return self.reason_zh if lang == "zh" and self.reason_zh else self.reason
