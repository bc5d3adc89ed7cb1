"""Live collection: a keyword set (or terms) x a date range from one API source into the store.

``collect`` is the library call behind ``synthscope observe collect``. It runs the shared pipeline
(batches -> classify -> store, one transaction per page with its checkpoint), so a collection that
is killed or fails resumes where it stopped when the same command is given again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from synthscope.config import Settings
from synthscope.errors import UsageError
from synthscope.observe.classify import Classifier
from synthscope.observe.keywords import load_keyword_set
from synthscope.observe.pipeline import Progress, RunSummary, run_source
from synthscope.observe.sources._windowed import CollectQuery, WindowedSource
from synthscope.observe.sources.base import source_class
from synthscope.store import Store

DEFAULT_SINCE = date(2017, 1, 1)  # the seed report's first year


def live_source(name: str, settings: Settings) -> WindowedSource:
    """The live source called ``name``, configured from ``settings``.

    Raises:
        UsageError: no such source, or it is not a live (API) source.
    """
    cls = source_class(name)
    if not issubclass(cls, WindowedSource):
        raise UsageError(
            f"{name!r} is not a live source; use `observe import` for files.",
            zh=f"{name!r} 不是在线数据源；文件请用 `observe import` 导入。",
        )
    return cls.from_settings(settings)


def search_terms(
    source: WindowedSource,
    terms: Sequence[str],
    keyword_set: str | None,
    extra_dirs: Sequence[Path] = (),
) -> tuple[str, ...]:
    """The terms to search: ``terms`` as given, else the keyword set's terms in the source's
    languages (default set: the source's own, e.g. ``research`` for arXiv).

    Raises:
        UsageError: both terms and a keyword set, or nothing left to search.
        InputError: the keyword set cannot be read.
    """
    if terms and keyword_set:
        raise UsageError(
            "Give --keywords or --term, not both.", zh="--keywords 与 --term 只能二选一。"
        )
    if terms:
        chosen = tuple(dict.fromkeys(t.strip() for t in terms if t.strip()))
    else:
        kset = load_keyword_set(keyword_set or source.default_keywords, extra_dirs)
        chosen = tuple(t.text for t in kset.terms if t.lang in source.term_languages)
    if not chosen:
        raise UsageError("No search terms.", zh="没有检索词。")
    return chosen


def collect(
    store: Store,
    source: WindowedSource,
    terms: Sequence[str],
    *,
    since: date | None = None,
    until: date | None = None,
    classifier: Classifier,
    progress: Progress | None = None,
) -> RunSummary:
    """Collect ``terms`` published between ``since`` and ``until`` (inclusive) from ``source``.

    Raises:
        UsageError: no terms, or since after until.
        SourceError: the source could not be reached or kept failing (what was collected is kept;
            the same call resumes).
        StorageError: the store cannot be written.
    """
    query = CollectQuery(tuple(terms), since or DEFAULT_SINCE, until or datetime.now(UTC).date())
    text = query.text()
    CollectQuery.parse(text)  # validates terms and range before a run is recorded
    return run_source(
        store, source, text, params={}, classifier=classifier, progress=progress, prefetch=False
    )
