"""Banks in the store (SQLite and PostgreSQL): idempotent adds, soft removal, deltas, matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from synthscope.check.hashes import banks
from synthscope.check.hashes.matching import BankMatcher, match_files, match_value
from synthscope.check.hashes.pdq import PdqHasher, _picture
from synthscope.check.hashes.vpdq import VpdqHasher
from synthscope.errors import InputError, UsageError
from synthscope.store import Store
from synthscope.store import banks as rows
from synthscope.store.banks import NewSignal


def save(image: Image.Image, path: Path, fmt: str = "PNG", **kw: object) -> Path:
    image.save(path, fmt, **kw)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    pic = _picture(21)
    out = {
        "fake": save(pic, tmp_path / "fake.png"),
        "reupload": save(pic.resize((400, 300)), tmp_path / "reupload.jpg", "JPEG", quality=70),
        "mirrored": save(pic.transpose(Image.Transpose.FLIP_LEFT_RIGHT), tmp_path / "mirror.png"),
        "other": save(_picture(22), tmp_path / "other.png"),
        "flat": save(Image.new("RGB", (200, 200), (90, 90, 90)), tmp_path / "flat.png"),
    }
    videos = VpdqHasher.examples()[0]
    for name, data in zip(("clip", "clip_small", "clip_other"), videos, strict=True):
        out[name] = tmp_path / f"{name}.mp4"
        out[name].write_bytes(data)
    return out


def test_add_is_idempotent_and_keeps_low_quality_out(store: Store, files: dict[str, Path]) -> None:
    assert banks.create_bank(store, "fakes", "known fakes") is True
    assert banks.create_bank(store, "fakes") is False
    first = banks.add_files(store, "fakes", [files["fake"], files["flat"]], note="n", incident="i")
    assert (first.new, first.unchanged) == (1, 0)
    assert first.rejected[0]["file"].endswith("flat.png")
    assert "below 50" in first.rejected[0]["reason"]
    again = banks.add_files(store, "fakes", [files["fake"]])
    assert (again.new, again.unchanged, again.signal_ids) == (0, 1, first.signal_ids)
    [listed] = banks.list_banks(store)
    assert listed["signals"] == {"pdq": 1} and listed["description"] == "known fakes"
    assert listed["seq"] == 1  # the repeated add changed nothing


def test_unknown_bank_and_unreadable_file(
    store: Store, files: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="no bank named"):
        banks.add_files(store, "nope", [files["fake"]])
    banks.create_bank(store, "fakes")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        banks.add_files(store, "fakes", [files["fake"], empty])
    assert banks.list_banks(store, "fakes")[0]["signals"] == {}  # nothing half-added


def test_match_files_finds_edited_copies_only(
    store: Store, files: dict[str, Path], tmp_path: Path
) -> None:
    banks.create_bank(store, "fakes")
    [sid] = banks.add_files(store, "fakes", [files["fake"], files["clip"]]).signal_ids[:1]
    missing = tmp_path / "missing.png"
    results = match_files(
        store, "fakes", [files[k] for k in ("reupload", "mirrored", "other", "flat")] + [missing]
    )
    by_file = {Path(r["file"]).name: r for r in results}
    for name in ("reupload.jpg", "mirror.png"):
        [m] = by_file[name]["hash_matches"]
        assert m["bank"] == "fakes" and m["signal_type"] == "pdq" and m["signal_id"] == sid
        assert 0 <= m["distance"] <= 31
    assert by_file["other.png"]["hash_matches"] == [] and by_file["other.png"]["error"] is None
    assert by_file["flat.png"]["hash_matches"] == []  # low-quality queries are not matched
    assert by_file["missing.png"]["error"]["code"] == 3
    [video] = match_files(store, "fakes", [files["clip_small"]])
    assert [m["signal_type"] for m in video["hash_matches"]] == ["vpdq"]
    assert match_files(store, "fakes", [files["clip_other"]])[0]["hash_matches"] == []
    value = PdqHasher().hash(files["reupload"]).value
    assert match_value(store, "fakes", "pdq", value)[0]["signal_id"] == sid
    upload = BankMatcher.load(store, "fakes").match_file(files["mirrored"].read_bytes(), "up.png")
    assert upload["file"] == "up.png" and upload["hash_matches"][0]["signal_id"] == sid


def test_soft_removal_with_reason_and_restore(store: Store, files: dict[str, Path]) -> None:
    banks.create_bank(store, "fakes")
    [sid] = banks.add_files(store, "fakes", [files["fake"]]).signal_ids
    assert banks.remove_signals(store, "fakes", [sid[:10]], "false positive") == 1
    assert banks.remove_signals(store, "fakes", [sid], "again") == 0
    assert match_files(store, "fakes", [files["reupload"]])[0]["hash_matches"] == []
    with store.reading() as conn:
        bank_id = rows.bank_row(conn, "fakes").id
        [row] = rows.changes_since(conn, bank_id, 0)
    assert row.removed_reason == "false positive" and row.removed_at is not None
    with pytest.raises(InputError, match="id"):
        banks.remove_signals(store, "fakes", ["00000000deadbeef"], "x")
    with pytest.raises(UsageError, match="reason"):
        banks.remove_signals(store, "fakes", [sid], " ")
    assert banks.add_files(store, "fakes", [files["fake"]]).restored == 1


def test_changes_since_checkpoint(store: Store) -> None:
    banks.create_bank(store, "b")
    with store.transaction() as conn:
        bank_id = rows.bank_row(conn, "b").id
        rows.add_signals(conn, bank_id, [NewSignal("pdq", "0" * 64), NewSignal("pdq", "1" * 64)])
        rows.add_signals(conn, bank_id, [NewSignal("pdq", "2" * 64)])
        rows.remove_signals(conn, bank_id, [rows.signal_key("pdq", "0" * 64)], "wrong")
    with store.reading() as conn:
        assert [r.value[0] for r in rows.changes_since(conn, bank_id, 0)] == ["1", "2", "0"]
        assert [r.value[0] for r in rows.changes_since(conn, bank_id, 1)] == ["2", "0"]
        assert [r.value[0] for r in rows.changes_since(conn, bank_id, 3)] == []


def test_persisted_index_follows_adds_and_removals(
    store: Store, files: dict[str, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    banks.create_bank(store, "fakes")
    queries = [files["reupload"], files["other"]]
    [sid] = banks.add_files(store, "fakes", [files["fake"]]).signal_ids
    first = match_files(store, "fakes", queries, cache)
    assert first == match_files(store, "fakes", queries)  # same answers with and without cache
    assert [p.name.rsplit("-", 1)[1] for p in cache.iterdir()] == ["1.npz"]
    assert match_files(store, "fakes", queries, cache) == first  # loaded, not rebuilt
    [other] = banks.add_files(store, "fakes", [files["other"]]).signal_ids
    banks.remove_signals(store, "fakes", [sid], "wrong")
    result = match_files(store, "fakes", queries, cache)
    assert [p.name.rsplit("-", 1)[1] for p in cache.iterdir()] == ["3.npz"]
    assert result[0]["hash_matches"] == []
    assert [m["signal_id"] for m in result[1]["hash_matches"]] == [other]
    assert result == match_files(store, "fakes", queries)


def simple_images() -> list[Image.Image]:
    """Images that give over-eager PDQ matches in other matchers: flat, two-tone, gradients,
    stripes, a checkerboard, a logo-like disc."""
    import numpy as np

    y, x = np.mgrid[0:256, 0:256]
    grey = [
        np.full((256, 256), 200),
        np.where(x < 128, 30, 220),
        np.where(y < 128, 30, 220),
        x,
        y,
        (x + y) // 2,
        np.where((x // 32) % 2 == 0, 0, 255),
        np.where(((x // 32) + (y // 32)) % 2 == 0, 0, 255),
        np.where((x - 128) ** 2 + (y - 128) ** 2 < 60**2, 20, 240),
    ]
    return [Image.fromarray(g.astype("uint8")).convert("RGB") for g in grey]


def test_simple_images_do_not_match_each_other(store: Store, tmp_path: Path) -> None:
    paths = []
    for i, image in enumerate(simple_images()):
        paths.append(save(image, tmp_path / f"simple{i}.png"))
    banks.create_bank(store, "simple")
    report = banks.add_files(store, "simple", paths)
    assert report.new + len(report.rejected) == len(paths)
    for result in match_files(store, "simple", paths):
        own = [m for m in result["hash_matches"] if m["distance"] == 0]
        others = [m for m in result["hash_matches"] if m["distance"] > 0]
        assert others == [], result["file"]  # at most the image itself
        assert len(own) <= 1


def test_matching_is_not_blocked_by_a_backfill(store: Store, files: dict[str, Path]) -> None:
    import threading

    banks.create_bank(store, "fakes")
    banks.add_files(store, "fakes", [files["fake"]])
    writing, done = threading.Event(), threading.Event()

    def backfill() -> None:
        with store.transaction() as conn:  # a long write transaction left open
            bank_id = rows.bank_row(conn, "fakes").id
            rows.add_signals(conn, bank_id, [NewSignal("pdq", f"{i:064x}") for i in range(2000)])
            writing.set()
            done.wait(60)

    writer = threading.Thread(target=backfill)
    writer.start()
    assert writing.wait(60)
    try:
        [result] = match_files(store, "fakes", [files["reupload"]])  # reads the committed state
        assert len(result["hash_matches"]) == 1
    finally:
        done.set()
        writer.join(60)
    assert len(match_files(store, "fakes", [files["reupload"]])[0]["hash_matches"]) == 1
    assert banks.list_banks(store, "fakes")[0]["signals"] == {"pdq": 2001}


def test_video_sampling_rate_is_configurable(store: Store, files: dict[str, Path]) -> None:
    banks.create_bank(store, "videos")
    banks.add_files(store, "videos", [files["clip"]], fps=2.0)
    with store.reading() as conn:
        [row] = rows.active_signals(conn, rows.bank_row(conn, "videos").id)
    assert len(row.value.split(",")) == 6
    with pytest.raises(UsageError, match="fps"):
        banks.add_files(store, "videos", [files["clip"]], fps=0.0)


def video_with_sound(path: Path, seed: int) -> Path:
    """A 6-second H.264 + AAC clip: drifting blobs and a tune."""
    import av
    import numpy as np

    from synthscope.check.hashes.audio import melody

    base, tune = np.asarray(_picture(seed)), melody(seed, 6.0, rate=44100)
    with av.open(str(path), mode="w") as container:
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        sound = container.add_stream("aac", rate=44100)
        sound.layout = "mono"  # type: ignore[union-attr]
        for i in range(60):
            frame = av.VideoFrame.from_ndarray(np.roll(base, i * 4, axis=1), format="rgb24")
            container.mux(video.encode(frame.reformat(320, 240)))
        container.mux(video.encode(None))
        for start in range(0, len(tune), 1024):
            chunk = av.AudioFrame.from_ndarray(
                tune[None, start : start + 1024], format="flt", layout="mono"
            )
            chunk.sample_rate, chunk.pts = 44100, start
            container.mux(sound.encode(chunk))  # type: ignore[arg-type]
        container.mux(sound.encode(None))  # type: ignore[arg-type]
    return path


def test_video_with_sound_banks_picture_and_sound(store: Store, tmp_path: Path) -> None:
    from synthscope.check.hashes.audio import encode, melody

    clip = video_with_sound(tmp_path / "clip.mp4", 41)
    banks.create_bank(store, "fakes")
    report = banks.add_files(store, "fakes", [clip])
    assert report.new == 2 and report.rejected == []
    [result] = match_files(store, "fakes", [clip])
    assert sorted(m["signal_type"] for m in result["hash_matches"]) == ["audio", "vpdq"]
    soundtrack = tmp_path / "soundtrack.mp3"
    soundtrack.write_bytes(encode(melody(41, 6.0, rate=44100), "mp3", rate=44100))
    [result] = match_files(store, "fakes", [soundtrack])
    assert [m["signal_type"] for m in result["hash_matches"]] == ["audio"]
    other = tmp_path / "other.mp3"
    other.write_bytes(encode(melody(42, 6.0, rate=44100), "mp3", rate=44100))
    assert match_files(store, "fakes", [other])[0]["hash_matches"] == []
