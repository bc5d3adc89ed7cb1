"""API keys: random 32-byte tokens, stored only as their SHA-256, with scopes.

A key is shown once, when created. Looking a key up by its hash needs no secret comparison in
the database; the final comparison is constant-time anyway, so a timing difference says nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from synthscope.errors import UsageError
from synthscope.store import Store
from synthscope.store.service_models import API_KEYS

SCOPES = ("check", "bank:read", "bank:write", "admin")
LISTED = ("id", "name", "prefix", "scopes", "created_at", "revoked_at")
KEY_PREFIX = "ssk_"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A known key: its id, name and scopes (``admin`` grants every scope)."""

    id: int
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str) -> list[str]:
    """Scopes from ``check,bank:read,...``.

    Raises:
        UsageError: empty, or a scope that does not exist.
    """
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise UsageError(
            f"--scopes takes one or more of {', '.join(SCOPES)}; got {text!r}.",
            zh=f"--scopes 可选 {', '.join(SCOPES)} 中的一个或多个，收到 {text!r}。",
        )
    return list(dict.fromkeys(scopes))


def create_key(store: Store, name: str, scopes: list[str]) -> str:
    """Create a key named ``name`` and return its secret (the only time it is available).

    Raises:
        UsageError: the name is empty or taken, or a scope is unknown.
        StorageError: the store cannot be written.
    """
    parse_scopes(",".join(scopes))
    if not name.strip() or len(name) > 128:
        raise UsageError("A key name has 1-128 characters.", zh="密钥名称应为 1-128 个字符。")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with store.transaction("creating an API key") as conn:
        taken = conn.execute(select(API_KEYS.c.id).where(API_KEYS.c.name == name)).first()
        if taken is not None:
            raise UsageError(
                f"An API key named {name!r} exists already.", zh=f"名为 {name!r} 的密钥已存在。"
            )
        conn.execute(
            insert(API_KEYS).values(
                name=name,
                prefix=secret[: len(KEY_PREFIX) + 6],
                key_hash=_digest(secret),
                scopes=scopes,
                created_at=datetime.now(UTC),
            )
        )
    return secret


def list_keys(store: Store) -> list[dict[str, Any]]:
    """Every key, oldest first: id, name, prefix (the secret's first characters), scopes,
    created_at and revoked_at (None while valid). Never the secret or its hash.

    Raises:
        StorageError: the store cannot be read.
    """
    columns = (API_KEYS.c[c] for c in LISTED)
    with store.reading("listing API keys") as conn:
        rows = conn.execute(select(*columns).order_by(API_KEYS.c.id)).all()
    return [dict(r._mapping) for r in rows]


def revoke_key(store: Store, name: str) -> bool:
    """Revoke the key called ``name``; False when it was revoked already. Processes that cached
    the key refuse it within :class:`KeyCache`'s ``ttl``.

    Raises:
        UsageError: no key has that name.
        StorageError: the store cannot be written.
    """
    with store.transaction("revoking an API key") as conn:
        row = conn.execute(select(API_KEYS).where(API_KEYS.c.name == name)).first()
        if row is None:
            raise UsageError(f"No API key is named {name!r}.", zh=f"没有名为 {name!r} 的密钥。")
        if row.revoked_at is not None:
            return False
        now = datetime.now(UTC)
        conn.execute(update(API_KEYS).where(API_KEYS.c.id == row.id).values(revoked_at=now))
    return True


def authenticate(store: Store, secret: str) -> ApiKey | None:
    """The key whose secret is ``secret``, or None (unknown or revoked).

    Raises:
        StorageError: the store cannot be read.
    """
    digest = _digest(secret)
    with store.reading("checking an API key") as conn:
        row = conn.execute(select(API_KEYS).where(API_KEYS.c.key_hash == digest)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, digest):
        return None
    return ApiKey(row.id, row.name, frozenset(row.scopes))


class KeyCache:
    """Keys recently authenticated, for ``ttl`` seconds: a busy client does not cost a database
    read per request. A revoked key stops working within ``ttl``."""

    def __init__(self, store: Store, ttl: float = 10.0) -> None:
        self.store = store
        self.ttl = ttl
        self._seen: dict[str, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def authenticate(self, secret: str) -> ApiKey | None:
        """Like :func:`authenticate`, answered from the cache while fresh.

        Raises:
            StorageError: the store cannot be read.
        """
        digest, now = _digest(secret), time.monotonic()
        with self._lock:
            hit = self._seen.get(digest)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        key = authenticate(self.store, secret)
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[digest] = (now, key)
        return key

    def forget(self) -> None:
        """Drop every cached key (after a revocation made in this process)."""
        with self._lock:
            self._seen.clear()
