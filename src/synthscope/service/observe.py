"""Observe runs started through the API: the same library calls as `observe import/collect`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthscope.config import Settings
from synthscope.errors import SynthscopeError
from synthscope.observe.classify import Classifier
from synthscope.service.errors import renamed
from synthscope.service.jobs import Progress, Work
from synthscope.service.uploads import discard
from synthscope.store import Store

if TYPE_CHECKING:
    from synthscope.service.api import CollectRequest


def _classifier(settings: Settings) -> Classifier:
    return Classifier.load(
        settings.content_keywords, settings.research_keywords, extra_dirs=settings.keyword_dirs
    )


def import_work(
    settings: Settings,
    store: Store,
    path: Path,
    name: str,
    platform: str | None,
    kind: str | None,
) -> Work:
    """The job importing ``path`` (deleted afterwards; ``name``: the client's name for it, which
    messages use instead of the server's path); its result is the run summary."""
    from synthscope.observe.pipeline import import_file

    def work(progress: Progress) -> dict[str, Any]:
        try:
            summary = import_file(
                store,
                path,
                classifier=_classifier(settings),
                platform=platform,
                kind=kind,
                batch_size=settings.batch_size,
            )
        except SynthscopeError as exc:
            raise renamed(exc, {str(path): name, path.name: name}) from exc
        finally:
            discard(path)
        result: dict[str, Any] = summary.to_dict()
        return result

    return work


def collect_work(settings: Settings, store: Store, request: CollectRequest) -> Work:
    """The job collecting from a live source at its configured base URL.

    Raises:
        UsageError: unknown or non-live source, or nothing to search (checked before queueing).
    """
    from synthscope.observe.collect import collect, live_source, search_terms

    source = live_source(request.source, settings)
    terms = search_terms(source, request.terms, request.keywords, settings.keyword_dirs)

    def work(progress: Progress) -> dict[str, Any]:
        def tick(counts: dict[str, int]) -> None:
            total = counts.get("windows_total", 0)
            if total:
                progress(counts.get("windows_done", 0) / total)

        summary = collect(
            store,
            source,
            terms,
            since=request.since,
            until=request.until,
            classifier=_classifier(settings),
            progress=tick,
        )
        result: dict[str, Any] = summary.to_dict()
        return result

    return work
