"""Pipeline: import is idempotent, interrupted runs resume to the same store, bad rows reported."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from synthscope.errors import InputError
from synthscope.observe import pipeline
from synthscope.observe._prefetch import consumer_waiting
from synthscope.observe.classify import Classifier
from synthscope.observe.pipeline import import_file
from synthscope.observe.sources import file as file_source
from synthscope.observe.sources.file import FileSource
from synthscope.store import Store
from synthscope.store.models import ItemRow, RunRow, SnapshotRow

ITEMS, SNAPS, RUNS = ItemRow.__table__, SnapshotRow.__table__, RunRow.__table__
ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def youtube_id(n: int) -> str:
    digits = []
    for _ in range(11):
        n, r = divmod(n, len(ALPHA))
        digits.append(ALPHA[r])
    return "".join(digits)


def write_export(path: Path, rows: int, dup_every: int = 3) -> Path:
    """A Bilibili/YouTube-like export with URL variants of the same videos."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["链接", "标题", "发布时间", "播放量", "点赞", "转发/分享", "分区"])
        for i in range(rows):
            n = i - 1 if i % dup_every == 2 else i
            vid = youtube_id(n)
            url = (
                f"https://youtu.be/{vid}?si=x{i}"
                if i % 2
                else f"https://www.youtube.com/watch?v={vid}"
            )
            year = 2017 + n % 5
            out.writerow(
                [
                    url,
                    f"Deepfake 换脸 {n}",
                    f"{year}-03-0{1 + n % 9}",
                    f"{1 + n % 7}万",
                    n % 50,
                    "NA",
                    "科技",
                ]
            )
    return path


def snapshot_of_store(url: str) -> tuple[list[Any], list[Any]]:
    """Content of items and snapshots without ids and wall-clock timestamps."""
    engine = create_engine(url)
    with engine.connect() as conn:
        items = conn.execute(
            select(
                ITEMS.c.key,
                ITEMS.c.kind,
                ITEMS.c.url,
                ITEMS.c.title,
                ITEMS.c.year,
                ITEMS.c.region,
                ITEMS.c.category,
                ITEMS.c.keywords,
            ).order_by(ITEMS.c.key)
        ).all()
        snaps = conn.execute(
            select(ITEMS.c.key, SNAPS.c.observed_at, SNAPS.c.plays, SNAPS.c.likes, SNAPS.c.shares)
            .join(ITEMS, ITEMS.c.id == SNAPS.c.item_id)
            .order_by(ITEMS.c.key, SNAPS.c.observed_at)
        ).all()
    engine.dispose()
    return [tuple(r) for r in items], [tuple(r) for r in snaps]


@pytest.mark.parametrize("prefetch", [False, True])
def test_import_twice_changes_nothing(
    store: Store, tmp_path: Path, classifier: Classifier, prefetch: bool
) -> None:
    export = write_export(tmp_path / "export.csv", 60)
    first = import_file(store, export, classifier=classifier, batch_size=7, prefetch=prefetch)
    before = snapshot_of_store(store.url)
    second = import_file(store, export, classifier=classifier, batch_size=7, prefetch=prefetch)
    assert first.counts["new"] == 40 and first.counts["read"] == 60
    assert second.counts["new"] == 0 and second.counts["updated"] == 0
    assert snapshot_of_store(store.url) == before
    items, snaps = before
    assert len(items) == 40 and len(snaps) == 40
    assert {i[5] for i in items} == {"foreign"}
    assert {i[6] for i in items} == {"tech_education"}
    assert all(s[4] is None for s in snaps)  # shares 'NA' stays missing


def test_interrupted_run_resumes_to_the_same_store(
    db_url: str, tmp_path: Path, classifier: Classifier
) -> None:
    export = write_export(tmp_path / "export.csv", 50)
    reference = Store.open(f"sqlite:///{tmp_path / 'reference.db'}")
    import_file(reference, export, classifier=classifier, batch_size=6)
    store = Store.open(db_url)
    calls = {"n": 0}

    def stop_after_three(_counts: dict[str, int]) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(store, export, classifier=classifier, batch_size=6, progress=stop_after_three)
    partial_items, _ = snapshot_of_store(db_url)
    assert 0 < len(partial_items) < 34
    resumed = import_file(store, export, classifier=classifier, batch_size=6)
    assert resumed.resumed
    assert snapshot_of_store(db_url) == snapshot_of_store(reference.url)
    with store.reading() as conn:
        statuses = [r.status for r in conn.execute(select(RUNS.c.status))]
    assert statuses == ["done"]
    assert resumed.counts["read"] == 50


def test_kill_9_then_rerun_equals_uninterrupted(tmp_path: Path, classifier: Classifier) -> None:
    export = write_export(tmp_path / "big.csv", 30_000)
    reference = Store.open(f"sqlite:///{tmp_path / 'reference.db'}")
    import_file(reference, export, classifier=classifier, batch_size=200)
    db = f"sqlite:///{tmp_path / 'killed.db'}"
    env = {**os.environ, "SYNTHSCOPE_BATCH_SIZE": "200", "SYNTHSCOPE_DATABASE_URL": db}
    cmd = [sys.executable, "-m", "synthscope.cli", "observe", "import", str(export)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_progress(db, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _assert_no_process_left(str(export))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "resumed" in done.stdout
    assert snapshot_of_store(db) == snapshot_of_store(reference.url)


def _assert_no_process_left(needle: str) -> None:
    """The reading process of a killed import must not outlive it (it would hang forever)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = subprocess.run(["pgrep", "-f", needle], capture_output=True, text=True, check=False)
        if not left.stdout.strip():
            return
        time.sleep(0.2)
    pytest.fail(f"processes still running after the import was killed: {left.stdout.split()}")


def _wait_for_progress(db: str, proc: subprocess.Popen[bytes]) -> None:
    engine = create_engine(db)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the import finished before it could be killed"
            try:
                with engine.connect() as conn:
                    row = conn.execute(select(RUNS.c.checkpoint)).first()
                if row is not None and row.checkpoint and row.checkpoint.get("row", 0) > 2000:
                    return
            except Exception:  # the schema may not exist yet
                pass
            time.sleep(0.05)
    finally:
        engine.dispose()
    pytest.fail("no progress within 60 s")


def test_bad_rows_are_reported_and_good_rows_kept(
    store: Store, tmp_path: Path, classifier: Classifier
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "url,title,plays\n"
        "https://www.youtube.com/watch?v=aaaaaaaaaaa,ok,12\n"
        ",no url,3\n"
        "https://www.youtube.com/watch?v=bbbbbbbbbbb,bad count,12abc\n"
        "https://www.youtube.com/watch?v=ccccccccccc,ok too,1.2万\n",
        encoding="utf-8",
    )
    summary = import_file(store, path, classifier=classifier)
    assert summary.counts["new"] == 2 and summary.counts["skipped"] == 2
    assert all("bad.csv" in e for e in summary.errors)
    assert any("row 3" in e for e in summary.errors) and any("row 4" in e for e in summary.errors)


def test_missing_file_is_an_input_error(
    store: Store, tmp_path: Path, classifier: Classifier
) -> None:
    with pytest.raises(InputError, match=r"nope\.csv"):
        import_file(store, tmp_path / "nope.csv", classifier=classifier)


def test_prefetched_producer_errors_reach_the_caller(
    store: Store, tmp_path: Path, classifier: Classifier
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv"):
        import_file(store, path, classifier=classifier, prefetch=True)
    with store.reading() as conn:
        assert [r.status for r in conn.execute(select(RUNS.c.status))] == ["failed"]


@pytest.mark.parametrize("handed_over", ["none", "alternate", "all"])
def test_batches_left_unprepared_by_the_reader_store_the_same(
    tmp_path: Path, classifier: Classifier, monkeypatch: pytest.MonkeyPatch, handed_over: str
) -> None:
    """The reading process may leave a batch's classification to the storing process (when it
    waits for work): whichever process prepares which batch, the store ends the same."""
    export = write_export(tmp_path / "export.csv", 60)
    reference = Store.open(f"sqlite:///{tmp_path / 'reference.db'}")
    import_file(reference, export, classifier=classifier, batch_size=7, prefetch=False)
    calls = iter(range(10**6))
    rule = {
        "none": lambda: False,
        "alternate": lambda: next(calls) % 2 == 0,
        "all": lambda: True,
    }[handed_over]
    made = pipeline.classified_batches

    def deferring(source: Any, query: str, checkpoint: Any, classifier: Classifier, *_: Any) -> Any:
        return made(source, query, checkpoint, classifier, rule)

    monkeypatch.setattr(pipeline, "classified_batches", deferring)
    store = Store.open(f"sqlite:///{tmp_path / 'deferred.db'}")
    summary = import_file(store, export, classifier=classifier, batch_size=7, prefetch=False)
    assert summary.counts["new"] == 40 and summary.counts["read"] == 60
    assert snapshot_of_store(store.url) == snapshot_of_store(reference.url)


def test_only_a_producer_sees_a_waiting_consumer() -> None:
    assert consumer_waiting() is False  # this process feeds no queue: nothing is handed over


def test_a_small_text_file_is_read_in_this_process_unless_asked(
    store: Store, tmp_path: Path, classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting the spawned reader costs more than it saves on a small file; a large one, or an
    explicit ``prefetch=True``, still gets it."""
    export = write_export(tmp_path / "export.csv", 30)
    started: list[str] = []
    real = pipeline.prefetched

    def counting(make: Any, *, start: str = "fork") -> Any:
        started.append(start)
        return real(make, start=start)

    monkeypatch.setattr(pipeline, "prefetched", counting)
    monkeypatch.setattr(pipeline, "can_prefetch", lambda: True)
    import_file(store, export, classifier=classifier, prefetch=None)
    assert started == []
    import_file(store, export, classifier=classifier, prefetch=True)
    assert started == ["spawn"]
    monkeypatch.setattr(file_source, "SPAWN_MIN_BYTES", 1)
    import_file(store, export, classifier=classifier, prefetch=None)
    assert started == ["spawn", "spawn"]


def test_worth_a_second_process_by_size_and_format(tmp_path: Path) -> None:
    small = write_export(tmp_path / "export.csv", 5)
    assert not FileSource(columnar=True).worth_a_second_process(str(small))
    assert FileSource(columnar=False).worth_a_second_process(str(small))  # forked: cheap
    assert FileSource(columnar=True).worth_a_second_process(str(tmp_path / "missing.csv"))
