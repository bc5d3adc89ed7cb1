"""The TikTok source against the offline Research API served over loopback HTTP with rate limits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from fakeapi import FakeApi, Reply, Request
from livesource import item_rows, json_reply_headers, run_rows, store_contents
from synthscope.config import Settings
from synthscope.errors import SourceError, UsageError
from synthscope.observe.classify import Classifier
from synthscope.observe.collect import collect, live_source
from synthscope.observe.sources._examples_tiktok import (
    CLIENT_KEY,
    CLIENT_SECRET,
    TiktokApi,
    fake_tiktoks,
)
from synthscope.observe.sources._windowed import CollectQuery
from synthscope.observe.sources.tiktok import TiktokSource, video_item
from synthscope.store import Store

INTERVAL = 0.05
JITTER = 0.02  # the 2-core test machine delays the server's clock readings this much
QUERY = CollectQuery(("deepfake",), date(2021, 1, 1), date(2021, 6, 30))


def handler(api: TiktokApi) -> Callable[[Request], Reply]:
    def handle(request: Request) -> Reply:
        status, body = api.answer(request.path, request.headers, request.params, request.body)
        return Reply(status, body, json_reply_headers())

    return handle


def empty(request: Request) -> Reply:
    return Reply(200, b"", json_reply_headers())


def fake(api: TiktokApi) -> FakeApi:
    return FakeApi(handler(api), min_interval=INTERVAL, tolerance=JITTER, empty=empty)


def source(
    server: FakeApi, *, attempts: int = 5, secret: str = CLIENT_SECRET, page_size: int = 100
) -> TiktokSource:
    src = TiktokSource(
        base_url=server.url,
        interval=INTERVAL,
        attempts=attempts,
        backoff=0.0,
        client_key=CLIENT_KEY,
        client_secret=secret,
    )
    src.page_size = page_size
    return src


def expected(api: TiktokApi, query: CollectQuery) -> set[str]:
    return {
        str(v.video_id)
        for v in api.videos
        if "deepfake" in v.description and query.since <= v.created.date() <= query.until
    }


def queries(server: FakeApi) -> list[Request]:
    return [r for r in server.requests if r.path.endswith("/video/query/")]


def test_collects_in_30_day_windows_with_inclusive_end_dates() -> None:
    api = TiktokApi(fake_tiktoks())
    with fake(api) as server:
        items = [i for b in source(server, page_size=2).fetch_iter(QUERY.text()) for i in b.items]
    assert {i.platform_id for i in items} == expected(api, QUERY)
    assert server.violations == []
    firsts = [r.json() for r in queries(server) if "cursor" not in r.json()]
    days = [
        (datetime.strptime(b["start_date"], "%Y%m%d"), datetime.strptime(b["end_date"], "%Y%m%d"))
        for b in firsts
    ]
    assert days[0][0] == datetime(2021, 1, 1) and days[-1][1] == datetime(2021, 6, 30)
    assert all(timedelta(0) <= end - start <= timedelta(days=29) for start, end in days)
    assert all(b[0] - a[1] == timedelta(days=1) for a, b in pairwise(days))
    paged = [r.json() for r in queries(server) if "cursor" in r.json()]
    assert paged and all(b["search_id"] and b["max_count"] == 2 for b in paged)
    assert queries(server)[0].params["fields"].split(",")[:2] == ["id", "create_time"]


def test_video_fields_and_region_code_kept_raw() -> None:
    record = {
        "id": 7123456789012345678,
        "create_time": 1614556800,
        "region_code": "CN",
        "video_description": " deepfake  demo ",
        "username": "some.user",
        "view_count": 10,
        "like_count": 2,
        "comment_count": 0,
        "share_count": 1,
    }
    item = video_item(record)
    assert item.key == "tiktok:7123456789012345678" and item.kind == "video"
    assert item.published_at == datetime(2021, 3, 1, tzinfo=UTC) and item.year == 2021
    assert item.metrics == {"plays": 10, "likes": 2, "comments": 0, "shares": 1}
    assert item.text == "deepfake demo" and item.author == "some.user"
    assert item.region is None and item.raw == {"region_code": "CN", "username": "some.user"}
    partial = video_item({"id": 7123456789012345678, "create_time": 1614556800})
    assert partial.metrics == {}


def test_faults_are_retried_and_end_in_the_same_items() -> None:
    api = TiktokApi(fake_tiktoks())
    with fake(api) as server:
        clean = [i.key for b in source(server).fetch_iter(QUERY.text()) for i in b.items]
    with fake(TiktokApi(fake_tiktoks())) as server:
        server.fail_next("429", "500", "html", "cut", "truncated", "empty")
        src = source(server, attempts=7)
        faulty = [i.key for b in src.fetch_iter(QUERY.text()) for i in b.items]
    assert faulty == clean and src.fetch_stats().retries == 6
    assert server.violations == []


def test_a_refused_token_is_renewed_once_and_the_query_repeated() -> None:
    api = TiktokApi(fake_tiktoks())
    with fake(api) as server:
        src = source(server, page_size=2)
        batches = src.fetch_iter(QUERY.text())
        first = next(batches).items
        api.revoke()
        rest = [i for b in batches for i in b.items]
    assert {i.platform_id for i in first + rest} == expected(api, QUERY)
    assert api.issued == 2
    paths = [r.path for r in server.requests]
    assert paths.count("/v2/oauth/token/") == 2


def test_an_expired_token_is_renewed_before_use() -> None:
    api = TiktokApi(fake_tiktoks(), expires_in=0)
    with fake(api) as server:
        list(source(server).fetch_iter(QUERY.text()))
    tokens = [r for r in server.requests if r.path.endswith("/oauth/token/")]
    assert len(tokens) == len(queries(server)) == api.issued
    assert all(r.headers["content-type"].startswith("application/x-www-form-urlencoded")
               for r in tokens)  # fmt: skip


def test_wrong_credentials_are_a_clear_error_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with fake(TiktokApi(fake_tiktoks())) as server, pytest.raises(SourceError) as caught:
        list(source(server, secret="wrong-secret-123").fetch_iter(QUERY.text()))
    assert caught.value.exit_code == 4 and "invalid_client" in str(caught.value)
    assert "wrong-secret-123" not in str(caught.value) + caplog.text
    assert len(server.requests) == 1


def test_error_envelope_is_reported_with_its_code() -> None:
    def refuse(request: Request) -> Reply:
        if request.path.endswith("/oauth/token/"):
            return handler(api)(request)
        body = '{"error": {"code": "invalid_params", "message": "Invalid query.", "log_id": "x"}}'
        return Reply(400, body, json_reply_headers())

    api = TiktokApi(fake_tiktoks())
    with FakeApi(refuse) as server, pytest.raises(SourceError) as caught:
        list(source(server).fetch_iter(QUERY.text()))
    assert "invalid_params" in str(caught.value) and "Invalid query" in str(caught.value)


def test_secrets_never_reach_logs_or_the_store(
    tmp_path: Path, classifier: Classifier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = TiktokApi(fake_tiktoks())
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    with fake(api) as server:
        collect(store, source(server), ["deepfake"], since=QUERY.since, until=QUERY.until,
                classifier=classifier)  # fmt: skip
    dumped = repr(run_rows(store)) + repr(store_contents(store)) + caplog.text
    assert CLIENT_SECRET not in dumped and "clt.offline" not in dumped


def test_failure_keeps_what_was_collected_and_a_rerun_resumes_to_the_same_store(
    tmp_path: Path, classifier: Classifier
) -> None:
    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    with fake(TiktokApi(fake_tiktoks())) as server:
        collect(whole, source(server, page_size=2), ["deepfake"], since=QUERY.since,
                until=QUERY.until, classifier=classifier)  # fmt: skip
    outage = {"after": 8}
    api = TiktokApi(fake_tiktoks())

    def flaky(request: Request) -> Reply:
        if outage["after"] and len(server.requests) > outage["after"]:
            return Reply(502, "bad gateway")
        return handler(api)(request)

    store = Store.open(f"sqlite:///{tmp_path / 'broken.db'}")
    with FakeApi(flaky, min_interval=INTERVAL, tolerance=JITTER) as server:
        with pytest.raises(SourceError):
            collect(store, source(server, attempts=2, page_size=2), ["deepfake"],
                    since=QUERY.since, until=QUERY.until, classifier=classifier)  # fmt: skip
        assert 0 < len(store_contents(store)) < len(store_contents(whole))
        assert run_rows(store)[-1]["status"] == "failed"
        outage["after"] = 0
        summary = collect(store, source(server, page_size=2), ["deepfake"], since=QUERY.since,
                          until=QUERY.until, classifier=classifier)  # fmt: skip
        assert summary.resumed and summary.status == "done"
        assert store_contents(store) == store_contents(whole)
        again = collect(store, source(server, page_size=2), ["deepfake"], since=QUERY.since,
                        until=QUERY.until, classifier=classifier)  # fmt: skip
    assert again.counts["new"] == 0 and item_rows(store) == item_rows(whole)
    assert server.violations == []


def test_missing_credentials_are_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSCOPE_TIKTOK_CLIENT_KEY", CLIENT_KEY)
    monkeypatch.delenv("SYNTHSCOPE_TIKTOK_CLIENT_SECRET", raising=False)
    with pytest.raises(UsageError, match="SYNTHSCOPE_TIKTOK_CLIENT_SECRET"):
        live_source("tiktok", Settings())
    monkeypatch.setenv("SYNTHSCOPE_TIKTOK_CLIENT_SECRET", CLIENT_SECRET)
    assert isinstance(live_source("tiktok", Settings()), TiktokSource)
