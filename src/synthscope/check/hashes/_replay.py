"""Whether an import may restore a signal the bank removed: replayed old exports must not.

A peer's export is a snapshot of its bank at a checkpoint. Importing an older snapshot after a
newer delta that removed a signal would bring the signal back (the snapshot still lists it), so
each removal an import makes keeps a note of its source and checkpoint
(:data:`synthscope.store.banks.REMOVAL_NOTE`), and a later import from the same source decides:

- a signed export (source = signer key + source bank name, with a checkpoint): a removal made at
  a later checkpoint of the same source is newer than the file, which is *stale* for that signal
  and does not restore it; a removal at or before the file's checkpoint was undone by the source
  (it lists the signal again), so the signal is restored;
- a file without a checkpoint or a verified signer (a plain ``local_file``, ``--no-verify``) has
  no place in any source's history, so it does not restore a signal that an import removed
  (from its source, or from one it cannot be told apart from) unless the user says ``--restore``;
- a removal made here (``bank remove``), or one from another known source, is restored as
  before: the file's source says the content is a known fake.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from synthscope.check.hashes.exchange import Exchange


class Replay(Enum):
    """What an import does with a signal it lists that the bank has removed."""

    RESTORE = "restore"
    STALE = "stale"  # the source removed it after the file's checkpoint
    HELD = "held"  # an import removed it; the file cannot say it is newer: --restore to restore


def source_of(found: Exchange) -> str | None:
    """Who exported the file, as removal notes name it: the verified signer's public key and
    the source bank's name; None when the file is not signed (or not verified)."""
    if not found.signer:
        return None
    return f"{found.signer}/{found.bank.get('name') or ''}"


def checkpoint_of(found: Exchange) -> int | None:
    """The file's checkpoint when it is a whole number (a hand-written file may hold anything)."""
    value = found.checkpoint
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def note(found: Exchange) -> dict[str, Any]:
    """The note kept with the removals this file makes."""
    return {"source": source_of(found), "checkpoint": checkpoint_of(found)}


def decide(removal: tuple[dict[str, Any] | None, str], found: Exchange) -> Replay:
    """What importing ``found`` does with a removed signal it lists; ``removal`` is the
    signal's (note, reason) from :func:`synthscope.store.banks.removal_notes`."""
    noted, reason = removal
    if noted is None:
        # Imports before notes existed wrote "import:<file>:<signer>: <reason>".
        noted = {"source": None, "checkpoint": None} if reason.startswith("import:") else None
    if noted is None:
        return Replay.RESTORE
    source, checkpoint = source_of(found), checkpoint_of(found)
    by, at = noted.get("source"), noted.get("checkpoint")
    if source is not None and by == source and isinstance(at, int) and checkpoint is not None:
        return Replay.STALE if at > checkpoint else Replay.RESTORE
    if source is not None and by is not None and by != source:
        return Replay.RESTORE
    return Replay.HELD
