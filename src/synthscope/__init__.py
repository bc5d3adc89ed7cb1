"""synthscope: a deep-synthesis (deepfake) observatory and checking service."""

from synthscope.config import Settings, load_settings
from synthscope.errors import (
    ExitCode,
    InputError,
    RecordError,
    SourceError,
    StorageError,
    SynthscopeError,
    UsageError,
)
from synthscope.observe.items import Identity, Item

__version__ = "0.1.0"

__all__ = [
    "ExitCode",
    "Identity",
    "InputError",
    "Item",
    "RecordError",
    "Settings",
    "SourceError",
    "StorageError",
    "SynthscopeError",
    "UsageError",
    "__version__",
    "load_settings",
]
