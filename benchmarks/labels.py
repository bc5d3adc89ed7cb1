"""Benchmark: writing the GB 45438 implicit label, beside exiftool writing the same XMP.

Writes the ``AIGC`` label into N JPEGs (default 100, the real photos under
``$SYNTHSCOPE_REFERENCE_DATA/media/images``) and M MP4s (default 20, generated), in the same run:

* synthscope: ``label_file`` (the library call behind ``synthscope label``), one file at a time;
* exiftool (the anchor): ``exiftool -config tc260.config -XMP-TC260:AIGC=...`` writing the same
  XMP, once per file (one process each, as a per-file tool is used) and once in batch mode.

Then ``check`` without detectors (C2PA, GB 45438, watermarks, explicit labels) over the JPEGs.
Prints a table with the ratio to exiftool. Targets (issue 5): no slower than exiftool per file;
check >= 50 JPEGs per second. Usage: ``python benchmarks/labels.py [--jpegs N] [--mp4s M]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthscope.check.label import LabelRequest, label_file
from synthscope.check.labels._examples import video_bytes
from synthscope.check.labels.aigc import new_label
from synthscope.check.scan import check_paths
from synthscope.config import load_settings

REPO = Path(__file__).resolve().parents[1]
EXIFTOOL_CONFIG = """%Image::ExifTool::UserDefined = (
    'Image::ExifTool::XMP::Main' => {
        TC260 => { SubDirectory => { TagTable => 'Image::ExifTool::UserDefined::TC260' } },
    },
);
%Image::ExifTool::UserDefined::TC260 = (
    GROUPS => { 0 => 'XMP', 1 => 'XMP-TC260', 2 => 'Image' },
    NAMESPACE => { 'TC260' => 'http://www.tc260.org.cn/ns/AIGC/1.0/' },
    WRITABLE => 'string',
    AIGC => { },
);
1;
"""
FIELDS = {"Label": "1", "ContentProducer": "001191110108MA01ABCD1GEN1", "ProduceID": "bench-1"}


def _inputs(work: Path, jpegs: int, mp4s: int) -> tuple[list[Path], list[Path]]:
    data = Path(os.environ.get("SYNTHSCOPE_REFERENCE_DATA", REPO.parent / "shared" / "data"))
    photos = sorted((data / "media" / "images").rglob("*.jpg"))[:jpegs]
    if len(photos) < jpegs:
        sys.exit(f"need {jpegs} JPEGs under {data / 'media' / 'images'}, found {len(photos)}")
    (work / "in").mkdir()
    jpeg_paths = [Path(shutil.copy(p, work / "in" / f"{i:03d}.jpg")) for i, p in enumerate(photos)]
    mp4_paths = []
    for i in range(mp4s):
        path = work / "in" / f"{i:03d}.mp4"
        path.write_bytes(video_bytes("mp4", frames=48, fps=24, size=(320, 240)))
        mp4_paths.append(path)
    return jpeg_paths, mp4_paths


def _ours(files: list[Path], out: Path) -> float:
    out.mkdir()
    request = LabelRequest(aigc=FIELDS)
    settings = load_settings()  # once, as one CLI process does
    start = time.perf_counter()
    for path in files:
        label_file(path, out / path.name, request, settings)
    return time.perf_counter() - start


def _exiftool(files: list[Path], out: Path, config: Path, batch: bool) -> float:
    out.mkdir()
    tag = f"-XMP-TC260:AIGC={new_label(FIELDS).to_json()}"
    base = ["exiftool", "-config", str(config), "-q", tag]
    start = time.perf_counter()
    if batch:
        subprocess.run([*base, "-o", f"{out}/%f.%e", *map(str, files)], check=True)
    else:
        for path in files:
            subprocess.run([*base, "-o", str(out / path.name), str(path)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jpegs", type=int, default=100)
    parser.add_argument("--mp4s", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("exiftool") is None:
        sys.exit("exiftool is not installed (bash scripts/ensure-debian.sh)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "tc260.config"
        config.write_text(EXIFTOOL_CONFIG)
        jpegs, mp4s = _inputs(work, args.jpegs, args.mp4s)
        rows = []
        for name, files in (("JPEG", jpegs), ("MP4", mp4s)):
            ours = _ours(files, work / f"ours-{name}")
            each = _exiftool(files, work / f"exif-{name}", config, batch=False)
            batch = _exiftool(files, work / f"batch-{name}", config, batch=True)
            rows.append((name, len(files), ours, each, batch))
        start = time.perf_counter()
        results = list(check_paths(jpegs))
        check_s = time.perf_counter() - start
    _print(rows, len(results), check_s)


def _print(rows: list[tuple[str, int, float, float, float]], checked: int, check_s: float) -> None:
    print(
        "| files | n | synthscope ms/file | exiftool ms/file (process each) | ratio | "
        "exiftool ms/file (one batch) | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, n, ours, each, batch in rows:
        o, e, b = 1000 * ours / n, 1000 * each / n, 1000 * batch / n
        print(f"| {name} | {n} | {o:.1f} | {e:.1f} | {o / e:.2f} | {b:.1f} | {o / b:.2f} |")
    rate = checked / check_s
    print(
        f"\ncheck without detectors: {checked} JPEGs in {check_s:.2f} s = {rate:.0f} files/s "
        f"(target >= 50)"
    )


if __name__ == "__main__":
    main()
