"""GB 45438-2025 implicit labels: the Appendix E ``AIGC`` value wherever the TC260 guides put it.

Images carry it as XMP ``TC260:AIGC``; MP4/MOV as ``moov/udta/meta`` key ``AIGC``; Matroska as a
SimpleTag; WAV as a RIFF chunk; MP3 as ID3v2 ``TXXX:AIGC``; FLAC/Ogg as a Vorbis comment;
DOCX/XLSX/PPTX as a custom property; Markdown in its front matter. Writers copy the content bytes
and change only metadata, so decoded pixels and samples are identical after labelling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from synthscope.check.findings import Claim, Finding
from synthscope.check.labels import _av_meta, _doc_meta, _image_xmp, _xmp, aigc_sign
from synthscope.check.labels._plain import os_reason, reason, what
from synthscope.check.labels.aigc import AigcLabel, invalid, new_label, parse_label
from synthscope.check.labels.base import Labeler, Title
from synthscope.errors import InputError, MediaError, UsageError
from synthscope.media import Media

if TYPE_CHECKING:
    from synthscope.config import Settings

Read = Callable[[Media], str | None]
Write = Callable[[Media, str], bytes]
_CLAIMS: dict[str, Claim] = {"1": "synthetic", "2": "likely_synthetic", "3": "likely_synthetic"}
_WORDS = {
    "1": ("AI-generated", "人工智能生成"),
    "2": ("possibly AI-generated", "可能为人工智能生成"),
}


def _xmp_pair(family: str) -> tuple[Read, Write]:
    extract = _image_xmp.READERS[family]

    def read(media: Media) -> str | None:
        packet = extract(media.data)
        return _xmp.read_value(packet) if packet else None

    def write(media: Media, value: str) -> bytes:
        packet = _xmp.build_packet(value, extract(media.data))
        if family == "webp":
            image = media.image()
            alpha = "A" in image.getbands()
            return _image_xmp.webp_write(media.data, packet, image.size, alpha)
        writer: Callable[[bytes, bytes], bytes] = getattr(_image_xmp, f"{family}_write")
        return writer(media.data, packet)

    return read, write


def _markdown_write(media: Media, value: str) -> bytes:
    return _doc_meta.markdown_write(media.data.decode("utf-8"), value).encode("utf-8")


def _streamed(read: Callable[[BinaryIO], str | None]) -> Read:
    """A reader of ``read``'s stream over the file (left on disk when it is large)."""

    def run(media: Media) -> str | None:
        with media.stream() as stream:
            return read(stream)

    return run


_HANDLERS: dict[str, tuple[Read, Write]] = {
    **{family: _xmp_pair(family) for family in ("jpeg", "png", "webp", "tiff", "gif")},
    "isobmff": (
        _streamed(_av_meta.container_read),
        lambda m, v: _av_meta.container_write(m.data, v, m.mime),
    ),
    "wav": (_streamed(_av_meta.wav_read), lambda m, v: _av_meta.wav_write(m.data, v)),
    "ooxml": (
        lambda m: _doc_meta.ooxml_read(m.data),
        lambda m, v: _doc_meta.ooxml_write(m.data, v, m.limits.max_bytes),
    ),
    "text": (lambda m: _doc_meta.markdown_read(m.data.decode("utf-8", "replace")), _markdown_write),
}
_HANDLERS["matroska"] = _HANDLERS["isobmff"]
for _family in ("mp3", "flac", "ogg"):
    _HANDLERS[_family] = (
        _streamed(_av_meta.tag_read),
        lambda m, v: _av_meta.tag_write(m.data, v),
    )


def _absent(reason: str = "", reason_zh: str = "") -> Finding:
    data = {"present": False, "valid": False, "fields": None, "errors": [reason] if reason else []}
    return Finding("gb45438", "none", "aigc", data, reason, reason_zh)


def _finding(
    label: AigcLabel | None, errors: list[str], signatures: dict[str, str] | None = None
) -> Finding:
    fields = label.fields() if label else None
    data = {"present": True, "valid": not errors, "fields": fields, "errors": errors}
    if signatures:
        data["signatures"] = signatures
    if label is None or label.Label not in _CLAIMS:
        reason = "an AIGC implicit label is present but unreadable"
        return Finding(
            "gb45438", "inconclusive", "aigc", data, reason, "存在无法解读的 AIGC 隐式标识"
        )
    en, zh = _WORDS.get(label.Label, ("suspected AI-generated", "疑似人工智能生成"))
    who = label.ContentProducer or "?"
    return Finding(
        "gb45438",
        _CLAIMS[label.Label],
        "aigc",
        data,
        f"GB 45438 implicit label: {en} (producer {who})",
        f"GB 45438 隐式标识：{zh}（生成者 {who}）",
    )


class Gb45438Labeler(Labeler[AigcLabel]):
    """Reads and writes the GB 45438-2025 implicit label (the ``AIGC`` metadata value).

    With ``signing_key`` (an Ed25519 PEM file) written labels carry a signature in ReservedCode1
    (producer) or ReservedCode2 (propagator); ``public_keys`` verify them when reading.
    """

    title = Title(
        "GB 45438 metadata label", "GB 45438 隐式标识（元数据）", "a GB 45438 metadata label"
    )

    def __init__(self, signing_key: Path | None = None, public_keys: Sequence[Path] = ()) -> None:
        self.signing_key = signing_key
        self.public_keys = list(public_keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Gb45438Labeler:
        """Keys from ``aigc_signing_key`` and ``aigc_public_keys``."""
        return cls(settings.aigc_signing_key, settings.aigc_public_keys)

    def supports(self, media: Media) -> bool:
        """True for the containers the TC260 practice guides name, and Markdown. Plain text has
        no metadata: front matter would turn it into Markdown (``check`` then says so)."""
        return media.type.family in _HANDLERS and media.mime != "text/plain"

    def check_writable(self, media: Media) -> None:
        """Refuse plain text in words that say what to do instead, other formats as any labeler.

        Raises:
            UsageError: plain text.
            MediaError: a format that cannot carry the label.
        """
        if media.mime == "text/plain":
            raise _plain_text(media)
        super().check_writable(media)

    def read(self, media: Media) -> Finding:
        """The label and what breaks the standard in it; a broken container is noted, not raised."""
        if not self.supports(media):
            return _absent()
        try:
            value = _HANDLERS[media.type.family][0](media)
        except (_image_xmp.ContainerError, _xmp.XmpError, UnicodeDecodeError) as exc:
            return _absent(f"metadata unreadable: {exc}", f"元数据无法读取：{exc}")
        if value is None:
            return _absent()
        label, errors = parse_label(value)
        signatures = self._verify(label, media) if label else {}
        errors += [
            f"{slot} signature does not match" for slot, v in signatures.items() if v == "invalid"
        ]
        return _finding(label, errors, signatures)

    def _verify(self, label: AigcLabel, media: Media) -> dict[str, str]:
        try:
            return aigc_sign.verify(label, media, [p.read_bytes() for p in self.public_keys])
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot read the AIGC public keys: {exc}.") from exc

    def apply(self, media: Media, label: AigcLabel) -> bytes:
        """The file with ``label`` written where the guides place it.

        Raises:
            UsageError: the format cannot carry the label or the label breaks the standard.
            InputError: the signing key cannot be read.
            MediaError: the file's structure cannot be parsed.
        """
        if media.mime == "text/plain":
            raise _plain_text(media)
        if not self.supports(media):
            raise UsageError(
                f"{media.mime} files cannot carry a GB 45438 implicit label here.",
                zh=f"{media.mime} 文件暂不支持写入 GB 45438 隐式标识。",
            )
        invalid(label)
        if self.signing_key is not None:
            try:
                label = aigc_sign.sign(label, media, self.signing_key.read_bytes())
            except OSError as exc:
                en, zh = os_reason(exc)
                raise InputError(
                    f"Cannot read the AIGC signing key {self.signing_key}: {en}.",
                    zh=f"无法读取 AIGC 签名密钥 {self.signing_key}：{zh}。",
                ) from exc
        try:
            return _HANDLERS[media.type.family][1](media, label.to_json())
        except (_image_xmp.ContainerError, _xmp.XmpError, UnicodeDecodeError) as exc:
            en, zh = what(media, article=False)
            raise MediaError(
                f"Cannot write the label into {media.name}: the {en} cannot be parsed; it may be "
                f"truncated or corrupt ({reason(exc)}).",
                zh=f"无法把标识写入 {media.name}：该 {zh}无法解析，"
                f"可能已截断或损坏（{reason(exc)}）。",
            ) from exc

    @classmethod
    def examples(cls) -> list[tuple[Labeler[Any], Media, Any]]:
        """A small PNG and a Markdown note."""
        from synthscope.check.labels._examples import tiny_markdown, tiny_png

        label = new_label({"Label": "1", "ContentProducer": "001191ABCDEF", "ProduceID": "x-1"})
        return [(cls(), tiny_png(), label), (cls(), tiny_markdown(), label)]


def _plain_text(media: Media) -> UsageError:
    return UsageError(
        f"{media.name} is plain text, which has no metadata to hold a GB 45438 implicit label: "
        'add the visible notice (--visible ""), or save it as Markdown (.md), whose front matter '
        "carries the label.",
        zh=f"{media.name} 是纯文本，没有可存放 GB 45438 隐式标识的元数据：请添加显式提示"
        '（--visible ""），或另存为 Markdown（.md），由其前置元数据（front matter）承载标识。',
    )
