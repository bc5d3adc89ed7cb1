"""`synthscope bank ...` errors: one plain sentence naming the file and its real kind, in English
and Chinese, with the exit code CONTRACTS gives (2 usage, 3 input), never a Python repr."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthscope.check.hashes.audio import melody, wav_bytes
from synthscope.check.hashes.pdq import _picture
from synthscope.check.hashes.vpdq import VpdqHasher
from synthscope.cli import main

# What must never reach a user: reprs, errno numbers, Python exception names.
LEAKS = re.compile(r"<_io|\[Errno|Errno \d|BufferedReader|Traceback|Error:\s*\(")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert not LEAKS.search(out + err), out + err
    return code, out, err


def no_english(text: str) -> bool:
    """A zh message keeps only names, numbers and types in Latin letters."""
    return not re.search(r"\b(cannot|is not|no such|decoded|truncated|it is)\b", text)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SYNTHSCOPE_SIGNING_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setenv("SYNTHSCOPE_INDEX_CACHE", str(tmp_path / "index-cache"))
    jpeg = io.BytesIO()
    _picture(41).save(jpeg, "JPEG", quality=90)
    wav = wav_bytes(melody(3, 8.0))
    out = {
        "video": tmp_path / "vid.mp4",
        "note": tmp_path / "note.txt",
        "tiny": tmp_path / "tiny.jpg",
        "trunc_jpg": tmp_path / "trunc.jpg",
        "wav": tmp_path / "voice.wav",
        "trunc_wav": tmp_path / "trunc.wav",
        "flat": tmp_path / "flat.png",
        "fake": tmp_path / "fake.png",
    }
    out["video"].write_bytes(VpdqHasher.examples()[0][0])
    out["note"].write_text("hello\n")
    out["tiny"].write_bytes(jpeg.getvalue()[:20])
    out["trunc_jpg"].write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    out["wav"].write_bytes(wav)
    out["trunc_wav"].write_bytes(wav[: len(wav) // 3])
    Image.new("RGB", (200, 200), (90, 90, 90)).save(out["flat"])
    _picture(41).save(out["fake"])
    return out


def test_wrong_kind_is_named(capsys, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "bank", "hash", str(files["video"]), "--type", "pdq")
    assert code == 3 and "vid.mp4 is not an image: it is a video (video/mp4)." in err
    code, _, err = run(capsys, "--lang", "zh", "bank", "hash", str(files["video"]), "--type", "pdq")
    assert code == 3 and "不是图像：它是视频（video/mp4）" in err and no_english(err)
    code, _, err = run(capsys, "bank", "hash", str(files["note"]))
    assert code == 3 and "note.txt is not an image, video or audio file: it is text." in err
    code, _, err = run(capsys, "--lang", "zh", "bank", "hash", str(files["note"]))
    assert code == 3 and "不是图像、视频或音频文件：它是文本" in err and no_english(err)
    code, _, err = run(capsys, "bank", "hash", str(files["fake"]), "--type", "audio")
    assert code == 3 and "is not an audio file: it is an image (image/png)" in err
    code, _, err = run(capsys, "bank", "hash", str(files["wav"]), "--type", "vpdq")
    assert code == 3 and "has no video stream" in err


def test_broken_images_are_images(capsys, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "bank", "hash", str(files["tiny"]))
    assert code == 3 and "tiny.jpg cannot be decoded as an image" in err and "video" not in err
    code, _, err = run(capsys, "bank", "hash", str(files["tiny"]), "--type", "vpdq")
    assert code == 3 and "tiny.jpg is not a video: it is an image (image/jpeg)." in err
    run(capsys, "bank", "create", "fakes")
    code, out, err = run(capsys, "--lang", "zh", "bank", "match", "fakes", str(files["trunc_jpg"]))
    assert code == 3 and "trunc.jpg 无法作为图像解码：文件不完整（已截断）。" in err
    assert no_english(err)
    code, out, _ = run(capsys, "bank", "match", "fakes", str(files["trunc_jpg"]), "--json")
    assert json.loads(out)["error"] == {
        "code": 3,
        "message": f"{files['trunc_jpg']} cannot be decoded as an image: it is truncated.",
    }


def test_missing_files_say_so(capsys, files: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "bank", "create", "sig")
    missing = tmp_path / "nofile.txt"
    code, _, err = run(capsys, "bank", "add", "sig", "--signals", str(missing))
    assert code == 3 and err.strip() == f"Error: Cannot read {missing}: no such file."
    code, _, err = run(capsys, "--lang", "zh", "bank", "import", "bj", str(tmp_path / "no.json"))
    assert code == 3 and "文件不存在" in err and no_english(err)
    code, _, err = run(capsys, "bank", "hash", str(tmp_path / "none.png"))
    assert code == 3 and "none.png: no such file." in err
    code, _, err = run(capsys, "bank", "hash", str(tmp_path))
    assert code == 3 and "is a folder, not a file" in err


def test_truncated_wav_is_refused_everywhere(capsys, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    size, full = files["trunc_wav"].stat().st_size, files["wav"].stat().st_size
    expected = f"trunc.wav is truncated: {size:,} of {full:,} bytes."
    run(capsys, "bank", "create", "fakes")
    for args in (("hash",), ("add", "fakes"), ("match", "fakes")):
        code, _, err = run(capsys, "bank", *args, str(files["trunc_wav"]))
        assert code == 3 and expected in err, args
    code, _, err = run(capsys, "--lang", "zh", "bank", "hash", str(files["trunc_wav"]))
    assert "不完整" in err and no_english(err)
    assert run(capsys, "bank", "hash", str(files["wav"]))[0] == 0


def test_unwritable_export_paths_are_input_errors(
    capsys, files: dict[str, Path], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "bank", "create", "fakes")
    nowhere = tmp_path / "absent" / "x.txt"
    for fmt in ("local_file", "json"):
        code, _, err = run(
            capsys, "bank", "export", "fakes", "--format", fmt, "--out", str(nowhere)
        )
        assert code == 3 and f"the folder {nowhere.parent} does not exist" in err
        code, _, err = run(
            capsys, "bank", "export", "fakes", "--format", fmt, "--out", str(tmp_path)
        )
        assert code == 3 and "it is a folder" in err
    code, _, err = run(capsys, "--lang", "zh", "bank", "export", "fakes", "--out", str(nowhere))
    assert code == 3 and "不存在" in err and no_english(err)


def test_usage_errors_are_exit_2(capsys, files: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "bank", "create", "fakes")
    code, _, err = run(capsys, "bank", "add", "fakes")
    assert code == 2 and "Nothing to add" in err and "not both" not in err
    code, _, err = run(capsys, "--lang", "zh", "bank", "add", "fakes")
    assert code == 2 and "没有可添加的内容" in err
    listing = tmp_path / "s.txt"
    listing.write_text("pdq " + "ab" * 32 + "\n")
    code, _, err = run(
        capsys, "bank", "add", "fakes", str(files["fake"]), "--signals", str(listing)
    )
    assert code == 2 and "not both" in err
    assert run(capsys, "bank", "add", "fakes", "--signals", str(listing))[0] == 0  # checkpoint 1
    out = str(tmp_path / "x.txt")
    code, _, err = run(capsys, "bank", "export", "fakes", "--since", "-5", "--out", out)
    assert code == 2 and "not -5" in err
    code, _, err = run(capsys, "bank", "export", "fakes", "--since", "99", "--out", out)
    assert code == 2 and "Bank fakes is at checkpoint 1" in err
    code, _, err = run(
        capsys, "--lang", "zh", "bank", "export", "fakes", "--since", "9", "--out", out
    )
    assert code == 2 and "当前检查点为 1" in err
    assert run(capsys, "bank", "export", "fakes", "--since", "1", "--out", out)[0] == 0
    code, _, err = run(capsys, "bank", "import", "peer", out, "--trust", "00112233")
    assert code == 2 and "64 hex digits" in err and "'00112233'" in err
    code, _, err = run(capsys, "bank", "import", "peer", str(tmp_path / "no"), "--trust", "0" * 64)
    assert code == 3  # the key is well formed: now the file is read


def test_low_quality_queries_say_why_they_do_not_match(capsys, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "bank", "create", "fakes")
    run(capsys, "bank", "add", "fakes", str(files["fake"]))
    code, out, _ = run(capsys, "bank", "match", "fakes", str(files["flat"]), str(files["note"]))
    assert code == 3 and "flat.png: not matched: its pdq quality 0 is below 50" in out
    assert "flat.png: no match" not in out
    code, out, _ = run(capsys, "--lang", "zh", "bank", "match", "fakes", str(files["flat"]))
    assert code == 0 and "质量 0 低于 50" in out
    code, out, _ = run(capsys, "bank", "match", "fakes", str(files["flat"]), "--json")
    assert json.loads(out)["low_quality"] == [
        {"signal_type": "pdq", "quality": 0, "min_quality": 50}
    ]
    assert json.loads(out)["hash_matches"] == []


def test_match_help_explains_distance(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["bank", "match", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("256 bits", "100 minus the percentage", "bit error rate in percent"):
        assert words in text


def test_sources_given_as_bytes_are_named_plainly() -> None:
    from synthscope.check.hashes import _decode
    from synthscope.errors import InputError

    with pytest.raises(InputError, match=r"^<\d+ bytes> is not an image: it is text\.$"):
        _decode.open_image(b"just some words")
    wav = wav_bytes(np.zeros(22050, np.float32))
    with pytest.raises(InputError, match="The input is truncated"):
        _decode.audio_samples(wav[:1000], 5512)
