"""scan(media) -> Verdict, the pure policy weighing findings, and ``synthscope.check/1`` records.

Labelers, hash banks and detectors all produce :class:`Finding` objects; :func:`policy` is the one
place that turns findings into a verdict, so a new kind of evidence only has to produce findings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from synthscope.check.findings import CLAIMS, Finding
from synthscope.check.labels.base import Labeler, labeler_class, labeler_names
from synthscope.config import Settings
from synthscope.errors import InputError
from synthscope.media import Limits, Media

SCHEMA = "synthscope.check/1"
Evidence = Callable[[Media], list[Finding]]
VERDICTS = ("synthetic", "likely_synthetic", "inconclusive", "likely_authentic", "no_evidence")
_LIST_SECTIONS = ("watermarks", "hash_matches", "detectors")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's answer: a :data:`VERDICTS` label, a score (None without detectors), and why."""

    label: str
    score: float | None
    reasons: tuple[str, ...]
    reasons_zh: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default=())

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The ``verdict`` object of ``synthscope.check/1``."""
        reasons = self.reasons_zh if lang == "zh" else self.reasons
        return {"label": self.label, "score": self.score, "reasons": list(reasons)}


def policy(findings: Sequence[Finding]) -> Verdict:
    """The verdict for ``findings``: the strongest claim wins (synthetic before authentic).

    A label declaring synthesis outranks any sign of authenticity, because only the producer can
    add one, while an authentic-looking file proves nothing. The score is the highest calibrated
    detector score, or None when no detector gave one. Pure: no I/O, same input, same verdict.
    """
    evidence = sorted(
        (f for f in findings if f.claim != "none"), key=lambda f: CLAIMS.index(f.claim)
    )
    scores = [f.score for f in findings if f.score is not None]
    score = max(scores) if scores else None
    # An advisory finding (extra "advisory") is listed among the reasons, after the weighed
    # ones, but never decides the label: alone it leaves "no_evidence".
    weighed = [f for f in evidence if not f.extra.get("advisory")]
    shown = weighed + [f for f in evidence if f.extra.get("advisory")]
    return Verdict(
        weighed[0].claim if weighed else "no_evidence",
        score,
        tuple(f.reason for f in shown if f.reason),
        tuple(f.localized_reason("zh") for f in shown if f.reason),
        tuple(findings),
    )


def default_labelers(settings: Settings | None = None) -> list[Labeler[Any]]:
    """One instance of every registered labeler, configured from ``settings``."""
    settings = settings or Settings()
    return [labeler_class(name).from_settings(settings) for name in labeler_names()]


def scan(
    media: Media, labelers: Iterable[Labeler[Any]] | None = None, extra: Iterable[Finding] = ()
) -> Verdict:
    """Read every label ``media`` may carry, add ``extra`` findings (hash matches, detectors),
    and apply :func:`policy`.

    Raises:
        MediaError: the file must be decoded for a labeler and cannot be.
    """
    media.verify()
    chosen = default_labelers() if labelers is None else labelers
    findings = [labeler.read(media) for labeler in chosen if labeler.supports(media)]
    return policy([*findings, *extra])


def record(media: Media, verdict: Verdict, lang: str = "en") -> dict[str, Any]:
    """The ``synthscope.check/1`` object for a scanned file."""
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "file": media.name,
        "sha256": media.sha256,
        "kind": media.kind,
        "media_type": media.mime,
        "verdict": verdict.to_dict(lang),
        "c2pa": None,
        "aigc": None,
        **{name: [] for name in _LIST_SECTIONS},
        "explicit": None,
        "error": None,
    }
    for finding in verdict.findings:
        if finding.section in _LIST_SECTIONS:
            out[finding.section].extend(finding.data)
        else:
            out[finding.section] = finding.data
    return out


def error_record(name: str, error: InputError, lang: str = "en") -> dict[str, Any]:
    """The object for a file that cannot be read: same keys, ``error`` filled in."""
    message = error.localized(lang)
    empty: dict[str, Any] = {"label": "no_evidence", "score": None, "reasons": []}
    base = {"schema": SCHEMA, "file": name, "sha256": None, "kind": None, "media_type": None}
    sections: dict[str, Any] = {
        "c2pa": None,
        "aigc": None,
        **{n: [] for n in _LIST_SECTIONS},
        "explicit": None,
    }
    return {**base, "verdict": empty, **sections, "error": {"code": 3, "message": message}}


def check_paths(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings | None = None,
    evidence: Sequence[Evidence] = (),
) -> Iterator[dict[str, Any]]:
    """One ``synthscope.check/1`` object per path, in order; unreadable files yield an error object.

    ``evidence``: further sources of findings (hash banks, detectors), each a callable from the
    opened media to its findings.

    Raises:
        UsageError: the labelers' settings (e.g. C2PA trust) are unusable.
        StorageError: an evidence source cannot read the store.
    """
    settings = settings or Settings()
    labelers = default_labelers(settings)
    limits = Limits.from_settings(settings)
    for path in paths:
        try:
            media = Media.open(path, limits=limits)
            media.check_limits()  # before the evidence sources decode it
            extra = [f for source in evidence for f in source(media)]
            yield record(media, scan(media, labelers, extra), settings.lang)
        except InputError as exc:
            yield error_record(str(path), exc, settings.lang)
