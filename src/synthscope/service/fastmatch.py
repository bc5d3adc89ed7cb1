"""The hot path of platform sync: JSON bank matches answered below the framework.

``POST /api/v1/banks/{bank}/match`` with a JSON body is most of a syncing platform's traffic, and
its match takes a third of a millisecond; FastAPI's routing, dependency resolution and exception
middleware around it cost about as much again. This plain ASGI middleware answers those requests
itself, with the same checks in the same order as the route (key, scope and rate limit through
:func:`.deps.authorize`, then :func:`.banks.match_json`) and the same answers and error shapes.
Everything else, multipart matches included, goes on to the app; the route stays, and documents
the endpoint in the OpenAPI text.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from synthscope.errors import SynthscopeError
from synthscope.service.banks import match_json
from synthscope.service.deps import Services, authorize
from synthscope.service.errors import ApiError, error_body, from_library
from synthscope.service.uploads import too_large

PREFIX, SUFFIX = "/api/v1/banks/", "/match"


class FastMatch:
    """Answers JSON ``POST /api/v1/banks/{bank}/match``; passes every other request on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path: str = scope["path"]
            bank = path[len(PREFIX) : -len(SUFFIX)]
            if path.startswith(PREFIX) and path.endswith(SUFFIX) and bank and "/" not in bank:
                headers = dict(scope["headers"])
                if headers.get(b"content-type", b"").startswith(b"application/json"):
                    await _answer(scope, receive, send, bank, headers)
                    return
        await self.app(scope, receive, send)


async def _answer(
    scope: Scope, receive: Receive, send: Send, bank: str, headers: dict[bytes, bytes]
) -> None:
    svc: Services = scope["app"].state.services
    extra: dict[str, str] = {}
    try:
        authorize(svc, headers.get(b"authorization", b"").decode("latin-1"), "bank:read")
        body = await _body(receive, svc.settings.service_max_upload_bytes)
        if body is None:
            return  # the client went away
        status, answer = 200, match_json(svc, bank, body)
    except ApiError as exc:
        status, answer = exc.status, orjson.dumps(error_body(exc.code, exc.message))
        extra = exc.headers or {}
    except SynthscopeError as exc:
        err = from_library(exc)
        status, answer = err.status, orjson.dumps(error_body(err.code, err.message))
    start = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(answer)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in extra.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": answer})


async def _body(receive: Receive, limit: int) -> bytes | None:
    """The request body (None when the client disconnected).

    Raises:
        ApiError: 413 over ``limit`` bytes (the upload limit: a vPDQ hash of a long video is
            the largest body, about a megabyte for four hours).
    """
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
