from __future__ import annotations

from pathlib import Path

import pytest

from synthscope.check._datasets import load_samples
from synthscope.errors import InputError, UsageError


def touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")


def test_cnndetection_names_give_generator_groups(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "real/1_biggan_real.jpg",
        "fake/2_biggan_fake.jpg",
        "fake/3_crn_fake.png",
        "biggan/biggan.jpg",
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert got == {
        ("1_biggan_real.jpg", 0, "biggan"),
        ("2_biggan_fake.jpg", 1, "biggan"),
        ("3_crn_fake.png", 1, "crn"),
    }


def test_ljspeech_wavefake_layout_groups_by_utterance(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "wavs/LJ001-0001.wav",
        "ljspeech_melgan/LJ001-0001_gen.wav",
        "real/LJ002-0002.wav",
        "fake/LJ002-0002_gen.wav",
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert ("LJ001-0001_gen.wav", 1, "LJ001-0001") in got
    assert ("LJ001-0001.wav", 0, "LJ001-0001") in got
    assert ("LJ002-0002_gen.wav", 1, "LJ002-0002") in got


def test_faceforensics_layout_groups_by_method(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "original_sequences/004.mp4",
        "manipulated_sequences/Deepfakes-004_982.mp4",
        "fake/FaceSwap-1_2.mp4",
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert got == {
        ("004.mp4", 0, "original"),
        ("Deepfakes-004_982.mp4", 1, "Deepfakes"),
        ("FaceSwap-1_2.mp4", 1, "FaceSwap"),
    }


def test_asvspoof_protocol(tmp_path: Path) -> None:
    touch(tmp_path, "flac/LA_T_1.flac", "flac/LA_T_2.flac")
    (tmp_path / "protocol.txt").write_text(
        "LA_0079 LA_T_1 - - bonafide\nLA_0079 LA_T_2 - A01 spoof\n"
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path, "asvspoof")}
    assert got == {("LA_T_1.flac", 0, "-"), ("LA_T_2.flac", 1, "A01")}


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        load_samples(tmp_path / "missing")
    with pytest.raises(InputError, match="No labelled files"):
        load_samples(tmp_path)
    with pytest.raises(UsageError, match="Unknown layout"):
        load_samples(tmp_path, "nope")
