"""Benchmark: import + report of N generated items into SQLite, beside DuckDB's bare count.

Generates a CSV of N rows (default 1,000,000) with realistic URL variants of YouTube, Bilibili,
TikTok, Douyin and X posts, about 30% of rows being another form of an earlier item, messy counts
('1.2万', '3.3k', 'NA'). Then, each in its own process so peak memory is its own:

* synthscope: ``observe import`` of the file into a fresh SQLite store, then ``observe report``;
* DuckDB (the anchor): the bare per-year ``COUNT(DISTINCT url)`` over the same file.

Prints a table and the ratio synthscope / DuckDB. Target (issue 3): within 40x of DuckDB, peak
memory under 1.5 GB. Usage: ``python benchmarks/observe.py [--rows N] [--keep DIR] [--repeat N]``
(``--repeat``: the median of N synthscope runs; DuckDB's figure is the median of five fresh
processes, each running the query once as synthscope's run does).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"
CATEGORIES = ["影视", "音乐", "科技", "知识", "生活", "娱乐", "资讯", "Music", "Education", ""]
TITLES = [
    "Deepfake {} demo",
    "AI换脸 {} 教程",
    "深度合成 {} 解析",
    "face swap {} funny",
    "语音克隆 {}",
]


def _youtube(rng: random.Random, n: int) -> tuple[str, list[str]]:
    vid = "".join(rng.choice(ALPHABET) for _ in range(11))
    forms = [
        f"https://www.youtube.com/watch?v={vid}",
        f"https://youtu.be/{vid}?si=abc{n}",
        f"https://m.youtube.com/watch?v={vid}&feature=share",
        f"https://www.youtube.com/shorts/{vid}",
        f"https://www.youtube.com/embed/{vid}?utm_source=x",
    ]
    return forms[0], forms


def _bilibili(rng: random.Random, n: int) -> tuple[str, list[str]]:
    aid = rng.randrange(10**6, 10**9)
    forms = [
        f"https://www.bilibili.com/video/av{aid}",
        f"https://m.bilibili.com/video/av{aid}?spm_id_from=333.1",
    ]
    return forms[0], forms


def _digits(rng: random.Random) -> str:
    return str(rng.randrange(10**18, 10**19))


def _tiktok(rng: random.Random, n: int) -> tuple[str, list[str]]:
    vid = _digits(rng)
    forms = [
        f"https://www.tiktok.com/@user{n % 997}/video/{vid}",
        f"https://m.tiktok.com/v/{vid}.html",
    ]
    return forms[0], forms


def _douyin(rng: random.Random, n: int) -> tuple[str, list[str]]:
    vid = _digits(rng)
    forms = [f"https://www.douyin.com/video/{vid}", f"https://www.iesdouyin.com/share/video/{vid}/"]
    return forms[0], forms


def _x(rng: random.Random, n: int) -> tuple[str, list[str]]:
    sid = _digits(rng)
    forms = [
        f"https://twitter.com/u{n % 991}/status/{sid}",
        f"https://x.com/u{n % 991}/status/{sid}?s=20",
    ]
    return forms[0], forms


HEADER = ["url", "title", "published_at", "plays", "likes", "shares", "comments", "category"]
MAKERS = [_youtube, _youtube, _bilibili, _bilibili, _tiktok, _douyin, _x]


def _count(rng: random.Random, value: int) -> str:
    style = rng.random()
    if style < 0.05:
        return "NA"
    if style < 0.15 and value >= 10_000:
        return f"{value / 10_000:.1f}万"
    if style < 0.25 and value >= 1000:
        return f"{value / 1000:.1f}k"
    if style < 0.35:
        return f"{value:,}"
    return str(value)


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write the benchmark CSV (deterministic for a seed)."""
    rng = random.Random(seed)
    seen: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["url", "title", "published_at", "plays", "likes", "shares", "comments", "category"]
        )
        for n in range(rows):
            if seen and rng.random() < 0.3:
                forms = rng.choice(seen)
            else:
                _, forms = rng.choice(MAKERS)(rng, n)
                if len(seen) < 200_000:
                    seen.append(forms)
                else:
                    seen[rng.randrange(len(seen))] = forms
            year = rng.choices(range(2017, 2022), weights=[1, 2, 4, 7, 12])[0]
            plays = int(rng.lognormvariate(8, 2))
            out.writerow(
                [
                    rng.choice(forms),
                    rng.choice(TITLES).format(n),
                    f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    _count(rng, plays),
                    _count(rng, plays // rng.randint(50, 200)),
                    _count(rng, plays // rng.randint(200, 600)),
                    _count(rng, plays // rng.randint(100, 400)),
                    rng.choice(CATEGORIES),
                ]
            )


def _child(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints one JSON line with its numbers."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


SYNTHSCOPE = """
import json, resource, sys, time
from pathlib import Path
from synthscope.observe.classify import Classifier
from synthscope.observe.pipeline import import_file
from synthscope.observe.report import write_report
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.store import Store
csv_path, db, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
prefetch = {"auto": None, "on": True, "off": False}[sys.argv[4]]
t0 = time.perf_counter()
store = Store.open(f"sqlite:///{db}")
summary = import_file(store, csv_path, classifier=Classifier.load(), prefetch=prefetch)
t1 = time.perf_counter()
report = build_report(store, ReportOptions())
write_report(report, out, "en")
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "report_s": t2 - t1, "total_s": t2 - t0,
    "items": sum(report["totals"]["by_kind"].values()), "read": summary.counts.get("read", 0),
    "skipped": summary.counts.get("skipped", 0),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "reader_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

DUCKDB = """
import json, resource, sys, time
import duckdb
t0 = time.perf_counter()
rows = duckdb.sql(
    "SELECT year(CAST(published_at AS DATE)) AS y, COUNT(DISTINCT url) "
    f"FROM read_csv('{sys.argv[1]}', all_varchar=true) GROUP BY y ORDER BY y"
).fetchall()
t1 = time.perf_counter()
print(json.dumps({"total_s": t1 - t0, "groups": len(rows),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
ANCHOR_RUNS = 5  # fresh processes, as synthscope's run is one: one 0.4 s run varies by half here


def _load(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the CSV, database and report here")
    parser.add_argument(
        "--prefetch",
        choices=("auto", "on", "off"),
        default="auto",
        help="read and classify in a second process (auto: when there are 2+ cores)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="import + report this many times into fresh stores and take the median run",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    work = args.keep or Path(tempfile.mkdtemp(prefix="synthscope-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "items.csv"
    t0 = time.perf_counter()
    generate(csv_path, args.rows)
    print(
        f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    runs = []
    for _ in range(max(1, args.repeat)):
        db = work / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        runs.append(_child(SYNTHSCOPE, str(csv_path), str(db), str(work / "report"), args.prefetch))
    ours = sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]
    if len(runs) > 1:
        print("import + report runs (s): " + ", ".join(f"{r['total_s']:.2f}" for r in runs))
    anchors = sorted((_child(DUCKDB, str(csv_path)) for _ in range(ANCHOR_RUNS)),
                     key=lambda r: r["total_s"])  # fmt: skip
    anchor = {
        **anchors[len(anchors) // 2],
        "min_s": anchors[0]["total_s"],
        "max_s": anchors[-1]["total_s"],
    }
    ratio = ours["total_s"] / anchor["total_s"]
    print(f"\n{'step':<34}{'seconds':>10}{'peak MB':>10}")
    print(f"{'synthscope import':<34}{ours['import_s']:>10.2f}")
    print(f"{'synthscope report':<34}{ours['report_s']:>10.2f}")
    print(f"{'synthscope import + report':<34}{ours['total_s']:>10.2f}{ours['peak_mb']:>10.0f}")
    print(f"{'  reading process (prefetch)':<34}{'':>10}{ours['reader_peak_mb']:>10.0f}")
    print(
        f"{'DuckDB distinct/year (anchor)':<34}{anchor['total_s']:>10.2f}{anchor['peak_mb']:>10.0f}"
        f"   median of {ANCHOR_RUNS} fresh processes "
        f"({anchor['min_s']:.2f}-{anchor['max_s']:.2f} s)"
    )
    print(
        f"\nrows read {ours['read']:,}, unique items {ours['items']:,}, skipped {ours['skipped']:,}"
    )
    load_after = os.getloadavg()
    print(
        f"load average (1, 5, 15 min) before {_load(load_before)}, after {_load(load_after)} "
        "(timings on a busy machine are noisy)"
    )
    print(
        f"ratio synthscope / DuckDB: {ratio:.1f}x (target <= 40x); "
        f"peak memory {ours['peak_mb'] + ours['reader_peak_mb']:.0f} MB, both processes "
        "(target < 1536 MB)"
    )


if __name__ == "__main__":
    main()
