"""Exchange files: python-threatexchange's ``local_file`` lines and synthscope's signed JSON.

``local_file``: one ``<signal_type> <value>`` per line (blank lines and ``#`` comments skipped).
Its signed sidecar ``<file>.sig.json`` is the JSON form of the same export plus the sha256 of the
lines, so metadata and removals travel with it. JSON form (schema ``synthscope.bank-exchange/1``)::

    {"schema": ..., "bank": {"name", "description", "owner"}, "since": 0, "checkpoint": 7,
     "exported_at": "...", "added": [{"signal_id", "signal_type", "value", "quality",
     "metadata", "added_at"}], "removed": [{"signal_id", "signal_type", "value", "reason",
     "removed_at"}], "signature": {"alg": "ed25519", "public_key": "<hex>", "value": "<hex>"}}

``since``/``checkpoint`` make deltas: a peer that imported up to checkpoint N asks for
``--since N`` and gets what was added and removed after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from synthscope import media
from synthscope.check.hashes import _words, signing
from synthscope.check.hashes.base import Hasher, hasher, hasher_names
from synthscope.errors import InputError, SynthscopeError

SCHEMA = "synthscope.bank-exchange/1"
SIDECAR_SUFFIX = ".sig.json"


@dataclass(slots=True)
class Entry:
    """One signal read from an exchange file, with where it was (line or entry number)."""

    line: int
    signal_type: str
    value: str
    quality: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # set for removals


@dataclass(slots=True)
class BadLine:
    """A line that cannot be imported, and why."""

    line: int
    reason: str
    reason_zh: str


@dataclass(slots=True)
class Exchange:
    """What an exchange file holds once read and checked."""

    added: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)
    signer: str | None = None
    bank: dict[str, Any] = field(default_factory=dict)
    checkpoint: int | None = None


@cache
def _hashers() -> dict[str, Hasher]:
    """One instance of each registered hasher (validating a million lines makes no million)."""
    return {name: hasher(name) for name in hasher_names()}


def _checked(
    line: int, signal_type: str, value: str, seen: dict[tuple[str, str], int]
) -> Entry | BadLine:
    impl = _hashers().get(signal_type)
    if impl is None:
        known = ", ".join(sorted(_hashers()))
        return BadLine(
            line,
            f"unknown signal type {signal_type!r} (known: {known})",
            f"未知的信号类型 {signal_type!r}（已知：{known}）",
        )
    try:
        canonical = impl.validate(value)
    except SynthscopeError as exc:
        return BadLine(line, str(exc).rstrip("."), exc.localized("zh").rstrip("。"))
    first = seen.setdefault((signal_type, canonical), line)
    if first != line:
        return BadLine(line, f"duplicate of line {first}", f"与第 {first} 行重复")
    return Entry(line, signal_type, canonical)


def parse_local_file(text: str) -> Exchange:
    """Entries and bad lines of ``<signal_type> <value>`` text."""
    found, seen = Exchange(), dict[tuple[str, str], int]()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            found.bad.append(
                BadLine(number, "expected '<signal_type> <value>'", "应为“<信号类型> <值>”")
            )
            continue
        result = _checked(number, parts[0].lower(), parts[1].strip(), seen)
        (found.bad if isinstance(result, BadLine) else found.added).append(result)  # type: ignore[arg-type]
    return found


def local_file_text(entries: list[Entry]) -> str:
    """``<signal_type> <value>`` lines, each value in python-threatexchange's form."""
    hashers = _hashers()
    return "".join(
        f"{e.signal_type} {hashers[e.signal_type].exchange_value(e.value)}\n" for e in entries
    )


def parse_document(document: dict[str, Any]) -> Exchange:
    """Entries of a JSON exchange document (numbered from 1 in file order) and its bad entries."""
    found, seen = Exchange(), dict[tuple[str, str], int]()
    found.bank = dict(document.get("bank") or {})
    found.checkpoint = document.get("checkpoint")
    for number, item in enumerate(document.get("added") or [], start=1):
        result = _entry(number, item, seen)
        if isinstance(result, Entry):
            result.quality = item.get("quality")
            result.meta = dict(item.get("metadata") or {})
            found.added.append(result)
        else:
            found.bad.append(result)
    offset = len(document.get("added") or [])
    for number, item in enumerate(document.get("removed") or [], start=offset + 1):
        result = _entry(number, item, {})
        if isinstance(result, Entry):
            result.reason = str(item.get("reason") or "")
            found.removed.append(result)
        else:
            found.bad.append(result)
    return found


def _entry(number: int, item: Any, seen: dict[tuple[str, str], int]) -> Entry | BadLine:
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("signal_type"), str)
        or not isinstance(item.get("value"), str)
    ):
        return BadLine(
            number,
            "entry needs string signal_type and value",
            "条目需要字符串 signal_type 和 value",
        )
    return _checked(number, item["signal_type"], item["value"], seen)


def read_json(path: Path) -> dict[str, Any]:
    """A JSON exchange document.

    Raises:
        InputError: unreadable, not JSON, or not this schema.
    """
    try:
        document = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"Cannot read {path} as an exchange file: it is not valid JSON (line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg}).",
            zh=f"无法将 {path} 读作交换文件：不是有效的 JSON"
            f"（第 {exc.lineno} 行第 {exc.colno} 列）。",
        ) from exc
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise InputError(f"{path} is not a {SCHEMA} document.", zh=f"{path} 不是 {SCHEMA} 文档。")
    return document


def read_exchange(path: Path, *, verify: bool = True, trust: tuple[str, ...] = ()) -> Exchange:
    """Read a JSON document or a ``local_file`` (with its sidecar), checking signatures.

    Raises:
        InputError: unreadable; unsigned, tampered or signed by an untrusted key while ``verify``.
    """
    text = _read_text(path)
    if text.lstrip().startswith("{"):
        document = read_json(path)
        found = parse_document(document)
        found.signer = _checked_signature(path, document, verify, trust)
        return found
    found = parse_local_file(text)
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.exists():
        found.signer = _checked_signature(path, {}, verify, trust)
        return found
    return _with_sidecar(found, path, text, read_json(sidecar), verify, trust)


def _read_text(path: Path) -> str:
    """The UTF-8 text of ``path``.

    Raises:
        InputError: missing, a folder, unreadable, or not UTF-8 text.
    """
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"Cannot read {path}: it is not UTF-8 text (byte {exc.start + 1}).",
            zh=f"无法读取 {path}：不是 UTF-8 文本（第 {exc.start + 1} 个字节）。",
        ) from exc
    except OSError as exc:
        raise _words.unreadable(path, exc) from exc


def _with_sidecar(
    found: Exchange,
    path: Path,
    text: str,
    document: dict[str, Any],
    verify: bool,
    trust: tuple[str, ...],
) -> Exchange:
    signer = _checked_signature(path, document, verify, trust)
    if document.get("local_file_sha256") != hashlib.sha256(text.encode()).hexdigest():
        if verify:
            raise InputError(
                f"{path} does not match its signed sidecar: the lines were changed.",
                zh=f"{path} 与其签名附件不符：内容被修改过。",
            )
        signer = None  # --no-verify: the lines are not what the signer signed
    meta = parse_document(document)
    by_key = {(e.signal_type, e.value): e for e in meta.added}
    for entry in found.added:
        extra = by_key.get((entry.signal_type, entry.value))
        if extra is not None:
            entry.quality, entry.meta = extra.quality, extra.meta
    found.removed, found.signer, found.bank, found.checkpoint = (
        meta.removed,
        signer,
        meta.bank,
        meta.checkpoint,
    )
    return found


def _checked_signature(
    path: Path, document: dict[str, Any], verify: bool, trust: tuple[str, ...]
) -> str | None:
    try:
        signer = signing.verify(document)
    except InputError as exc:
        if verify:
            raise InputError(
                f"{path}: {exc} Use --no-verify to import it anyway.",
                zh=f"{path}：{exc.localized('zh')}如仍要导入，请加 --no-verify。",
            ) from exc
        return None
    if verify and signer is None:
        raise InputError(
            f"{path} is not signed; use --no-verify to import it anyway.",
            zh=f"{path} 没有签名；如仍要导入，请加 --no-verify。",
        )
    if verify and trust and signer not in {t.lower() for t in trust}:
        raise InputError(
            f"{path} is signed by {signer}, which is not among the trusted keys.",
            zh=f"{path} 的签名者 {signer} 不在受信任的密钥中。",
        )
    return signer


def write_atomic(path: Path, text: str) -> None:
    """``text`` written as UTF-8 by :func:`synthscope.media.write_atomic` (a path the user gave
    that cannot be written is an input error, exit 3; storage errors, exit 5, are the database's).

    Raises:
        MediaError: the folder does not exist or cannot be written, or ``path`` is a folder.
    """
    media.write_atomic(path, text.encode("utf-8"))
