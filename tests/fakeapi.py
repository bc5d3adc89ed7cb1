"""A loopback HTTP server that plays a search API for the live-source tests.

It answers with a handler (the offline API logic in ``synthscope.observe.sources._examples`` or a
test's own), enforces a minimum interval between requests the way throttled APIs do (a request
arriving too early is answered 429 and recorded as a violation), and injects faults on demand:
``429`` (with Retry-After), ``500``, ``html`` (an error page with status 200), ``cut`` (half the
body, well-formed HTTP), ``truncated`` (the connection closes before the declared length), and
``empty`` (the handler's empty answer). Real sockets, real HTTP: the sources under test run their
real client code.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)

    def data(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


Handler = Callable[[Request], Reply]


class FakeApi:
    """Serve ``handler`` on 127.0.0.1 (a free port) until the ``with`` block ends."""

    def __init__(
        self,
        handler: Handler,
        *,
        min_interval: float = 0.0,
        empty: Handler | None = None,
        tolerance: float | None = None,
    ) -> None:
        self.handler = handler
        self.min_interval = min_interval
        self.empty = empty
        # Scheduling jitter on a loaded 2-core machine can delay one request's send and not the
        # next; exact pacing is tested with fake clocks, this catches sources that do not pace.
        self.tolerance = 0.9 * min_interval if tolerance is None else tolerance
        self.faults: deque[str] = deque()
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, *faults: str) -> None:
        """Answer the next requests with these faults, one each, in order."""
        self.faults.extend(faults)

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _admit(self, request: Request) -> tuple[Reply | None, str | None]:
        with self._lock:
            previous = self.requests[-1].at if self.requests else None
            self.requests.append(request)
            if previous is not None and request.at - previous < self.min_interval - self.tolerance:
                gap = request.at - previous
                self.violations.append(f"{request.path}: {gap:.3f} s after the previous request")
                return Reply(429, "slow down", {"Retry-After": "1"}), None
            return None, self.faults.popleft() if self.faults else None

    def _answer(self, request: Request) -> tuple[Reply, str | None]:
        refused, fault = self._admit(request)
        if refused is not None:
            return refused, None
        if fault == "429":
            return Reply(429, '{"message": "rate limited"}', {"Retry-After": "0"}), None
        if fault == "500":
            return Reply(500, "internal error"), None
        if fault == "html":
            page = "<!DOCTYPE html><html><body>Service unavailable</body></html>"
            return Reply(200, page, {"Content-Type": "text/html"}), None
        if fault == "empty" and self.empty is not None:
            return self.empty(request), None
        return self.handler(request), fault

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                    time.monotonic(),
                )
                reply, fault = api._answer(request)
                data = reply.data()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if fault == "cut":
                    data = data[: len(data) // 2]
                self.send_header("Content-Length", str(len(data)))
                if fault == "truncated":
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[: len(data) // 2] if fault == "truncated" else data)
                if fault == "truncated":
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return _Handler
