"""Tables of the web service: API keys (hashed), background jobs, the audit log of bank changes,
and the rate-limit windows that every worker process of one service shares.

Kept apart from :mod:`synthscope.store.models` so the observatory's tables read on their own; the
tables share its metadata, so migrations and the schema check see them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from synthscope.store.models import Base, UTCDateTime


class ApiKeyRow(Base):
    """An API key: only the SHA-256 of the secret is stored; ``prefix`` lets a person tell keys
    apart in listings without the secret."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JobRow(Base):
    """A check or observe run done in the background; ``id`` is random, so knowing it is the
    permission to read it (the public page hands it only to the uploader)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    kept_file: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The worker process that runs the job and when it last said it is alive: another process
    # answers for the job from this row, and fails it clearly once the heartbeat is too old.
    worker: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditRow(Base):
    """One change to a bank made through the service: who, what, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_bank", "bank"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    bank: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RateWindowRow(Base):
    """Requests counted for one caller in one fixed minute (``window``: minutes since the epoch).

    Worker processes lease blocks of requests from this count (see
    :mod:`synthscope.service.ratelimit`), so the limit holds across processes."""

    __tablename__ = "rate_windows"

    caller: Mapped[str] = mapped_column(String(160), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)


API_KEYS = cast(Table, ApiKeyRow.__table__)
JOBS = cast(Table, JobRow.__table__)
AUDIT = cast(Table, AuditRow.__table__)
RATE_WINDOWS = cast(Table, RateWindowRow.__table__)
