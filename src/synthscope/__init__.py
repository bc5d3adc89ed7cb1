"""synthscope: a deep-synthesis (deepfake) observatory and checking service."""

from synthscope.check.findings import Finding
from synthscope.check.label import LabelRequest, label_file
from synthscope.check.labels.aigc import AigcLabel
from synthscope.check.labels.base import Labeler
from synthscope.check.scan import Verdict, check_paths, policy, scan
from synthscope.config import Settings, load_settings
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
from synthscope.media import Limits, Media
from synthscope.observe.items import Identity, Item

__version__ = "0.1.0"

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
