"""Store: migrations, idempotent upserts, dated snapshots, runs, errors (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from synthscope.errors import StorageError, UsageError
from synthscope.observe.items import Item
from synthscope.store import Store
from synthscope.store import runs as run_records
from synthscope.store.db import schema_is_current
from synthscope.store.items import RunMerges, merge_duplicates, upsert_items
from synthscope.store.models import Base, ItemRow, SnapshotRow

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def video(vid: str, **kw: object) -> Item:
    base: dict[str, object] = {"title": f"video {vid}", "year": 2021, "observed_at": T0}
    base.update(kw)
    return Item("youtube", vid, "video", f"https://www.youtube.com/watch?v={vid}", **base)  # type: ignore[arg-type]


def table_rows(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with store.reading() as conn:
        items = conn.execute(select(ItemRow.__table__).order_by(ItemRow.__table__.c.key)).all()
        snaps = conn.execute(
            select(SnapshotRow.__table__).order_by(SnapshotRow.__table__.c.id)
        ).all()
    return [tuple(r) for r in items], [tuple(r) for r in snaps]


def test_migrations_match_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    assert schema_is_current(store.engine)


def test_open_twice_is_harmless(db_url: str) -> None:
    Store.open(db_url).close()
    again = Store.open(db_url)
    assert schema_is_current(again.engine)
    again.close()


def test_sqlite_uses_wal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'x.db'}")
    with store.reading() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_sqlite_scans_use_a_small_cache_and_file_sorters_then_restore(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")

    def pragmas(conn) -> tuple[int, int]:  # type: ignore[no-untyped-def]
        cache = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        return cache, conn.exec_driver_sql("PRAGMA temp_store").scalar_one()

    with store.reading() as conn:
        usual = pragmas(conn)
    with store.scanning() as conn:
        assert pragmas(conn) == (-2048, 1)  # 1: FILE
    with store.reading() as conn:  # the pool hands the same connection back
        assert pragmas(conn) == usual == (-65536, 2)  # 2: MEMORY
    store.close()


def test_new_sqlite_file_gets_large_pages_and_old_files_keep_theirs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from synthscope.store.db import PAGE_SIZE

    fresh = Store.open(f"sqlite:///{tmp_path / 'new.db'}")
    with fresh.reading() as conn:
        assert conn.execute(text("PRAGMA page_size")).scalar() == PAGE_SIZE != 4096
    fresh.close()
    old = tmp_path / "old.db"
    made = sqlite3.connect(old)
    made.execute("PRAGMA page_size=4096")
    made.execute("PRAGMA journal_mode=WAL")
    made.execute("CREATE TABLE kept (x INTEGER)")
    made.close()
    store = Store.open(f"sqlite:///{old}")
    upsert_and_count = video("keep4kPage1")
    with store.transaction() as conn:
        upsert_items(conn, [upsert_and_count], source="t", run_id=None, merges=RunMerges())
        assert conn.execute(text("PRAGMA page_size")).scalar() == 4096
        assert conn.execute(select(func.count()).select_from(ItemRow)).scalar() == 1
    store.close()


def test_upsert_twice_changes_nothing(store: Store) -> None:
    items = [video("aaaaaaaaaaa", metrics={"likes": 5, "plays": 100}), video("bbbbbbbbbbb")]
    with store.transaction() as conn:
        first = upsert_items(conn, items, source="file")
    before = table_rows(store)
    with store.transaction() as conn:
        second = upsert_items(conn, items, source="file")
    assert (first.new, second.new, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert table_rows(store) == before


def test_snapshots_are_dated_not_overwritten(store: Store) -> None:
    with store.transaction() as conn:
        upsert_items(conn, [video("aaaaaaaaaaa", metrics={"likes": 5})], source="file")
        later = video("aaaaaaaaaaa", metrics={"likes": 9}, observed_at=T0 + timedelta(days=30))
        upsert_items(conn, [later], source="file")
    _, snaps = table_rows(store)
    likes = [(s[2], s[5]) for s in snaps]
    assert likes == [(T0, 5), (T0 + timedelta(days=30), 9)]


def test_missing_metric_stays_missing(store: Store) -> None:
    with store.transaction() as conn:
        upsert_items(conn, [video("aaaaaaaaaaa", metrics={"plays": 10})], source="file")
    with store.reading() as conn:
        row = conn.execute(select(SnapshotRow.__table__)).one()
    assert row.plays == 10 and row.likes is None and row.shares is None


def test_merge_keeps_first_date_and_unions_keywords(store: Store) -> None:
    first = video("aaaaaaaaaaa", published_at=T0, keywords=("deepfake",))
    second = video(
        "aaaaaaaaaaa",
        published_at=T0 + timedelta(days=400),
        year=2022,
        keywords=("换脸",),
        title="new title",
        observed_at=T0 + timedelta(days=1),
    )
    with store.transaction() as conn:
        upsert_items(conn, [first], source="file")
        counts = upsert_items(conn, [second], source="youtube")
    with store.reading() as conn:
        row = conn.execute(select(ItemRow.__table__)).one()
    assert counts.updated == 1
    assert row.published_at == T0 and row.year == 2021
    assert row.keywords == ["deepfake", "换脸"]
    assert row.sources == ["file", "youtube"]
    assert row.title == "new title"


def test_duplicates_within_a_batch_become_one_item(store: Store) -> None:
    batch = [video("aaaaaaaaaaa", metrics={"likes": 1}), video("aaaaaaaaaaa", metrics={"plays": 7})]
    with store.transaction() as conn:
        counts = upsert_items(conn, batch, source="file")
    assert (counts.new, counts.snapshots) == (1, 1)
    with store.reading() as conn:
        snap = conn.execute(select(SnapshotRow.__table__)).one()
    assert (snap.likes, snap.plays) == (1, 7)


ids = st.text(alphabet="abcdefghijkABCDEFGHIJK0123456789_-", min_size=11, max_size=11)
counts_st = st.dictionaries(st.sampled_from(["plays", "likes", "shares"]), st.integers(0, 10**12))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(st.tuples(ids, counts_st), max_size=12))
def test_property_upsert_twice_equals_once(tmp_path_factory, batch) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('h') / 's.db'}")
    items = [video(i, metrics=m) for i, m in batch]
    with store.transaction() as conn:
        upsert_items(conn, items, source="file")
    once = table_rows(store)
    with store.transaction() as conn:
        upsert_items(conn, [video(i, metrics=m) for i, m in batch], source="file")
    assert table_rows(store) == once
    assert len(once[0]) == len({i for i, _ in batch})
    store.close()


def test_merge_duplicates_newer_observation_wins_ties_keep_first() -> None:
    tie = merge_duplicates([video("aaaaaaaaaaa", title="a"), video("aaaaaaaaaaa", title="b")])
    assert list(tie) == ["youtube:aaaaaaaaaaa"]
    assert tie["youtube:aaaaaaaaaaa"].title == "a"
    later = video("aaaaaaaaaaa", title="b", observed_at=T0 + timedelta(hours=1))
    newer = merge_duplicates([video("aaaaaaaaaaa", title="a"), later])
    assert newer["youtube:aaaaaaaaaaa"].title == "b"


def test_same_export_rows_do_not_flip_flop(store: Store) -> None:
    """Two rows of one export describing one video, stored in different batches."""
    first = video("aaaaaaaaaaa", title="a", raw={"url": "u1"})
    second = video("aaaaaaaaaaa", title="b", raw={"url": "u2", "extra": "x"})
    for _ in range(2):
        with store.transaction() as conn:
            upsert_items(conn, [first], source="file")
        with store.transaction() as conn:
            counts = upsert_items(conn, [second], source="file")
        state = table_rows(store)
    assert counts.updated == 0
    with store.reading() as conn:
        row = conn.execute(select(ItemRow.__table__)).one()
    assert row.title == "a" and row.raw == {"url": "u1", "extra": "x"}
    assert table_rows(store) == state


def test_a_run_in_batches_merges_as_one_batch(store: Store) -> None:
    """A newer run whose first batch leaves the title empty: its later batch still sets it, as
    one batch holding both rows would; a field the run already set stays the run's first."""
    later = T0 + timedelta(days=1)
    with store.transaction() as conn:
        upsert_items(conn, [video("aaaaaaaaaaa", title="old", author="x")], source="file")
    rows = [
        video("aaaaaaaaaaa", title=None, author="y", observed_at=later),
        video("aaaaaaaaaaa", title="new", author="z", observed_at=later),
        video("aaaaaaaaaaa", title="newest", observed_at=later),
    ]
    merges = RunMerges()
    for row in rows:
        with store.transaction() as conn:
            upsert_items(conn, [row], source="file", merges=merges)
    with store.reading() as conn:
        stored = conn.execute(select(ItemRow.__table__)).one()
    one = merge_duplicates(rows)["youtube:aaaaaaaaaaa"]
    assert (stored.title, stored.author) == (one.title, one.author) == ("new", "y")
    assert merges.open == {}  # nothing left open once the title is set


def test_run_resume_and_finish(store: Store) -> None:
    with store.transaction() as conn:
        run = run_records.start_or_resume(conn, "file", "x.csv", {"size": 1})
        run.checkpoint = {"row": 10}
        run.count("read", 10)
        run_records.save_progress(conn, run)
    with store.transaction() as conn:
        again = run_records.start_or_resume(conn, "file", "x.csv", {"size": 1})
    assert again.resumed and again.id == run.id and again.checkpoint == {"row": 10}
    assert again.counts == {"read": 10}
    with store.transaction() as conn:
        run_records.finish(conn, again, "done")
        fresh = run_records.start_or_resume(conn, "file", "x.csv", {"size": 1})
        other = run_records.start_or_resume(conn, "file", "x.csv", {"size": 2})
    assert not fresh.resumed and fresh.id != run.id
    assert other.id not in (run.id, fresh.id)


def test_bad_url_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        Store.open("nosuchdialect://x")


def test_unreachable_server_is_a_storage_error() -> None:
    with pytest.raises(StorageError) as err:
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert "Cannot migrate database" in str(err.value)
    assert "\n" not in str(err.value)


def test_unwritable_sqlite_path_is_a_storage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        Store.open(f"sqlite:///{blocker / 'sub' / 'x.db'}")


def test_count_of_items(store: Store) -> None:
    with store.transaction() as conn:
        upsert_items(conn, [video(f"{i:011d}") for i in range(30)], source="file")
    with store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(ItemRow.__table__)).scalar() == 30


def _copy_without_wal(path: Path, to: Path) -> int:
    """How many items the database file alone holds (its write-ahead log left behind)."""
    shutil.copyfile(path, to)
    with sqlite3.connect(to) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])


def test_checkpointing_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = Store.open(f"sqlite:///{path}")
    with store.reading() as conn:  # the schema into the file, so the copies below can be read
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    items = [
        Item("youtube", f"vid{i:08d}", "video", f"https://youtu.be/vid{i:08d}") for i in range(50)
    ]
    with store.transaction() as conn:
        upsert_items(conn, items[:25], source="t", run_id=None)
    assert _copy_without_wal(path, tmp_path / "before.db") == 0  # still only in the log
    with store.checkpointing(), store.transaction() as conn:
        upsert_items(conn, items[25:], source="t", run_id=None)
    assert _copy_without_wal(path, tmp_path / "after.db") == 50
    store.close()


def test_checkpointing_in_memory_changes_nothing() -> None:
    store = Store.open("sqlite://")
    assert store.in_memory
    with store.checkpointing(), store.transaction() as conn:
        upsert_items(
            conn, [Item("youtube", "a", "video", "https://youtu.be/a")], source="t", run_id=None
        )
        assert conn.execute(select(func.count()).select_from(ItemRow)).scalar_one() == 1
