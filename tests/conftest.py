"""Shared fixtures: a fresh store on SQLite and, when configured, on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from synthscope.observe.classify import Classifier
from synthscope.store import Store

PG_ENV = "SYNTHSCOPE_TEST_DATABASE_URL"
PG_SKIP = f"{PG_ENV} is not set: PostgreSQL store tests skipped (.ci/run sets it)"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's synthscope.toml or writes their user data dir."""
    monkeypatch.setenv("SYNTHSCOPE_CONFIG", str(tmp_path / "absent-synthscope.toml"))
    monkeypatch.setenv("SYNTHSCOPE_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    monkeypatch.delenv("SYNTHSCOPE_LANG", raising=False)


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throwaway database on the configured PostgreSQL server, dropped at the end."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    name = f"synthscope_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database of each supported kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An opened, migrated store on each database kind."""
    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The built-in keyword sets, loaded once for the whole run."""
    return Classifier.load()
