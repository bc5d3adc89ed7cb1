"""Benchmark: hash banks. Prints two tables.

1. PDQ hashing throughput on the PDQ test images (``$SYNTHSCOPE_REFERENCE_DATA/hashing/pdq``, or
   generated pictures when absent), JPEG/PNG decode included, and the share of time that is decode.
2. Matching at each size (default 1M and 10M random 256-bit hashes) with planted near-duplicates
   (0-31 bits flipped): recall at distance <= 31, queries per second on one core, memory per hash,
   build, save and load time, for synthscope's index beside FAISS ``IndexBinaryFlat`` doing
   the same queries in the same run (the anchor; ratio = our queries/s over flat's). Also the
   resident memory after reloading the index three times (growth per reload should be ~0).

Usage: ``python benchmarks/banks.py [--sizes 1000000,10000000] [--queries 300]
[--flat-queries 100] [--rounds 5] [--skip-hashing] [--compare]``. ``--compare`` adds the other
candidates the index was chosen against: FAISS multi-index hashing and a numpy popcount scan.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from synthscope.check.hashes import _decode, _pdqcore
from synthscope.check.hashes.index import HammingIndex, _popcount_distance

THRESHOLD = 31


def reference_images() -> list[Path]:
    root = Path(
        os.environ.get("SYNTHSCOPE_REFERENCE_DATA", Path(__file__).parents[1] / "../shared/data")
    )
    folder = root / "hashing" / "pdq"
    found = [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
    return found


def hashing_table() -> None:
    images = reference_images()
    if not images:
        from synthscope.check.hashes.pdq import _encode, _picture

        data = [_encode(_picture(i).resize((1600, 1000)), "JPEG") for i in range(20)]
        sources: list[Path | bytes] = list(data)
        label = "20 generated 1600x1000 JPEGs (reference data absent)"
    else:
        sources = list(images)
        label = f"{len(images)} PDQ test images (reference data)"
    for _ in range(2):  # the second pass is the one timed: file cache warm
        decode = hashing = 0.0
        pixels = 0
        for source in sources:
            t0 = time.perf_counter()
            image = _decode.open_image(source)
            t1 = time.perf_counter()
            _pdqcore.pdq(_pdqcore.reference_pixels(image))
            t2 = time.perf_counter()
            decode, hashing = decode + t1 - t0, hashing + t2 - t1
            pixels += image.width * image.height
    total = decode + hashing
    print(f"\nPDQ hashing: {label}, one core")
    print(f"{'images/s':>10} {'ms/image':>9} {'decode share':>13} {'megapixels/s':>13}")
    n = len(sources)
    print(
        f"{n / total:10.1f} {1000 * total / n:9.2f} {decode / total:13.0%} "
        f"{pixels / total / 1e6:13.1f}"
    )


def planted_queries(
    hashes: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    sources = rng.choice(len(hashes), n, replace=False)
    queries = hashes[sources].copy()
    for row in range(n):
        for bit in rng.choice(256, int(rng.integers(0, THRESHOLD + 1)), replace=False):
            queries[row, bit // 8] ^= 1 << (bit % 8)
    return sources, queries


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def build_ours(hashes: np.ndarray) -> tuple[HammingIndex, float]:
    t0 = time.perf_counter()
    index = HammingIndex()
    index.add(np.arange(len(hashes), dtype=np.int64), hashes)
    return index, time.perf_counter() - t0


def build_flat(hashes: np.ndarray) -> tuple[object, float]:
    import faiss

    faiss.omp_set_num_threads(1)
    t0 = time.perf_counter()
    index = faiss.IndexBinaryFlat(256)
    index.add(hashes)
    return index, time.perf_counter() - t0


def query_ours(
    index: HammingIndex, sources: np.ndarray, queries: np.ndarray
) -> tuple[float, float]:
    """(queries/s, recall)."""
    t0 = time.perf_counter()
    hits = [index.search(q.tobytes(), THRESHOLD) for q in queries]
    qps = len(queries) / (time.perf_counter() - t0)
    found = [any(i == s for i, _ in h) for h, s in zip(hits, sources, strict=True)]
    return qps, float(np.mean(found))


def query_flat(index: object, sources: np.ndarray, queries: np.ndarray) -> tuple[float, float]:
    found = 0
    t0 = time.perf_counter()
    for q, s in zip(queries, sources, strict=True):
        _, _, ids = index.range_search(q[None, :], THRESHOLD + 1)  # type: ignore[attr-defined]
        found += int(s in ids)  # faiss range_search keeps distances < radius
    return len(queries) / (time.perf_counter() - t0), found / len(queries)


def reload_ours(index: HammingIndex) -> tuple[float, float, float]:
    """(save seconds, load seconds, resident memory growth per further reload in MB)."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        path = Path(tmp) / "bank.npz"
        t0 = time.perf_counter()
        index.save(path)
        t1 = time.perf_counter()
        reloaded = HammingIndex.load(path)
        t2 = time.perf_counter()
        before = rss_mb()
        for _ in range(3):
            reloaded = HammingIndex.load(path)
        del reloaded
        return t1 - t0, t2 - t1, (rss_mb() - before) / 3


def reload_flat(index: object) -> tuple[float, float]:
    import faiss

    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        path = str(Path(tmp) / "flat.faiss")
        t0 = time.perf_counter()
        faiss.write_index_binary(index, path)
        t1 = time.perf_counter()
        faiss.read_index_binary(path)
        return t1 - t0, time.perf_counter() - t1


def other_rows(
    hashes: np.ndarray, sources: np.ndarray, queries: np.ndarray, flat_qps: float
) -> list[tuple[str, dict[str, float]]]:
    """The other candidates the index was chosen against, measured once each: FAISS multi-index
    hashing (16 tables of 16 bits, one flip: exact at radius 31) and a plain numpy popcount scan."""
    import faiss

    before = rss_mb()
    t0 = time.perf_counter()
    mih = faiss.IndexBinaryMultiHash(256, 16, 16)
    mih.nflip = 1
    mih.add(hashes)
    mih_build, mih_bytes = time.perf_counter() - t0, (rss_mb() - before) * 1e6 / len(hashes)
    mih_qps, mih_recall = query_flat(mih, sources, queries)
    del mih
    t0 = time.perf_counter()
    found = [
        s in np.flatnonzero(_popcount_distance(hashes, q) <= THRESHOLD)
        for q, s in zip(queries, sources, strict=True)
    ]
    scan_qps = len(queries) / (time.perf_counter() - t0)
    nan = float("nan")
    rows = [
        ("faiss MIH", mih_qps, mih_recall, mih_bytes, mih_build),
        ("numpy scan", scan_qps, float(np.mean(found)), 32.0, 0.0),
    ]
    return [
        (
            name,
            {
                "qps": qps,
                "recall": recall,
                "bytes": size,
                "build": build,
                "save": nan,
                "load": nan,
                "growth": nan,
                "ratio": qps / flat_qps,
            },
        )
        for name, qps, recall, size, build in rows
    ]


def matching_rows(
    n: int, n_queries: int, n_flat: int, rounds: int, compare: bool
) -> list[tuple[str, dict[str, float]]]:
    """Both indexes on the same data; queries alternate between them in ``rounds`` so that load
    from other processes on a shared machine hits both alike. Medians are reported."""
    rng = np.random.default_rng(n)
    hashes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    sources, queries = planted_queries(hashes, n_queries, rng)
    flat_index, flat_build = build_flat(hashes)
    our_index, our_build = build_ours(hashes)
    flat_runs, our_runs = [], []
    for r in range(rounds):
        part = slice(r * n_flat % n_queries, r * n_flat % n_queries + n_flat)
        flat_runs.append(query_flat(flat_index, sources[part], queries[part]))
        our_runs.append(query_ours(our_index, sources, queries))
    ratios = [o[0] / f[0] for o, f in zip(our_runs, flat_runs, strict=True)]
    our_save, our_load, growth = reload_ours(our_index)
    flat_save, flat_load = reload_flat(flat_index)
    flat_row = {
        "qps": float(np.median([f[0] for f in flat_runs])),
        "recall": min(f[1] for f in flat_runs),
        "bytes": 32.0,
        "build": flat_build,
        "save": flat_save,
        "load": flat_load,
        "growth": float("nan"),
        "ratio": 1.0,
    }
    our_row = {
        "qps": float(np.median([o[0] for o in our_runs])),
        "recall": min(o[1] for o in our_runs),
        "bytes": our_index.memory_bytes() / n,
        "build": our_build,
        "save": our_save,
        "load": our_load,
        "growth": growth,
        "ratio": float(np.median(ratios)),
    }
    part = slice(0, n_flat)
    others = other_rows(hashes, sources[part], queries[part], flat_row["qps"]) if compare else []
    return [("flat", flat_row), ("synthscope", our_row), *others]


def matching_table(
    sizes: list[int], n_queries: int, n_flat: int, rounds: int, compare: bool
) -> None:
    print("\nMatching: random 256-bit hashes, planted copies 0-31 bits away, radius 31, one core")
    print(
        f"(median of {rounds} alternating rounds; ratio = median per-round queries/s over flat's)"
    )
    header = f"{'hashes':>11} {'index':>10} {'recall':>7} {'queries/s':>10} {'ms/query':>9} "
    print(
        header
        + f"{'bytes/hash':>11} {'build s':>8} {'save s':>7} {'load s':>7} {'RSS/reload MB':>14} "
        + f"{'vs flat':>8}"
    )
    for n in sizes:
        for name, row in matching_rows(n, n_queries, n_flat, rounds, compare):
            print(
                f"{n:>11,} {name:>10} {row['recall']:7.1%} {row['qps']:10.1f} "
                f"{1000 / row['qps']:9.2f} {row['bytes']:11.1f} {row['build']:8.1f} "
                f"{row['save']:7.1f} {row['load']:7.1f} {row['growth']:14.1f} {row['ratio']:7.2f}x"
            )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--flat-queries", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-hashing", action="store_true")
    parser.add_argument(
        "--compare", action="store_true", help="also FAISS multi-index hashing and a numpy scan"
    )
    args = parser.parse_args()
    if not args.skip_hashing:
        hashing_table()
    sizes = [int(s) for s in args.sizes.split(",")]
    matching_table(sizes, args.queries, args.flat_queries, args.rounds, args.compare)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
