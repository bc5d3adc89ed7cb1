"""The forked producer: same values in order, errors re-raised, early stop ends the producer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthscope.errors import InputError
from synthscope.observe._prefetch import prefetched


def numbers(n: int) -> Iterator[int]:
    yield from range(n)


def failing() -> Iterator[int]:
    yield 1
    raise InputError("bad row in x.csv")


def test_same_values_in_order() -> None:
    assert list(prefetched(lambda: numbers(500))) == list(range(500))


def test_errors_are_raised_in_the_consumer() -> None:
    got = []
    with pytest.raises(InputError, match=r"x\.csv"):
        for value in prefetched(failing):
            got.append(value)
    assert got in ([], [1])  # a killed process may not have flushed its last value


def test_stopping_early_ends_the_producer() -> None:
    stream = prefetched(lambda: numbers(10**9))
    assert next(stream) == 0
    stream.close()  # must return promptly, not wait for a billion values


def test_items_survive_the_trip_between_processes() -> None:
    import pickle
    from datetime import UTC, datetime

    from synthscope.observe.items import Identity, Item

    item = Item(
        "bilibili",
        "BV17x411w7KC",
        "video",
        "https://www.bilibili.com/video/BV17x411w7KC",
        title="换脸",
        published_at=datetime(2021, 1, 2, tzinfo=UTC),
        year=2021,
        keywords=("换脸",),
        metrics={"likes": 3},
        raw={"链接": "x"},
    )
    assert pickle.loads(pickle.dumps(item)) == item
    ident = Identity("x", "1", "https://x.com/i/status/1", "post")
    assert pickle.loads(pickle.dumps(ident)) == ident


def dies() -> Iterator[int]:
    import os

    yield 1
    os._exit(9)  # as if killed: no error message reaches the consumer


def test_a_producer_that_dies_silently_is_reported_not_waited_for() -> None:
    from synthscope.errors import SynthscopeError

    got = []
    with pytest.raises(SynthscopeError, match="exit code 9"):
        for value in prefetched(dies):
            got.append(value)
    assert got in ([], [1])  # a killed process may not have flushed its last value


SCRIPT = """
import sys
from functools import partial
from synthscope.observe._prefetch import prefetched

if __name__ == "__main__":
    assert sys.modules["__main__"].__file__ == sys.argv[1]
    got = list(prefetched(partial(range, 5), start="spawn"))
    print(got, sys.modules["__main__"].__file__ == sys.argv[1])
else:
    raise SystemExit("the main script ran again in the spawned producer")
"""


def test_a_spawned_producer_does_not_run_the_main_script_again(tmp_path: Path) -> None:
    script = tmp_path / "main_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[0, 1, 2, 3, 4] True"
