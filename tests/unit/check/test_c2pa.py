"""C2PA: sign with a chain made in code, validate, detect a flipped byte, honour trust anchors."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthscope.check.labels import _examples as ex
from synthscope.check.labels._testca import throwaway_chain
from synthscope.check.labels.c2pa import C2paLabeler, C2paSigning
from synthscope.errors import UsageError
from synthscope.media import Media


@pytest.fixture(scope="module")
def signed() -> Media:
    chain = throwaway_chain()
    media = Media.open(ex.image_bytes("JPEG"), name="ai.jpg")
    return media.replace(C2paLabeler().apply(media, C2paSigning(chain.chain_pem, chain.key_pem)))


def test_signed_file_is_valid_but_untrusted_by_default(signed: Media) -> None:
    finding = C2paLabeler().read(signed)
    assert finding.claim == "synthetic"
    assert finding.data["state"] == "Valid" and finding.data["codes"] == [
        "signingCredential.untrusted"
    ]
    assert finding.data["digital_source_type"] == "trainedAlgorithmicMedia"
    assert (
        finding.data["actions"] == ["c2pa.created"]
        and finding.data["claim_generator"] == "synthscope"
    )


def test_configured_trust_anchor_makes_it_trusted(signed: Media, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(throwaway_chain().root_pem)
    assert C2paLabeler(trust_anchors=anchors).read(signed).data["state"] == "Trusted"


def test_flipped_byte_is_detected(signed: Media) -> None:
    data = bytearray(signed.data)
    data[-200] ^= 0x01
    finding = C2paLabeler().read(signed.replace(bytes(data)))
    assert (
        finding.data["state"] == "Invalid"
        and "assertion.dataHash.mismatch" in finding.data["codes"]
    )


def test_no_manifest_and_unsupported_formats() -> None:
    assert C2paLabeler().read(ex.tiny_png()).data["present"] is False
    assert C2paLabeler().supports(ex.tiny_markdown()) is False


def test_bad_key_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        C2paLabeler().apply(ex.tiny_jpeg(), C2paSigning(throwaway_chain().chain_pem, b"not a key"))
