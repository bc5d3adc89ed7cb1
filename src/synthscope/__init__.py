"""synthscope: a deep-synthesis (deepfake) observatory and checking service.

The public names load on first use (PEP 562): importing one part, such as the import pipeline's
spawned reading process does with :mod:`synthscope.observe`, then does not also load the checking
and labelling stack (about 0.15 s).
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from synthscope.errors import (
    ExitCode,
    InputError,
    MediaError,
    RecordError,
    SourceError,
    StorageError,
    SynthscopeError,
    UsageError,
)

if _TYPE_CHECKING:
    from synthscope.check.findings import Finding
    from synthscope.check.label import LabelRequest, label_file
    from synthscope.check.labels.aigc import AigcLabel
    from synthscope.check.labels.base import Labeler
    from synthscope.check.scan import Verdict, check_paths, policy, scan
    from synthscope.config import Settings, load_settings
    from synthscope.media import Limits, Media
    from synthscope.observe.items import Identity, Item

__version__ = "0.1.0"

_LAZY = {
    "Finding": "synthscope.check.findings",
    "LabelRequest": "synthscope.check.label",
    "label_file": "synthscope.check.label",
    "AigcLabel": "synthscope.check.labels.aigc",
    "Labeler": "synthscope.check.labels.base",
    "Verdict": "synthscope.check.scan",
    "check_paths": "synthscope.check.scan",
    "policy": "synthscope.check.scan",
    "scan": "synthscope.check.scan",
    "Settings": "synthscope.config",
    "load_settings": "synthscope.config",
    "Limits": "synthscope.media",
    "Media": "synthscope.media",
    "Identity": "synthscope.observe.items",
    "Item": "synthscope.observe.items",
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'synthscope' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AigcLabel",
    "ExitCode",
    "Finding",
    "Identity",
    "InputError",
    "Item",
    "LabelRequest",
    "Labeler",
    "Limits",
    "Media",
    "MediaError",
    "RecordError",
    "Settings",
    "SourceError",
    "StorageError",
    "SynthscopeError",
    "UsageError",
    "Verdict",
    "__version__",
    "check_paths",
    "label_file",
    "load_settings",
    "policy",
    "scan",
]
