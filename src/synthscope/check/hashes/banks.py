"""Bank operations as library calls: each ``bank`` command and API endpoint calls one of them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from synthscope.check.hashes import _replay, exchange, signing
from synthscope.check.hashes._replay import Replay
from synthscope.check.hashes.exchange import BadLine, Entry, Exchange
from synthscope.check.hashes.files import HashedFile, hash_file
from synthscope.errors import InputError, UsageError
from synthscope.store import Store
from synthscope.store import banks as rows
from synthscope.store.banks import SIGNAL_ID_DIGITS, NewSignal
from synthscope.store.models import BANKS

MAX_REPORTED = 20


@dataclass(slots=True)
class AddReport:
    """What ``bank add`` did: counts, ids of the signals, files kept out and why."""

    new: int = 0
    unchanged: int = 0
    restored: int = 0
    signal_ids: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def create_bank(
    store: Store, name: str, description: str | None = None, owner: str | None = None
) -> bool:
    """Create a bank (True when new); again with the same name only updates its description.

    Raises:
        UsageError: the name is empty or longer than 128 characters.
        StorageError: the store cannot be written.
    """
    if not name.strip() or len(name) > 128 or any(c.isspace() for c in name):
        raise UsageError(
            "A bank name has 1-128 characters and no spaces.",
            zh="库名应为 1-128 个字符且不含空格。",
        )
    with store.transaction("creating a bank") as conn:
        return rows.create_bank(conn, name, description, owner)


def add_files(
    store: Store,
    bank: str,
    paths: list[Path],
    *,
    note: str | None = None,
    incident: str | None = None,
    added_by: str | None = None,
    fps: float | None = None,
) -> AddReport:
    """Hash files and add their signals; low-quality hashes are kept out with a reason.
    ``fps``: video frames hashed per second (default 1).

    Every file is hashed before anything is written, so an unreadable file adds nothing.

    Raises:
        InputError: a file cannot be read or decoded.
        UsageError: no such bank.
        StorageError: the store cannot be written.
    """
    hashed = [found for p in paths for found in hash_file(Path(p), fps=fps)]
    report = AddReport(rejected=[_rejected(h) for h in hashed if h.rejected])
    extra = {k: v for k, v in (("note", note), ("incident", incident)) if v}
    signals = [
        NewSignal(
            h.signal.signal_type, h.signal.value, h.signal.quality, h.meta | extra, added_by, "file"
        )
        for h in hashed
        if not h.rejected
    ]
    return _add(store, bank, signals, report)


def _rejected(found: HashedFile) -> dict[str, str]:
    return {
        "file": found.file,
        "reason": found.rejected or "",
        "reason_zh": found.rejected_zh or "",
    }


def _add(store: Store, bank: str, signals: list[NewSignal], report: AddReport) -> AddReport:
    with store.transaction("adding signals") as conn:
        counts = rows.add_signals(conn, rows.bank_row(conn, bank).id, signals)
    report.new, report.unchanged, report.restored = counts.new, counts.unchanged, counts.restored
    report.signal_ids = counts.signal_ids
    return report


def add_signal_file(
    store: Store, bank: str, path: Path, *, added_by: str | None = None, partial: bool = False
) -> tuple[AddReport, list[BadLine]]:
    """Add the ``<signal_type> <value>`` lines of ``path``; bad lines refuse the whole file
    unless ``partial``.

    Raises:
        InputError: unreadable, or bad lines without ``partial`` (each named with its number).
        UsageError: no such bank.
    """
    found = exchange.read_exchange(path, verify=False)
    _refuse_bad(path, found.bad, partial)
    signals = [
        NewSignal(e.signal_type, e.value, e.quality, e.meta, added_by, f"file:{path.name}")
        for e in found.added
    ]
    return _add(store, bank, signals, AddReport()), found.bad


def _refuse_bad(path: Path, bad: list[BadLine], partial: bool) -> None:
    if not bad or partial:
        return
    shown = "; ".join(f"line {b.line}: {b.reason}" for b in bad[:MAX_REPORTED])
    shown_zh = "；".join(f"第 {b.line} 行：{b.reason_zh}" for b in bad[:MAX_REPORTED])
    raise InputError(
        f"{path} has {len(bad)} bad line(s), nothing was imported (use --partial to import the "
        f"rest): {shown}.",
        zh=f"{path} 有 {len(bad)} 行有误，未导入任何内容（加 --partial 可导入其余行）："
        f"{shown_zh}。",
    )


def remove_signals(store: Store, bank: str, signal_ids: list[str], reason: str) -> int:
    """Soft-remove signals by id with ``reason``; returns how many were active.

    Raises:
        UsageError: no such bank, or an empty reason.
        InputError: an id is unknown in the bank.
    """
    if not reason.strip():
        raise UsageError("A removal needs a --reason.", zh="移除信号需要 --reason。")
    with store.transaction("removing signals") as conn:
        bank_id = rows.bank_row(conn, bank).id
        return rows.remove_signals(
            conn, bank_id, rows.resolve_ids(conn, bank_id, signal_ids), reason
        )


def list_banks(store: Store, name: str | None = None) -> list[dict[str, Any]]:
    """Banks with their signal counts (only ``name`` when given).

    Raises:
        UsageError: ``name`` is not a bank.
    """
    with store.reading("listing banks") as conn:
        if name is not None:
            rows.bank_row(conn, name)
        return [b for b in rows.list_banks(conn) if name is None or b["name"] == name]


def export_bank(
    store: Store,
    bank: str,
    out: Path,
    *,
    fmt: str = "local_file",
    since: int = 0,
    key: Ed25519PrivateKey,
) -> dict[str, Any]:
    """Write the bank's changes after checkpoint ``since`` (0: everything) to ``out``, signed.

    ``local_file`` writes the added signals' lines to ``out`` and the signed JSON (removals and
    metadata included) to ``out`` + ``.sig.json``. Returns the summary (checkpoint, counts, signer).

    Raises:
        UsageError: no such bank or format; ``since`` negative or after the bank's checkpoint.
        InputError: ``out`` cannot be written (no such folder, a folder, no permission).
        StorageError: the store cannot be read.
    """
    if since < 0:
        raise UsageError(
            f"--since is a checkpoint (0 or more), not {since}.",
            zh=f"--since 是检查点（0 或更大），而不是 {since}。",
        )
    if fmt not in ("local_file", "json"):
        raise UsageError(
            f"--format must be local_file or json, not {fmt!r}.",
            zh=f"--format 只能是 local_file 或 json，而不是 {fmt!r}。",
        )
    document = _document(store, bank, since)
    if fmt == "local_file":
        entries = [Entry(0, a["signal_type"], a["value"]) for a in document["added"]]
        text = exchange.local_file_text(entries)
        document["local_file_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        exchange.write_atomic(out, text)
        out = out.with_name(out.name + exchange.SIDECAR_SUFFIX)
    signed = signing.sign(document, key)
    exchange.write_atomic(out, json.dumps(signed, ensure_ascii=False, indent=1) + "\n")
    return {
        "checkpoint": document["checkpoint"],
        "added": len(document["added"]),
        "removed": len(document["removed"]),
        "signer": signing.public_hex(key),
    }


def _document(store: Store, bank: str, since: int) -> dict[str, Any]:
    with store.reading("exporting a bank") as conn:
        row = rows.bank_row(conn, bank)
        if since > row.seq:
            raise UsageError(
                f"Bank {bank} is at checkpoint {row.seq}; --since must be between 0 and "
                f"{row.seq}, not {since}.",
                zh=f"库 {bank} 当前检查点为 {row.seq}；--since 应在 0 到 {row.seq} 之间，"
                f"而不是 {since}。",
            )
        changed = rows.changes_since(conn, row.id, since)
    added = [
        {
            "signal_id": r.key[:SIGNAL_ID_DIGITS],
            "signal_type": r.signal_type,
            "value": r.value,
            "quality": r.quality,
            "metadata": r.meta,
            "added_at": r.added_at.isoformat(),
        }
        for r in changed
        if r.removed_at is None
    ]
    removed = [
        {
            "signal_id": r.key[:SIGNAL_ID_DIGITS],
            "signal_type": r.signal_type,
            "value": r.value,
            "reason": r.removed_reason,
            "removed_at": r.removed_at.isoformat(),
        }
        for r in changed
        if r.removed_at is not None
    ]
    return {
        "schema": exchange.SCHEMA,
        "bank": {"name": row.name, "description": row.description, "owner": row.owner},
        "since": since,
        "checkpoint": int(row.seq),
        "exported_at": datetime.now(UTC).isoformat(),
        "added": added,
        "removed": removed,
    }


def import_bank(
    store: Store,
    bank: str,
    path: Path,
    *,
    partial: bool = False,
    verify: bool = True,
    trust: tuple[str, ...] = (),
    restore: bool = False,
) -> dict[str, Any]:
    """Import an exchange file into ``bank`` (created when missing) in one transaction.

    A signal the bank removed is restored only when the file is newer than the removal (see
    :mod:`._replay`): ``stale`` counts those the source removed after the file's checkpoint,
    ``not_restored`` those an import removed that a file without a checkpoint lists;
    ``restore`` restores both kinds.

    Raises:
        UsageError: a ``trust`` key is not 64 hex digits.
        InputError: unreadable; unsigned/tampered/untrusted while ``verify``; bad lines without
            ``partial``.
        StorageError: the store cannot be written.
    """
    trust = _trusted_keys(trust)
    found = exchange.read_exchange(path, verify=verify, trust=trust)
    _refuse_bad(path, found.bad, partial)
    origin = f"import:{path.name}" + (f":{found.signer[:16]}" if found.signer else ":unsigned")
    with store.transaction("importing a bank") as conn:
        if conn.execute(select(BANKS.c.id).where(BANKS.c.name == bank)).first() is None:
            rows.create_bank(conn, bank, str(found.bank.get("description") or ""))
        bank_id = rows.bank_row(conn, bank).id
        may_restore, skipped = _replay_policy(found)
        counts = rows.add_signals(
            conn, bank_id, _new(found, origin), None if restore else may_restore
        )
        removed = 0
        for reason, keys in _removals(found).items():
            removed += rows.remove_signals(
                conn, bank_id, keys, f"{origin}: {reason}", _replay.note(found)
            )
    return {
        "new": counts.new,
        "unchanged": counts.unchanged,
        "restored": counts.restored,
        "removed": removed,
        "bad": [asdict(b) for b in found.bad],
        "signer": found.signer,
        "checkpoint": found.checkpoint,
        "stale": skipped[Replay.STALE],
        "not_restored": skipped[Replay.HELD],
    }


def _replay_policy(found: Exchange) -> tuple[rows.MayRestore, dict[Replay, int]]:
    """Which removed signals importing ``found`` restores (see :mod:`._replay`), and the count
    of those it leaves removed, by reason (filled as the store asks)."""
    skipped = dict.fromkeys((Replay.STALE, Replay.HELD), 0)

    def may_restore(_key: str, removal: tuple[dict[str, Any] | None, str]) -> bool:
        verdict = _replay.decide(removal, found)
        if verdict is not Replay.RESTORE:
            skipped[verdict] += 1
        return verdict is Replay.RESTORE

    return may_restore, skipped


def _trusted_keys(trust: tuple[str, ...]) -> tuple[str, ...]:
    """``trust`` in lower case, each checked to be an Ed25519 public key in hex.

    Raises:
        UsageError: a key is not 64 hex digits.
    """
    for key in trust:
        if len(key) != 64 or any(c not in "0123456789abcdefABCDEF" for c in key):
            raise UsageError(
                f"--trust takes a signer's Ed25519 public key as 64 hex digits (as `bank export` "
                f"prints it), not {key!r}.",
                zh="--trust 需要签名者的 Ed25519 公钥，即 64 位十六进制数字"
                f"（`bank export` 会打印），而不是 {key!r}。",
            )
    return tuple(k.lower() for k in trust)


def _removals(found: Exchange) -> dict[str, list[str]]:
    """Keys to remove grouped by the exporter's reason."""
    groups: dict[str, list[str]] = {}
    for e in found.removed:
        key = rows.signal_key(e.signal_type, e.value)
        groups.setdefault(e.reason or "removed by the exporter", []).append(key)
    return groups


def _new(found: Exchange, origin: str) -> list[NewSignal]:
    return [NewSignal(e.signal_type, e.value, e.quality, e.meta, None, origin) for e in found.added]
