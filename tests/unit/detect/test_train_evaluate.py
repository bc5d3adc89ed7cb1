from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synthscope.check.detectors import Loaded, base, detect_file
from synthscope.check.detectors.cqcc_gmm import CqccGmmDetector
from synthscope.check.detectors.lfcc_gmm import LfccGmmDetector
from synthscope.check.detectors.spectral import SpectralDetector
from synthscope.check.evaluate import cross_validate, evaluate, train
from synthscope.cli import main


def test_spectral_trains_and_separates_upsampled_images(image_folder: Path, tmp_path: Path) -> None:
    model = tmp_path / "spectral.json"
    info = train("spectral", image_folder, model)
    assert info["n"] == 16 and model.exists()
    report = evaluate("spectral", image_folder, model=model, robustness=True)
    assert report["conditions"]["clean"]["auc"] > 0.9
    assert set(report["conditions"]) == {
        "clean",
        "jpeg95",
        "jpeg75",
        "jpeg50",
        "resize0.5",
        "blur1",
        "crop0.75",
    }
    det = SpectralDetector(model_path=model)
    fake = det.predict(Loaded.open(image_folder / "fake" / "f0.png"))
    assert fake.score is not None and len(fake.evidence["residual_heatmap_8x8"]) == 8
    assert all(-1 <= v <= 1 for v in fake.evidence["channel_residual_correlation_rg_gb_rb"])
    assert len(fake.evidence["channel_residual_correlation_rg_gb_rb"]) == 3


def test_cross_validation_never_scores_with_a_model_that_saw_the_sample(image_folder: Path) -> None:
    report = cross_validate("spectral", image_folder)
    clean = report["conditions"]["clean"]
    assert clean["n"] == 16 and clean["unscored"] == 0
    assert len(report["folds"]) == 5  # 16 groups (one per file) -> five group folds
    assert clean["auc"] > 0.8


def test_cross_validation_and_training_keep_no_file_in_memory_between_steps(
    image_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are opened when a fit or a score needs them: after each fold none is still alive,
    so a dataset larger than memory can be cross-validated."""
    import gc
    import weakref

    opened: list[weakref.ref[Loaded]] = []
    real_open = Loaded.open.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Loaded], path: Any) -> Loaded:
        media = real_open(cls, path)
        opened.append(weakref.ref(media))
        return media

    monkeypatch.setattr(Loaded, "open", classmethod(spy))
    alive: list[int] = []

    def after_fold(done: int, total: int) -> None:
        gc.collect()
        alive.append(sum(ref() is not None for ref in opened))

    report = cross_validate("spectral", image_folder, progress=after_fold)
    assert report["conditions"]["clean"]["n"] == 16
    assert len(opened) > 16 and alive[1:] == [0] * 5
    opened.clear()
    train("spectral", image_folder, tmp_path / "m.json")
    gc.collect()
    assert len(opened) >= 16 and all(ref() is None for ref in opened)


@pytest.mark.parametrize("cls", [LfccGmmDetector, CqccGmmDetector])
def test_gmm_detectors_train_and_score_segments(
    cls: type[LfccGmmDetector], audio_folder: Path, tmp_path: Path
) -> None:
    model = tmp_path / "lg.npz"
    train(cls.name, audio_folder, model)
    det = cls(model_path=model, components=4)
    real = det.predict(Loaded.open(audio_folder / "real" / "u0.wav"))
    fake = det.predict(Loaded.open(audio_folder / "fake" / "u0_gen.wav"))
    assert real.score is not None and fake.score is not None and fake.score > real.score
    assert fake.evidence["segments"][0]["start_s"] == 0.0


def test_gmm_segment_times_are_clip_times_where_silence_was_cut(
    audio_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Speech heard only in frames 300-549 (3.0-5.5 s): two segments, of 200 and 50 frames,
    timed where those frames are in the clip."""
    model = tmp_path / "lg.npz"
    train("lfcc-gmm", audio_folder, model)
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))

    class LateSpeech(LfccGmmDetector):
        def voiced_features(self, media: Loaded) -> tuple[Any, Any]:
            feats, _ = super().voiced_features(media)
            at = np.arange(300, 550)
            return np.resize(feats, (len(at), feats.shape[1])), at

    det = LateSpeech(model_path=model, components=4)
    segments = det.predict(Loaded.open(audio_folder / "real" / "u0.wav")).evidence["segments"]
    assert [(s["start_s"], s["end_s"]) for s in segments] == [(3.0, 5.01), (5.0, 5.51)]


def test_cli_train_and_evaluate(
    image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, out = tmp_path / "m.json", tmp_path / "report.json"
    assert main(["train", "spectral", "--data", str(image_folder), "--out", str(model)]) == 0
    assert "16" in capsys.readouterr().out
    args = [
        "evaluate",
        "--data",
        str(image_folder),
        "--detector",
        "spectral",
        "--model",
        str(model),
    ]
    assert main([*args, "--out", str(out)]) == 0
    assert "clean" in capsys.readouterr().out
    assert json.loads(out.read_text())[0]["conditions"]["clean"]["n"] == 16


def test_cli_bad_input_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--data", str(tmp_path / "nope")]) == 3
    assert main(["train", "no-such", "--data", str(tmp_path)]) == 2
    assert main(["--lang", "zh", "evaluate", "--data", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "not a folder" in err and "Unknown detector" in err and "没有带标签的文件" in err


def test_detect_file_reports_every_applicable_detector(image_folder: Path, tmp_path: Path) -> None:
    names = {f["name"] for f in detect_file(image_folder / "real" / "r0.png")}
    assert {"image-metadata", "spectral"} <= names
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    assert detect_file(junk) == []


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_images_get_no_content_score_but_their_rgb_copy_does(fmt: str) -> None:
    """Quantising a real photo to a colour table left a spectral score of 0.88 on the PDQ
    pack's palette PNG: content detectors say why they give none instead."""
    import io

    from PIL import Image

    from synthscope.check.detectors import detect
    from synthscope.check.detectors._fixtures import noise_png

    rgb = Image.open(io.BytesIO(noise_png(256, seed=3))).convert("RGB")
    quantised = rgb.quantize(256)
    buf = io.BytesIO()
    quantised.save(buf, fmt)
    assert Image.open(io.BytesIO(buf.getvalue())).mode == "P"
    names = ["spectral", "face-swap", "cnn-image"]
    findings = detect(Loaded(buf.getvalue(), "q.png"), names)
    assert sorted(f["name"] for f in findings) == sorted(names)
    for finding in findings:
        assert finding["score"] is None and "palette image" in finding["reason"]
        assert "调色板图像" in finding["reason_zh"]
    buf = io.BytesIO()
    quantised.convert("RGB").save(buf, "PNG")
    scored = {f["name"]: f["score"] for f in detect(Loaded(buf.getvalue(), "q.png"), names)}
    assert scored["spectral"] is not None and scored["cnn-image"] is not None


def test_bad_media_give_findings_without_scores() -> None:
    import io

    from synthscope.check.detectors import detect
    from synthscope.check.detectors._fixtures import noise_png, tone_wav

    png = noise_png(256)
    cut = detect(Loaded(png[: len(png) // 2], "cut.png"))
    assert {f["name"] for f in cut} >= {"spectral", "cnn-image", "face-swap"}
    for f in cut:
        if f["name"] != "image-metadata":  # the header is still readable
            assert f["score"] is None and "cannot be decoded" in f["reason"]
    short = detect(Loaded(tone_wav(0.2), "short.wav"))
    assert {f["name"] for f in short} == {"lfcc-gmm", "cqcc-gmm", "vocoder-trace", "spectro-cnn"}
    assert all(f["score"] is None for f in short)
    reasons = {f["name"]: f["reason"] for f in short}
    assert all("voiced audio" in reasons[n] for n in ("lfcc-gmm", "cqcc-gmm", "vocoder-trace"))
    assert "1 s minimum" in reasons["spectro-cnn"]
    # Three loud seconds of a chord: long enough, but not speech, so no speech detector scores it.
    import soundfile

    t = np.arange(3 * 16000) / 16000
    buf = io.BytesIO()
    chord = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (262, 330, 392))
    soundfile.write(buf, np.asarray(chord, dtype=np.float32), 16000, format="WAV")
    tone = detect(Loaded(buf.getvalue(), "chord.wav"), ["vocoder-trace", "spectro-cnn"])
    assert len(tone) == 2
    assert all(f["score"] is None and "no speech found" in f["reason"] for f in tone)
    assert all("未检测到语音" in f["reason_zh"] for f in tone)


def generator_folder(root: Path, generators: tuple[str, ...]) -> Path:
    """A CNNDetection-named folder: three reals and three up-sampled fakes per generator."""
    from synthscope.check.detectors._fixtures import noise_png

    from .conftest import fake_png

    root.mkdir()
    for k, gen in enumerate(generators):
        for i in range(3):
            (root / f"{k * 10 + i}_{gen}_real.png").write_bytes(noise_png(128, seed=k * 10 + i))
            (root / f"{k * 10 + i}_{gen}_fake.png").write_bytes(fake_png(300 + k * 10 + i))
    return root


def test_training_on_generator_groups_says_which_scorer_it_chose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = generator_folder(tmp_path / "cnnd", ("ganone", "gantwo", "ganthree"))
    model = tmp_path / "s.json"
    assert main(["train", "spectral", "--data", str(data), "--out", str(model)]) == 0
    said = capsys.readouterr().out
    assert "Scorer chosen by leave-one-generator-out on the 3 training generators" in said
    saved = json.loads(model.read_text())
    assert saved["selection"]["chosen"] in said
    assert len(saved["selection"]["inner_leave_one_generator_out_auc"]) == 14


def test_cross_validation_reports_the_scorer_each_fold_chose_without_its_generator(
    tmp_path: Path,
) -> None:
    gens = ("ganone", "gantwo", "ganthree", "ganfour")
    report = cross_validate("spectral", generator_folder(tmp_path / "cnnd", gens))
    assert set(report["chosen_per_fold"]) == set(gens) == set(report["folds"])
    assert all("/" in chosen for chosen in report["chosen_per_fold"].values())


def test_evaluation_reports_progress_per_file_and_per_fold(
    image_folder: Path, tmp_path: Path
) -> None:
    model = tmp_path / "spectral.json"
    train("spectral", image_folder, model)
    ticks: list[tuple[int, int]] = []
    report = evaluate(
        "spectral", image_folder, model=model, progress=lambda d, t: ticks.append((d, t))
    )
    assert ticks == [(i, 16) for i in range(17)]
    assert report["conditions"]["clean"]["n"] == 16
    ticks.clear()
    cross_validate("spectral", image_folder, progress=lambda d, t: ticks.append((d, t)))
    assert ticks == [(i, 5) for i in range(6)]


def test_leave_one_method_out_spreads_a_real_only_group_over_the_folds(
    image_folder: Path, tmp_path: Path
) -> None:
    """FaceForensics++-style groups: fakes by method, reals all in ``original``. Holding
    ``original`` out alone would leave every other fold's model without a real file; instead each
    method is a fold and the originals are dealt among them, whole frame folders at a time."""
    import shutil

    from synthscope.check._datasets import load_samples
    from synthscope.check.evaluate import _folds

    root = tmp_path / "ffpp"
    for i in range(8):
        method = ("Deepfakes", "FaceSwap")[i % 2]
        fake = root / "manipulated_sequences" / method / "c23" / "images" / f"{i:03d}_x"
        real = root / "original_sequences" / "youtube" / "c23" / "images" / f"{i:03d}"
        fake.mkdir(parents=True)
        real.mkdir(parents=True)
        shutil.copy(image_folder / "fake" / f"f{i}.png", fake / "0000.png")
        for n in range(2):  # two frames of one real video: always in the same fold
            shutil.copy(image_folder / "real" / f"r{i}.png", real / f"{n:04d}.png")
    samples = load_samples(root)
    folds = _folds(samples)
    assert [name for name, _ in folds] == ["Deepfakes", "FaceSwap"]
    for _, held in folds:
        assert {samples[i].label for i in held} == {0, 1}
    fold_of = {i: k for k, (_, held) in enumerate(folds) for i in held}
    frames_of = {}
    for i, sample in enumerate(samples):
        if sample.label == 0:
            frames_of.setdefault(sample.path.parent, set()).add(fold_of[i])
    assert len(frames_of) == 8 and all(len(f) == 1 for f in frames_of.values())
    assert sorted(i for _, held in folds for i in held) == list(range(len(samples)))
    report = cross_validate("spectral", root)
    assert report["conditions"]["clean"]["unscored"] == 0
    assert set(report["folds"]) == {"Deepfakes", "FaceSwap"}
