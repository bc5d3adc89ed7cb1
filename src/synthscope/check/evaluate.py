"""Train and evaluate detectors on labelled folders: metrics, leave-one-group-out, robustness.

``evaluate`` scores a dataset with a detector's shipped (or given) model. ``cross_validate`` never
scores a sample with a model that saw it: it holds out one group at a time (a generator, a method,
an utterance) -- or five group-folds when there are many groups -- fits a fresh detector on the rest
and scores the held-out part, clean and degraded. ``train`` fits on everything and saves the model.

Files are read when a step needs them and let go after it (``_Files``): a dataset may be far larger
than the machine's memory, so only what a fit itself keeps (features, or the training images of a
network) is held at once.

``extra_real`` folders add real images from other sources (see ``real_images``): they train the
detector not to flag real photos unlike the pack's, and in cross-validation each of their groups is
held out with one fold, so their false-positive rate is measured out of fold too. Metrics and AUCs
are the pack's; the extras get their own false-positive rate (``extra_real`` in the report).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from synthscope.check._datasets import IMAGE_SUFFIXES, Sample, load_samples, real_images
from synthscope.check._metrics import roc_auc, summary
from synthscope.check._robustness import SWEEPS
from synthscope.check.detectors import Detector, Loaded, Trainable, detector_class
from synthscope.errors import SynthscopeError, UsageError

MAX_GROUP_FOLDS = 12
Transform = Callable[[Loaded], Loaded] | None
Progress = Callable[[int, int], None]


class _Files(Sequence[Loaded]):
    """The files at ``paths``, each opened afresh when indexed and never kept here."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, index: int) -> Loaded: ...

    @overload
    def __getitem__(self, index: slice) -> _Files: ...

    def __getitem__(self, index: int | slice) -> Loaded | _Files:
        if isinstance(index, slice):
            return _Files(self.paths[index])
        return Loaded.open(self.paths[index])

    def __iter__(self) -> Iterator[Loaded]:
        return (Loaded.open(path) for path in self.paths)


def _detector(name: str, model: Path | None = None) -> Detector:
    cls = detector_class(name)
    return cls(model_path=model) if model is not None else cls()  # type: ignore[call-arg]


def _score(detector: Detector, media: Loaded, transform: Transform) -> float | None:
    try:
        return detector.predict(transform(media) if transform else media).score
    except SynthscopeError:
        return None


def _scored(
    detector: Detector, path: Path, conditions: dict[str, Transform]
) -> dict[str, float | None]:
    """The file's score under each condition (the file is let go on return)."""
    media = Loaded.open(path)
    return {cond: _score(detector, media, transform) for cond, transform in conditions.items()}


def _metrics(detector: Detector, scores: list[float | None], labels: list[int]) -> dict[str, Any]:
    """Metrics of ``scores`` at ``detector``'s threshold; unscored files are counted."""
    kept = [(y, s) for y, s in zip(labels, scores, strict=True) if s is not None]
    threshold = _threshold(detector)
    out: dict[str, Any] = (
        summary([y for y, _ in kept], [s for _, s in kept], threshold) if kept else {"n": 0}
    )
    out["unscored"] = len(scores) - len(kept)
    out["scores"] = [None if s is None else round(s, 5) for s in scores]
    return out


def _threshold(detector: Detector) -> float:
    """The threshold shipped with ``detector``'s model (0.5 for rule-based detectors)."""
    try:
        return float(detector.threshold)  # type: ignore[attr-defined]
    except (AttributeError, SynthscopeError):
        return 0.5


def _sweep(kind: str, robustness: bool) -> dict[str, Transform]:
    conditions: dict[str, Transform] = {"clean": None}
    if robustness:
        conditions.update(SWEEPS.get(kind, {}))
    return conditions


def _kind(samples: list[Sample]) -> str:
    return Loaded.open(samples[0].path).kind if samples else "other"


def evaluate(
    name: str,
    root: Path,
    layout: str | None = None,
    robustness: bool = False,
    model: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Metrics of detector ``name`` with its shipped model (or ``model``) on the data at ``root``;
    ``progress(done, total)`` after each file.

    Raises:
        UsageError: unknown detector or layout.
        InputError: no labelled data, or an unreadable model file.
    """
    samples = load_samples(root, layout)
    detector = _detector(name, model)
    labels = [s.label for s in samples]
    conditions = _sweep(_kind(samples), robustness)
    scores: dict[str, list[float | None]] = {c: [] for c in conditions}
    # One file in memory at a time: a video dataset can be far larger than the machine's memory.
    if progress is not None:
        progress(0, len(samples))
    for done, sample in enumerate(samples, 1):
        for cond, score in _scored(detector, sample.path, conditions).items():
            scores[cond].append(score)
        if progress is not None:
            progress(done, len(samples))
    results = {c: _metrics(detector, scores[c], labels) for c in conditions}
    return {
        "detector": name,
        "data": str(root),
        "mode": "shipped-model",
        "conditions": results,
        "files": [str(s.path) for s in samples],
        "labels": labels,
    }


def _folds(samples: list[Sample]) -> list[tuple[str, list[int]]]:
    """The held-out parts: one per group (a generator, a method, an attack) when there are few,
    else five folds of whole groups.

    With few groups, a group of real files only (FaceForensics++ ``original``, ASVspoof bona
    fide ``-``) is not held out on its own -- the models of the other folds would train without
    a real file -- but spread over the other folds, by source (``_source``), so each held-out
    method or attack is judged beside real files its model never saw.
    """
    groups = sorted({s.group for s in samples})
    if len(groups) > MAX_GROUP_FOLDS:
        fold_of = {g: zlib.crc32(g.encode()) % 5 for g in groups}
        return [
            (f"fold{k}", [i for i, s in enumerate(samples) if fold_of[s.group] == k])
            for k in range(5)
        ]
    faked = [g for g in groups if any(s.label for s in samples if s.group == g)]
    if len(faked) < 2:
        return [(g, [i for i, s in enumerate(samples) if s.group == g]) for g in groups]
    folds: list[tuple[str, list[int]]] = [
        (g, [i for i, s in enumerate(samples) if s.group == g]) for g in faked
    ]
    rest = [i for i, s in enumerate(samples) if s.group not in faked]
    # Sources in a fixed shuffled order dealt round-robin: every fold gets its share.
    sources = sorted({_source(samples[i]) for i in rest}, key=lambda k: (zlib.crc32(k.encode()), k))
    fold_of = {source: k % len(folds) for k, source in enumerate(sources)}
    for i in rest:
        folds[fold_of[_source(samples[i])]][1].append(i)
    return folds


def _source(sample: Sample) -> str:
    """What files of one real source share: for an image, the folder of frames named by number
    (``images/000/0001.png``) or the name without a ``_<n>`` suffix (crops of one video);
    otherwise the file itself."""
    path = sample.path
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return str(path)
    if path.stem.isdigit():
        return str(path.parent)
    return str(path.parent / re.sub(r"_\d+$", "", path.stem))


def cross_validate(
    name: str,
    root: Path,
    layout: str | None = None,
    robustness: bool = False,
    extra_real: list[Path] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Leave-one-group-out (or 5 group-folds) scores: each sample scored by a model that never saw
    its group. Per-fold AUC is reported where the held-out part has both classes.
    ``progress(done, total)`` after each fold.

    Raises:
        UsageError: unknown detector or layout, or a detector that cannot be trained.
        InputError: no labelled data.
    """
    pack = load_samples(root, layout)
    samples = pack + real_images(extra_real or [])
    labels = np.array([s.label for s in samples])
    conditions = _sweep(_kind(samples), robustness)
    scores = {c: np.full(len(samples), np.nan) for c in conditions}
    thresholds = np.full(len(samples), 0.5)
    per_fold: dict[str, dict[str, float]] = {}
    chosen: dict[str, str] = {}
    folds = _with_extras(_folds(pack), samples[len(pack) :], len(pack))
    if progress is not None:
        progress(0, len(folds))
    for done, (fold, held) in enumerate(folds, 1):
        detector = _fit(name, samples, set(held))
        thresholds[held] = _threshold(detector)
        if selection := _selection(detector):
            chosen[fold] = selection["chosen"]
        own = [i for i in held if i < len(pack)]
        for i in held:
            for cond, s in _scored(detector, samples[i].path, conditions).items():
                scores[cond][i] = np.nan if s is None else s
        for cond in conditions:
            per_fold.setdefault(fold, {})[cond] = roc_auc(
                labels[own], np.nan_to_num(scores[cond][own], nan=0.5)
            )
        if progress is not None:
            progress(done, len(folds))
    report = _cv_report(name, root, pack, labels[: len(pack)], scores, thresholds, per_fold)
    if chosen:  # models that pick their scorer on the training folds: what each fold picked
        report["chosen_per_fold"] = chosen
    if len(samples) > len(pack):
        report["extra_real"] = _extra_report(samples[len(pack) :], scores, thresholds, len(pack))
    return report


def _selection(detector: Detector) -> dict[str, Any] | None:
    """What a model chose on its training data (``_select.fit_selected``), if it chose."""
    selection = getattr(getattr(detector, "model_", None), "selection", None)
    if selection and selection.get("inner_leave_one_generator_out_auc"):
        return dict(selection)
    return None


def _with_extras(
    folds: list[tuple[str, list[int]]], extras: list[Sample], offset: int
) -> list[tuple[str, list[int]]]:
    """``folds`` with each extra-real group added to one of them (by a hash of its name)."""
    out = [(name, list(held)) for name, held in folds]
    for j, sample in enumerate(extras):
        out[zlib.crc32(sample.group.encode()) % len(out)][1].append(offset + j)
    return out


def _extra_report(
    extras: list[Sample], scores: dict[str, np.ndarray], thresholds: np.ndarray, offset: int
) -> dict[str, Any]:
    """False-positive rate of the extra real images (out of fold, each fold's own threshold)."""
    thr = thresholds[offset:]
    out: dict[str, Any] = {"files": [str(s.path) for s in extras], "groups": [], "conditions": {}}
    out["groups"] = [s.group for s in extras]
    for cond, s in scores.items():
        mine = s[offset:]
        ok = ~np.isnan(mine)
        out["conditions"][cond] = {
            "n": int(ok.sum()),
            "fpr": float(np.mean(mine[ok] >= thr[ok])) if ok.any() else float("nan"),
            "unscored": int((~ok).sum()),
            "scores": [None if np.isnan(v) else round(float(v), 5) for v in mine],
        }
    return out


def _fit(name: str, samples: list[Sample], held: set[int]) -> Detector:
    detector = _detector(name)
    if not isinstance(detector, Trainable):
        raise UsageError(
            f"The detector {name!r} cannot be trained.", zh=f"检测器 {name!r} 不可训练。"
        )
    keep = [i for i in range(len(samples)) if i not in held]
    detector.fit(
        _Files([samples[i].path for i in keep]),
        [samples[i].label for i in keep],  # type: ignore[call-arg]
        [samples[i].group for i in keep],
    )
    return detector


def _cv_report(
    name: str,
    root: Path,
    samples: list[Sample],
    labels: np.ndarray,
    scores: dict[str, np.ndarray],
    thresholds: np.ndarray,
    per_fold: dict[str, dict[str, float]],
) -> dict[str, Any]:
    results = {}
    for cond, all_scores in scores.items():
        s = all_scores[: len(samples)]
        ok = ~np.isnan(s)
        thr = thresholds[: len(samples)]
        res: dict[str, Any] = summary(labels[ok], s[ok], thr[ok]) if ok.any() else {"n": 0}
        aucs = [f[cond] for f in per_fold.values() if not np.isnan(f[cond])]
        res["mean_fold_auc"] = float(np.mean(aucs)) if aucs else float("nan")
        res["unscored"] = int((~ok).sum())
        res["scores"] = [None if np.isnan(v) else round(float(v), 5) for v in s]
        results[cond] = res
    return {
        "detector": name,
        "data": str(root),
        "mode": "cross-validation",
        "conditions": results,
        "folds": per_fold,
        "files": [str(s.path) for s in samples],
        "labels": labels.tolist(),
    }


def train(
    name: str,
    root: Path,
    out: Path,
    layout: str | None = None,
    extra_real: list[Path] | None = None,
) -> dict[str, Any]:
    """Fit detector ``name`` on every sample under ``root`` (and the real images under
    ``extra_real``) and save the model to ``out``.

    Raises:
        UsageError: unknown detector or layout, or a detector that cannot be trained.
        InputError: no labelled data, or an extra folder that is not a folder.
    """
    samples = load_samples(root, layout) + real_images(extra_real or [])
    detector = _fit(name, samples, set())
    detector.save(out)  # type: ignore[attr-defined]
    result = {
        "detector": name,
        "data": str(root),
        "model": str(out),
        "n": len(samples),
        "n_fake": sum(s.label for s in samples),
        "groups": sorted({s.group for s in samples}),
    }
    # Models that choose their scorer on the training data (spectral) say what they chose.
    if selection := _selection(detector):
        result["selection"] = selection
    return result


def render_table(report: dict[str, Any]) -> str:
    """A plain-text table: one row per condition with the main metrics."""
    cols = ("n", "auc", "ap", "eer", "ece", "accuracy", "fpr", "mean_fold_auc", "unscored")
    lines = [
        f"{report['detector']} on {report['data']} ({report['mode']})",
        "condition    " + " ".join(f"{c:>13}" for c in cols),
    ]
    for cond, res in report["conditions"].items():
        cells = [_cell(res.get(c)) for c in cols]
        lines.append(f"{cond:<12} " + " ".join(f"{c:>13}" for c in cells))
    chosen = report.get("chosen_per_fold", {})
    for fold, aucs in report.get("folds", {}).items():
        picked = f" (scorer chosen without it: {chosen[fold]})" if fold in chosen else ""
        lines.append(
            f"  held out {fold}: AUC "
            + ", ".join(f"{c} {_cell(v)}" for c, v in aucs.items())
            + picked
        )
    extra = report.get("extra_real", {}).get("conditions", {})
    if extra:
        lines.append(
            "extra real images, FPR at threshold (out of fold): "
            + ", ".join(f"{c} {_cell(v['fpr'])} (n {v['n']})" for c, v in extra.items())
        )
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def evaluate_many(
    root: Path,
    names: list[str] | None,
    *,
    layout: str | None = None,
    robustness: bool = False,
    cv: bool = False,
    model: Path | None = None,
    extra_real: list[Path] | None = None,
    progress: Callable[[str], Progress] | None = None,
) -> list[dict[str, Any]]:
    """Reports for each named detector, or for every detector that reads the data's media kind
    (trainable ones only with ``cv``); ``progress(name)`` gives the progress callback for the
    run of detector ``name``.

    Raises:
        UsageError: unknown detector or layout, or no detector for this kind of data.
        InputError: no labelled data.
    """
    from synthscope.check.detectors import detector_names

    samples = load_samples(root, layout)
    kind = Loaded.open(samples[0].path).kind
    chosen = names or [
        n
        for n in detector_names()
        if kind in detector_class(n).kinds and (not cv or issubclass(detector_class(n), Trainable))
    ]
    if not chosen:
        raise UsageError(f"No detector reads {kind} files.", zh=f"没有能读取{kind}文件的检测器。")

    def tick(n: str) -> Progress | None:
        return progress(n) if progress is not None else None

    if cv:
        return [cross_validate(n, root, layout, robustness, extra_real, tick(n)) for n in chosen]
    return [evaluate(n, root, layout, robustness, model, tick(n)) for n in chosen]
