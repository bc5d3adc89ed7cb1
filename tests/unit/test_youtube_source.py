"""The YouTube source against the offline Data API served over loopback HTTP with rate limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fakeapi import FakeApi, Reply, Request
from livesource import item_rows, json_reply_headers, run_rows, store_contents
from synthscope.cli import main
from synthscope.config import Settings
from synthscope.errors import SourceError, UsageError
from synthscope.observe.classify import Classifier
from synthscope.observe.collect import collect, live_source
from synthscope.observe.sources._examples_youtube import FakeVideo, fake_videos, youtube_answer
from synthscope.observe.sources._windowed import CollectQuery
from synthscope.observe.sources.youtube import YoutubeSource, video_item
from synthscope.store import Store

KEY = "AIzaTESTKEY-0123456789"
INTERVAL = 0.05
JITTER = 0.02  # the 2-core test machine delays the server's clock readings this much
QUERY = CollectQuery(("deepfake",), date(2019, 1, 1), date(2019, 12, 31))


def handler(videos: list[FakeVideo]) -> Callable[[Request], Reply]:
    def handle(request: Request) -> Reply:
        status, body = youtube_answer(videos, request.path, request.params)
        return Reply(status, body, json_reply_headers())

    return handle


def empty(request: Request) -> Reply:
    return Reply(200, b"", json_reply_headers())


def source(api: FakeApi, *, interval: float = INTERVAL, attempts: int = 5) -> YoutubeSource:
    return YoutubeSource(
        base_url=f"{api.url}/youtube/v3",
        interval=interval,
        attempts=attempts,
        backoff=0.0,
        api_key=KEY,
    )


def expected(videos: list[FakeVideo], query: CollectQuery) -> set[str]:
    low = datetime(query.since.year, query.since.month, query.since.day, tzinfo=UTC)
    high = datetime(query.until.year, query.until.month, query.until.day, tzinfo=UTC)
    return {
        v.video_id
        for v in videos
        if any(t.lower() in f"{v.title} {v.description}".lower() for t in query.terms)
        and low <= v.published < high + timedelta(days=1)
    }


def test_collects_every_match_paced_with_quota_counted() -> None:
    videos = fake_videos(60)
    with FakeApi(handler(videos), min_interval=INTERVAL, tolerance=JITTER) as api:
        src = source(api)
        src.page_size = 3
        batches = list(src.fetch_iter(QUERY.text()))
    items = [i for b in batches for i in b.items]
    assert {i.platform_id for i in items} == expected(videos, QUERY)
    assert len(items) == len({i.key for i in items})
    assert api.violations == []
    searches = sum(1 for r in api.requests if r.path.endswith("/search"))
    lists = sum(1 for r in api.requests if r.path.endswith("/videos"))
    assert sum(b.counts["quota_units"] for b in batches) == 100 * searches + lists


def test_windows_do_not_overlap_and_bounds_are_rfc3339() -> None:
    with FakeApi(handler(fake_videos(10)), min_interval=INTERVAL, tolerance=JITTER) as api:
        list(source(api).fetch_iter(QUERY.text()))
    searches = [r.params for r in api.requests if r.path.endswith("/search")]
    assert searches[0]["publishedAfter"] == "2019-01-01T00:00:00Z"
    assert searches[0]["publishedBefore"] == "2019-01-31T23:59:59Z"
    assert searches[1]["publishedAfter"] == "2019-02-01T00:00:00Z"
    assert all(p["type"] == "video" and p["maxResults"] == "50" for p in searches)


def test_shares_are_missing_and_hidden_counts_are_not_zero() -> None:
    videos = fake_videos(20)
    with FakeApi(handler(videos), min_interval=INTERVAL, tolerance=JITTER) as api:
        items = [i for b in source(api).fetch_iter(QUERY.text()) for i in b.items]
    assert items and all("shares" not in i.metrics for i in items)
    hidden = {v.video_id for v in videos if v.likes is None}
    found = {i.platform_id: i for i in items}
    assert hidden & set(found)
    for vid in hidden & set(found):
        assert "likes" not in found[vid].metrics and found[vid].metrics["plays"] > 0


def test_video_item_fields() -> None:
    resource = {
        "id": "dQw4w9WgXcQ",
        "snippet": {
            "publishedAt": "2021-03-04T05:06:07Z",
            "channelId": "UCabc",
            "title": "  A  deepfake ",
            "description": "desc",
            "channelTitle": "Chan",
            "categoryId": "28",
            "tags": ["ai"],
            "defaultLanguage": "en",
        },
        "statistics": {"viewCount": "12", "favoriteCount": "0", "commentCount": "3"},
    }
    item = video_item(resource)
    assert item.key == "youtube:dQw4w9WgXcQ" and item.kind == "video"
    assert item.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert item.title == "A deepfake" and item.author == "Chan" and item.year == 2021
    assert item.metrics == {"plays": 12, "favorites": 0, "comments": 3}
    assert item.platform_category == "Science & Technology"
    assert item.raw == {
        "channelId": "UCabc",
        "categoryId": "28",
        "tags": ["ai"],
        "defaultLanguage": "en",
    }


def test_faults_are_retried_and_end_in_the_same_items() -> None:
    videos = fake_videos(30)
    with FakeApi(handler(videos), min_interval=INTERVAL, tolerance=JITTER, empty=empty) as api:
        clean = [i.key for b in source(api).fetch_iter(QUERY.text()) for i in b.items]
    with FakeApi(handler(videos), min_interval=INTERVAL, tolerance=JITTER, empty=empty) as api:
        api.fail_next("429", "500", "html", "cut", "truncated", "empty")
        src = source(api, attempts=7)  # six faults in a row on one request, then success
        faulty = [i.key for b in src.fetch_iter(QUERY.text()) for i in b.items]
    assert faulty == clean
    assert src.fetch_stats().retries == 6
    assert api.violations == []


def test_a_window_past_500_results_is_halved_until_all_are_reached() -> None:
    start = datetime(2019, 3, 1, tzinfo=UTC)
    videos = fake_videos(700, start, timedelta(minutes=55))
    query = CollectQuery(("deepfake",), date(2019, 3, 1), date(2019, 3, 31))
    wanted = expected(videos, query)
    assert len(wanted) > 500  # one month's search would stop at 500
    with FakeApi(handler(videos)) as api:
        batches = list(source(api, interval=0.0).fetch_iter(query.text()))
    logs = [r for b in batches for r in b.log]
    assert {i.platform_id for b in batches for i in b.items} == wanted
    assert logs[0]["action"] == "split" and logs[0]["total"] == len(wanted)
    assert all(r["total"] <= 500 for r in logs if r["action"] == "done")


def test_quota_exceeded_stops_with_a_clear_message() -> None:
    def spent(request: Request) -> Reply:
        message = "The request cannot be completed because you have exceeded your quota."
        error = {"code": 403, "message": message, "errors": [{"reason": "quotaExceeded"}]}
        return Reply(403, json.dumps({"error": error}), json_reply_headers())

    with FakeApi(spent) as api, pytest.raises(SourceError) as caught:
        list(source(api).fetch_iter(QUERY.text()))
    message = str(caught.value)
    assert caught.value.exit_code == 4 and "quota" in message and "tomorrow" in message
    assert len(api.requests) == 1  # no retries against a spent quota
    assert "配额" in caught.value.localized("zh")


def test_failure_messages_never_show_the_key() -> None:
    def broken(request: Request) -> Reply:
        return Reply(500, "internal error")

    with FakeApi(broken) as api, pytest.raises(SourceError) as caught:
        list(source(api, attempts=2).fetch_iter(QUERY.text()))
    assert "key=" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in caught.value.localized("zh")


def test_failure_keeps_what_was_collected_and_a_rerun_resumes_to_the_same_store(
    tmp_path: Path, classifier: Classifier
) -> None:
    videos = fake_videos(60)
    with FakeApi(handler(videos)) as api:
        whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
        collect(whole, source(api), ["deepfake"], since=QUERY.since, until=QUERY.until,
                classifier=classifier)  # fmt: skip
    outage = {"after": 9}

    def flaky(request: Request) -> Reply:
        if outage["after"] and len(api.requests) > outage["after"]:
            return Reply(503, "unavailable")
        return handler(videos)(request)

    with FakeApi(flaky) as api:
        store = Store.open(f"sqlite:///{tmp_path / 'broken.db'}")
        with pytest.raises(SourceError):
            collect(store, source(api, attempts=2), ["deepfake"], since=QUERY.since,
                    until=QUERY.until, classifier=classifier)  # fmt: skip
        kept = store_contents(store)
        assert 0 < len(kept) < len(store_contents(whole))
        assert run_rows(store)[-1]["status"] == "failed"
        outage["after"] = 0
        summary = collect(store, source(api), ["deepfake"], since=QUERY.since,
                          until=QUERY.until, classifier=classifier)  # fmt: skip
        assert summary.resumed and summary.status == "done"
        assert store_contents(store) == store_contents(whole)
        assert summary.counts["quota_units"] >= 100
        again = collect(store, source(api), ["deepfake"], since=QUERY.since,
                        until=QUERY.until, classifier=classifier)  # fmt: skip
    # A rerun adds a new observation of the counts, never an item.
    assert again.counts["new"] == 0 and item_rows(store) == item_rows(whole)


def test_missing_key_is_a_usage_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNTHSCOPE_YOUTUBE_API_KEY", raising=False)
    with pytest.raises(UsageError, match="SYNTHSCOPE_YOUTUBE_API_KEY"):
        live_source("youtube", Settings())
    monkeypatch.setenv("SYNTHSCOPE_YOUTUBE_API_KEY", KEY)
    assert isinstance(live_source("youtube", Settings()), YoutubeSource)


def test_cli_collect_prints_the_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeApi(handler(fake_videos(30)), min_interval=INTERVAL, tolerance=JITTER) as api:
        monkeypatch.setenv("SYNTHSCOPE_YOUTUBE_BASE_URL", f"{api.url}/youtube/v3")
        monkeypatch.setenv("SYNTHSCOPE_YOUTUBE_API_KEY", KEY)
        monkeypatch.setenv("SYNTHSCOPE_YOUTUBE_INTERVAL", str(INTERVAL))
        args = ["observe", "collect", "youtube", "--term", "deepfake"]
        code = main([*args, "--since", "2019-01-01", "--until", "2019-06-30"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Collected youtube:" in out and "quota" in out.lower()
    assert KEY not in out + err
    assert api.violations == []


def test_cli_without_a_key_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SYNTHSCOPE_YOUTUBE_API_KEY", raising=False)
    code = main(["observe", "collect", "youtube", "--term", "deepfake"])
    _, err = capsys.readouterr()
    assert code == 2 and "SYNTHSCOPE_YOUTUBE_API_KEY" in err and "Traceback" not in err
