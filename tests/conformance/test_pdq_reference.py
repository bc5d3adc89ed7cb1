"""PDQ against Meta's reference outputs in ../shared/data/hashing (skipped when absent)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from synthscope.check.hashes.pdq import PdqHasher

PDQ = PdqHasher()


@pytest.fixture(scope="module")
def hashing(reference_data: Path) -> Path:
    root = reference_data / "hashing"
    if not (root / "pdq" / "expected").is_dir():
        pytest.skip(f"no PDQ reference data at {root}")
    return root


def rows(hashing: Path, name: str) -> list[dict[str, str]]:
    with (hashing / "pdq" / "expected" / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_equals_cpp_reference_exactly(hashing: Path) -> None:
    checked = 0
    for row in rows(hashing, "cpp-reference-table.csv"):
        if row["pil_mode"].startswith("I;16") or row["pil_mode"] == "I16":
            continue  # 16-bit images: the C++ reads them differently (documented exception)
        sig = PDQ.hash(hashing / row["path"])
        assert (sig.value, sig.quality) == (row["cpp_ref_hash"], int(row["cpp_quality"])), row[
            "path"
        ]
        checked += 1
    assert checked >= 40


def test_within_10_bits_of_meta_wasm_where_quality_is_high(hashing: Path) -> None:
    checked = 0
    for row in rows(hashing, "meta-wasm-PDQMD5TestData.csv"):
        relative = row["FilePath"].partition("/data/")[2]
        path = hashing / "pdq" / relative
        if not relative or len(row["Hash"]) != 64 or not path.exists():
            continue  # MD5 lines of videos, or images not in this pack (b.jpg)
        sig = PDQ.hash(path)
        if sig.quality >= 80:
            assert PDQ.distance(sig.value, row["Hash"]) <= 10, relative
            checked += 1
    assert checked >= 10


def test_all_dihedral_images_match_the_original(hashing: Path) -> None:
    folder = hashing / "pdq" / "reg-test-input" / "dih"
    original = PDQ.hash(folder / "bridge-1-original.jpg").value
    images = sorted(folder.glob("bridge-*.jpg"))
    assert len(images) == 8
    for image in images:
        variants, quality = PDQ.dihedral(image)
        assert quality >= 50
        assert min(PDQ.distance(v, original) for v in variants) <= PDQ.threshold, image.name


def test_exif_orientation_is_covered_by_dihedral_matching(hashing: Path) -> None:
    # The four files are different photos, each stored with another EXIF orientation. The hash is
    # of the stored grid (as Meta's reference); the photo as viewers show it (EXIF applied, saved
    # without the tag, as a re-upload would be) must match one of the stored grid's variants.
    folder = hashing / "pdq" / "reg-test-input" / "exif-rotn"
    images = sorted(folder.glob("exif-rotn-*.jpg"))
    assert len(images) == 4
    for image in images:
        with Image.open(image) as opened:
            upright = ImageOps.exif_transpose(opened)
        shown = io.BytesIO()
        upright.save(shown, "PNG")
        variants, _ = PDQ.dihedral(image)
        viewed = PDQ.hash(shown.getvalue()).value
        assert min(PDQ.distance(v, viewed) for v in variants) <= PDQ.threshold, image.name
