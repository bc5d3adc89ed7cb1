"""The policy is pure and weighs claims; scan() reads every label; records follow the contract."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from synthscope.check.findings import Finding
from synthscope.check.scan import VERDICTS, check_paths, policy

SCHEMA = {
    "type": "object",
    "required": [
        "schema",
        "file",
        "sha256",
        "kind",
        "media_type",
        "verdict",
        "c2pa",
        "aigc",
        "watermarks",
        "hash_matches",
        "detectors",
        "error",
    ],
    "properties": {
        "schema": {"const": "synthscope.check/1"},
        "verdict": {
            "type": "object",
            "required": ["label", "score", "reasons"],
            "properties": {"label": {"enum": list(VERDICTS)}},
        },
        "watermarks": {"type": "array"},
        "hash_matches": {"type": "array"},
        "detectors": {"type": "array"},
    },
}


def f(claim: str, source: str = "x", score: float | None = None) -> Finding:
    return Finding(
        source, claim, "detectors", [], f"{source} says {claim}", f"{source}：{claim}", score
    )  # type: ignore[arg-type]


def test_no_findings_is_no_evidence() -> None:
    verdict = policy([])
    assert (verdict.label, verdict.score, verdict.reasons) == ("no_evidence", None, ())
    assert policy([f("none")]).label == "no_evidence"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (["likely_authentic", "synthetic"], "synthetic"),
        (["likely_authentic", "likely_synthetic"], "likely_synthetic"),
        (["inconclusive", "likely_authentic"], "inconclusive"),
        (["likely_authentic", "none"], "likely_authentic"),
    ],
)
def test_synthetic_evidence_outranks_authentic(claims: list[str], expected: str) -> None:
    verdict = policy([f(c, f"s{i}") for i, c in enumerate(claims)])
    assert verdict.label == expected and verdict.reasons[0].endswith(expected)


def test_score_comes_only_from_detectors_and_policy_is_pure() -> None:
    findings = [
        f("likely_synthetic", "d1", 0.7),
        f("inconclusive", "d2", 0.4),
        f("synthetic", "c2pa"),
    ]
    assert policy(findings).score == 0.7
    assert policy(findings) == policy(list(findings))


def test_check_paths_yields_one_valid_record_per_file(tmp_path: Path) -> None:
    from synthscope.check.labels import _examples as ex

    good = tmp_path / "a.png"
    good.write_bytes(ex.image_bytes("PNG"))
    records = list(check_paths([good, tmp_path / "missing.jpg"]))
    for record in records:
        jsonschema.validate(json.loads(json.dumps(record)), SCHEMA)
    assert records[0]["verdict"]["label"] == "no_evidence" and records[0]["error"] is None
    assert records[1]["error"]["code"] == 3 and "missing.jpg" in records[1]["error"]["message"]


def test_limits_are_checked_before_any_evidence_source_decodes(tmp_path: Path) -> None:
    from synthscope.check.labels import _examples as ex

    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(ex.declared_png(13_300, 13_300))
    seen: list[str] = []

    def evidence(media: object) -> list[Finding]:
        seen.append("decoded")  # a hash bank or detector would decode 177 megapixels here
        return []

    (record,) = check_paths([bomb], evidence=[evidence])
    assert seen == []
    assert record["error"]["code"] == 3
    assert "176,890,000 pixels, more than the limit of 100,000,000" in record["error"]["message"]
