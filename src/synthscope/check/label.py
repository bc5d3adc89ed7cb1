"""label_file: write any combination of labels into a new file, in the one order that works.

Visible labels and watermarks change pixels, so they come first; the GB 45438 implicit label
changes only metadata; C2PA comes last because its signature covers every byte before it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _steps(media: Media, request: LabelRequest) -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = []
    if request.visible is not None:
        steps.append(("explicit", request.visible))
    if request.watermark is not None:
        steps.append(("watermark", request.watermark))
    label = _aigc_label(media, request)
    if label is not None:
        steps.append(("gb45438", label))
    if request.c2pa_cert is not None or request.c2pa_key is not None:
        steps.append(("c2pa", _c2pa_signing(request)))
    if not steps:
        raise UsageError(
            "Nothing to write: give --aigc, --propagate, --c2pa-cert/--c2pa-key, --visible "
            "or --watermark.",
            zh="没有要写入的内容：请提供 --aigc、--propagate、--c2pa-cert/--c2pa-key、"
            "--visible 或 --watermark。",
        )
    return steps


def _c2pa_signing(request: LabelRequest) -> Any:
    from synthscope.check.labels.c2pa import C2paSigning

    if request.c2pa_cert is None or request.c2pa_key is None:
        raise UsageError(
            "--c2pa-cert and --c2pa-key go together.", zh="--c2pa-cert 与 --c2pa-key 需同时提供。"
        )
    try:
        return C2paSigning(request.c2pa_cert.read_bytes(), request.c2pa_key.read_bytes())
    except OSError as exc:
        raise UsageError(f"Cannot read the C2PA certificate or key: {exc.strerror}.") from exc


def label_file(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    request: LabelRequest,
    settings: Settings | None = None,
) -> list[str]:
    """Write ``source`` with the requested labels to ``out`` (atomically); returns what was written.

    Raises:
        UsageError: nothing requested, an invalid label, or ``out`` is ``source``.
        MediaError: the file cannot be read or cannot carry a requested label.
    """
    settings = settings or Settings()
    if Path(out).resolve() == Path(source).resolve():
        raise UsageError(
            "--out must differ from the input; files are never changed in place.",
            zh="--out 必须与输入不同；不会原地修改文件。",
        )
    media = Media.open(source, limits=Limits.from_settings(settings))
    steps: list[tuple[str, Any, Labeler[Any]]] = [
        (name, label, labeler_class(name).from_settings(settings))
        for name, label in _steps(media, request)
    ]
    # Every label is checked against the format first: a video must not be re-encoded for its
    # visible label only for the watermark step to refuse it afterwards.
    for name, _, labeler in steps:
        if not labeler.supports(media):
            raise MediaError(
                f"{media.name} ({media.mime}) cannot carry a {name} label.",
                zh=f"{media.name}（{media.mime}）无法写入 {name} 标识。",
            )
    written = []
    for name, label, labeler in steps:
        media = media.replace(labeler.apply(media, label))
        written.append(name)
    write_atomic(out, media.data)
    return written
