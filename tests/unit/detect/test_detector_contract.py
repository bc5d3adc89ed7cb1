"""Contract suite for the Detector seam: every detector, built-in or plugin, must pass it."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from synthscope.check.detectors import (
    Detector,
    DetectorFinding,
    Loaded,
    base,
    detector_class,
    detector_names,
)
from synthscope.check.detectors.base import register_detector
from synthscope.errors import UsageError


def all_examples() -> list[tuple[str, Detector, Loaded]]:
    return [(n, d, m) for n in detector_names() for d, m in detector_class(n).examples()]


CASES = all_examples()
IDS = [f"{name}:{media.name}" for name, _, media in CASES]


def test_builtins_are_registered() -> None:
    assert {"image-metadata", "spectral", "lfcc-gmm"} <= set(detector_names())


def test_unknown_detector_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Unknown detector"):
        detector_class("no-such-detector")


def test_duplicate_names_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))

    class Other(Detector):
        name: ClassVar[str] = "spectral"

        def predict(self, media: Loaded) -> DetectorFinding:
            raise NotImplementedError

        @classmethod
        def examples(cls) -> list[tuple[Detector, Loaded]]:
            return []

    Other.name = "spectral"
    with pytest.raises(UsageError, match="already registered"):
        register_detector(Other)


def test_every_detector_has_examples_and_kinds() -> None:
    for name in detector_names():
        cls = detector_class(name)
        assert cls.examples(), name
        assert cls.kinds <= {"image", "video", "audio"} and cls.kinds, name


@pytest.mark.parametrize(("name", "detector", "media"), CASES, ids=IDS)
def test_findings_are_well_formed(name: str, detector: Detector, media: Loaded) -> None:
    assert media.kind in type(detector).kinds
    finding = detector.predict(media)
    assert finding.name == name and finding.version
    out = finding.to_dict()
    json.dumps(out)
    assert set(out) >= {"name", "version", "score", "evidence"}
    if out["score"] is None:
        assert out["reason"], "a missing score must say why"
    else:
        assert 0.0 <= out["score"] <= 1.0
        assert "reason" not in out


@pytest.mark.parametrize(("name", "detector", "media"), CASES, ids=IDS)
def test_prediction_is_deterministic(name: str, detector: Detector, media: Loaded) -> None:
    assert detector.predict(media).to_dict() == type(detector)().predict(media).to_dict()
