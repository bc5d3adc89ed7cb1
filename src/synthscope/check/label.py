"""label_file: write any combination of labels into a new file, in the one order that works.

Visible labels and watermarks change pixels, so they come first; the GB 45438 implicit label
changes only metadata; C2PA comes last because its signature covers every byte before it.

Before any label is written the input is decoded (a truncated file is refused, not labelled),
``out`` must name the same format, and a file that already carries C2PA Content Credentials is
only changed when it is re-signed: its earlier manifest then becomes the new one's parent.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscope._sniff import extension_family
from synthscope.check.labels._plain import os_reason, reason, what
from synthscope.check.labels.aigc import AigcLabel, new_label, propagate
from synthscope.check.labels.base import Labeler, labeler_class
from synthscope.config import Settings
from synthscope.errors import MediaError, UsageError
from synthscope.media import Limits, Media, write_atomic


@dataclass(frozen=True, slots=True)
class LabelRequest:
    """What to write; every part is optional, at least one is required."""

    aigc: dict[str, Any] | None = None
    propagate: dict[str, Any] | None = None
    c2pa_cert: Path | None = None
    c2pa_key: Path | None = None
    visible: str | None = None
    watermark: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def parse_json_option(text: str | None, option: str) -> dict[str, Any] | None:
    """A JSON object given on the command line.

    Raises:
        UsageError: not a JSON object.
    """
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{option} is not valid JSON: {exc}.", zh=f"{option} 不是合法的 JSON。"
        ) from exc
    if not isinstance(value, dict):
        raise UsageError(f"{option} must be a JSON object.", zh=f"{option} 必须是 JSON 对象。")
    return value


def _aigc_label(media: Media, request: LabelRequest) -> AigcLabel | None:
    label = new_label(request.aigc) if request.aigc is not None else None
    if request.propagate is None:
        return label
    if label is None:
        label = _existing_label(media)
    unknown = set(request.propagate) - {"ContentPropagator", "PropagateID"}
    if unknown or not request.propagate.get("ContentPropagator"):
        raise UsageError(
            "--propagate takes ContentPropagator and PropagateID only.",
            zh="--propagate 只接受 ContentPropagator 和 PropagateID。",
        )
    return propagate(
        label,
        str(request.propagate["ContentPropagator"]),
        str(request.propagate.get("PropagateID", "")),
    )


def _existing_label(media: Media) -> AigcLabel:
    finding = labeler_class("gb45438")().read(media)
    fields = finding.data.get("fields") if finding.data.get("present") else None
    if not fields:
        raise UsageError(
            f"{media.name} has no AIGC label to propagate; give --aigc.",
            zh=f"{media.name} 没有可传播的 AIGC 标识；请提供 --aigc。",
        )
    return AigcLabel(**fields)


def _steps(media: Media, request: LabelRequest, settings: Settings) -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = []
    if request.visible is not None:
        steps.append(("explicit", request.visible))
    if request.watermark is not None:
        steps.append(("watermark", request.watermark))
    label = _aigc_label(media, request)
    if label is not None:
        steps.append(("gb45438", label))
    if request.c2pa_cert is not None or request.c2pa_key is not None:
        steps.append(("c2pa", _c2pa_signing(media, request, settings)))
    if not steps:
        raise UsageError(
            "Nothing to write: give --aigc, --propagate, --c2pa-cert/--c2pa-key, --visible "
            "or --watermark.",
            zh="没有要写入的内容：请提供 --aigc、--propagate、--c2pa-cert/--c2pa-key、"
            "--visible 或 --watermark。",
        )
    return steps


def _c2pa_signing(media: Media, request: LabelRequest, settings: Settings) -> Any:
    """The certificate and key, checked; a manifest the file already has becomes the parent."""
    from dataclasses import replace

    from synthscope.check.labels.c2pa import C2paLabeler, load_signing

    if request.c2pa_cert is None or request.c2pa_key is None:
        raise UsageError(
            "--c2pa-cert and --c2pa-key go together.", zh="--c2pa-cert 与 --c2pa-key 需同时提供。"
        )
    signing = load_signing(request.c2pa_cert, request.c2pa_key)
    if C2paLabeler.from_settings(settings).carries_manifest(media):
        signing = replace(signing, parent=media.data)
    return signing


def _keep_credentials(media: Media, names: list[str], settings: Settings) -> None:
    """Refuse a change that would silently break the file's C2PA manifest: its signature covers
    every byte (and a remuxed MP4 loses it altogether), so only re-signing keeps provenance."""
    from synthscope.check.labels.c2pa import C2paLabeler

    if "c2pa" in names or not C2paLabeler.from_settings(settings).carries_manifest(media):
        return
    raise UsageError(
        f"{media.name} carries C2PA Content Credentials that this change would break; re-sign "
        "with --c2pa-cert/--c2pa-key (the earlier credentials are kept as its history), or "
        "remove them first.",
        zh=f"{media.name} 带有 C2PA 内容凭证，此次修改会使其失效；请用 --c2pa-cert/--c2pa-key "
        "重新签名（原有凭证会作为历史保留），或先移除该凭证。",
    )


# the extension a labelled copy gets when the input's own says nothing
_EXTENSIONS = {
    "jpeg": ".jpg",
    "png": ".png",
    "gif": ".gif",
    "webp": ".webp",
    "tiff": ".tif",
    "bmp": ".bmp",
    "isobmff": ".mp4",
    "matroska": ".mkv",
    "wav": ".wav",
    "mp3": ".mp3",
    "flac": ".flac",
    "ogg": ".ogg",
    "ooxml": ".docx",
    "text": ".md",
}


def _check_out(source: Path, out: Path, media: Media) -> None:
    """Refuse an --out whose extension names another format than the copy will have (``check``
    would refuse the copy), or whose folder does not exist."""
    claimed = extension_family(out.name)
    if claimed is not None and claimed != media.type.family:
        own = source.suffix if extension_family(source.name) == media.type.family else ""
        right = own.lower() or _EXTENSIONS.get(media.type.family, "")
        en, zh = what(media)
        raise UsageError(
            f"--out {out} would hold {en} ({media.mime}); give it the extension {right}.",
            zh=f"--out {out} 将写入 {zh}（{media.mime}）；请使用扩展名 {right}。",
        )
    folder = out.parent
    if not folder.is_dir():
        why, why_zh = (
            ("is not a folder", "不是文件夹") if folder.exists() else ("does not exist", "不存在")
        )
        raise MediaError(
            f"Cannot write {out}: the folder {folder} {why}.",
            zh=f"无法写入 {out}：文件夹 {folder} {why_zh}。",
        )


def _check_readable(media: Media) -> None:
    """Decode an image, probe audio and video: a truncated or corrupt file is refused before
    anything is written (a truncated JPEG otherwise gets a label and ``check`` refuses it later).

    Raises:
        MediaError: the file cannot be decoded (the decoder's words in brackets, cleaned).
    """
    try:
        media.verify()
    except MediaError as exc:
        cause = exc.__cause__
        if cause is None or type(cause).__name__ == "DecompressionBombError":
            raise  # a limit, already said plainly
        en, zh = what(media, article=False)
        raise MediaError(
            f"{media.name} is not a readable {en}; it may be truncated or corrupt "
            f"({reason(cause)}).",
            zh=f"{media.name} 不是可读取的 {zh}，可能已截断或损坏（{reason(cause)}）。",
        ) from cause


def _write(out: Path, data: bytes) -> None:
    try:
        write_atomic(out, data)
    except MediaError as exc:
        cause = exc.__cause__
        if not isinstance(cause, OSError):
            raise
        en, zh = ("it is a folder", "它是文件夹") if out.is_dir() else os_reason(cause)
        raise MediaError(f"Cannot write {out}: {en}.", zh=f"无法写入 {out}：{zh}。") from cause


def describe_written(written: list[str], lang: str) -> str:
    """What :func:`label_file` wrote, in words ("visible/audible AI notice, C2PA Content
    Credentials"; in Chinese with 、), for messages: the codes mean nothing to people."""
    titles = [labeler_class(name).title for name in written]
    if lang == "zh":
        return "、".join(t.zh for t in titles)
    return ", ".join(t.en for t in titles)


def label_file(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    request: LabelRequest,
    settings: Settings | None = None,
) -> list[str]:
    """Write ``source`` with the requested labels to ``out`` (atomically); returns the names of
    the labels written, in order (:func:`describe_written` puts them in words).

    Raises:
        UsageError: nothing requested, an invalid label, ``out`` is ``source`` or has the
            extension of another format, or the change would break the file's C2PA manifest
            without re-signing it.
        InputError: the C2PA certificate or key cannot be read.
        MediaError: the file cannot be read or decoded, cannot carry a requested label, or
            ``out`` cannot be written.
    """
    settings = settings or Settings()
    source, out = Path(source), Path(out)
    if out.resolve() == source.resolve():
        raise UsageError(
            "--out must differ from the input; files are never changed in place.",
            zh="--out 必须与输入不同；不会原地修改文件。",
        )
    media = Media.open(source, limits=Limits.from_settings(settings))
    _check_out(source, out, media)
    _check_readable(media)
    steps: list[tuple[str, Any, Labeler[Any]]] = [
        (name, label, labeler_class(name).from_settings(settings))
        for name, label in _steps(media, request, settings)
    ]
    # Every label is checked against the format first: a video must not be re-encoded for its
    # visible label only for the watermark step to refuse it afterwards.
    for _, _, labeler in steps:
        labeler.check_writable(media)
    _keep_credentials(media, [name for name, _, _ in steps], settings)
    written = []
    for name, label, labeler in steps:
        media = media.replace(labeler.apply(media, label))
        written.append(name)
    _write(out, media.data)
    return written
