"""Checking an upload: the work a check job does, calling the check library and nothing else.

The file is read once, checked in both languages (the reasons are stored in English and Chinese
so the page can switch), then deleted unless its owner asked to keep it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthscope._sniff import OTHER, sniff
from synthscope.check.bank_evidence import BankEvidence
from synthscope.check.detector_evidence import DetectorEvidence
from synthscope.check.detectors import detector_class
from synthscope.check.scan import default_labelers, error_record, record, scan
from synthscope.config import Settings
from synthscope.errors import InputError, UsageError
from synthscope.media import Limits, Media
from synthscope.service.errors import ApiError
from synthscope.service.jobs import Progress, Work
from synthscope.service.uploads import discard

SNIFF_BYTES = 1 << 16
_LABELERS: dict[int, list[Any]] = {}
_DETECTORS = DetectorEvidence()


def _labelers(settings: Settings) -> list[Any]:
    """The labelers for ``settings``, built once (they may read trust lists from disk)."""
    if id(settings) not in _LABELERS:
        _LABELERS[id(settings)] = default_labelers(settings)
    return _LABELERS[id(settings)]


def refuse_unknown_type(path: Path, name: str) -> str:
    """The content's kind, read from its first bytes (never from the name). Every type that
    ``synthscope check`` recognises is accepted (images, video, audio, text, PDF, Office
    documents, ZIP archives); only content of no known type is refused.

    Raises:
        ApiError: 415 when the content's type is unknown (application/octet-stream).
    """
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    found = sniff(head, name)
    if found.mime == OTHER.mime:
        shown = name or "the upload"
        raise ApiError(
            415,
            f"{shown} is {found.mime}: its content is of no type synthscope knows "
            "(an image, video, audio, text, PDF or Office document), so it cannot be checked.",
            zh=f"{shown} 的内容类型为 {found.mime}，不是 synthscope 能识别的类型"
            "（图片、视频、音频、文本、PDF 或 Office 文档），因此无法检测。",
        )
    return found.kind


def known_detectors(names: list[str] | None) -> tuple[str, ...] | None:
    """``names`` as given, when every one is a registered detector; None for none.

    Raises:
        ApiError: 400 naming an unknown detector.
    """
    if not names:
        return None
    try:
        for name in names:
            detector_class(name)
    except UsageError as exc:
        raise ApiError(400, str(exc)) from exc
    return tuple(dict.fromkeys(names))


def check_work(
    settings: Settings,
    path: Path,
    name: str,
    keep: bool,
    banks: BankEvidence | None = None,
    detectors: tuple[str, ...] | None = None,
) -> Work:
    """The job that checks ``path`` (shown to the user as ``name``) with the default detectors
    or the named ``detectors``, then deletes it unless ``keep``. Its result is
    ``{"check": <synthscope.check/1 en>, "check_zh": <same, zh>}``."""
    evidence = DetectorEvidence(detectors) if detectors else _DETECTORS

    def work(progress: Progress) -> dict[str, Any]:
        try:
            return _check(settings, path, name, progress, banks, evidence)
        finally:
            if not keep:
                discard(path)

    return work


def _check(
    settings: Settings,
    path: Path,
    name: str,
    progress: Progress,
    banks: BankEvidence | None,
    detectors: DetectorEvidence,
) -> dict[str, Any]:
    try:
        media = Media.open(path.read_bytes(), name=name, limits=Limits.from_settings(settings))
        media.check_limits()  # before the hash banks and detectors decode it
        progress(0.2)
        extra = banks.findings(media) if banks is not None else []
        progress(0.4)
        extra += detectors.findings(media)
        progress(0.8)
        verdict = scan(media, _labelers(settings), extra)
    except InputError as exc:
        return {"check": error_record(name, exc, "en"), "check_zh": error_record(name, exc, "zh")}
    progress(0.9)
    return {"check": record(media, verdict, "en"), "check_zh": record(media, verdict, "zh")}


def result_in(job_result: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The ``synthscope.check/1`` object of a finished check job in ``lang``."""
    if not job_result:
        return None
    chosen = job_result.get("check_zh") if lang == "zh" else None
    found: dict[str, Any] | None = chosen or job_result.get("check")
    return found
