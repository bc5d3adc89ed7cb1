"""API errors: one JSON shape, ``{"error": {"code", "message"}}``, with the statuses of CONTRACTS.

Library errors are mapped here, at the boundary, so a handler never builds an error response itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from synthscope.errors import InputError, SourceError, StorageError, SynthscopeError, UsageError

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    502: "peer_unreachable",
    503: "storage_unavailable",
}
# Most specific class first: InputError before SynthscopeError.
_STATUS_OF: tuple[tuple[type[SynthscopeError], int], ...] = (
    (UsageError, 400),
    (InputError, 422),
    (SourceError, 502),
    (StorageError, 503),
)


class ApiError(Exception):
    """An error answer: HTTP ``status``, a stable ``code`` and a one-sentence ``message``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.headers = headers


def error_body(code: str, message: str) -> dict[str, Any]:
    """The JSON body of every error answer."""
    return {"error": {"code": code, "message": message}}


def from_library(exc: SynthscopeError, lang: str = "en") -> ApiError:
    """The API error for a library error (its class picks the status)."""
    status = next((s for cls, s in _STATUS_OF if isinstance(exc, cls)), 500)
    return ApiError(status, exc.localized(lang))


def _respond(err: ApiError) -> JSONResponse:
    return JSONResponse(error_body(err.code, err.message), err.status, headers=err.headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _respond(exc)


async def _library_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SynthscopeError)
    return _respond(from_library(exc))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return _respond(ApiError(exc.status_code, str(exc.detail), headers=headers))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return _respond(ApiError(422, f"Invalid request at {where}: {first.get('msg', 'invalid')}."))


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the JSON error shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(SynthscopeError, _library_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
