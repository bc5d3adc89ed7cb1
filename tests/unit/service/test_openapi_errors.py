"""The OpenAPI document describes the errors the API really sends, and every status it uses."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

ERROR = {"$ref": "#/components/schemas/Error"}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_every_error_response_is_the_error_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["Error"]["required"] == ["error"]
    for path, _method, op in operations(spec):
        for status, answer in op["responses"].items():
            if status[0] in "45":
                assert answer["content"]["application/json"]["schema"] == ERROR, (path, status)
                assert answer["description"], (path, status)


def test_keyed_operations_list_401_403_and_429(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, method, op in operations(spec):
        if op.get("security"):
            assert {"401", "403", "429"} <= set(op["responses"]), (path, method)
        if "{" in path:
            assert "404" in op["responses"], (path, method)
    assert "Retry-After" in spec["paths"]["/api/v1/checks"]["post"]["responses"]["429"]["headers"]


def test_statuses_the_check_endpoints_answer_are_listed(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    poll = paths["/api/v1/checks/{job_id}"]["get"]["responses"]
    assert {"200", "202", "401", "403", "404", "422", "429"} <= set(poll)
    create = paths["/api/v1/checks"]["post"]["responses"]
    assert {"200", "202", "400", "413", "415", "422"} <= set(create)
    assert "415" in paths["/api/v1/banks/{bank}/match"]["post"]["responses"]


def test_a_422_body_matches_what_the_document_says(client: TestClient) -> None:
    answer = client.get("/api/v1/report?format=pdf", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401 and set(answer.json()) == {"error"}
    invalid = client.post("/api/v1/checks", headers={"Authorization": "Bearer x"})
    assert set(invalid.json()["error"]) == {"code", "message"}
