"""Every detector ships a model card naming its training data and licence, metrics, threshold and
known weaknesses; every trainable one ships the model file the card describes."""

from __future__ import annotations

import pytest

from synthscope.check.detectors import Trainable, detector_class, detector_names
from synthscope.check.detectors.base import MODELS

SECTIONS = ("## Training data", "## Licence", "## Metrics", "## Threshold", "## Known weaknesses")


@pytest.mark.parametrize("name", detector_names())
def test_model_card_has_every_section(name: str) -> None:
    card = MODELS / f"{name}.md"
    assert card.exists(), f"missing model card {card.name}"
    text = card.read_text()
    for section in SECTIONS:
        assert section in text, f"{card.name} lacks {section}"


@pytest.mark.parametrize("name", detector_names())
def test_trainable_detectors_ship_their_model(name: str) -> None:
    cls = detector_class(name)
    if issubclass(cls, Trainable):
        assert (MODELS / cls.model_file).exists()  # type: ignore[attr-defined]
