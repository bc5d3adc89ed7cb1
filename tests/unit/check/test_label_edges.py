"""label_file at the edges, found by walking the CLI with hand-made files: C2PA credentials are
never broken silently, --out names the right format, unreadable input is refused before writing,
and every refusal is one plain sentence in English and Chinese."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthscope.check.label import LabelRequest, describe_written, label_file
from synthscope.check.labels import _examples as ex
from synthscope.check.labels._testca import throwaway_chain
from synthscope.check.labels.c2pa import C2paLabeler, C2paSigning
from synthscope.check.labels.gb45438 import Gb45438Labeler
from synthscope.check.labels.watermark import _MIN_SIDE, WatermarkLabeler
from synthscope.errors import ExitCode, InputError, MediaError, UsageError
from synthscope.media import Media

AIGC = {"Label": "1", "ContentProducer": "001191ABCDEF", "ProduceID": "gen-42"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    chain = throwaway_chain()
    folder = tmp_path_factory.mktemp("keys")
    (folder / "cert.pem").write_bytes(chain.chain_pem)
    (folder / "key.pem").write_bytes(chain.key_pem)
    return folder / "cert.pem", folder / "key.pem"


def _signed(tmp_path: Path, name: str, data: bytes, keys: tuple[Path, Path]) -> Path:
    src, signed = tmp_path / f"plain-{name}", tmp_path / name
    src.write_bytes(data)
    label_file(src, signed, LabelRequest(c2pa_cert=keys[0], c2pa_key=keys[1]))
    return signed


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.jpg", ex.image_bytes("JPEG")),
        ("a.wav", ex.audio_bytes("WAV")),
        ("a.mp4", ex.video_bytes()),
    ],
)
def test_labeling_a_signed_file_without_resigning_is_refused(
    tmp_path: Path, keys: tuple[Path, Path], name: str, data: bytes
) -> None:
    signed = _signed(tmp_path, name, data, keys)
    out = tmp_path / f"out-{name}"
    with pytest.raises(
        UsageError, match="C2PA Content Credentials that this change would break"
    ) as e:
        label_file(signed, out, LabelRequest(aigc=AIGC))
    assert e.value.exit_code == ExitCode.USAGE and "--c2pa-cert" in str(e.value)
    assert e.value.zh and "C2PA 内容凭证" in e.value.zh and not out.exists()


def test_resigning_keeps_the_earlier_manifest_as_parent(
    tmp_path: Path, keys: tuple[Path, Path]
) -> None:
    signed = _signed(tmp_path, "a.jpg", ex.image_bytes("JPEG"), keys)
    out = tmp_path / "b.jpg"
    request = LabelRequest(aigc=AIGC, c2pa_cert=keys[0], c2pa_key=keys[1])
    assert label_file(signed, out, request) == ["gb45438", "c2pa"]
    data = C2paLabeler().read(Media.open(out)).data
    assert data["state"] == "Valid" and data["codes"] == ["signingCredential.untrusted"]
    assert data["ingredients"] == ["a.jpg"] and data["actions"] == ["c2pa.opened", "c2pa.edited"]
    assert data["digital_source_type"] == "trainedAlgorithmicMedia"
    first = tmp_path / "first.jpg"
    (tmp_path / "fresh.jpg").write_bytes(ex.image_bytes("JPEG"))
    label_file(tmp_path / "fresh.jpg", first, LabelRequest(c2pa_cert=keys[0], c2pa_key=keys[1]))
    assert C2paLabeler().read(Media.open(first)).data["ingredients"] == []


def test_a_broken_manifest_lists_each_code_once(keys: tuple[Path, Path]) -> None:
    chain = throwaway_chain()
    media = Media.open(ex.image_bytes("JPEG"), name="a.jpg")
    signed = media.replace(C2paLabeler().apply(media, C2paSigning(chain.chain_pem, chain.key_pem)))
    from synthscope.check.labels.aigc import new_label

    changed = signed.replace(Gb45438Labeler().apply(signed, new_label(AIGC)))
    finding = C2paLabeler().read(changed)
    codes = finding.data["codes"]
    assert "assertion.dataHash.mismatch" in codes and len(codes) == len(set(codes))
    assert finding.reason.count("assertion.dataHash.mismatch") == 1


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_watermark_keeps_transparency_exactly(tmp_path: Path, mode: str) -> None:
    rgba = np.dstack([ex.gradient(200, 160), np.full((160, 200), 255, np.uint8)])
    rgba[:40, :, 3], rgba[40:80, :, 3] = 0, 128
    image = Image.fromarray(rgba, "RGBA")
    if mode == "LA":
        image = image.convert("LA")
    options = {}
    if mode == "P":
        image = Image.fromarray(rgba[:, :, :3]).convert("P", palette=Image.Palette.ADAPTIVE)
        image.paste(0, (0, 0, 200, 40))
        options = {"transparency": 0}
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    src, out = tmp_path / "a.png", tmp_path / "b.png"
    src.write_bytes(buffer.getvalue())
    label_file(src, out, LabelRequest(watermark=42))
    before = Image.open(src).convert("RGBA").getchannel("A")
    after = Image.open(out)
    assert after.mode == "RGBA"
    assert np.array_equal(np.asarray(before), np.asarray(after.getchannel("A")))
    assert WatermarkLabeler().read(Media.open(out)).data[0]["payload"] == 42


@pytest.mark.parametrize(
    ("name", "data", "wrong", "right"),
    [
        ("in.wav", ex.audio_bytes("WAV"), "ext.mp3", ".wav"),
        ("in.jpg", ex.image_bytes("JPEG"), "ext.png", ".jpg"),
        ("in", ex.image_bytes("PNG"), "ext.jpg", ".png"),
    ],
)
def test_out_with_the_extension_of_another_format_is_refused(
    tmp_path: Path, name: str, data: bytes, wrong: str, right: str
) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(UsageError, match=f"give it the extension \\{right}") as e:
        label_file(tmp_path / name, tmp_path / wrong, LabelRequest(aigc=AIGC))
    assert e.value.zh and right in e.value.zh and not (tmp_path / wrong).exists()


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("cut.jpg", ex.image_bytes("JPEG", 256, 256)[:1500], "not a readable JPEG image"),
        ("tiny.jpg", ex.image_bytes("JPEG")[:20], "not a readable JPEG image"),
        ("cut.png", ex.image_bytes("PNG", 256, 256)[:3000], "not a readable PNG image"),
        ("cut.mp4", ex.video_bytes()[:600], "not a readable MP4 video"),
    ],
)
@pytest.mark.parametrize("request_", [LabelRequest(aigc=AIGC), LabelRequest(watermark=5)])
def test_unreadable_input_is_refused_in_plain_words_before_writing(
    tmp_path: Path, name: str, data: bytes, words: str, request_: LabelRequest
) -> None:
    (tmp_path / name).write_bytes(data)
    out = tmp_path / f"out-{name}"
    with pytest.raises(MediaError) as e:
        label_file(tmp_path / name, out, request_)
    text = f"{e.value} {e.value.zh}"
    assert e.value.exit_code == ExitCode.INPUT and not out.exists()
    for leak in ("0x", "<_io", "Errno", "<none>"):
        assert leak not in text
    assert words in str(e.value)


def test_watermark_minimum_is_what_reads_back(tmp_path: Path) -> None:
    small = Media.open(ex.image_bytes("PNG", _MIN_SIDE - 1, 300), name="small.png")
    with pytest.raises(UsageError, match=f"at least {_MIN_SIDE}x{_MIN_SIDE}") as e:
        WatermarkLabeler().apply(small, 1)
    assert e.value.zh and f"{_MIN_SIDE}x{_MIN_SIDE}" in e.value.zh
    # at the minimum the payload reads back, as written and after JPEG 90
    rng = np.random.default_rng(5)
    for seed in range(4):
        image = Image.fromarray(ex.gradient(_MIN_SIDE, _MIN_SIDE, seed))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        payload = int(rng.integers(0, 2**32))
        media = Media.open(buffer.getvalue(), name="m.png")
        marked = media.replace(WatermarkLabeler().apply(media, payload))
        assert WatermarkLabeler().read(marked).data[0]["payload"] == payload
        jpeg = io.BytesIO()
        marked.image().convert("RGB").save(jpeg, "JPEG", quality=90)
        again = Media.open(jpeg.getvalue(), name="m.jpg")
        assert WatermarkLabeler().read(again).data[0]["payload"] == payload


def test_missing_output_folder_is_said_in_both_languages(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(ex.image_bytes("PNG"))
    with pytest.raises(MediaError, match=r"folder .*nodir does not exist") as e:
        label_file(tmp_path / "a.png", tmp_path / "nodir" / "x.png", LabelRequest(aigc=AIGC))
    assert e.value.zh and "不存在" in e.value.zh and "No such file" not in e.value.zh


def test_unsupported_formats_are_named_in_words(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    for request, words in (
        (LabelRequest(visible=""), "cannot carry a visible or audible AI notice"),
        (LabelRequest(aigc=AIGC), "cannot carry a GB 45438 metadata label."),
    ):
        with pytest.raises(MediaError) as e:
            label_file(tmp_path / "a.pdf", tmp_path / "b.pdf", request)
        assert words in str(e.value) and "explicit" not in (e.value.zh or "")


def test_written_labels_are_described_in_words() -> None:
    written = ["explicit", "watermark", "gb45438", "c2pa"]
    assert describe_written(written, "en") == (
        "visible/audible AI notice, invisible watermark, GB 45438 metadata label, "
        "C2PA Content Credentials"
    )
    zh = describe_written(written, "zh")
    assert "、" in zh and "C2PA 内容凭证" in zh and "gb45438" not in zh and "explicit" not in zh


def test_aigc_problems_are_translated_and_the_defaults_said(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(ex.image_bytes("PNG"))
    with pytest.raises(UsageError) as e:
        label_file(tmp_path / "a.png", tmp_path / "b.png", LabelRequest(aigc={"Label": "1"}))
    assert "Label is 1 (AI-generated) when not given" in str(e.value)
    assert e.value.zh and "ContentProducer 为空" in e.value.zh and "is empty" not in e.value.zh


def test_plain_text_keeps_its_type(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("hello\n")
    with pytest.raises(UsageError, match="plain text, which has no metadata") as e:
        label_file(tmp_path / "note.txt", tmp_path / "out.txt", LabelRequest(aigc=AIGC))
    assert e.value.zh and "纯文本" in e.value.zh and not (tmp_path / "out.txt").exists()
    label_file(tmp_path / "note.txt", tmp_path / "out.txt", LabelRequest(visible=""))
    assert Media.open(tmp_path / "out.txt").mime == "text/plain"
    (tmp_path / "note.md").write_text("# hello\n")
    label_file(tmp_path / "note.md", tmp_path / "out.md", LabelRequest(aigc=AIGC))
    assert Gb45438Labeler().read(Media.open(tmp_path / "out.md")).data["valid"] is True


def test_missing_certificate_is_an_input_error_naming_it(
    tmp_path: Path, keys: tuple[Path, Path]
) -> None:
    (tmp_path / "a.jpg").write_bytes(ex.image_bytes("JPEG"))
    request = LabelRequest(c2pa_cert=tmp_path / "nofile.pem", c2pa_key=keys[1])
    with pytest.raises(
        InputError, match=r"C2PA certificate .*nofile\.pem: the file does not exist"
    ):
        label_file(tmp_path / "a.jpg", tmp_path / "b.jpg", request)
    with pytest.raises(InputError) as e:
        label_file(tmp_path / "a.jpg", tmp_path / "b.jpg", request)
    assert e.value.exit_code == ExitCode.INPUT and e.value.zh and "文件不存在" in e.value.zh
