"""Dataset adapters: a folder on disk -> labelled samples with a group for cross-validation.

Each layout is one small reader registered in :data:`LAYOUTS`; ``load_samples`` picks the first
whose ``matches`` says yes (or the one named). A sample's ``group`` is what leave-one-group-out
holds out together: the generator (CNNDetection), the manipulation method (FaceForensics++), the
utterance (LJSpeech/WaveFake, so a sentence and its vocoded copy never straddle a split) or the
attack (ASVspoof).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from synthscope.errors import InputError, UsageError

MEDIA_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".wav", ".flac", ".mp3", ".ogg",
    ".mp4", ".mov", ".mkv", ".webm", ".avi",
}  # fmt: skip
CNND = re.compile(r"^\d+_(?P<gen>[A-Za-z0-9]+)_(?P<label>real|fake)\.\w+$")
FAKE_WORDS = {"fake", "fakes", "synthetic", "generated", "spoof", "manipulated_sequences"}
AUDIO = {".wav", ".flac", ".mp3", ".ogg"}
VIDEO = {".mp4", ".mov", ".mkv", ".webm", ".avi"}
REAL_WORDS = {"real", "reals", "original", "bonafide", "wavs", "original_sequences"}


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled file: ``label`` 1 is synthetic or manipulated, 0 is real."""

    path: Path
    label: int
    group: str


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)


def _cnndetection(root: Path) -> list[Sample]:
    out = []
    for path in _files(root):
        m = CNND.match(path.name)
        if m:
            out.append(Sample(path, int(m["label"] == "fake"), m["gen"]))
    return out


def _label_from_parts(path: Path, root: Path) -> int | None:
    for part in reversed(path.relative_to(root).parts[:-1]):
        low = part.lower()
        if low in FAKE_WORDS or low.startswith("ljspeech_"):
            return 1
        if low in REAL_WORDS:
            return 0
    return None


def _group(path: Path, label: int) -> str:
    """What must stay on one side of a split: the utterance for audio (``X_gen`` is X's copy),
    the method for ``Method-target_source`` videos, the source id for images (``id_3`` is id)."""
    suffix, stem = path.suffix.lower(), path.stem.removesuffix("_gen")
    if suffix in AUDIO:
        return stem
    if suffix in VIDEO:
        return stem.split("-", 1)[0] if label == 1 and "-" in stem else "original"
    return re.sub(r"_\d+$", "", stem)


def _folders(root: Path) -> list[Sample]:
    out = []
    for path in _files(root):
        label = _label_from_parts(path, root)
        if label is not None:
            out.append(Sample(path, label, _group(path, label)))
    return out


def _asvspoof(root: Path) -> list[Sample]:
    protocol = next(iter(sorted(root.rglob("*.txt"))), None)
    if protocol is None:
        return []
    audio = {p.stem: p for p in root.rglob("*.flac")}
    out = []
    for line in protocol.read_text().splitlines():
        cols = line.split()
        if len(cols) >= 5 and cols[1] in audio and cols[-1] in ("bonafide", "spoof"):
            out.append(Sample(audio[cols[1]], int(cols[-1] == "spoof"), cols[-2]))
    return out


LAYOUTS: dict[str, Callable[[Path], list[Sample]]] = {
    "cnndetection": _cnndetection,
    "asvspoof": _asvspoof,
    "folders": _folders,
}


def load_samples(root: Path, layout: str | None = None) -> list[Sample]:
    """Labelled samples under ``root``; ``layout`` None tries each known layout in turn.

    Raises:
        UsageError: an unknown layout name.
        InputError: ``root`` is not a folder or holds no labelled files.
    """
    if not root.is_dir():
        raise InputError(f"{root} is not a folder.", zh=f"{root} 不是文件夹。")
    if layout is not None and layout not in LAYOUTS:
        known = ", ".join(LAYOUTS)
        raise UsageError(
            f"Unknown layout {layout!r}; known: {known}.",
            zh=f"未知的布局 {layout!r}；可用：{known}。",
        )
    for name, reader in LAYOUTS.items():
        if layout in (None, name):
            samples = reader(root)
            if samples:
                return samples
    raise InputError(
        f"No labelled files under {root} (expected real/ and fake/ folders, "
        "N_<generator>_<real|fake> names or an ASVspoof protocol).",
        zh=f"{root} 下没有带标签的文件（需要 real/ 与 fake/ 文件夹、"
        "N_<生成器>_<real|fake> 命名或 ASVspoof 协议文件）。",
    )


EXTRA_REAL = "real:"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
FRAME_NAME = re.compile(r"_\d+$")


def real_images(roots: list[Path]) -> list[Sample]:
    """Every image under ``roots`` as a real sample (label 0) from another source than the pack.

    A sample's group starts with ``real:`` and names its folder, so variants of one photo (the
    PDQ pack's rotations and re-encodings of one bridge) never straddle a split; where every file
    in a folder is named ``<id>_<n>`` (crops of one video), each id is its own group.

    Raises:
        InputError: a root is not a folder.
    """
    out: list[Sample] = []
    for root in roots:
        if not root.is_dir():
            raise InputError(f"{root} is not a folder.", zh=f"{root} 不是文件夹。")
        files = sorted(
            p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        name = f"{EXTRA_REAL}{root.parent.name}/{root.name}"
        per_id = bool(files) and all(FRAME_NAME.search(p.stem) for p in files)
        out += [
            Sample(p, 0, f"{name}/{FRAME_NAME.sub('', p.stem)}" if per_id else name) for p in files
        ]
    return out
