"""API errors: one JSON shape, ``{"error": {"code", "message"}}``, with the statuses of CONTRACTS.

Library errors are mapped here, at the boundary, so a handler never builds an error response itself.
The public pages answer the same errors as HTML pages in the reader's language: :func:`install`
takes the page renderer, and picks it for every path outside the API (:func:`wants_json`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import Response

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
_WHERE = {"query": "query parameter", "path": "path parameter", "header": "header"}
_CHOICES = re.compile(r"^\^\(([\w|-]+)\)\$$")
PageRenderer = Callable[[Request, "ApiError"], Response]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable code: " + ", ".join(sorted(set(_CODES.values()))))
    message: str = Field(description="One sentence for a person, in English.")


class ErrorBody(BaseModel):
    """The body of every error answer of the API."""

    error: ErrorDetail


class ApiError(Exception):
    """An error answer: HTTP ``status``, a stable ``code`` and a one-sentence ``message``
    (``zh``: the same sentence in Chinese, for the pages)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        zh: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.headers = headers
        self.zh = zh

    def localized(self, lang: str) -> str:
        """The message in ``lang`` (English when there is no translation)."""
        return self.zh if lang == "zh" and self.zh else self.message


def error_body(code: str, message: str) -> dict[str, Any]:
    """The JSON body of every error answer."""
    return {"error": {"code": code, "message": message}}


def status_of(exc: SynthscopeError) -> int:
    """The HTTP status for a library error (its class picks it)."""
    return next((s for cls, s in _STATUS_OF if isinstance(exc, cls)), 500)


def from_library(
    exc: SynthscopeError, status: int | None = None, names: Mapping[str, str] | None = None
) -> ApiError:
    """The API error for a library error: its class picks the status unless ``status`` is given;
    ``names`` replaces text in the message (see :func:`renamed`)."""
    exc = renamed(exc, names or {})
    return ApiError(status or status_of(exc), str(exc), zh=exc.localized("zh"))


def renamed(exc: SynthscopeError, names: Mapping[str, str]) -> SynthscopeError:
    """``exc`` with each key of ``names`` in its message replaced by the value: the server's
    paths by the names the client knows, CLI options by the API's parameters."""
    if not names:
        return exc
    en, zh = str(exc), exc.zh
    for old, new in names.items():
        en, zh = en.replace(old, new), zh.replace(old, new) if zh else zh
    if en.startswith("the "):  # a path that began the sentence, now "the request body"
        en = "The" + en[3:]
    found = copy.copy(exc)
    found.args, found.zh = (en,), zh
    return found


def plain_validation_message(error: Mapping[str, Any]) -> str:
    """One plain sentence for a request validation error (never a pydantic internal)."""
    loc = [str(p) for p in error.get("loc", ())]
    where, name = (loc[0], ".".join(loc[1:])) if loc else ("body", "")
    kind, noun = str(error.get("type", "")), _WHERE.get(where, "field")
    msg = str(error.get("msg", "is invalid")).removeprefix("Value error, ").rstrip(".")
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if not name:
        return f"The request body is invalid: {_lower_first(msg)}."
    if kind == "missing":
        return f"The {noun} {name} is required."
    if "UploadFile" in msg:
        return f"The field {name} must be a file upload."
    choices = _CHOICES.match(str((error.get("ctx") or {}).get("pattern", "")))
    if kind == "string_pattern_mismatch" and choices:
        return f"The {noun} {name} must be {' or '.join(choices.group(1).split('|'))}."
    return f"The {noun} {name} is invalid: {_lower_first(msg)}."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _http(request: Request, exc: Exception) -> ApiError:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 404:
        return ApiError(
            404, f"There is nothing at {request.url.path}.", headers=headers, zh="此地址没有内容。"
        )
    if exc.status_code == 405:
        return ApiError(
            405,
            f"{request.method} is not allowed at {request.url.path}.",
            headers=headers,
            zh=f"此地址不接受 {request.method} 请求。",
        )
    return ApiError(exc.status_code, str(exc.detail), headers=headers)


def wants_json(path: str) -> bool:
    """Whether errors at ``path`` are answered as JSON: the API, its description and the
    status endpoint the result page polls; every other path is a page."""
    if path.startswith("/check/") and path.endswith("/status"):
        return True
    return path.startswith("/api/") or path == "/openapi.json"


def install(app: FastAPI, page: PageRenderer | None = None) -> None:
    """Register the handlers that turn every error into the JSON error shape, or into an HTML
    page rendered by ``page`` outside the API."""

    def answer(
        convert: Callable[[Request, Exception], ApiError],
    ) -> Callable[[Request, Exception], Awaitable[Response]]:
        async def handle(request: Request, exc: Exception) -> Response:
            err = convert(request, exc)
            if page is not None and not wants_json(request.url.path):
                return page(request, err)
            return JSONResponse(error_body(err.code, err.message), err.status, headers=err.headers)

        return handle

    converters: dict[type[Exception], Callable[[Request, Exception], ApiError]] = {
        ApiError: _api,
        SynthscopeError: _library,
        HTTPException: _http,
        RequestValidationError: _validation,
    }
    for cls, convert in converters.items():
        app.add_exception_handler(cls, answer(convert))


def _api(_request: Request, exc: Exception) -> ApiError:
    assert isinstance(exc, ApiError)
    return exc


def _library(_request: Request, exc: Exception) -> ApiError:
    assert isinstance(exc, SynthscopeError)
    return from_library(exc)


def _validation(_request: Request, exc: Exception) -> ApiError:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    message = plain_validation_message(errors[0] if errors else {})
    return ApiError(422, message, zh=f"请求无效：{message}")
