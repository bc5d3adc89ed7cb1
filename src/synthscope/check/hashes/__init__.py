"""Hash banks: perceptual hashers (PDQ, vPDQ, audio), an exact Hamming index, bank matching."""

from __future__ import annotations

from importlib.metadata import entry_points

_loaded = False


def load_builtin_hashers() -> None:
    """Import every module registered under the ``synthscope.plugins`` entry-point group."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for ep in entry_points(group="synthscope.plugins"):
        ep.load()
