"""Built-in sources, loaded through the same entry-point group third-party plugins use."""

from __future__ import annotations

from importlib.metadata import entry_points

_loaded = False


def load_builtin_sources() -> None:
    """Import every module registered under the ``synthscope.plugins`` entry-point group."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for ep in entry_points(group="synthscope.plugins"):
        ep.load()
