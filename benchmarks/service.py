"""Benchmark: the web service under load on loopback (own asyncio + httpx loader, time-bounded).

Two measurements, each against its anchor (the issue's target):

* image checks: ``POST /api/v1/checks`` of 356 px JPEGs (CNNDetection, from the reference data)
  by 20 concurrent clients: throughput, p50/p99 latency, errors. Anchor: p99 under 1 s, no errors.
* bank matches: ``POST /api/v1/banks/{bank}/match`` of PDQ hashes against a bank of 1M hashes by
  20 concurrent clients: requests per second. Anchor: at least 1000 per second.

The service runs as its own process (``synthscope serve --workers N``) on a fresh SQLite store,
so the loader does not share its interpreter. With ``--workers 1 2`` both measurements run once
per worker count, against the same store and bank (filled once). The load average is printed
before and after: the machine's other work changes every number here.

Usage: ``python benchmarks/service.py [--seconds 20] [--clients 20] [--bank-size 1000000]
[--workers 1 2] [--images DIR] [--skip-checks] [--skip-banks]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SYNTHSCOPE = [sys.executable, "-m", "synthscope.cli"]
CHECK_P99_TARGET_S = 1.0
MATCHES_PER_S_TARGET = 1000.0


@dataclass
class Load:
    """What the clients saw: latencies of successes, and failures by status."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*SYNTHSCOPE, *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout


def start_service(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [*SYNTHSCOPE, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the service did not start")


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the loader shares the machine's
    two cores with the service, so it must cost far less per request than httpx does."""

    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, content_type: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(
            f"POST {path} HTTP/1.1\r\n{self.head}Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


async def hammer(
    port: int, key: str, clients: int, seconds: float, request: Callable[[], tuple[str, str, bytes]]
) -> Load:
    """Run ``clients`` loops posting ``request()`` for ``seconds``; collect latencies."""
    load = Load()
    deadline = time.monotonic() + seconds

    async def loop() -> None:
        conn = Connection(port, key)
        while time.monotonic() < deadline:
            path, content_type, body = request()
            started = time.perf_counter()
            try:
                status, answer = await conn.post(path, content_type, body)
                ok = status == 200 and b'"status":"queued"' not in answer
                what = "" if ok else str(status)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                ok, what, conn = False, type(exc).__name__, Connection(port, key)
            if ok:
                load.latencies.append(time.perf_counter() - started)
            else:
                load.errors[what] = load.errors.get(what, 0) + 1

    t0 = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(clients)))
    load.seconds = time.monotonic() - t0
    return load


def multipart(name: str, data: bytes) -> tuple[str, bytes]:
    boundary = "synthscope-bench-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


def check_load(port: int, key: str, images: list[Path], clients: int, seconds: float) -> Load:
    bodies = [multipart(p.name, p.read_bytes()) for p in images]

    def one() -> tuple[str, str, bytes]:
        content_type, body = random.choice(bodies)
        return "/api/v1/checks", content_type, body

    return asyncio.run(hammer(port, key, clients, seconds, one))


def fill_bank(env: dict[str, str], size: int) -> tuple[list[str], float]:
    """Fill a bank with ``size`` random PDQ hashes (CLI import); returns them and the seconds."""
    rng = random.Random(8)
    values = [f"{rng.getrandbits(256):064x}" for _ in range(size)]
    with tempfile.TemporaryDirectory() as tmp:
        signals = Path(tmp) / "bank.txt"
        signals.write_text("".join(f"pdq {v}\n" for v in values))
        t0 = time.monotonic()
        cli(env, "bank", "create", "bench")
        cli(env, "bank", "add", "bench", "--signals", str(signals))
        return values, time.monotonic() - t0


def bank_load(port: int, key: str, values: list[str], clients: int, seconds: float) -> Load:
    """Match PDQ hashes over HTTP: half near a banked one (12 bits flipped), half random."""
    rng = random.Random(9)
    probes = [_flip(v, rng) for v in rng.sample(values, 200)] + [
        f"{rng.getrandbits(256):064x}" for _ in range(200)
    ]
    bodies = [json.dumps({"signal_type": "pdq", "value": v}).encode() for v in probes]

    def one() -> tuple[str, str, bytes]:
        return "/api/v1/banks/bench/match", "application/json", rng.choice(bodies)

    # The first match loads the bank's index; time it apart from the steady state, then warm
    # up every worker (the others load the index from the cache the first one wrote).
    t0 = time.monotonic()
    httpx.post(
        f"http://127.0.0.1:{port}/api/v1/banks/bench/match",
        json={"signal_type": "pdq", "value": values[0]},
        headers={"Authorization": f"Bearer {key}"},
        timeout=600,
    ).raise_for_status()
    print(f"  first match (index load) {time.monotonic() - t0:.1f} s", flush=True)
    asyncio.run(hammer(port, key, clients, 3.0, one))
    return asyncio.run(hammer(port, key, clients, seconds, one))


def _flip(value: str, rng: random.Random, bits: int = 12) -> str:
    number = int(value, 16)
    for bit in rng.sample(range(256), bits):
        number ^= 1 << bit
    return f"{number:064x}"


def _images(folder: Path) -> list[Path]:
    found = sorted(folder.rglob("*.jpg"))
    if not found:
        raise SystemExit(f"no JPEGs under {folder} (set --images or SYNTHSCOPE_REFERENCE_DATA)")
    return found


def _row(name: str, load: Load, anchor: str, ratio: float) -> str:
    errors = sum(load.errors.values())
    return (
        f"{name:<30}{len(load.latencies):>8}{load.rate:>10.1f}{load.quantile(0.5) * 1000:>9.0f}"
        f"{load.quantile(0.99) * 1000:>9.0f}{errors:>8}   {anchor:<22}{ratio:>7.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--bank-size", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    reference = Path(os.environ.get("SYNTHSCOPE_REFERENCE_DATA", REPO.parent / "shared" / "data"))
    parser.add_argument("--images", type=Path, default=reference / "media/images/cnndetection")
    parser.add_argument("--skip-checks", action="store_true")
    parser.add_argument("--skip-banks", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {_load()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Checks run on a store without banks (as before banks existed here: a check matches
        # every bank, and the 1M bank would make it a bank benchmark); matches on their own.
        stores = {}
        for case in ("checks", "banks"):
            env = os.environ | {
                "SYNTHSCOPE_DATABASE_URL": f"sqlite:///{tmp}/{case}.db",
                "SYNTHSCOPE_SERVICE_UPLOAD_DIR": f"{tmp}/uploads",
                "SYNTHSCOPE_INDEX_CACHE": f"{tmp}/index",
                "SYNTHSCOPE_SERVICE_RATE_LIMIT": "10000000",
            }
            made = cli(env, "apikey", "create", "--name", "bench", "--scopes", "admin")
            stores[case] = (env, made.split()[-1])
        images = [] if args.skip_checks else _images(args.images)
        values: list[str] = []
        if not args.skip_banks:
            values, fill_s = fill_bank(stores["banks"][0], args.bank_size)
            print(f"  bank of {args.bank_size:,} filled through the CLI in {fill_s:.1f} s")
        rows = []
        for workers in args.workers:
            if images:
                rows += _checks(args, *stores["checks"], workers, images)
            if values:
                rows += _matches(args, *stores["banks"], workers, values)
        print(
            f"{'case':<30}{'ok':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}   "
            f"{'anchor':<22}{'ratio':>7}"
        )
        print("\n".join(rows))
    print(f"load average after: {_load()}")


def _checks(
    args: argparse.Namespace, env: dict[str, str], key: str, workers: int, images: list[Path]
) -> list[str]:
    """The table rows of image checks on a service with ``workers`` processes."""
    port = free_port()
    server = start_service(env, port, workers)
    try:
        load = check_load(port, key, images, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio = load.quantile(0.99) / CHECK_P99_TARGET_S
    name = f"image check x{args.clients} w{workers}"
    return [_row(name, load, "p99 1 s (lower=better)", ratio)] + (
        [f"  errors: {load.errors}"] if load.errors else []
    )


def _matches(
    args: argparse.Namespace, env: dict[str, str], key: str, workers: int, values: list[str]
) -> list[str]:
    """The table rows of bank matches on a service with ``workers`` processes."""
    port = free_port()
    server = start_service(env, port, workers)
    try:
        load = bank_load(port, key, values, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    name = f"bank match {len(values):,} w{workers}"
    ratio = load.rate / MATCHES_PER_S_TARGET
    return [_row(name, load, "1000/s (higher=better)", ratio)] + (
        [f"  errors: {load.errors}"] if load.errors else []
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
