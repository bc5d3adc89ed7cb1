"""GB 45438 implicit label: round trip in every container, content untouched, rules enforced."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthscope.check.labels import _examples as ex
from synthscope.check.labels.aigc import AigcLabel, new_label, parse_label, propagate
from synthscope.check.labels.gb45438 import Gb45438Labeler
from synthscope.errors import UsageError
from synthscope.media import Media

LABEL = new_label({"Label": "1", "ContentProducer": "001191ABCDEF", "ProduceID": "gen-42"})
MEDIA = {
    "a.jpg": lambda: ex.image_bytes("JPEG"),
    "a.png": lambda: ex.image_bytes("PNG"),
    "a.webp": lambda: ex.image_bytes("WEBP"),
    "rgba.webp": lambda: ex.image_bytes("WEBP", mode="RGBA"),
    "a.tif": lambda: ex.image_bytes("TIFF"),
    "a.gif": lambda: ex.image_bytes("GIF"),
    "a.wav": lambda: ex.audio_bytes("WAV"),
    "a.flac": lambda: ex.audio_bytes("FLAC"),
    "a.ogg": lambda: ex.audio_bytes("OGG"),
    "a.mp3": lambda: ex.audio_bytes("MP3"),
    "a.mp4": lambda: ex.video_bytes("mp4"),
    "a.mov": lambda: ex.video_bytes("mov"),
    "a.webm": lambda: ex.video_bytes("webm"),
    "a.mkv": lambda: ex.video_bytes("matroska"),
    "a.docx": ex.docx_bytes,
    "a.md": lambda: "# 笔记\n\n正文。\n".encode(),
}


def _content(media: Media) -> object:
    if media.kind == "image" or media.kind == "video":
        return media.pixels()
    if media.kind == "audio":
        return media.samples()
    if media.type.family == "ooxml":
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(media.data)) as archive:
            return archive.read("word/document.xml")
    return media.data.decode().split("---\n")[-1]


@pytest.mark.parametrize("name", sorted(MEDIA))
def test_round_trip_keeps_content_identical(name: str) -> None:
    media = Media.open(MEDIA[name](), name=name)
    labeler = Gb45438Labeler()
    assert labeler.read(media).data["present"] is False
    out = media.replace(labeler.apply(media, LABEL))
    finding = labeler.read(out)
    assert finding.claim == "synthetic" and finding.data["valid"], finding.data
    assert finding.data["fields"] == LABEL.fields()
    before, after = _content(media), _content(out)
    assert np.array_equal(before, after) if isinstance(before, np.ndarray) else before == after
    again = out.replace(labeler.apply(out, propagate(LABEL, "PLATFORM9", "share-7")))
    fields = labeler.read(again).data["fields"]
    assert (
        fields["ContentPropagator"] == "PLATFORM9" and fields["ContentProducer"] == "001191ABCDEF"
    )


_VALUE = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in (0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F))] + ['"']
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(label=st.sampled_from(["1", "2", "3"]), producer=_VALUE, produce_id=_VALUE, code=_VALUE)
def test_any_valid_field_values_round_trip(
    label: str, producer: str, produce_id: str, code: str
) -> None:
    aigc = new_label(
        {
            "Label": label,
            "ContentProducer": producer,
            "ProduceID": produce_id,
            "ReservedCode1": code,
        }
    )
    for media in (
        ex.tiny_png(),
        ex.tiny_markdown(),
        Media.open(ex.audio_bytes("WAV"), name="a.wav"),
    ):
        out = media.replace(Gb45438Labeler().apply(media, aigc))
        assert Gb45438Labeler().read(out).data["fields"] == aigc.fields()


def test_first_write_copies_producer_into_propagator() -> None:
    assert (LABEL.ContentPropagator, LABEL.PropagateID) == ("001191ABCDEF", "gen-42")


@pytest.mark.parametrize(
    "values",
    [
        {"Label": "4", "ContentProducer": "a", "ProduceID": "b"},
        {"Label": "1", "ContentProducer": "has space", "ProduceID": "b"},
        {"Label": "1", "ContentProducer": "中文", "ProduceID": "b"},
        {"Label": "1", "ContentProducer": "back\\slash", "ProduceID": "b"},
        {"Label": "1", "ContentProducer": "", "ProduceID": "b"},
        {"Label": "1", "ContentProducer": "a", "ProduceID": "b", "Extra": "c"},
    ],
)
def test_values_outside_the_standard_are_refused(values: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        new_label(values)


def test_bare_inner_object_is_read_and_errors_are_reported() -> None:
    label, errors = parse_label('{"Label":"2","ContentProducer":"x","ProduceID":"y"}')
    assert label == AigcLabel("2", "x", "y") and "ContentPropagator is missing" in errors
    assert parse_label("not json") == (None, ["the AIGC value is not JSON"])


def test_xml_entity_bomb_in_xmp_is_not_expanded() -> None:
    from synthscope.check.labels import _image_xmp

    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><TC260:AIGC xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/">'
        b"&b;</TC260:AIGC></x:xmpmeta>"
    )
    data = _image_xmp.png_write(ex.image_bytes("PNG"), bomb)
    finding = Gb45438Labeler().read(Media.open(data, name="bomb.png"))
    assert finding.claim == "none" and "metadata unreadable" in finding.data["errors"][0]


EXIFTOOL_CONFIG = """%Image::ExifTool::UserDefined = (
    'Image::ExifTool::XMP::Main' => {
        TC260 => { SubDirectory => { TagTable => 'Image::ExifTool::UserDefined::TC260' } },
    },
);
%Image::ExifTool::UserDefined::TC260 = (
    GROUPS => { 0 => 'XMP', 1 => 'XMP-TC260', 2 => 'Image' },
    NAMESPACE => { 'TC260' => 'http://www.tc260.org.cn/ns/AIGC/1.0/' },
    WRITABLE => 'string',
    AIGC => { },
);
1;
"""


@pytest.fixture
def exiftool(tmp_path: Path) -> list[str]:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool not installed (scripts/ensure-debian.sh installs it)")
    config = tmp_path / "tc260.config"
    config.write_text(EXIFTOOL_CONFIG)
    return ["exiftool", "-config", str(config)]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "GIF"])
def test_exiftool_reads_what_we_write_and_we_read_what_it_writes(
    exiftool: list[str], tmp_path: Path, fmt: str
) -> None:
    ext = {"JPEG": "jpg", "TIFF": "tif"}.get(fmt, fmt.lower())
    media = Media.open(ex.image_bytes(fmt), name=f"a.{ext}")
    ours = tmp_path / f"ours.{ext}"
    ours.write_bytes(Gb45438Labeler().apply(media, LABEL))
    shown = subprocess.run(
        [*exiftool, "-s3", "-XMP-TC260:AIGC", str(ours)], capture_output=True, text=True
    )
    assert json.loads(shown.stdout)["AIGC"] == LABEL.fields()
    theirs = tmp_path / f"theirs.{ext}"
    theirs.write_bytes(media.data)
    value = LABEL.to_json()
    subprocess.run(
        [*exiftool, "-q", "-overwrite_original", f"-XMP-TC260:AIGC={value}", str(theirs)],
        check=True,
    )
    assert Gb45438Labeler().read(Media.open(theirs)).data["fields"] == LABEL.fields()


@pytest.mark.parametrize("name", ["a.mp4", "a.mkv", "a.mp3", "a.flac", "a.wav"])
def test_ffprobe_sees_the_tag(tmp_path: Path, name: str) -> None:
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe not installed (scripts/ensure-debian.sh installs ffmpeg)")
    media = Media.open(MEDIA[name](), name=name)
    path = tmp_path / name
    path.write_bytes(Gb45438Labeler().apply(media, LABEL))
    shown = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    tags = {k.upper(): v for k, v in json.loads(shown.stdout)["format"].get("tags", {}).items()}
    if name == "a.wav":  # FFmpeg does not map unknown RIFF chunks to tags; check the chunk itself
        assert b"AIGC" in path.read_bytes()[-400:]
        return
    assert json.loads(tags["AIGC"])["AIGC"] == LABEL.fields()


def _ed25519(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private, public = tmp_path / "aigc.key", tmp_path / "aigc.pub"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


@pytest.mark.parametrize("name", ["a.png", "a.mp4", "a.wav", "a.docx", "a.md"])
def test_signature_in_reserved_code_is_verified(tmp_path: Path, name: str) -> None:
    private, public = _ed25519(tmp_path)
    media = Media.open(MEDIA[name](), name=name)
    signed = media.replace(Gb45438Labeler(signing_key=private).apply(media, LABEL))
    reader = Gb45438Labeler(public_keys=[public])
    finding = reader.read(signed)
    assert finding.data["fields"]["ReservedCode1"].startswith("ed25519:")
    assert finding.data["signatures"] == {"ReservedCode1": "valid"} and finding.data["valid"]
    assert Gb45438Labeler().read(signed).data["signatures"] == {"ReservedCode1": "unchecked"}
    shared = signed.replace(
        Gb45438Labeler(signing_key=private).apply(
            signed, propagate(AigcLabel(**finding.data["fields"]), "PLATFORM", "p-1")
        )
    )
    assert reader.read(shared).data["signatures"] == {
        "ReservedCode1": "valid",
        "ReservedCode2": "valid",
    }
    forged = AigcLabel(**{**finding.data["fields"], "ProduceID": "other"})
    tampered = signed.replace(Gb45438Labeler().apply(signed, forged))
    result = reader.read(tampered)
    assert result.data["signatures"]["ReservedCode1"] == "invalid" and not result.data["valid"]
