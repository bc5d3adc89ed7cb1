"""The Labeler seam: something that reads a kind of provenance label and can write it.

Why this shape: a platform receiving a file must *read* every label kind, and a generation service
must *write* them; both sides of one label kind belong in one class so that a round trip
(``read(apply(media, label))``) is the natural test. :meth:`Labeler.read` never raises for a file
the labeler cannot handle: it returns a finding with claim ``none``. :meth:`Labeler.apply` returns
new bytes and never touches the input. Labelers are registered by class name (``C2paLabeler`` is
``c2pa``) and must give :meth:`Labeler.examples` for the contract suite. :attr:`Labeler.title`
names the label in words for people (a code such as ``gb45438`` means nothing to them).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from synthscope.check.findings import Finding
from synthscope.errors import MediaError, UsageError
from synthscope.media import Media

if TYPE_CHECKING:
    from synthscope.config import Settings

L = TypeVar("L")


@dataclass(frozen=True, slots=True)
class Title:
    """A label's name for people: in a list (``en``, ``zh``) and after "cannot carry" (``a_en``)."""

    en: str
    zh: str
    a_en: str = ""

    def carried(self) -> str:
        """The English noun phrase with its article ("a watermark label")."""
        return self.a_en or f"a {self.en} label"


class Labeler(ABC, Generic[L]):
    """Reads and writes one kind of label; ``L`` is the type of the label it writes."""

    name: ClassVar[str]
    title: ClassVar[Title]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not getattr(cls, "__abstractmethods__", None):
            stem = cls.__name__.removesuffix("Labeler") or cls.__name__
            cls.name = re.sub(r"(?<!^)(?=[A-Z])", "-", stem).lower()
            if "title" not in cls.__dict__:
                cls.title = Title(cls.name, cls.name)
            register_labeler(cls)

    @classmethod
    def from_settings(cls, settings: Settings) -> Labeler[Any]:
        """An instance configured from ``settings`` (the default needs no configuration)."""
        return cls()

    @abstractmethod
    def supports(self, media: Media) -> bool:
        """Whether this labeler can read and write labels in ``media``'s format."""

    def check_writable(self, media: Media) -> None:
        """Refuse, before any label is written, a file this labeler cannot write into (so that a
        video is not re-encoded for one label only for the next to be refused).

        Raises:
            MediaError: the format cannot carry the label (a subclass may say more precisely why).
        """
        if not self.supports(media):
            raise MediaError(
                f"{media.name} ({media.mime}) cannot carry {self.title.carried()}.",
                zh=f"{media.name}（{media.mime}）无法写入{self.title.zh}。",
            )

    @abstractmethod
    def read(self, media: Media) -> Finding:
        """What label ``media`` carries (claim ``none`` when it carries none or is unsupported).

        Raises:
            MediaError: only when the file's own content cannot be decoded and must be.
        """

    @abstractmethod
    def apply(self, media: Media, label: L) -> bytes:
        """New bytes: ``media`` with ``label`` written into it (``media`` is left unchanged).

        Raises:
            UsageError: the label is invalid or the format cannot carry it.
            MediaError: the file cannot be parsed.
        """

    @classmethod
    @abstractmethod
    def examples(cls) -> list[tuple[Labeler[Any], Media, Any]]:
        """(labeler, unlabeled media, label) triples for the contract suite; offline and small."""


_REGISTRY: dict[str, type[Labeler[Any]]] = {}


def register_labeler(cls: type[Labeler[Any]]) -> None:
    """Add a labeler class to the registry; a second class with the same name is refused."""
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise UsageError(f"A labeler named {cls.name!r} is already registered.")
    _REGISTRY[cls.name] = cls


def labeler_class(name: str) -> type[Labeler[Any]]:
    """The registered labeler called ``name``.

    Raises:
        UsageError: no such labeler.
    """
    from synthscope.check.labels import load_builtin_labelers

    load_builtin_labelers()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(f"Unknown labeler {name!r}; known labelers: {known}.") from None


def labeler_names() -> list[str]:
    """Names of every registered labeler, sorted."""
    from synthscope.check.labels import load_builtin_labelers

    load_builtin_labelers()
    return sorted(_REGISTRY)
