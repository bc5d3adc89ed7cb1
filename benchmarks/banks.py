"""Benchmark: hash banks. Prints two tables.

1. PDQ hashing throughput on the PDQ test images (``$SYNTHSCOPE_REFERENCE_DATA/hashing/pdq``, or
   generated pictures when absent), JPEG/PNG decode included, and the share of time that is decode.
2. Matching at each size (default 1M and 10M random 256-bit hashes) with planted near-duplicates
   (0-31 bits flipped): recall at distance <= 31, queries per second on one core, memory per hash,
   build time and save+reload time, for synthscope's index beside FAISS ``IndexBinaryFlat`` doing
   the same queries in the same run (the anchor; ratio = our queries/s over flat's). Also the
   resident memory after reloading the index three times (growth per reload should be ~0).

Usage: ``python benchmarks/banks.py [--sizes 1000000,10000000] [--queries 300]
[--flat-queries 100] [--skip-hashing]``.
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
from synthscope.check.hashes.index import HammingIndex

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


def ours(hashes: np.ndarray, sources: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    t0 = time.perf_counter()
    index = HammingIndex()
    index.add(np.arange(len(hashes), dtype=np.int64), hashes)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = [index.search(q.tobytes(), THRESHOLD) for q in queries]
    qps = len(queries) / (time.perf_counter() - t0)
    recall = np.mean([any(i == s for i, _ in h) for h, s in zip(hits, sources, strict=True)])
    memory = index.memory_bytes() / len(hashes)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        path = Path(tmp) / "bank.npz"
        t0 = time.perf_counter()
        index.save(path)
        del index
        reloaded = HammingIndex.load(path)
        reload = time.perf_counter() - t0
        before = rss_mb()
        for _ in range(3):
            reloaded = HammingIndex.load(path)
        growth = (rss_mb() - before) / 3
        same = reloaded.search(queries[0].tobytes(), THRESHOLD) == hits[0]
    return {
        "qps": qps,
        "recall": float(recall),
        "bytes": memory,
        "build": build,
        "reload": reload,
        "growth": growth,
        "same": float(same),
    }


def flat(hashes: np.ndarray, sources: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    import faiss

    faiss.omp_set_num_threads(1)
    t0 = time.perf_counter()
    index = faiss.IndexBinaryFlat(256)
    index.add(hashes)
    build = time.perf_counter() - t0
    found = 0
    t0 = time.perf_counter()
    for q, s in zip(queries, sources, strict=True):
        _, _, ids = index.range_search(q[None, :], THRESHOLD + 1)  # faiss: distance < radius
        found += int(s in ids)
    qps = len(queries) / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        path = str(Path(tmp) / "flat.faiss")
        t0 = time.perf_counter()
        faiss.write_index_binary(index, path)
        faiss.read_index_binary(path)
        reload = time.perf_counter() - t0
    return {
        "qps": qps,
        "recall": found / len(queries),
        "bytes": 32.0,
        "build": build,
        "reload": reload,
        "growth": float("nan"),
        "same": 1.0,
    }


def matching_table(sizes: list[int], n_queries: int, n_flat: int) -> None:
    print("\nMatching: random 256-bit hashes, planted copies 0-31 bits away, radius 31, one core")
    header = f"{'hashes':>11} {'index':>10} {'recall':>7} {'queries/s':>10} {'ms/query':>9} "
    print(
        header
        + f"{'bytes/hash':>11} {'build s':>8} {'save+load s':>12} {'RSS/reload MB':>14} "
        + f"{'vs flat':>8}"
    )
    for n in sizes:
        rng = np.random.default_rng(n)
        hashes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
        sources, queries = planted_queries(hashes, n_queries, rng)
        flat_row = flat(hashes, sources[:n_flat], queries[:n_flat])
        our_row = ours(hashes, sources, queries)
        for name, row in (("flat", flat_row), ("synthscope", our_row)):
            ratio = row["qps"] / flat_row["qps"]
            print(
                f"{n:>11,} {name:>10} {row['recall']:7.1%} {row['qps']:10.1f} "
                f"{1000 / row['qps']:9.2f} {row['bytes']:11.1f} {row['build']:8.1f} "
                f"{row['reload']:12.1f} {row['growth']:14.1f} {ratio:7.2f}x"
            )
        del hashes
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--flat-queries", type=int, default=100)
    parser.add_argument("--skip-hashing", action="store_true")
    args = parser.parse_args()
    if not args.skip_hashing:
        hashing_table()
    matching_table([int(s) for s in args.sizes.split(",")], args.queries, args.flat_queries)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
