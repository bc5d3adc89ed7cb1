"""The OpenAPI document as the API really answers: every error is ``{"error": {...}}``.

FastAPI describes a 422 with its own ``HTTPValidationError`` (``{"detail": [...]}``), which this
service never sends (see :mod:`.errors`), and it cannot know the statuses that the key check and
the handlers raise. So the generated document is completed once, here: every error status an
operation can answer is listed with the one error schema, and FastAPI's validation schemas go.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from synthscope.service.errors import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "The request cannot be carried out (an unknown detector, source or format, "
    "or a reversed year range).",
    "401": "No API key, or an unknown or revoked one.",
    "403": "The API key lacks the scope this operation needs.",
    "404": "Nothing with this id or name (a job of another key is not found either).",
    "413": "The upload or body is larger than the configured limit.",
    "415": "The content's type is not one this operation accepts.",
    "422": "The request is invalid: a parameter, a form field or the body.",
    "429": "Over the key's rate limit; retry after the seconds in Retry-After.",
}
_KEYED = ("401", "403", "429")


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the completed document (built once)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            found = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(found)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the real error model on every operation (changed in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas["Error"] = body
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            _errors(path, operation)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def _errors(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    statuses = {s for s in responses if s[0] in "45"}
    if operation.get("security"):
        statuses.update(_KEYED)
    if "{" in path:
        statuses.add("404")
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add("422")
    for status in sorted(statuses):
        responses[status] = {
            "description": DESCRIPTIONS.get(status, "An error."),
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status == "429":
            responses[status]["headers"] = {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
            }
