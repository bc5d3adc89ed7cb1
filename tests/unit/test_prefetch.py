"""The forked producer: same values in order, errors re-raised, early stop ends the producer."""

from __future__ import annotations

from collections.abc import Iterator

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
    assert got == [1]


def test_stopping_early_ends_the_producer() -> None:
    stream = prefetched(lambda: numbers(10**9))
    assert next(stream) == 0
    stream.close()  # must return promptly, not wait for a billion values
