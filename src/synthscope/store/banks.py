"""Bank and signal rows: idempotent adds, soft removal with a reason, changes since a checkpoint.

Every batch of changes to a bank raises the bank's ``seq`` by one and stamps the changed signal
rows with it, so exports of "what changed since checkpoint N" are one indexed range query.

A removal that an import made keeps a note of where it came from in the row's ``meta`` under
:data:`REMOVAL_NOTE` (``{"source": ..., "checkpoint": ...}``), so a later import of an older
export can tell that the removal is newer than what it carries. Only removed rows carry the note
(a restore drops it), and removed rows' metadata is never exported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from synthscope.errors import InputError, UsageError
from synthscope.store._bulk import _FLAVOURS
from synthscope.store.models import BANKS, SIGNALS

SIGNAL_ID_DIGITS = 16
REMOVAL_NOTE = "_removed_by"
_CHUNK = 500


def signal_key(signal_type: str, value: str) -> str:
    """The stable key of a signal: sha256 of ``type:value`` (same on every platform)."""
    return hashlib.sha256(f"{signal_type}:{value}".encode()).hexdigest()


@dataclass(slots=True)
class NewSignal:
    """A signal to add, with what is known about the content it came from."""

    signal_type: str
    value: str
    quality: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    added_by: str | None = None
    origin: str | None = None


@dataclass(slots=True)
class AddCounts:
    """What an add did: new rows, rows that were there already, removed rows brought back."""

    new: int = 0
    unchanged: int = 0
    restored: int = 0
    signal_ids: list[str] = field(default_factory=list)


def create_bank(
    conn: Connection,
    name: str,
    description: str | None = None,
    owner: str | None = None,
    visibility: str | None = None,
) -> bool:
    """Create bank ``name``; True when it is new. Creating it again updates only the fields
    given (not None)."""
    now = datetime.now(UTC)
    row = conn.execute(select(BANKS.c.id).where(BANKS.c.name == name)).first()
    given = {"description": description, "owner": owner, "visibility": visibility}
    values = {k: v for k, v in given.items() if v is not None}
    if row is not None:
        if values:
            conn.execute(update(BANKS).where(BANKS.c.id == row.id).values(**values))
        return False
    defaults = {"description": "", "owner": None, "visibility": "private"} | values
    conn.execute(insert(BANKS).values(name=name, seq=0, created_at=now, updated_at=now, **defaults))
    return True


def bank_row(conn: Connection, name: str) -> Any:
    """The bank row called ``name``.

    Raises:
        UsageError: there is no such bank.
    """
    row = conn.execute(select(BANKS).where(BANKS.c.name == name)).first()
    if row is None:
        raise UsageError(
            f"There is no bank named {name!r}; create it with `synthscope bank create {name}`.",
            zh=f"没有名为 {name!r} 的库；请先运行 `synthscope bank create {name}`。",
        )
    return row


def _next_seq(conn: Connection, bank_id: int) -> int:
    conn.execute(
        update(BANKS)
        .where(BANKS.c.id == bank_id)
        .values(seq=BANKS.c.seq + 1, updated_at=datetime.now(UTC))
    )
    return int(conn.execute(select(BANKS.c.seq).where(BANKS.c.id == bank_id)).scalar_one())


# Whether to restore a removed signal, given its key and (removal note, reason).
MayRestore = Callable[[str, tuple[dict[str, Any] | None, str]], bool]


def add_signals(
    conn: Connection,
    bank_id: int,
    signals: Sequence[NewSignal],
    may_restore: MayRestore | None = None,
) -> AddCounts:
    """Add signals; present ones are left alone, removed ones are restored (those that
    ``may_restore`` allows, when given; the others are left removed and not counted).
    Idempotent."""
    counts, unique = AddCounts(), {signal_key(s.signal_type, s.value): s for s in signals}
    existing = _existing(conn, bank_id, list(unique))
    held = _held(conn, bank_id, [k for k, removed in existing.items() if removed], may_restore)
    seq: int | None = None
    rows, restore = [], []
    for key in unique:
        if key in held:
            continue
        counts.signal_ids.append(key[:SIGNAL_ID_DIGITS])
        if key not in existing:
            rows.append(key)
        elif existing[key]:
            restore.append(key)
        else:
            counts.unchanged += 1
    if rows or restore:
        seq = _next_seq(conn, bank_id)
        _insert(conn, bank_id, [unique[k] for k in rows], rows, seq)
        for part in _chunks(restore):
            conn.execute(
                update(SIGNALS)
                .where(SIGNALS.c.bank_id == bank_id, SIGNALS.c.key.in_(part))
                .values(removed_at=None, removed_reason=None, seq=seq)
            )
        _set_notes(conn, bank_id, restore, None)
    counts.new, counts.restored = len(rows), len(restore)
    return counts


def _held(
    conn: Connection, bank_id: int, removed: list[str], may_restore: MayRestore | None
) -> set[str]:
    """The keys of ``removed`` that ``may_restore`` keeps removed."""
    if may_restore is None or not removed:
        return set()
    notes = removal_notes(conn, bank_id, removed)
    return {key for key in removed if not may_restore(key, notes.get(key, (None, "")))}


def _existing(conn: Connection, bank_id: int, keys: list[str]) -> dict[str, bool]:
    """key -> whether that signal is currently removed."""
    found: dict[str, bool] = {}
    for part in _chunks(keys):
        query = select(SIGNALS.c.key, SIGNALS.c.removed_at).where(
            SIGNALS.c.bank_id == bank_id, SIGNALS.c.key.in_(part)
        )
        found.update((r.key, r.removed_at is not None) for r in conn.execute(query))
    return found


def _meta_json(meta: dict[str, Any]) -> str:
    if REMOVAL_NOTE in meta:  # only this store writes removal notes, never a file it reads
        meta = {k: v for k, v in meta.items() if k != REMOVAL_NOTE}
    return json.dumps(meta, ensure_ascii=False) if meta else "{}"


_SIGNAL_COLUMNS = (
    "bank_id", "key", "signal_type", "value", "quality", "meta", "added_by", "origin",
    "added_at", "seq",
)  # fmt: skip


def _insert(
    conn: Connection, bank_id: int, signals: list[NewSignal], keys: list[str], seq: int
) -> None:
    """Driver-level executemany (see :mod:`._bulk`): SQLAlchemy's per-row bind processing was
    two thirds of the time of a 200k-line import. A key added meanwhile by another writer is
    left as it is."""
    flavour = _FLAVOURS[conn.dialect.name]
    now = flavour.time(datetime.now(UTC))
    rows = [
        (bank_id, key, s.signal_type, s.value, s.quality, _meta_json(s.meta),
         s.added_by, s.origin, now, seq)
        for s, key in zip(signals, keys, strict=True)
    ]  # fmt: skip
    markers = ", ".join(
        flavour.json_marker if c == "meta" else flavour.marker for c in _SIGNAL_COLUMNS
    )
    sql = (
        f"INSERT INTO signals ({', '.join(_SIGNAL_COLUMNS)}) VALUES ({markers}) "
        "ON CONFLICT (bank_id, key) DO NOTHING"
    )
    for start in range(0, len(rows), 10 * _CHUNK):
        conn.exec_driver_sql(sql, rows[start : start + 10 * _CHUNK])


def _chunks(keys: list[str]) -> Iterable[list[str]]:
    return (keys[i : i + _CHUNK] for i in range(0, len(keys), _CHUNK))


def resolve_ids(conn: Connection, bank_id: int, signal_ids: Sequence[str]) -> list[str]:
    """The full keys of public signal ids (16 digits, or any unique prefix of 8 or more).

    Raises:
        InputError: an id is too short, unknown in this bank, or ambiguous.
    """
    keys = []
    for sid in signal_ids:
        text = sid.strip().lower()
        found = (
            []
            if len(text) < 8
            else conn.execute(
                select(SIGNALS.c.key)
                .where(SIGNALS.c.bank_id == bank_id, SIGNALS.c.key.startswith(text))
                .limit(2)
            )
            .scalars()
            .all()
        )
        if len(found) != 1:
            raise InputError(
                f"No single signal in this bank has the id {sid!r}.",
                zh=f"此库中没有唯一对应 id {sid!r} 的信号。",
            )
        keys.append(found[0])
    return keys


def remove_signals(
    conn: Connection,
    bank_id: int,
    keys: Sequence[str],
    reason: str,
    note: dict[str, Any] | None = None,
) -> int:
    """Mark signals removed with ``reason``; returns how many were active (idempotent).

    ``note`` (an import's removals: where they came from) is kept with each signal this removes
    and with those already removed that have no note yet (the first known source stays)."""
    existing = _existing(conn, bank_id, list(keys))
    active = [k for k, removed in existing.items() if not removed]
    if note is not None:
        _set_notes(conn, bank_id, list(existing), note, only_missing=True)
    if not active:
        return 0
    seq, now = _next_seq(conn, bank_id), datetime.now(UTC)
    for part in _chunks(active):
        conn.execute(
            update(SIGNALS)
            .where(SIGNALS.c.bank_id == bank_id, SIGNALS.c.key.in_(part))
            .values(removed_at=now, removed_reason=reason, seq=seq)
        )
    return len(active)


def _set_notes(
    conn: Connection,
    bank_id: int,
    keys: list[str],
    note: dict[str, Any] | None,
    only_missing: bool = False,
) -> None:
    """Set (``note``) or drop (None) the removal note in the meta of the rows of ``keys``; with
    ``only_missing``, leave rows that have one. One statement per changed row: removals that
    come from imports and restores are few."""
    changes = []
    for part in _chunks(keys):
        query = select(SIGNALS.c.id, SIGNALS.c.meta).where(
            SIGNALS.c.bank_id == bank_id, SIGNALS.c.key.in_(part)
        )
        for row in conn.execute(query):
            meta = dict(row.meta or {})
            noted = REMOVAL_NOTE in meta
            if (note is None and not noted) or (note is not None and noted and only_missing):
                continue
            if note is None:
                del meta[REMOVAL_NOTE]
            else:
                meta[REMOVAL_NOTE] = note
            changes.append({"row_id": row.id, "new_meta": meta})
    if changes:
        statement = (
            update(SIGNALS)
            .where(SIGNALS.c.id == bindparam("row_id"))
            .values(meta=bindparam("new_meta", type_=SIGNALS.c.meta.type))
        )
        conn.execute(statement, changes)


def removal_notes(
    conn: Connection, bank_id: int, keys: Sequence[str]
) -> dict[str, tuple[dict[str, Any] | None, str]]:
    """key -> (removal note, reason) of each removed signal among ``keys``; the note is None for
    a removal made here, or by an import older than notes (see :data:`REMOVAL_NOTE`)."""
    found: dict[str, tuple[dict[str, Any] | None, str]] = {}
    for part in _chunks(list(keys)):
        query = select(SIGNALS.c.key, SIGNALS.c.meta, SIGNALS.c.removed_reason).where(
            SIGNALS.c.bank_id == bank_id,
            SIGNALS.c.key.in_(part),
            SIGNALS.c.removed_at.is_not(None),
        )
        for row in conn.execute(query):
            note = (row.meta or {}).get(REMOVAL_NOTE)
            found[row.key] = (note if isinstance(note, dict) else None, row.removed_reason or "")
    return found


def active_signals(conn: Connection, bank_id: int, types: Sequence[str] = ()) -> list[Any]:
    """(id, key, signal_type, value, quality) of the bank's signals that are not removed (only
    ``types`` when given)."""
    query = select(
        SIGNALS.c.id, SIGNALS.c.key, SIGNALS.c.signal_type, SIGNALS.c.value, SIGNALS.c.quality
    ).where(SIGNALS.c.bank_id == bank_id, SIGNALS.c.removed_at.is_(None))
    if types:
        query = query.where(SIGNALS.c.signal_type.in_(list(types)))
    return list(conn.execute(query.order_by(SIGNALS.c.id)))


def keys_of(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """Signal row id -> key."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        part = list(ids[start : start + _CHUNK])
        query = select(SIGNALS.c.id, SIGNALS.c.key).where(SIGNALS.c.id.in_(part))
        found.update((int(r.id), r.key) for r in conn.execute(query))
    return found


def changes_since(conn: Connection, bank_id: int, since: int) -> list[Any]:
    """Signal rows changed after checkpoint ``since`` (all columns), oldest change first."""
    query = select(SIGNALS).where(SIGNALS.c.bank_id == bank_id, SIGNALS.c.seq > since)
    return list(conn.execute(query.order_by(SIGNALS.c.seq, SIGNALS.c.id)))


def list_banks(conn: Connection) -> list[dict[str, Any]]:
    """Every bank with its number of active and removed signals per type."""
    counts: dict[int, dict[str, int]] = {}
    query = select(
        SIGNALS.c.bank_id,
        SIGNALS.c.signal_type,
        SIGNALS.c.removed_at.is_(None).label("active"),
        func.count(),
    ).group_by(SIGNALS.c.bank_id, SIGNALS.c.signal_type, SIGNALS.c.removed_at.is_(None))
    for bank_id, signal_type, active, n in conn.execute(query):
        name = signal_type if active else "removed"
        per = counts.setdefault(bank_id, {})
        per[name] = per.get(name, 0) + int(n)
    banks = []
    for row in conn.execute(select(BANKS).order_by(BANKS.c.name)):
        info = {k: row._mapping[k] for k in ("name", "description", "owner", "visibility", "seq")}
        info["created_at"], info["updated_at"] = (
            row.created_at.isoformat(),
            row.updated_at.isoformat(),
        )
        banks.append(info | {"signals": counts.get(row.id, {})})
    return banks
