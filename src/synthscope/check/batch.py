"""``check --batch DIR``: check every file of a folder once, keeping each result in the store.

Each file is keyed by its path relative to the folder and the SHA-256 of its content: a re-run
skips a file already done with the same content, checks a changed file again, and retries a
failed one. A record is committed on its own as soon as the file is checked, so an interrupted
run keeps what it finished, and the store's unique key means no file is ever stored twice.

An engine turns the files to check into records; only the driver writes to the store, so whether
the checks ran in this process (``local``) or on a Ray cluster (``ray``), each result is stored
once. Records are those of ``check --json`` (:func:`synthscope.check.scan.check_paths`, with the
same evidence sources), their ``file`` the path relative to the folder.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

from synthscope.check.scan import Evidence, check_paths
from synthscope.config import Settings
from synthscope.errors import InputError, SourceError, SynthscopeError, UsageError
from synthscope.store import Store
from synthscope.store.batch_checks import DONE, save_check, stored_check

SKIPPED = "skipped"
_CHUNK = 1 << 20
# Ray tasks in flight per CPU of the cluster: enough to keep every worker busy while the driver
# stores results, few enough that a million-file folder is not queued at once.
_TASKS_PER_CPU = 4


@dataclass(frozen=True, slots=True)
class BatchFile:
    """A file of the folder: where it is, its path relative to the folder (POSIX form, the key)
    and the SHA-256 of its content ("" when it cannot be read)."""

    path: Path
    rel: str
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one file (``done``, ``skipped`` as done before, or ``failed``) and its
    record."""

    rel: str
    status: str
    record: dict[str, Any]


@dataclass(slots=True)
class BatchCounts:
    """How many files were checked now, skipped as done before, and failed."""

    done: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    def to_dict(self) -> dict[str, int]:
        return {"done": self.done, "skipped": self.skipped, "failed": self.failed}


@dataclass(frozen=True)
class CheckSpec:
    """What a check needs besides the file, in a form a Ray worker can receive: the settings
    (database URL included), whether to run detectors and which ones (None: the default set),
    and where bank indexes are cached."""

    settings: Settings
    detectors: bool = True
    names: tuple[str, ...] | None = None
    cache_dir: Path | None = None

    def evidence(self, store: Store) -> list[Evidence]:
        """The evidence sources of ``check``: the store's hash banks, then the detectors."""
        from synthscope.check.bank_evidence import BankEvidence

        sources: list[Evidence] = [BankEvidence(store, self.cache_dir).findings]
        if self.detectors:
            from synthscope.check.detector_evidence import DetectorEvidence

            sources.append(DetectorEvidence(self.names).findings)
        return sources


Checked = tuple[BatchFile, dict[str, Any]]
Engine = Callable[[CheckSpec, Store, Sequence[BatchFile]], Iterator[Checked]]


def batch_files(root: Path) -> list[BatchFile]:
    """The regular files under ``root``, sorted by relative path. Hidden files and folders are
    left out, and so are links that lead out of ``root``; linked folders are not entered (one
    inside ``root`` is walked as itself, and one pointing up would loop).

    Raises:
        InputError: ``root`` does not exist or is not a folder.
    """
    if not root.exists():
        raise InputError(
            f"{root} does not exist; --batch takes a folder.",
            zh=f"{root} 不存在；--batch 需要一个文件夹。",
        )
    if not root.is_dir():
        raise InputError(
            f"{root} is not a folder; --batch takes a folder (give a file without --batch).",
            zh=f"{root} 不是文件夹；--batch 需要一个文件夹（单个文件请不加 --batch）。",
        )
    real_root = root.resolve()
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(folder, name)
            if not name.startswith(".") and _inside(path, real_root) and path.is_file():
                found.append(BatchFile(path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda f: f.rel)


def _inside(path: Path, real_root: Path) -> bool:
    if not path.is_symlink():
        return True
    try:
        return path.resolve().is_relative_to(real_root)
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return False


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file's content; "" when it cannot be read (its check then fails)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def run_batch(
    store: Store, files: Sequence[BatchFile], spec: CheckSpec, engine: Engine | None = None
) -> Iterator[Outcome]:
    """Check ``files`` (from :func:`batch_files`) with ``engine`` (default: in this process) and
    store each record; yields one :class:`Outcome` per file. Files done before are yielded first,
    as they are found, with their stored record.

    Raises:
        StorageError: the store cannot be read or written.
        UsageError: the labelers' settings are unusable, or an unknown detector name.
    """
    pending = []
    for file in files:
        sha = file_sha256(file.path)
        with store.reading("reading batch results") as conn:
            stored = stored_check(conn, file.rel, sha)
        if stored is not None and stored[0] == DONE:
            yield Outcome(file.rel, SKIPPED, stored[1])
        else:
            pending.append(replace(file, sha256=sha))
    for file, result in (engine or local_engine)(spec, store, pending):
        record = {**result, "file": file.rel}
        # The content as checked: if the file changed since it was hashed, the record is its key.
        sha = record["sha256"] or file.sha256
        with store.transaction("storing a batch result") as conn:
            status = save_check(conn, file.rel, sha, record)
        yield Outcome(file.rel, status, record)


def local_engine(spec: CheckSpec, store: Store, files: Sequence[BatchFile]) -> Iterator[Checked]:
    """Check the files one after another in this process (one record per file, in order)."""
    records = check_paths([f.path for f in files], spec.settings, spec.evidence(store))
    yield from zip(files, records, strict=True)


def engine_named(name: str, address: str | None = None) -> Engine:
    """The engine called ``name``: ``local``, or ``ray`` (on the cluster at ``address``; None:
    a local Ray started for the run).

    Raises:
        UsageError: an unknown engine, ``address`` without Ray, or Ray is not installed.
    """
    if name not in _ENGINES:
        raise UsageError(
            f"--engine must be local or ray, not {name!r}.",
            zh=f"--engine 只能是 local 或 ray，而不是 {name!r}。",
        )
    return _ENGINES[name](address)


def _local(address: str | None) -> Engine:
    if address is not None:
        raise UsageError(
            "--address names a Ray cluster; add --engine ray.",
            zh="--address 指定的是 Ray 集群；请加上 --engine ray。",
        )
    return local_engine


def _ray(address: str | None) -> Engine:
    try:
        ray: Any = importlib.import_module("ray")
    except ImportError:
        raise UsageError(
            "--engine ray needs the ray package, which is not installed: pip install ray.",
            zh="--engine ray 需要 ray 软件包，但尚未安装：请运行 pip install ray。",
        ) from None

    def engine(spec: CheckSpec, store: Store, files: Sequence[BatchFile]) -> Iterator[Checked]:
        return _ray_results(ray, address, spec, files)

    return engine


def _ray_results(
    ray: Any, address: str | None, spec: CheckSpec, files: Sequence[BatchFile]
) -> Iterator[Checked]:
    """One Ray task per file, a bounded number in flight; records come back as tasks finish.
    Workers must see the files at the same paths and reach the database (for the hash banks)."""
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise SourceError(
                f"Cannot start or reach the Ray cluster {address or '(local)'}: {exc}",
                zh=f"无法启动或连接 Ray 集群 {address or '（本机）'}：{exc}",
            ) from exc
    try:
        task, spec_ref = ray.remote(_check_remote), ray.put(spec)
        window = max(1, int(ray.cluster_resources().get("CPU", 1)) * _TASKS_PER_CPU)
        todo, running = iter(files), dict[Any, BatchFile]()
        while True:
            for file in islice(todo, window - len(running)):
                running[task.remote(spec_ref, str(file.path))] = file
            if not running:
                return
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                yield running.pop(ref), _result(ray, ref)
    finally:
        if started:
            ray.shutdown()


def _result(ray: Any, ref: Any) -> dict[str, Any]:
    """A task's record; a synthscope error in the task is raised here as itself (one sentence
    for the user), not as Ray's wrapper with the worker's traceback."""
    try:
        record: dict[str, Any] = ray.get(ref)
    except Exception as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, SynthscopeError):
            raise cause from None
        raise
    return record


# A Ray worker process keeps its evidence sources (bank indexes, detector models) between tasks.
_WORKER: dict[str, Any] = {}


def _check_remote(spec: CheckSpec, path: str) -> dict[str, Any]:
    """The Ray task: the ``synthscope.check/1`` record of one file."""
    if _WORKER.get("spec") != spec:
        store = Store(spec.settings.database_url)
        _WORKER.update(spec=spec, evidence=spec.evidence(store))
    return next(check_paths([path], spec.settings, _WORKER["evidence"]))


_ENGINES: dict[str, Callable[[str | None], Engine]] = {"local": _local, "ray": _ray}
