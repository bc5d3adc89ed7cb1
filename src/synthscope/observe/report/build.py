"""Build the report dict (schema ``synthscope.report/1``) from the store.

Queries aggregate in the database; the numbers come from the pure functions in
:mod:`synthscope.observe.metrics`, each with the N behind it; every chart gets its data note
(sources, keywords, date range, de-duplication rule, N, collection time) like the seed report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import ColumnElement, Connection, and_, true

from synthscope.errors import UsageError
from synthscope.observe import metrics
from synthscope.observe.items import CATEGORIES, KINDS, MODALITIES, REGIONS
from synthscope.observe.sources._windowed import CollectQuery
from synthscope.store import Store, cube, models
from synthscope.store import queries as q
from synthscope.store.cube import Cube
from synthscope.store.runs import list_runs

SCHEMA = "synthscope.report/1"
ENGAGEMENT_METRICS = ("likes", "favorites", "shares", "comments")
VIDEO_METRICS = ("plays", *ENGAGEMENT_METRICS)
STAR_THRESHOLDS = (100, 1000, 10000)
RUNS_IN_REPORT = 200
# The five projects the seed report plotted (face swap, reenactment, image, voice, text).
REPRESENTATIVE_REPOS = (
    "github:iperov/deepfacelab",
    "github:aliaksandrsiarohin/first-order-model",
    "github:nvlabs/stylegan",
    "github:corentinj/real-time-voice-cloning",
    "github:openai/gpt-2",
)
ITEMS = models.ITEMS


@dataclass(frozen=True)
class ReportOptions:
    """What to report: year range (None: the data's), keyword sets named in the notes."""

    year_from: int | None = None
    year_to: int | None = None
    lang: str = "en"
    content_terms: Sequence[str] = ()
    research_terms: Sequence[str] = ()
    content_set: str = "content"
    research_set: str = "research"
    bootstrap_samples: int = 1000
    star_history_repos: int = 5
    # Filters (empty: no filter): only items on these platforms, in these regions, of these
    # modalities count anywhere in the report (the dashboard's filters).
    platforms: Sequence[str] = ()
    regions: Sequence[str] = ()
    modalities: Sequence[str] = ()


def build_report(
    store: Store, options: ReportOptions, now: datetime | None = None
) -> dict[str, Any]:
    """The full report dict for ``store``.

    Raises:
        UsageError: the year range is reversed.
        StorageError: the store cannot be read.
    """
    with store.scanning("building the report") as conn, ThreadPoolExecutor(2) as pool:

        def aside(query: Callable[[Connection], T]) -> Future[T]:
            if store.in_memory:  # another connection would open another, empty database
                return _done(query(conn))

            def run() -> T:
                with store.scanning("building the report") as side:
                    return query(side)

            return pool.submit(run)

        return _Builder(conn, options, now or datetime.now(UTC), aside).build()


def _done(value: T) -> Future[T]:
    future: Future[T] = Future()
    future.set_result(value)
    return future


T = TypeVar("T")


def _years(series: Mapping[int, int | float]) -> dict[str, int | float]:
    return {str(y): v for y, v in series.items()}


Aside = Callable[[Callable[[Connection], T]], "Future[T]"]


class _Builder:
    """Builds the report; ``aside`` runs a query on a connection of its own in another thread,
    so the three scans of a large store (cube, observation ranges, newest counts) share the
    machine's cores (SQLite and psycopg release the GIL while they work)."""

    def __init__(
        self, conn: Connection, options: ReportOptions, now: datetime, aside: Aside[Any]
    ) -> None:
        self.conn = conn
        self.opt = options
        self.now = now
        self.aside = aside
        self._runs_cache: list[dict[str, Any]] | None = None

    def build(self) -> dict[str, Any]:
        where = and_(q.counted("video"), self._scope_sql())
        # Read and turned into arrays aside: both overlap the cube's scan.
        self._latest = self.aside(
            lambda c: _VideoCounts(q.latest_metric_rows(c, ("year",), VIDEO_METRICS, where))
        )
        observed = self.aside(cube.load_observed)
        self.cube = _filtered(Cube(cube.load_cells(self.conn), observed.result()), self.opt)
        per_kind = {k: self._yearly("kind", cube.counted(k)).get(k, {}) for k in KINDS}
        self.start, self.end = self._range(per_kind)
        report: dict[str, Any] = {
            "schema": SCHEMA,
            "generated_at": self.now.isoformat().replace("+00:00", "Z"),
            "lang": self.opt.lang,
            "range": {"from": self.start, "to": self.end},
            "totals": self._totals(),
            "items_per_year": {k: self._fill(per_kind[k]) for k in KINDS},
        }
        report.update(self._content_part())
        report.update(self._research_part())
        report["growth_multiple"] = {
            k: metrics.growth(per_kind[k], self.start, self.end).to_dict()
            for k in ("video", "post", "paper", "repo")
        }
        report["runs"] = self._runs()
        report["notes"] = self._notes(report)
        return report

    def _yearly(self, group: str, where: cube.Where) -> q.Counts:
        return self.cube.yearly(group, where)

    def _fill(self, series: Mapping[int, int | float]) -> dict[str, int | float]:
        inside = {y: v for y, v in series.items() if self.start <= y <= self.end}
        return _years(metrics.fill_years(inside, self.start, self.end))

    def _range(self, per_kind: Mapping[str, Mapping[int, int]]) -> tuple[int, int]:
        found = metrics.year_range(*per_kind.values())
        start = self.opt.year_from or (found[0] if found else self.now.year)
        end = self.opt.year_to or (found[1] if found else self.now.year)
        if end < start:
            raise UsageError(f"The year range is reversed: --from {start} is after --to {end}.")
        return start, end

    def _in_range(self) -> cube.Where:
        start, end = self.start, self.end
        return lambda c: c.year is not None and start <= c.year <= end

    def _in_range_sql(self) -> ColumnElement[bool]:
        return and_(ITEMS.c.year >= self.start, ITEMS.c.year <= self.end)

    def _scope_sql(self) -> ColumnElement[bool]:
        """The report's platform/region/modality filters as a WHERE clause (true when none)."""
        return and_(
            true(),
            *(
                ITEMS.c[column].in_(list(values))
                for column, values in _scope(self.opt).items()
                if values
            ),
        )

    def _totals(self) -> dict[str, Any]:
        by_kind = self.cube.counts("kind", lambda c: True)
        return {"items": sum(by_kind.values()), "by_kind": {k: by_kind.get(k, 0) for k in KINDS}}

    def _content_part(self) -> dict[str, Any]:
        def content(c: cube.Cell) -> bool:
            return c.kind in ("video", "post")

        videos = cube.every(cube.counted("video"), self._in_range())
        region_counts = self.cube.counts(
            "region", cube.every(videos, lambda c: c.region is not None)
        )
        categories = self.cube.counts(
            "category", cube.every(videos, lambda c: c.category is not None)
        )
        latest = self._latest.result()
        likes, likes_n = latest.sums_per_year("likes")
        by_region = self._yearly("region", cube.counted("video"))
        fit = metrics.loglinear_fit({y: v for y, v in likes.items() if self.start <= y <= self.end})
        return {
            "items_per_year_by_platform": {
                p: self._fill(s) for p, s in sorted(self._yearly("platform", content).items())
            },
            "items_per_year_by_region": {r: self._fill(by_region.get(r, {})) for r in REGIONS},
            "region_share": _flat_shares(metrics.shares(region_counts, REGIONS)),
            "category_rank": [
                {"category": c, "n": n}
                for c, n in metrics.rank({c: categories.get(c, 0) for c in CATEGORIES})
            ],
            "likes_per_year": self._fill(likes),
            "likes_per_year_n": self._fill(likes_n),
            "likes_growth_fit": {**fit.to_dict(), "n_points": fit.n_points},
            "engagement_per_1000_plays": self._engagement(latest.arrays_in(self.start, self.end)),
        }

    def _engagement(self, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        plays = arrays.pop("plays")
        ratios = metrics.engagement_per_1000(plays, arrays, samples=self.opt.bootstrap_samples)
        out: dict[str, Any] = {m: ratios[m].to_dict()["value"] for m in ENGAGEMENT_METRICS}
        out["n"] = {m: ratios[m].n for m in ENGAGEMENT_METRICS}
        out["ci95"] = {m: ratios[m].to_dict()["ci95"] for m in ENGAGEMENT_METRICS}
        return out

    def _research_part(self) -> dict[str, Any]:
        papers, repos = cube.counted("paper"), cube.counted("repo")
        paper_modality = self._yearly("modality", papers)
        repo_modality = self._yearly("modality", repos)
        in_range = cube.every(papers, self._in_range(), lambda c: c.modality is not None)
        modality_counts = self.cube.counts("modality", in_range)
        return {
            "papers_per_year_by_modality": {
                m: self._fill(paper_modality.get(m, {})) for m in MODALITIES
            },
            "modality_share": _flat_shares(metrics.shares(modality_counts, MODALITIES)),
            "repos_per_year_by_modality": {
                m: self._fill(repo_modality.get(m, {})) for m in MODALITIES
            },
            "papers_without_arxiv_id": sum(
                self.cube.counts(
                    "kind", lambda c: c.kind == "paper" and c.platform != "arxiv"
                ).values()
            ),
            "star_history": self._star_history(),
            "star_thresholds": self._star_thresholds(and_(q.counted("repo"), self._scope_sql())),
        }

    def _star_history(self) -> dict[str, list[list[Any]]]:
        # The report's filters hold here too: platform, region, modality, and the years when
        # given (a repository counts in the years it was created, as in every other chart).
        where = self._scope_sql()
        if self.opt.year_from is not None or self.opt.year_to is not None:
            where = and_(where, self._in_range_sql())
        keys = list(REPRESENTATIVE_REPOS)
        keys += q.top_repos_by_stars(self.conn, self.opt.star_history_repos, where)
        series = q.star_series(self.conn, list(dict.fromkeys(keys)), where)
        # A history needs at least two observations; one dated count is not a trend.
        with_history = [r for r in series if len({at.date() for at, _ in series[r]}) >= 2]
        ranked = sorted(with_history, key=lambda r: -series[r][-1][1])
        picked = ranked[: self.opt.star_history_repos]
        return {r: [list(p) for p in metrics.snapshot_series(series[r])] for r in picked}

    def _star_thresholds(self, repos: ColumnElement[bool]) -> dict[str, Any]:
        stars = q.latest_metric_arrays(self.conn, ("stars",), repos)["stars"]
        results, n = metrics.threshold_shares(stars, STAR_THRESHOLDS)
        return {"thresholds": [r.to_dict() for r in results], "n": n}

    def _runs(self) -> list[dict[str, Any]]:
        return [_run_summary(r) for r in self._all_runs()]

    def _notes(self, report: Mapping[str, Any]) -> dict[str, Any]:
        content = self._note("video", self.opt.content_set, self.opt.content_terms)
        papers = self._note("paper", self.opt.research_set, self.opt.research_terms)
        repos = self._note("repo", self.opt.research_set, self.opt.research_terms)
        likes_n = sum(report["likes_per_year_n"].values())
        engagement_n = max(report["engagement_per_1000_plays"]["n"].values(), default=0)
        return {
            "videos_per_year": content,
            "category_rank": {**content, "n": sum(c["n"] for c in report["category_rank"])},
            "region_per_year": {**content, "n": report["region_share"]["n"]},
            "likes_per_year": {**content, "n": likes_n},
            "engagement": {**content, "n": engagement_n},
            "papers_per_year": {
                **papers,
                "extra": _no_arxiv(report["papers_without_arxiv_id"], self.opt.lang),
            },
            "modality_share": {**papers, "n": report["modality_share"]["n"]},
            "repos_per_year": repos,
            "star_history": {**repos, "n": len(report["star_history"])},
        }

    def _note(self, kind: str, set_name: str, terms: Sequence[str]) -> dict[str, Any]:
        cov = self.cube.coverage(cube.every(cube.counted(kind), self._in_range()))
        return {
            "sources": self._sources(kind),
            "platforms": cov["platforms"],
            "keywords": {"set": set_name, "terms": list(terms)},
            "date_range": [f"{self.start}-01-01", f"{self.end}-12-31"],
            "published_range": [_iso(d) for d in cov["published"]],
            "dedup": "url",
            "n": cov["n"],
            "collected_at": [_iso(d) for d in cov["observed"]],
            "windows": self._windows(kind),
        }

    def _all_runs(self) -> list[dict[str, Any]]:
        """The newest runs, read once per report (the runs table and every data note use them)."""
        if self._runs_cache is None:
            self._runs_cache = list_runs(self.conn, RUNS_IN_REPORT)
        return self._runs_cache

    def _sources(self, kind: str) -> list[str]:
        """The runs that stored items of ``kind`` (runs are counted per kind since 0.1)."""
        return list(
            dict.fromkeys(f"{r['source']}:{_query_text(r['query'])}" for r in self._runs_of(kind))
        )

    def _runs_of(self, kind: str) -> list[dict[str, Any]]:
        return [
            r
            for r in self._all_runs()
            if r["status"] != "running" and (r["counts"] or {}).get(f"kind.{kind}", 0) > 0
        ]

    def _windows(self, kind: str) -> list[dict[str, Any]]:
        """What each live collection behind ``kind`` asked (from the runs' window logs)."""
        return [_window_summary(r) for r in self._runs_of(kind) if r.get("log")]


class _VideoCounts:
    """Each video's latest counts with its year (one query), for the likes and engagement
    figures: the same numbers as one aggregate query per figure, read once."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows
        # One array straight from the tuples (None becomes NaN): no per-row copies.
        data = np.array(rows, dtype=float).reshape(len(rows), 1 + len(VIDEO_METRICS))
        self.years = np.nan_to_num(data[:, 0], nan=-1).astype(np.int64)
        self.columns = {m: data[:, 1 + i] for i, m in enumerate(VIDEO_METRICS)}

    def sums_per_year(self, metric: str) -> tuple[dict[int, int], dict[int, int]]:
        """Sum of the metric per year over items that have it, and how many had it (exact
        integers: float sums could round past 2**53)."""
        values = self.columns[metric]
        known = ~np.isnan(values) & (self.years >= 0)
        if not known.any():
            return {}, {}
        if np.max(values[known]) * known.sum() < 2**53:  # float sums of these are exact
            years, where = np.unique(self.years[known], return_inverse=True)
            sums = np.bincount(where, weights=values[known])
            ns = np.bincount(where)
            return (
                {int(y): int(t) for y, t in zip(years, sums, strict=True)},
                {int(y): int(n) for y, n in zip(years, ns, strict=True)},
            )
        return self._exact_sums(1 + VIDEO_METRICS.index(metric))

    def _exact_sums(self, column: int) -> tuple[dict[int, int], dict[int, int]]:
        sums: dict[int, int] = {}
        ns: dict[int, int] = {}
        for row in self.rows:
            year, value = row[0], row[column]
            if year is not None and value is not None:
                sums[year] = sums.get(year, 0) + int(value)
                ns[year] = ns.get(year, 0) + 1
        return dict(sorted(sums.items())), dict(sorted(ns.items()))

    def arrays_in(self, start: int, end: int) -> dict[str, np.ndarray]:
        """The metric arrays (NaN where unknown) of the items published from ``start`` to
        ``end``."""
        inside = (self.years >= start) & (self.years <= end)
        return {m: values[inside] for m, values in self.columns.items()}


def _scope(options: ReportOptions) -> dict[str, Sequence[str]]:
    return {
        "platform": options.platforms,
        "region": options.regions,
        "modality": options.modalities,
    }


def _filtered(whole: Cube, options: ReportOptions) -> Cube:
    """The cube with only the cells that pass the report's filters."""
    scope = {column: set(values) for column, values in _scope(options).items() if values}
    if not scope:
        return whole
    cells = [c for c in whole.cells if all(getattr(c, k) in v for k, v in scope.items())]
    return Cube(cells, whole.observed)


def _flat_shares(result: metrics.Shares) -> dict[str, Any]:
    flat = result.to_dict()
    flat.pop("counts", None)
    return flat


_NO_ARXIV = {
    "en": "{n} more papers have no arXiv id: stored, but not counted here.",
    "zh": "另有 {n} 篇论文没有 arXiv 编号：已入库，未计入本图。",
}


def _no_arxiv(count: int, lang: str) -> str | None:
    return _NO_ARXIV.get(lang, _NO_ARXIV["en"]).format(n=count) if count else None


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _run_summary(run: Mapping[str, Any]) -> dict[str, Any]:
    counts = run.get("counts") or {}
    return {
        "id": run["id"],
        "source": run["source"],
        "query": run["query"],
        "started_at": _iso(run["started_at"]),
        "finished_at": _iso(run["finished_at"]),
        "status": run["status"],
        "read": counts.get("read", 0),
        "imported": counts.get("items", 0),
        "skipped": counts.get("skipped", 0),
        "requests": counts.get("requests"),
        "windows": len(run.get("log") or []) or None,
    }


def _query_text(query: str) -> str:
    """A live collection's stored query as people read it: terms and date range."""
    try:
        parsed = CollectQuery.parse(query)
    except UsageError:
        return query
    return f"{', '.join(parsed.terms)}; {parsed.since}..{parsed.until}"


def _window_summary(run: Mapping[str, Any]) -> dict[str, Any]:
    done = [w for w in run["log"] if w.get("action") == "done"]
    return {
        "source": run["source"],
        "run": run["id"],
        "windows": len(done),
        "results": sum(w.get("total") or 0 for w in done),
        "fetched": sum(w.get("fetched") or 0 for w in done),
        "split": sum(1 for w in run["log"] if w.get("action") == "split"),
        "capped": sum(1 for w in done if any("capped" in n for n in w.get("notes", []))),
        "incomplete": sum(1 for w in done if w.get("notes")),
        "requests": (run.get("counts") or {}).get("requests", 0),
    }
