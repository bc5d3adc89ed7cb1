"""check and label on the command line: JSON lines, exit codes, zh/en, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthscope.check.labels import _examples as ex
from synthscope.check.labels._testca import throwaway_chain
from synthscope.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_label_then_check_reads_back_everything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chain = throwaway_chain()
    (tmp_path / "cert.pem").write_bytes(chain.chain_pem)
    (tmp_path / "key.pem").write_bytes(chain.key_pem)
    src, out = tmp_path / "in.jpg", tmp_path / "out.jpg"
    src.write_bytes(ex.image_bytes("JPEG"))
    aigc = '{"Label":"1","ContentProducer":"0011CODE","ProduceID":"p-1"}'
    code, text, err = run(
        capsys,
        "label",
        str(src),
        "--out",
        str(out),
        "--aigc",
        aigc,
        "--c2pa-cert",
        str(tmp_path / "cert.pem"),
        "--c2pa-key",
        str(tmp_path / "key.pem"),
    )
    assert code == 0, err
    assert (
        "GB 45438 metadata label, C2PA Content Credentials" in text
        and src.read_bytes() == ex.image_bytes("JPEG")
    )
    code, text, _ = run(capsys, "check", "--json", "--no-detectors", str(out), str(src))
    first, second = (json.loads(line) for line in text.splitlines())
    assert code == 0 and first["verdict"]["label"] == "synthetic"
    assert first["aigc"]["fields"]["ProduceID"] == "p-1" and first["c2pa"]["state"] == "Valid"
    assert second["verdict"]["label"] == "no_evidence"


def test_propagation_keeps_the_producer(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src, mid, out = tmp_path / "a.md", tmp_path / "b.md", tmp_path / "c.md"
    src.write_text("# hi\n")
    run(
        capsys,
        "label",
        str(src),
        "--out",
        str(mid),
        "--aigc",
        '{"Label":"2","ContentProducer":"P","ProduceID":"1"}',
    )
    code, _, err = run(
        capsys,
        "label",
        str(mid),
        "--out",
        str(out),
        "--propagate",
        '{"ContentPropagator":"Q","PropagateID":"9"}',
    )
    assert code == 0, err
    _, text, _ = run(capsys, "check", "--json", str(out))
    fields = json.loads(text)["aigc"]["fields"]
    assert (fields["ContentProducer"], fields["ContentPropagator"], fields["PropagateID"]) == (
        "P",
        "Q",
        "9",
    )


def test_unreadable_file_gives_an_object_and_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    code, text, err = run(capsys, "check", "--json", str(empty))
    assert code == 3 and json.loads(text)["error"]["code"] == 3 and "Traceback" not in err
    code, text, _ = run(capsys, "--lang", "zh", "check", str(empty))
    assert code == 3 and "空文件" in text


def test_label_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "a.png"
    src.write_bytes(ex.image_bytes("PNG"))
    code, _, err = run(capsys, "label", str(src), "--out", str(tmp_path / "b.png"))
    assert code == 2 and "Nothing to write" in err
    code, _, err = run(capsys, "label", str(src), "--out", str(src), "--aigc", "{}")
    assert code == 2 and "never changed in place" in err
    code, _, err = run(
        capsys, "label", str(src), "--out", str(tmp_path / "c.png"), "--aigc", '{"Label":"7"}'
    )
    assert code == 2 and "Label must be 1, 2 or 3" in err


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cut.wav", ex.audio_bytes("WAV")[:60]),
        ("cut.jpg", ex.image_bytes("JPEG", 300, 300)[:400]),
        ("cut.mp4", ex.video_bytes("mp4")[:300]),
        ("fake.jpg", ex.image_bytes("PNG")),
    ],
)
def test_truncated_or_lying_files_give_error_objects(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, text, err = run(capsys, "check", "--json", str(path))
    record = json.loads(text)
    assert code == 3 and record["error"]["code"] == 3 and "Traceback" not in err


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Detector spectral gave no score: the image is smaller than 64 px on a side."),
     ("zh", "检测器 spectral 无得分：图像边长小于 64 像素。")],
)  # fmt: skip
def test_text_output_says_why_a_detector_gave_no_score(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str, expected: str
) -> None:
    from PIL import Image

    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (20, 20), (1, 2, 3)).save(tiny)
    code, text, _ = run(capsys, "--lang", lang, "check", str(tiny))
    assert code == 0
    assert f"  - {expected}" in text.splitlines()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "C2PA manifest (Valid): made with cam-app 1.0, signed by Test Signer (not on the "
            "trust list); it does not declare AI generation or capture."),
     ("zh", "C2PA 清单（Valid）：由 cam-app 1.0 生成，签名者 Test Signer（不在信任列表中）；"
            "未声明 AI 生成或拍摄来源。")],
)  # fmt: skip
def test_text_output_names_a_manifest_that_did_not_decide_the_verdict(
    lang: str, expected: str
) -> None:
    from synthscope._cli_check import _summary

    c2pa = {
        "present": True,
        "state": "Valid",
        "codes": ["signingCredential.untrusted"],
        "digital_source_type": None,
        "claim_generator": "cam-app 1.0",
        "signer": "Test Signer",
        "actions": ["c2pa.created"],
    }
    result = {
        "file": "x.jpg",
        "error": None,
        "verdict": {"label": "no_evidence", "score": None, "reasons": []},
        "c2pa": c2pa,
        "detectors": [],
    }
    assert _summary(result, lang).splitlines()[1] == f"  - {expected}"
    # A manifest that decided the verdict is already one of its reasons: not repeated.
    c2pa["digital_source_type"] = "trainedAlgorithmicMedia"
    reason = "C2PA: trainedAlgorithmicMedia (Valid)"
    result["verdict"] = {"label": "synthetic", "score": None, "reasons": [reason]}
    assert len(_summary(result, lang).splitlines()) == 2
    result["c2pa"] = {"present": False}
    result["verdict"] = {"label": "no_evidence", "score": None, "reasons": []}
    assert len(_summary(result, lang).splitlines()) == 1


def test_label_refuses_an_unsupported_label_before_writing_any(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watermark cannot go into a video: that is said before the visible label re-encodes it."""
    from synthscope.check.label import LabelRequest, label_file
    from synthscope.check.labels.base import labeler_class
    from synthscope.errors import MediaError

    applied: list[str] = []
    explicit = labeler_class("explicit")
    real_apply = explicit.apply

    def spy(self: object, media: object, label: object) -> bytes:
        applied.append("explicit")
        return real_apply(self, media, label)  # type: ignore[arg-type]

    monkeypatch.setattr(explicit, "apply", spy)
    video = tmp_path / "v.mp4"
    video.write_bytes(ex.video_bytes())
    out = tmp_path / "out.mp4"
    with pytest.raises(MediaError, match="cannot carry a watermark label"):
        label_file(video, out, LabelRequest(visible="", watermark=1))
    assert applied == [] and not out.exists()
