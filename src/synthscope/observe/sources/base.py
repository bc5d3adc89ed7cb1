"""The Source seam: anything that yields items in resumable batches.

Why this shape: collection runs for hours against throttled APIs and must survive being killed. A
source therefore never returns "all results"; it yields :class:`Batch` objects, each carrying the
checkpoint *after* it. The pipeline stores a batch's items and its checkpoint in one transaction, so
a restarted run passes the last stored checkpoint back to :meth:`Source.fetch_iter` and continues
with no gap and no duplicate. Sources take their HTTP client (or file path) as a parameter so tests
replay recorded responses without a network.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from synthscope.errors import RecordError, UsageError
from synthscope.observe.items import Item

Checkpoint = dict[str, Any]


@dataclass(slots=True)
class Batch:
    """Items read since the previous batch, what was skipped, and where to resume.

    Live sources also say what they asked: ``log`` holds one record per query window finished in
    this batch (stored with the run), ``counts`` the requests, retries and rate-limit waits since
    the previous batch (added to the run's counters) and ``progress`` where the run stands (windows
    done and left), for progress bars.
    """

    items: list[Item]
    checkpoint: Checkpoint
    skipped: list[RecordError] = field(default_factory=list)
    read: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    progress: dict[str, int] = field(default_factory=dict)


class Source(ABC):
    """A place items come from. Subclasses are registered by their class name (``FileSource`` is
    ``file``) and must provide :meth:`examples` for the contract suite."""

    name: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # ABCMeta fills __abstractmethods__ only after this hook, so look at the methods.
        if not any(getattr(getattr(cls, n, None), "__isabstractmethod__", False) for n in dir(cls)):
            cls.name = _name_from_class(cls.__name__, "Source")
            register_source(cls)

    @abstractmethod
    def fetch_iter(self, query: str, checkpoint: Checkpoint | None = None) -> Iterator[Batch]:
        """Yield batches for ``query`` starting after ``checkpoint`` (None: from the start).

        Raises:
            InputError: the query names something unreadable.
            SourceError: the source cannot be reached.
        """

    def worth_a_second_process(self, query: str) -> bool:
        """Whether reading ``query`` in a second process while this one stores pays for starting
        that process (the pipeline asks when the caller leaves it to choose). Yes by default."""
        return True

    @classmethod
    @abstractmethod
    def examples(cls) -> list[tuple[Source, str]]:
        """Instances and queries the contract suite runs (must work offline)."""


_REGISTRY: dict[str, type[Source]] = {}


def _name_from_class(class_name: str, suffix: str) -> str:
    stem = class_name.removesuffix(suffix) or class_name
    return re.sub(r"(?<!^)(?=[A-Z])", "-", stem).lower()


def register_source(cls: type[Source]) -> None:
    """Add a source class to the registry; a second class with the same name is refused."""
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise UsageError(f"A source named {cls.name!r} is already registered.")
    _REGISTRY[cls.name] = cls


def source_class(name: str) -> type[Source]:
    """The registered source called ``name``.

    Raises:
        UsageError: no such source.
    """
    from synthscope.observe.sources import load_builtin_sources

    load_builtin_sources()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(f"Unknown source {name!r}; known sources: {known}.") from None


def source_names() -> list[str]:
    from synthscope.observe.sources import load_builtin_sources

    load_builtin_sources()
    return sorted(_REGISTRY)
