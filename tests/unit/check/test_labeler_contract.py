"""Contract suite for the Labeler seam: every registered labeler (built-in or plugin) must pass.

A third-party labeler passes the same suite by registering under the ``synthscope.plugins``
entry point and providing offline ``examples()``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from synthscope.check.findings import CLAIMS
from synthscope.check.labels.base import Labeler, labeler_class, labeler_names
from synthscope.errors import UsageError
from synthscope.media import Media

CASES = [(name, *case) for name in labeler_names() for case in labeler_class(name).examples()]
IDS = [f"{name}:{media.name}" for name, _, media, _ in CASES]


def test_builtins_are_registered() -> None:
    assert {"c2pa", "gb45438"} <= set(labeler_names())
    assert labeler_class("gb45438").name == "gb45438"


def test_unknown_labeler_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Unknown labeler"):
        labeler_class("no-such-labeler")


def test_every_labeler_has_examples() -> None:
    for name in labeler_names():
        assert labeler_class(name).examples(), name


@pytest.mark.parametrize(("name", "labeler", "media", "label"), CASES, ids=IDS)
def test_apply_then_read_finds_the_label(
    name: str, labeler: Labeler[Any], media: Media, label: Any
) -> None:
    original = bytes(media.data)
    assert labeler.supports(media)
    before = labeler.read(media)
    out = labeler.apply(media, label)
    assert media.data == original, "apply must not change its input"
    after = labeler.read(media.replace(out))
    assert before.claim == "none" and after.claim in CLAIMS and after.claim != "none"
    assert after.source == name and after.reason and after.reason_zh
    json.dumps(after.data)  # sections go into synthscope.check/1 as they are


@pytest.mark.parametrize(("name", "labeler", "media", "label"), CASES, ids=IDS)
def test_read_never_raises_on_foreign_content(
    name: str, labeler: Labeler[Any], media: Media, label: Any
) -> None:
    for other in (
        Media.open(b"plain words\n", name="x.txt"),
        Media.open(b"\x00\x01garbage", name="x.bin"),
    ):
        assert labeler.read(other).claim in CLAIMS
