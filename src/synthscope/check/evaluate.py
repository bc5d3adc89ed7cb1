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

Reports hold no NaN (``_metrics.finite``: an undefined metric is ``None``), name the dataset
layout used and the media files under the folder it left out (``layout``, ``unused_files``), and
a given model file is read and tried before the first file is scored, so a wrong ``--model``
stops the run instead of leaving every file unscored.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from synthscope._messages import msg
from synthscope.check._datasets import (
    IMAGE_SUFFIXES,
    Dataset,
    Sample,
    load_dataset,
    load_samples,
    real_images,
)
from synthscope.check._metrics import finite, roc_auc, summary
from synthscope.check._robustness import SWEEPS
from synthscope.check.detectors import Detector, Loaded, Trainable, detector_class
from synthscope.errors import InputError, SynthscopeError, UsageError

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


def _detector(name: str) -> Detector:
    return detector_class(name)()


def _with_model(name: str, model: Path) -> Detector:
    """Detector ``name`` with the model file ``model``, read and tried on the detector's own
    examples now: scoring turns a detector's errors into unscored files, so a missing, broken or
    foreign model would otherwise give a report of nothing but unscored files.

    Raises:
        UsageError: the detector takes no model file.
        InputError: the file cannot be read or is not a model this detector can use.
    """
    cls = detector_class(name)
    if "model_path" not in inspect.signature(cls).parameters:
        raise UsageError(
            f"The detector {name!r} takes no model file; drop --model.",
            zh=f"检测器 {name!r} 不使用模型文件；请去掉 --model。",
        )
    if not model.is_file():
        raise InputError(
            f"Cannot read the model file {model}: there is no such file.",
            zh=f"无法读取模型文件 {model}：文件不存在。",
        )
    detector = cls(model_path=model)  # type: ignore[call-arg]
    try:
        getattr(detector, "threshold", None)  # loads the model where the detector has one
        for reference, media in cls.examples():
            _try_example(detector, reference, media)
    except SynthscopeError:
        raise
    except Exception as exc:  # a model of another shape fails in numpy or onnxruntime
        raise _foreign(model, name) from exc
    return detector


def _try_example(detector: Detector, reference: Detector, media: Loaded) -> None:
    """Score one example; an error the shipped model (``reference``) does not meet is the
    model's.

    Raises:
        InputError: the model fails where the shipped one does not.
    """
    try:
        detector.predict(media)
    except SynthscopeError as exc:
        try:
            reference.predict(media)
        except Exception:  # the example itself is hard: it says nothing about the model
            return
        model = Path(getattr(detector, "model_path", "") or "")
        raise _foreign(model, detector.name) from exc


def _foreign(model: Path, name: str) -> InputError:
    return InputError(
        f"Cannot read the model file {model}: it is not a model for {name}.",
        zh=f"无法读取模型文件 {model}：它不是 {name} 的模型。",
    )


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
    ``progress(done, total)`` after each file. ``mode`` is ``shipped-model`` or ``model-file``
    and ``model`` the model file read (None for a detector without one).

    Raises:
        UsageError: unknown detector or layout, or a detector that takes no model file.
        InputError: no labelled data, or a model file that cannot be read or is not the
            detector's.
    """
    dataset = load_dataset(root, layout)
    samples = dataset.samples
    detector = _detector(name) if model is None else _with_model(name, model)
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
    used = getattr(detector, "model_path", None)
    report = {
        "detector": name,
        "data": str(root),
        "mode": "shipped-model" if model is None else "model-file",
        "model": None if used is None else str(used),
        "conditions": results,
        "files": [str(s.path) for s in samples],
        "labels": labels,
    }
    return dict(finite(report | _layout(dataset)))


def _layout(dataset: Dataset) -> dict[str, Any]:
    return {"layout": dataset.layout, "unused_files": dataset.unused}


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
        InputError: no labelled data, no file of the kind the detector reads, or one class only.
    """
    dataset = load_dataset(root, layout)
    pack = dataset.samples
    samples = pack + real_images(extra_real or [])
    _trainable(name)
    _check_kind(name, samples, root)
    _both_classes(name, samples, root)
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
    return dict(finite(report | _layout(dataset)))


KIND_ZH = {"image": "图像", "audio": "音频", "video": "视频"}


def _kind_words(name: str) -> tuple[str, str]:
    """The media kinds detector ``name`` reads, in English and Chinese."""
    kinds = sorted(detector_class(name).kinds)
    return " or ".join(kinds), "或".join(KIND_ZH.get(k, k) for k in kinds)


def _trainable(name: str) -> None:
    """Raises: UsageError: detector ``name`` cannot be trained."""
    if not issubclass(detector_class(name), Trainable):
        raise UsageError(
            f"The detector {name!r} cannot be trained.", zh=f"检测器 {name!r} 不可训练。"
        )


def _no_files_of_kind(name: str, root: Path) -> InputError:
    en, zh = _kind_words(name)
    return InputError(
        f"{root} holds no {en} files, the kind {name} reads.",
        zh=f"{root} 下没有 {name} 能读取的{zh}文件。",
    )


def _check_kind(name: str, samples: list[Sample], root: Path) -> None:
    """Stop before any fit when no sample is of a kind detector ``name`` reads (the first that
    is ends the search, so this opens one file on the data the detector is meant for).

    Raises:
        InputError: none is.
    """
    kinds = detector_class(name).kinds
    for sample in samples:
        try:
            if Loaded.open(sample.path).kind in kinds:
                return
        except InputError:
            continue
    raise _no_files_of_kind(name, root)


def _both_classes(name: str, samples: list[Sample], root: Path) -> None:
    """Raises: InputError: ``samples`` are empty or hold one class only."""
    if not samples:
        raise _no_files_of_kind(name, root)
    fake = sum(s.label for s in samples)
    if 0 < fake < len(samples):
        return
    en, zh = _kind_words(name)
    real = len(samples) - fake
    raise InputError(
        f"Training needs both real and synthetic {en} files; found {real} real and {fake} "
        f"synthetic under {root}.",
        zh=f"训练需要真实和合成两类{zh}文件；{root} 下找到真实 {real} 个、合成 {fake} 个。",
    )


def _usable(name: str, samples: list[Sample]) -> tuple[list[Sample], dict[str, int]]:
    """The samples detector ``name`` can read, and how many others there are for each reason:
    ``unreadable`` (cannot be opened or decoded: empty, truncated) and ``other_kind`` (media of
    a kind the detector does not read). Each file is let go after its check."""
    kinds = detector_class(name).kinds
    kept: list[Sample] = []
    skipped: dict[str, int] = {}
    for sample in samples:
        why = _unusable(sample.path, kinds)
        if why is None:
            kept.append(sample)
        else:
            skipped[why] = skipped.get(why, 0) + 1
    return kept, skipped


def _unusable(path: Path, kinds: frozenset[str]) -> str | None:
    try:
        media = Loaded.open(path)
        kind = media.kind
        if kind == "image" and kind in kinds:
            media.image()  # a truncated JPEG has a valid header: only decoding finds it out
    except InputError:
        return "unreadable"
    if kind in kinds:
        return None
    return "unreadable" if kind == "other" else "other_kind"


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
    _trainable(name)
    detector = _detector(name)
    assert isinstance(detector, Trainable)
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
    ``extra_real``) that it can read and save the model to ``out``. ``n`` and ``n_fake`` count
    the files used; ``skipped`` the others by reason (see ``_usable``).

    Raises:
        UsageError: unknown detector or layout, or a detector that cannot be trained.
        InputError: no labelled data, an extra folder that is not a folder, no readable file of
            the detector's kind, or readable files of one class only.
    """
    _trainable(name)
    dataset = load_dataset(root, layout)
    samples, skipped = _usable(name, dataset.samples + real_images(extra_real or []))
    _both_classes(name, samples, root)
    detector = _fit(name, samples, set())
    detector.save(out)  # type: ignore[attr-defined]
    result = {
        "detector": name,
        "data": str(root),
        "model": str(out),
        "n": len(samples),
        "n_fake": sum(s.label for s in samples),
        "skipped": skipped,
        "groups": sorted({s.group for s in samples}),
    }
    # Models that choose their scorer on the training data (spectral) say what they chose.
    if selection := _selection(detector):
        result["selection"] = selection
    return dict(finite(result | _layout(dataset)))


COLUMNS = ("n", "auc", "ap", "eer", "ece", "accuracy", "fpr", "mean_fold_auc", "unscored")


def render_table(report: dict[str, Any], lang: str = "en") -> str:
    """A plain-text table in ``lang`` (en or zh): one row per condition with the main metrics;
    an undefined metric is ``-``."""
    header = [msg(f"eval_col_{c}", lang) for c in ("condition", *COLUMNS)]
    lines = [
        msg(
            "eval_title",
            lang,
            detector=report["detector"],
            data=report["data"],
            mode=_mode(report, lang),
        ),
        _pad(header[0], 12, left=True) + " " + " ".join(_pad(c, 13) for c in header[1:]),
    ]
    for cond, res in report["conditions"].items():
        cells = [_cell(res.get(c)) for c in COLUMNS]
        lines.append(_pad(cond, 12, left=True) + " " + " ".join(_pad(c, 13) for c in cells))
    chosen = report.get("chosen_per_fold", {})
    for fold, aucs in report.get("folds", {}).items():
        picked = msg("eval_chosen_without", lang, chosen=chosen[fold]) if fold in chosen else ""
        rates = ", ".join(f"{c} {_cell(v)}" for c, v in aucs.items())
        lines.append(msg("eval_held_out", lang, fold=fold, aucs=rates, picked=picked))
    extra = report.get("extra_real", {}).get("conditions", {})
    if extra:
        rates = ", ".join(f"{c} {_cell(v['fpr'])} (n {v['n']})" for c, v in extra.items())
        lines.append(msg("eval_extra_real", lang, rates=rates))
    return "\n".join(lines)


def _mode(report: dict[str, Any], lang: str) -> str:
    if report.get("mode") == "cross-validation":
        return msg("eval_mode_cv", lang)
    if report.get("mode") == "model-file":
        return msg("eval_mode_model", lang, model=report.get("model"))
    return msg("eval_mode_shipped", lang)


def _pad(text: str, width: int, left: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (a CJK character takes two)."""
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    fill = " " * max(0, width - len(text) - wide)
    return text + fill if left else fill + text


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
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
        UsageError: unknown detector or layout, no detector for this kind of data, or a
            ``model`` for more than one detector.
        InputError: no labelled data, or a model file that cannot be read.
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
    if model is not None and len(chosen) != 1:
        raise UsageError(
            "--model is one detector's model: name that detector with --detector.",
            zh="--model 是某一个检测器的模型：请用 --detector 指明该检测器。",
        )

    def tick(n: str) -> Progress | None:
        return progress(n) if progress is not None else None

    if cv:
        return [cross_validate(n, root, layout, robustness, extra_real, tick(n)) for n in chosen]
    return [evaluate(n, root, layout, robustness, model, tick(n)) for n in chosen]
