"""Labeler plugins: C2PA Content Credentials, GB 45438 implicit and explicit labels, watermarks.

Built-ins are registered under the ``synthscope.plugins`` entry-point group like any plugin.
"""

from __future__ import annotations

from importlib.metadata import entry_points

_loaded: list[bool] = []


def load_builtin_labelers() -> None:
    """Import every module registered under ``synthscope.plugins`` (once); importing registers."""
    if _loaded:
        return
    _loaded.append(True)
    for ep in entry_points(group="synthscope.plugins"):
        ep.load()
