"""Dataset adapters: a folder on disk -> labelled samples with a group for cross-validation.

Each layout is one small reader registered in :data:`LAYOUTS`; ``load_samples`` takes the first
that finds labelled files (or the one named). A sample's ``group`` is what leave-one-group-out
holds out together: the generator (CNNDetection), the manipulation method (FaceForensics++), the
utterance (LJSpeech/WaveFake, so a sentence and its vocoded copy never straddle a split), the
attack (ASVspoof), the original video (DFDC) or the identity shown (Celeb-DF).

``load_dataset`` also says which layout that was and how many media files under the folder it
left out (the plainly named half of a real/fake tree whose other half has CNNDetection names, say):
the first layout that finds files wins, and a user should hear that it did not take them all.
"""

from __future__ import annotations

import json
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
# LJSpeech keeps its recordings in wavs/, JSUT its in basic5000/wav/.
REAL_WORDS = {"real", "reals", "original", "bonafide", "wavs", "basic5000", "original_sequences"}
# WaveFake's generated folders: ljspeech_<vocoder>, jsut_<vocoder> (not JSUT's own jsut_ver1.1)
# and common_voices_prompts_from_<model>.
WAVEFAKE = re.compile(r"^(?:ljspeech_|jsut_(?!ver\d)|common_voices_prompts_from_)")


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
        if low in FAKE_WORDS or WAVEFAKE.match(low):
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


FFPP_REAL, FFPP_FAKE = "original_sequences", "manipulated_sequences"


def _faceforensics(root: Path) -> list[Sample]:
    """FaceForensics++ as its download script writes it: ``original_sequences/<source>/<c>/
    videos|images/...`` and ``manipulated_sequences/<Method>/<c>/videos|images/...``.

    The group is the method (``original`` for the originals), so leave-one-group-out holds out
    one manipulation at a time, and frames extracted from a video stay with its method.
    """
    out = []
    for path in _files(root):
        parts = path.relative_to(root).parts[:-1]
        if FFPP_FAKE in parts[:-1]:
            out.append(Sample(path, 1, parts[parts.index(FFPP_FAKE) + 1]))
        elif FFPP_REAL in parts:
            out.append(Sample(path, 0, "original"))
    # Without method folders (flat files named Method-target_source) it is the folders layout.
    return out if any(s.label for s in out) else []


def _dfdc(root: Path) -> list[Sample]:
    """The DFDC training set: each ``dfdc_train_part_N/metadata.json`` maps the videos of its
    folder to ``{"label": "REAL"|"FAKE", "original": ...}``.

    The group is the original video, so a fake and the real video it was made from never
    straddle a split.

    Raises:
        InputError: a ``metadata.json`` is not JSON.
    """
    out = []
    for meta in sorted(root.rglob("metadata.json")):
        try:
            entries = json.loads(meta.read_bytes())
        except (OSError, ValueError) as exc:
            raise InputError(
                f"Cannot read {meta}: not a DFDC metadata file ({exc}).",
                zh=f"无法读取 {meta}：不是 DFDC 元数据文件（{exc}）。",
            ) from exc
        if not isinstance(entries, dict):
            continue
        for name, entry in sorted(entries.items()):
            if not isinstance(entry, dict):
                continue
            label = str(entry.get("label", "")).upper()
            path = meta.parent / name
            if label not in ("REAL", "FAKE") or not path.is_file():
                continue
            original = entry.get("original") if label == "FAKE" else None
            out.append(Sample(path, int(label == "FAKE"), Path(str(original or name)).stem))
    return out


CELEB_FOLDERS = {"celeb-real": 0, "youtube-real": 0, "celeb-synthesis": 1}
CELEB_ID = re.compile(r"^(id\d+)_")


def _celebdf(root: Path) -> list[Sample]:
    """Celeb-DF (v1, v2): ``Celeb-real/id0_0000.mp4``, ``Celeb-synthesis/id0_id16_0000.mp4``
    (a video of identity 0 with the face of identity 16) and ``YouTube-real/00000.mp4``.

    The group is the identity a video shows, so a synthesised video and the real videos it was
    made from never straddle a split; each YouTube video is its own group.
    """
    out = []
    for path in _files(root):
        folder = path.parent.name.lower()
        if folder not in CELEB_FOLDERS:
            continue
        m = CELEB_ID.match(path.stem)
        group = m[1] if m and folder != "youtube-real" else f"youtube:{path.stem}"
        out.append(Sample(path, CELEB_FOLDERS[folder], group))
    return out


CELEB_TEST_LIST = "List_of_testing_videos.txt"


def _celebdf_test(root: Path) -> list[Sample]:
    """Celeb-DF's official test set: only the videos ``List_of_testing_videos.txt`` names (lines
    ``<flag> <folder>/<file>``; the label still comes from the folder), so results compare with
    published Celeb-DF numbers. Named explicitly (``--layout celebdf-test``), never guessed.

    Raises:
        InputError: a test list cannot be read.
    """
    listed: set[Path] = set()
    for listing in sorted(root.rglob(CELEB_TEST_LIST)):
        try:
            text = listing.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(
                f"Cannot read {listing}: {exc.strerror or exc}.",
                zh=f"无法读取 {listing}：{exc.strerror or exc}。",
            ) from exc
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2:
                listed.add((listing.parent / parts[1]).resolve())
    return [s for s in _celebdf(root) if s.path.resolve() in listed]


ASV_LABELS = ("bonafide", "spoof")


def _asvspoof(root: Path) -> list[Sample]:
    """ASVspoof protocol files: 2019 (``LA_0079 LA_T_1138215 - A01 spoof``) and the later ones
    with codec, trim and phase columns around the label.

    Every ``*.txt`` under ``root`` is read (a download holds several protocols and READMEs); a
    line counts when its second column names an audio file under ``root``. The group is the
    attack (``-`` for bona fide speech).

    Raises:
        InputError: a protocol file cannot be read.
    """
    audio = {p.stem: p for p in root.rglob("*") if p.suffix.lower() in (".flac", ".wav")}
    found: dict[str, Sample] = {}
    for protocol in sorted(p for p in root.rglob("*.txt") if p.is_file()) if audio else []:
        try:
            lines = protocol.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            raise InputError(
                f"Cannot read {protocol}: {exc.strerror or exc}.",
                zh=f"无法读取 {protocol}：{exc.strerror or exc}。",
            ) from exc
        for line in lines:
            cols = line.split()
            if len(cols) < 3 or cols[1] not in audio or cols[1] in found:
                continue
            at = next((i for i in range(2, len(cols)) if cols[i] in ASV_LABELS), None)
            if at is not None:
                found[cols[1]] = Sample(audio[cols[1]], int(cols[at] == "spoof"), cols[at - 1])
    return sorted(found.values(), key=lambda s: str(s.path))


LAYOUTS: dict[str, Callable[[Path], list[Sample]]] = {
    "cnndetection": _cnndetection,
    "asvspoof": _asvspoof,
    "faceforensics": _faceforensics,
    "folders": _folders,
    # After the folders: a stray metadata.json in a real/fake tree is not a DFDC download.
    "dfdc": _dfdc,
    "celebdf": _celebdf,
}
# Layouts only taken when named: they select part of a dataset another layout reads whole.
NAMED_ONLY: dict[str, Callable[[Path], list[Sample]]] = {"celebdf-test": _celebdf_test}


@dataclass(frozen=True, slots=True)
class Dataset:
    """The samples a layout found under a folder, the layout's name, and how many media files
    under the folder it did not take (``unused``)."""

    samples: list[Sample]
    layout: str
    unused: int


def load_samples(root: Path, layout: str | None = None) -> list[Sample]:
    """Labelled samples under ``root``; ``layout`` None tries each known layout in turn.

    Raises:
        UsageError: an unknown layout name.
        InputError: ``root`` is not a folder or holds no labelled files.
    """
    return load_dataset(root, layout).samples


def load_dataset(root: Path, layout: str | None = None) -> Dataset:
    """:func:`load_samples` with the name of the layout that found them and the number of media
    files under ``root`` that it left out.

    Raises:
        UsageError: an unknown layout name.
        InputError: ``root`` is not a folder or holds no labelled files.
    """
    name, samples = _read(root, layout)
    taken = {s.path for s in samples}
    return Dataset(samples, name, sum(path not in taken for path in _files(root)))


def _read(root: Path, layout: str | None) -> tuple[str, list[Sample]]:
    if not root.is_dir():
        raise InputError(f"{root} is not a folder.", zh=f"{root} 不是文件夹。")
    if layout in NAMED_ONLY:
        if samples := NAMED_ONLY[layout](root):
            return layout, samples
        raise InputError(
            f"No videos listed in {CELEB_TEST_LIST} were found under {root}.",
            zh=f"{root} 下找不到 {CELEB_TEST_LIST} 列出的视频。",
        )
    if layout is not None and layout not in LAYOUTS:
        known = ", ".join([*LAYOUTS, *NAMED_ONLY])
        raise UsageError(
            f"Unknown layout {layout!r}; known: {known}.",
            zh=f"未知的布局 {layout!r}；可用：{known}。",
        )
    for name, reader in LAYOUTS.items():
        if layout in (None, name):
            samples = reader(root)
            if samples:
                return name, samples
    raise InputError(
        f"No labelled files under {root} (expected real/ and fake/ folders, "
        "N_<generator>_<real|fake> names, an ASVspoof protocol, DFDC metadata.json, "
        "Celeb-DF or FaceForensics++ folders).",
        zh=f"{root} 下没有带标签的文件（需要 real/ 与 fake/ 文件夹、"
        "N_<生成器>_<real|fake> 命名、ASVspoof 协议文件、DFDC metadata.json、"
        "Celeb-DF 或 FaceForensics++ 目录）。",
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
