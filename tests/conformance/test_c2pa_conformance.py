"""C2PA on the real fixtures of c2pa-python and c2pa-rs (provenance/c2pa in the reference data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthscope.check.labels.c2pa import C2paLabeler, C2paSigning
from synthscope.media import Media


@pytest.fixture(scope="module")
def c2pa_dir(reference_data: Path) -> Path:
    folder = reference_data / "provenance" / "c2pa"
    if not folder.is_dir():
        pytest.skip(f"no C2PA fixtures at {folder}")
    return folder


@pytest.mark.parametrize("name", ["C.jpg", "CA.jpg", "video1.mp4", "sample1_signed.wav"])
def test_valid_files_read_valid_and_trusted_with_test_settings(c2pa_dir: Path, name: str) -> None:
    media = Media.open(c2pa_dir / "valid" / name)
    assert C2paLabeler().read(media).data["state"] == "Valid"
    trusted = C2paLabeler(settings=c2pa_dir / "certs" / "trust_config_test_settings.json")
    # video1.mp4 is signed by a chain outside the test trust list: it stays Valid
    expected = "Valid" if name == "video1.mp4" else "Trusted"
    assert trusted.read(media).data["state"] == expected


def test_tampered_file_is_invalid_with_data_hash_mismatch(c2pa_dir: Path) -> None:
    finding = C2paLabeler().read(Media.open(c2pa_dir / "tampered" / "XCA.jpg"))
    assert (
        finding.data["state"] == "Invalid"
        and "assertion.dataHash.mismatch" in finding.data["codes"]
    )


def test_ai_generated_pdf_declares_trained_algorithmic_media(c2pa_dir: Path) -> None:
    finding = C2paLabeler().read(Media.open(c2pa_dir / "ai-generated" / "pdf-file.pdf"))
    assert finding.data["digital_source_type"] == "trainedAlgorithmicMedia"
    assert finding.claim == "synthetic"


@pytest.mark.parametrize("name", ["A.jpg", "sample1.mp3"])
def test_files_without_manifest_say_so(c2pa_dir: Path, name: str) -> None:
    finding = C2paLabeler().read(Media.open(c2pa_dir / "no-manifest" / name))
    assert finding.data["present"] is False and finding.claim == "none"


def test_signing_with_the_c2pa_test_chain(c2pa_dir: Path) -> None:
    certs = c2pa_dir / "certs"
    signing = C2paSigning(
        (certs / "es256_certs.pem").read_bytes(), (certs / "es256_private.key").read_bytes()
    )
    media = Media.open(c2pa_dir / "no-manifest" / "A.jpg")
    signed = media.replace(C2paLabeler().apply(media, signing))
    trusted = C2paLabeler(settings=certs / "trust_config_test_settings.json")
    assert trusted.read(signed).data["state"] == "Trusted"
    flipped = bytearray(signed.data)
    flipped[-500] ^= 0x40
    assert trusted.read(signed.replace(bytes(flipped))).data["state"] == "Invalid"
