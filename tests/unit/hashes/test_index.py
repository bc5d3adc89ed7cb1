"""The Hamming index is exact: it agrees with brute force through adds, removals, reloads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscope.check.hashes import _mih
from synthscope.check.hashes.index import HammingIndex
from synthscope.errors import InputError


def brute(hashes: np.ndarray, ids: np.ndarray, query: np.ndarray, t: int) -> list[tuple[int, int]]:
    dist = np.unpackbits(hashes ^ query, axis=1).sum(axis=1)
    return sorted((int(i), int(d)) for i, d in zip(ids, dist, strict=True) if d <= t)


def planted(rng: np.random.Generator, base: np.ndarray, bits: int) -> np.ndarray:
    out = base.copy()
    for b in rng.choice(256, bits, replace=False):
        out[b // 8] ^= 1 << (b % 8)
    return out


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    ids = rng.permutation(10**6)[:20_000].astype(np.int64)
    queries = [planted(rng, hashes[i], int(rng.integers(0, 48))) for i in range(0, 20_000, 400)]
    # Near-duplicate clusters: several stored hashes close to one another.
    for k in range(10):
        hashes[k * 7 + 1] = planted(rng, hashes[k * 7], 20)
    return hashes, ids, queries


def key(result: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return sorted(result)


@pytest.mark.parametrize("layout", ["16x16", "12x21"])
@pytest.mark.parametrize("threshold", [0, 15, 23, 31, 35, 40, 60])
def test_search_equals_brute_force(data, threshold: int, layout: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if layout == "12x21":  # the large-bank layout, forced on a small index
        monkeypatch.setattr(_mih, "LARGE_FROM", 1000)
    hashes, ids, queries = data
    index = HammingIndex()
    index.add(ids, hashes)
    for q in queries:
        assert key(index.search(q.tobytes(), threshold)) == brute(hashes, ids, q, threshold)


def test_nearest_first(data) -> None:  # type: ignore[no-untyped-def]
    hashes, ids, _ = data
    index = HammingIndex()
    index.add(ids, hashes)
    found = index.search(hashes[0].tobytes(), 31)
    assert found[0] == (int(ids[0]), 0)
    assert [d for _, d in found] == sorted(d for _, d in found)


def test_incremental_adds_removals_and_replacements(data) -> None:  # type: ignore[no-untyped-def]
    hashes, ids, queries = data
    index = HammingIndex(tail_limit=1000)
    for start in range(0, len(ids), 3000):  # some adds rebuild, some stay in the tail
        index.add(ids[start : start + 3000], hashes[start : start + 3000])
    gone = ids[::3].tolist()
    assert index.remove(gone) == len(gone)
    assert index.remove(gone) == 0
    keep = ~np.isin(ids, gone)
    assert len(index) == int(keep.sum())
    for q in queries:
        assert key(index.search(q.tobytes(), 31)) == brute(hashes[keep], ids[keep], q, 31)
    index.add([int(ids[1])], [bytes(32)])  # replacing an id moves it
    assert index.search(bytes(32), 0) == [(int(ids[1]), 0)]
    assert all(i != ids[1] for i, _ in index.search(hashes[1].tobytes(), 0))


def test_save_and_load(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hashes, ids, queries = data
    index = HammingIndex()
    index.add(ids, hashes)
    index.remove(ids[:100].tolist())
    path = tmp_path / "bank.npz"
    index.save(path)
    again = HammingIndex.load(path)
    assert len(again) == len(index)
    for q in queries:
        assert again.search(q.tobytes(), 31) == index.search(q.tobytes(), 31)
    assert [p.name for p in tmp_path.iterdir()] == ["bank.npz"]  # no temp file left


def test_empty_index_and_bad_input(tmp_path: Path) -> None:
    index = HammingIndex()
    assert index.search(bytes(32), 31) == []
    with pytest.raises(InputError):
        index.search(b"short", 31)
    with pytest.raises(InputError):
        index.add([1, 2], [bytes(32)])
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(InputError):
        HammingIndex.load(tmp_path / "junk.npz")


def test_chunk_values_cover_every_bit_once() -> None:
    for widths in (_mih.SMALL, _mih.LARGE):
        assert sum(widths) == 256
        for bit in (0, 1, 63, 64, 65, 127, 200, 255):
            one = np.zeros((1, 32), np.uint8)
            one[0, bit // 8] = 0x80 >> (bit % 8)
            nonzero = [int(v[0]) for v in _mih.values(one, widths)]
            assert sum(bin(v).count("1") for v in nonzero) == 1


@pytest.mark.parametrize("threshold", range(0, 48))
def test_radii_satisfy_the_pigeonhole_bound(threshold: int) -> None:
    for chunks in (12, 16):
        radii = _mih.radii(threshold, chunks)
        # Smallest total distance that escapes every probe must exceed the threshold.
        assert sum(r + 1 for r in radii) > threshold


def test_search_hashes_gives_each_match_its_stored_hash(data) -> None:  # type: ignore[no-untyped-def]
    hashes, ids, queries = data
    index = HammingIndex(tail_limit=100_000)
    index.add(ids[:15_000], hashes[:15_000])
    index.rebuild()
    index.add(ids[15_000:], hashes[15_000:])  # some in the unsorted tail
    index.remove([int(i) for i in ids[::50]])
    stored = {int(i): h.tobytes() for i, h in zip(ids, hashes, strict=True)}
    for q in queries:
        found = index.search_hashes(q.tobytes(), 31)
        assert [(i, d) for i, d, _ in found] == index.search(q.tobytes(), 31)
        assert all(stored[i] == h for i, _, h in found)
