"""A service app on each store kind, an HTTP client for it, and API keys of each scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthscope.config import Settings, load_settings
from synthscope.observe.classify import Classifier
from synthscope.observe.pipeline import import_file
from synthscope.service import create_app
from synthscope.service.keys import create_key
from synthscope.store import Store


@pytest.fixture
def settings(tmp_path: Path, store: Store) -> Settings:
    return load_settings(
        database_url=store.url,
        service_upload_dir=tmp_path / "uploads",
        service_sync_wait_s=10.0,
        bootstrap_samples=10,
    )


@pytest.fixture
def make_app(store: Store) -> Callable[..., FastAPI]:
    def make(settings: Settings) -> FastAPI:
        return create_app(settings, store)

    return make


@pytest.fixture
def client(settings: Settings, make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def key(store: Store) -> Callable[..., dict[str, str]]:
    """Headers carrying a new key with the given scopes."""
    made: list[int] = []

    def make(*scopes: str) -> dict[str, str]:
        made.append(len(made))
        secret = create_key(store, f"test-{len(made)}", list(scopes))
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def filled(store: Store, classifier: Classifier, tmp_path: Path) -> Store:
    """Six bilibili videos of 2020 and four YouTube videos of 2021."""
    rows = ["url,title,published_at,plays,likes"]
    rows += [
        f"https://www.bilibili.com/video/av{170001 + i},AI换脸 {i},2020-03-01,100,{i}"
        for i in range(6)
    ]
    rows += [
        f"https://www.youtube.com/watch?v=abcdefghi{i:02d},deepfake {i},2021-03-01,100,{i}"
        for i in range(4)
    ]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_file(store, path, classifier=classifier, kind="video")
    return store
