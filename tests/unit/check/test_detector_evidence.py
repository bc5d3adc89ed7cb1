"""Detector scores become findings with an honest band; alone they never make a file synthetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthscope.check.detector_evidence import DetectorEvidence
from synthscope.check.hashes.pdq import _picture
from synthscope.check.scan import policy
from synthscope.cli import main


def _result(score: float | None, name: str = "spectral") -> dict[str, object]:
    out: dict[str, object] = {"name": name, "version": "1", "score": score, "evidence": {}}
    if score is None:
        out["reason"] = "audio shorter than the model's window"
    return out


@pytest.mark.parametrize(
    ("score", "claim"),
    [(0.95, "likely_synthetic"), (0.8, "likely_synthetic"), (0.5, "inconclusive"),
     (0.2, "likely_authentic"), (0.01, "likely_authentic"), (None, "none")],
)  # fmt: skip
def test_bands(score: float | None, claim: str) -> None:
    finding = DetectorEvidence()._finding(_result(score))
    assert finding.claim == claim and finding.section == "detectors"
    assert finding.score == score


def test_detectors_alone_never_say_synthetic() -> None:
    findings = [DetectorEvidence()._finding(_result(0.999, n)) for n in ("a", "b", "c")]
    verdict = policy(findings)
    assert verdict.label == "likely_synthetic" and verdict.score == pytest.approx(0.999)


def test_unscored_detector_says_why_and_claims_nothing() -> None:
    verdict = policy([DetectorEvidence()._finding(_result(None))])
    assert verdict.label == "no_evidence" and verdict.score is None


def test_check_json_carries_detector_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNTHSCOPE_INDEX_CACHE", str(tmp_path / "cache"))
    picture = tmp_path / "p.png"
    _picture(5).save(picture)
    assert main(["check", "--json", str(picture)]) == 0
    record = json.loads(capsys.readouterr().out)
    names = {d["name"] for d in record["detectors"]}
    assert "spectral" in names and "cnn-image" not in names
    assert all(d["score"] is None or 0.0 <= d["score"] <= 1.0 for d in record["detectors"])
    assert record["verdict"]["score"] is not None
    assert main(["check", "--json", "--no-detectors", str(picture)]) == 0
    assert json.loads(capsys.readouterr().out)["detectors"] == []


def test_check_runs_the_detectors_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--detector picks detectors by name, those left out of the default set too; an unknown
    name or --no-detectors beside it is a usage error (exit 2) before any file is read."""
    monkeypatch.setenv("SYNTHSCOPE_INDEX_CACHE", str(tmp_path / "cache"))
    picture = tmp_path / "p.png"
    _picture(5).save(picture)
    args = ["check", "--json", "--detector", "cnn-image", "--detector", "spectral"]
    assert main([*args, str(picture)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert {d["name"] for d in record["detectors"]} == {"cnn-image", "spectral"}
    assert main(["check", "--detector", "nope", str(tmp_path / "missing.png")]) == 2
    assert "Unknown detector 'nope'" in capsys.readouterr().err
    assert main(["check", "--no-detectors", "--detector", "spectral", str(picture)]) == 2
    assert "drop --no-detectors" in capsys.readouterr().err


@pytest.mark.parametrize("score", [0.995, 0.5, 0.01])
def test_an_advisory_detector_is_shown_but_never_weighed(score: float) -> None:
    """video-face's scores followed video quality on FaceForensics++: a real clip scored 0.995.
    Its finding is shown with its score, claims only inconclusive and adds nothing to the verdict
    score; a weighed detector beside it still decides."""
    advisory = DetectorEvidence()._finding(_result(score, "video-face"))
    assert advisory.claim == "inconclusive" and advisory.score is None
    assert advisory.data[0]["score"] == score
    assert "not weighed" in advisory.reason and "不计入判断" in advisory.reason_zh
    alone = policy([advisory])
    assert alone.label == "no_evidence" and alone.score is None
    assert alone.reasons == (advisory.reason,)  # still shown
    beside = policy([advisory, DetectorEvidence()._finding(_result(0.9, "spectral"))])
    assert beside.label == "likely_synthetic" and beside.score == pytest.approx(0.9)
    # an unweighed "inconclusive" must not outrank a weighed "likely authentic"
    authentic = policy([advisory, DetectorEvidence()._finding(_result(0.05, "spectral"))])
    assert authentic.label == "likely_authentic"
    assert authentic.reasons[-1] == advisory.reason
