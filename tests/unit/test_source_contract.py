"""Contract suite for the Source seam: every registered source (built-in or plugin) must pass.

A third-party source passes the same suite by registering under the ``synthscope.plugins`` entry
point and providing offline ``examples()``.
"""

from __future__ import annotations

import json

import pytest

from synthscope.errors import UsageError
from synthscope.observe.items import KINDS, METRICS
from synthscope.observe.sources.base import Batch, Source, source_class, source_names


def all_examples() -> list[tuple[str, Source, str]]:
    cases = []
    for name in source_names():
        for source, query in source_class(name).examples():
            cases.append((name, source, query))
    return cases


CASES = all_examples()
IDS = [f"{name}:{query.rsplit('/', 1)[-1]}" for name, _, query in CASES]


def test_builtins_are_registered_through_the_plugin_entry_point() -> None:
    assert "file" in source_names()
    assert source_class("file").name == "file"


def test_unknown_source_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Unknown source"):
        source_class("no-such-source")


def test_every_source_has_examples() -> None:
    for name in source_names():
        assert source_class(name).examples(), name


@pytest.mark.parametrize(("name", "source", "query"), CASES, ids=IDS)
def test_batches_are_well_formed(name: str, source: Source, query: str) -> None:
    batches = list(source.fetch_iter(query, None))
    assert batches and all(isinstance(b, Batch) for b in batches)
    items = [i for b in batches for i in b.items]
    assert items, "an example must yield at least one item"
    for item in items:
        assert item.kind in KINDS and item.platform and item.platform_id and item.url
        assert set(item.metrics) <= set(METRICS)
        assert all(isinstance(v, int) and v >= 0 for v in item.metrics.values())
        assert item.year is None or 1990 <= item.year <= 2100
    for batch in batches:
        json.dumps(batch.checkpoint)  # checkpoints are stored as JSON


@pytest.mark.parametrize(("name", "source", "query"), CASES, ids=IDS)
def test_resuming_from_each_checkpoint_yields_the_rest(
    name: str, source: Source, query: str
) -> None:
    batches = list(source.fetch_iter(query, None))
    keys = [i.key for b in batches for i in b.items]
    done = 0
    for batch in batches:
        done += len(batch.items)
        rest = [i.key for b in source.fetch_iter(query, batch.checkpoint) for i in b.items]
        assert rest == keys[done:], f"resume after {batch.checkpoint} lost or repeated items"


@pytest.mark.parametrize(("name", "source", "query"), CASES, ids=IDS)
def test_fetching_twice_gives_the_same_items(name: str, source: Source, query: str) -> None:
    first = [(i.key, i.metrics) for b in source.fetch_iter(query, None) for i in b.items]
    second = [(i.key, i.metrics) for b in source.fetch_iter(query, None) for i in b.items]
    assert first == second
