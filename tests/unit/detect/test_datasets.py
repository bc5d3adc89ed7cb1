from __future__ import annotations

import json
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


def test_wavefake_jsut_and_common_voice_folders(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "jsut_ver1.1/basic5000/wav/BASIC5000_0001.wav",
        "generated_audio/jsut_parallel_wavegan/BASIC5000_0001_gen.wav",
        "generated_audio/common_voices_prompts_from_conformer_fastspeech2_pwg_ljspeech/x_gen.wav",
        "generated_audio/ljspeech_full_band_melgan/LJ001-0001_gen.wav",
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert got == {
        ("BASIC5000_0001.wav", 0, "BASIC5000_0001"),
        ("BASIC5000_0001_gen.wav", 1, "BASIC5000_0001"),
        ("x_gen.wav", 1, "x"),
        ("LJ001-0001_gen.wav", 1, "LJ001-0001"),
    }


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


def test_faceforensics_download_layout_groups_by_method_folder(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "original_sequences/youtube/c23/videos/000.mp4",
        "original_sequences/actors/c23/videos/01__talking.mp4",
        "manipulated_sequences/Deepfakes/c23/videos/000_003.mp4",
        "manipulated_sequences/NeuralTextures/c40/images/000_003/0001.png",
        "manipulated_sequences/stray.mp4",
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert got == {
        ("000.mp4", 0, "original"),
        ("01__talking.mp4", 0, "original"),
        ("000_003.mp4", 1, "Deepfakes"),
        ("0001.png", 1, "NeuralTextures"),
    }
    assert load_samples(tmp_path, "faceforensics") == load_samples(tmp_path)


def test_dfdc_metadata_groups_a_fake_with_its_original(tmp_path: Path) -> None:
    touch(tmp_path, "part_0/aaa.mp4", "part_0/bbb.mp4", "part_1/ccc.mp4", "part_1/ddd.mp4")
    (tmp_path / "part_0/metadata.json").write_text(
        json.dumps(
            {
                "aaa.mp4": {"label": "REAL", "split": "train"},
                "bbb.mp4": {"label": "FAKE", "split": "train", "original": "aaa.mp4"},
                "gone.mp4": {"label": "FAKE", "original": "aaa.mp4"},
            }
        )
    )
    (tmp_path / "part_1/metadata.json").write_text(
        json.dumps({"ccc.mp4": {"label": "FAKE", "original": "zzz.mp4"}, "ddd.mp4": "junk"})
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert got == {("aaa.mp4", 0, "aaa"), ("bbb.mp4", 1, "aaa"), ("ccc.mp4", 1, "zzz")}


def test_dfdc_metadata_that_is_not_json_is_one_clear_error(tmp_path: Path) -> None:
    touch(tmp_path, "part_0/aaa.mp4")
    (tmp_path / "part_0/metadata.json").write_text("{not json")
    with pytest.raises(InputError, match="not a DFDC metadata file"):
        load_samples(tmp_path, "dfdc")


def test_celebdf_groups_by_the_identity_shown(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "Celeb-DF-v2/Celeb-real/id0_0000.mp4",
        "Celeb-DF-v2/Celeb-synthesis/id0_id16_0000.mp4",
        "Celeb-DF-v2/YouTube-real/00170.mp4",
        "Celeb-DF-v2/List_of_testing_videos.txt",
    )
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert got == {
        ("id0_0000.mp4", 0, "id0"),
        ("id0_id16_0000.mp4", 1, "id0"),
        ("00170.mp4", 0, "youtube:00170"),
    }


def test_celebdf_test_layout_takes_only_the_listed_videos(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "Celeb-real/id0_0000.mp4",
        "Celeb-real/id0_0001.mp4",
        "Celeb-synthesis/id0_id16_0000.mp4",
        "YouTube-real/00170.mp4",
    )
    (tmp_path / "List_of_testing_videos.txt").write_text(
        "1 YouTube-real/00170.mp4\n0 Celeb-synthesis/id0_id16_0000.mp4\n1 Celeb-real/gone.mp4\n"
    )
    got = {(p.path.name, p.label) for p in load_samples(tmp_path, "celebdf-test")}
    assert got == {("00170.mp4", 0), ("id0_id16_0000.mp4", 1)}
    assert len(load_samples(tmp_path)) == 4  # not named: the whole dataset
    (tmp_path / "List_of_testing_videos.txt").write_text("1 elsewhere/x.mp4\n")
    with pytest.raises(InputError, match="No videos listed"):
        load_samples(tmp_path, "celebdf-test")


def test_asvspoof_protocols_of_a_download(tmp_path: Path) -> None:
    """Several protocol files and a README: every line naming a file here counts, once."""
    touch(tmp_path, "LA_train/flac/LA_T_1.flac", "LA_eval/flac/LA_E_2.flac", "DF/DF_E_3.flac")
    protocols = tmp_path / "protocols"
    protocols.mkdir()
    (protocols / "ASVspoof2019.LA.asv.dev.gi.trl.txt").write_text("LA_0001 LA_D_9 target\n")
    (protocols / "ASVspoof2019.LA.cm.train.trn.txt").write_text(
        "LA_0079 LA_T_1 - - bonafide\nLA_0079 LA_T_1 - A02 spoof\n"
    )
    (protocols / "trial_metadata.txt").write_text(
        "LA_0009 LA_E_2 alaw ita_tx A07 spoof notrim eval\n"
        "LA_0023 DF_E_3 nocodec asvspoof - bonafide notrim progress - - - -\n"
    )
    (tmp_path / "README.LA.txt").write_text("The spoof attacks A01 to A19 are described below.\n")
    got = {(p.path.name, p.label, p.group) for p in load_samples(tmp_path)}
    assert got == {
        ("LA_T_1.flac", 0, "-"),
        ("LA_E_2.flac", 1, "A07"),
        ("DF_E_3.flac", 0, "-"),
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


def test_real_fake_folders_win_over_a_stray_metadata_file(tmp_path: Path) -> None:
    touch(tmp_path, "real/a.jpg", "fake/b.jpg")
    (tmp_path / "real/metadata.json").write_text("{not json")
    got = {(p.path.name, p.label) for p in load_samples(tmp_path)}
    assert got == {("a.jpg", 0), ("b.jpg", 1)}


def test_an_unreadable_protocol_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path, "flac/LA_T_1.flac", "notes.txt/inside.flac")  # a folder named *.txt: skipped
    (tmp_path / "protocol.txt").write_text("LA_0079 LA_T_1 - - bonafide\n")
    assert len(load_samples(tmp_path, "asvspoof")) == 1

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(InputError, match=r"Cannot read .*protocol\.txt: Permission denied"):
        load_samples(tmp_path, "asvspoof")


def test_load_dataset_names_the_layout_and_counts_the_files_it_left_out(tmp_path: Path) -> None:
    """Half CNNDetection names, half plain names in real/ and fake/: the CNNDetection layout
    wins by default and leaves the plain half out; the folders layout takes everything."""
    from synthscope.check._datasets import load_dataset

    touch(tmp_path, "real/0_gan_real.png", "real/1_gan_real.png", "real/photo.png")
    touch(tmp_path, "fake/2_gan_fake.png", "fake/gen.png", "fake/notes.txt")
    found = load_dataset(tmp_path)
    assert (found.layout, len(found.samples), found.unused) == ("cnndetection", 3, 2)
    folders = load_dataset(tmp_path, "folders")
    assert (folders.layout, len(folders.samples), folders.unused) == ("folders", 5, 0)
    assert load_samples(tmp_path) == found.samples
