"""The dashboard's item count follows every filter, and its filter errors speak the form's words."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from synthscope.store import Store


def count_line(page: str) -> str:
    found = re.search(r'<p id="item-count">([^<]*)</p>', page)
    assert found is not None
    return found.group(1)


def error_line(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert found is not None
    return found.group(1).replace("&#39;", "'")


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ("", "10 items in the store"),
        ("?platform=bilibili", "6 of the 10 items in the store match these filters"),
        ("?from=2021", "4 of the 10 items in the store match these filters"),
        ("?from=2020&to=2020", "6 of the 10 items in the store match these filters"),
        ("?region=foreign&from=2020&to=2020", "0 of the 10 items in the store match these filters"),
    ],
)
def test_the_count_follows_platform_region_and_years(
    filled: Store, client: TestClient, query: str, line: str
) -> None:
    assert count_line(client.get(f"/dashboard{query}").text) == line


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=abc", "From year must be a year from 1900 to 2200, not 'abc'."),
        ("from=1800", "From year must be a year from 1900 to 2200, not '1800'."),
        ("from=2025&to=2019", "The year range is reversed: From year 2025 is after To year 2019."),
        ("from=2030", "From year 2030 is after 2021, the last year with items."),
        ("to=2019", "To year 2019 is before 2020, the first year with items."),
        ("region=xx", "Region must be one of domestic, foreign, not 'xx'."),
    ],
)
def test_a_filter_error_keeps_the_store_count_and_names_the_form_fields(
    filled: Store, client: TestClient, query: str, message: str
) -> None:
    page = client.get(f"/dashboard?{query}")
    assert page.status_code == 400
    assert error_line(page.text) == message and "--from" not in page.text
    assert count_line(page.text) == "10 items in the store"


def test_filter_errors_in_chinese(filled: Store, client: TestClient) -> None:
    page = client.get("/dashboard?from=2025&to=2019&lang=zh").text
    assert error_line(page) == "年份范围颠倒：起始年份 2025 晚于截止年份 2019。"
    assert count_line(page) == "库中共 10 条"
    assert "1900 到 2200" in client.get("/dashboard?from=1800&lang=zh").text


def test_the_api_report_says_its_own_parameter_names(filled: Store, client: TestClient) -> None:
    from synthscope.service.keys import create_key

    headers = {"Authorization": f"Bearer {create_key(filled, 'r', ['check'])}"}
    reversed_years = client.get("/api/v1/report?from=2025&to=2019", headers=headers)
    assert reversed_years.json()["error"]["message"] == (
        "The year range is reversed: from 2025 is after to 2019."
    )
    late = client.get("/api/v1/report?from=2030", headers=headers)
    assert late.status_code == 400 and "--from" not in late.text
