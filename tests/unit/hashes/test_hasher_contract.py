"""The Hasher contract suite: every registered hasher (built-in or plugin) must pass it."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthscope.check.hashes.base import (
    Hasher,
    Signal,
    Variants,
    hasher,
    hasher_names,
    register_hasher,
)
from synthscope.errors import InputError, UsageError

NAMES = hasher_names()


@pytest.fixture(scope="module", params=NAMES)
def case(request: pytest.FixtureRequest) -> tuple[Hasher, list[tuple[Signal, Signal, Signal]]]:
    impl = hasher(request.param)
    examples = type(impl).examples()
    assert examples, "a hasher must provide examples()"
    return impl, [tuple(impl.hash(x) for x in triple) for triple in examples]  # type: ignore[misc]


def test_builtins_are_registered_by_class_name() -> None:
    assert {"pdq", "vpdq", "audio"} <= set(NAMES)
    for name in NAMES:
        assert type(hasher(name)).__name__.removesuffix("Hasher").lower() == name.replace("-", "")


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(UsageError):

        class PdqHasher(Hasher):  # same name as the built-in, another class
            threshold = 1

            def hash(self, source):  # type: ignore[no-untyped-def]
                raise NotImplementedError

            def distance(self, a, b):  # type: ignore[no-untyped-def]
                return 0

            def validate(self, value):  # type: ignore[no-untyped-def]
                return value

            @classmethod
            def examples(cls):  # type: ignore[no-untyped-def]
                return []

        register_hasher(PdqHasher)


def test_unknown_type_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Unknown signal type"):
        hasher("md5")


def test_signal_shape_and_quality(case) -> None:  # type: ignore[no-untyped-def]
    impl, signals = case
    for triple in signals:
        for sig in triple:
            assert sig.signal_type == impl.name
            assert 0 <= sig.quality <= 100
            assert " " not in sig.value and sig.value == sig.value.strip()
        assert triple[0].quality >= impl.min_quality


def test_self_distance_is_zero_and_copies_match(case) -> None:  # type: ignore[no-untyped-def]
    impl, signals = case
    for original, copy, other in signals:
        assert impl.distance(original.value, original.value) == 0
        assert impl.distance(copy.value, original.value) <= impl.threshold
        assert impl.distance(other.value, original.value) > impl.threshold


def test_hash_is_deterministic_from_path_and_bytes(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    impl, _ = case
    content = type(impl).examples()[0][0]
    path = tmp_path / "content.bin"
    path.write_bytes(content)
    assert impl.hash(path) == impl.hash(content) == impl.hash(content)


def test_validate_round_trips_and_rejects_garbage(case) -> None:  # type: ignore[no-untyped-def]
    impl, signals = case
    value = signals[0][0].value
    assert impl.validate(value) == value
    assert impl.validate(value.upper() if impl.name != "vpdq" else value) == value
    for bad in ("", "xyz", value[:-1] + "g"):
        with pytest.raises(InputError):
            impl.validate(bad)


def test_variants_start_with_the_plain_hash(case) -> None:  # type: ignore[no-untyped-def]
    impl, signals = case
    if not isinstance(impl, Variants):
        pytest.skip(f"{impl.name} has no variants")
    original, copy, _ = type(impl).examples()[0]
    values, quality = impl.variants(original)
    assert (values[0], quality) == (signals[0][0].value, signals[0][0].quality)
    assert len(set(values)) > 1
    assert (
        min(impl.distance(v, signals[0][0].value) for v in impl.variants(copy)[0]) <= impl.threshold
    )


@pytest.mark.parametrize("content", [b"", b"not a media file at all"])
def test_bad_input_is_an_input_error(case, content: bytes) -> None:  # type: ignore[no-untyped-def]
    impl, _ = case
    with pytest.raises(InputError):
        impl.hash(content)


def test_missing_file_is_an_input_error(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    impl, _ = case
    with pytest.raises(InputError, match="missing"):
        impl.hash(tmp_path / "missing.jpg")
