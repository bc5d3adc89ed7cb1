"""Polite HTTP for live sources: one request at a time, a minimum interval, retries with backoff.

Every API source goes through :class:`Fetcher`. It waits so that requests start at least
``interval`` seconds apart (arXiv asks for 3 s; GitHub search allows 30 a minute), retries what is
worth retrying (connection errors, 429, 5xx, an HTML error page or a truncated body where JSON or
XML was expected) with exponential backoff or the server's ``Retry-After``, and finally raises
:class:`SourceError` naming the source and the reason. Credentials never appear in messages: URLs
are reported without their query string's secret parameters and headers are never logged.

The clock and sleep are injectable so tests can check the pacing of a 3-second limit without
waiting for it.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from synthscope.errors import SourceError

log = logging.getLogger(__name__)

Parse = Callable[[httpx.Response], Any]
RateWait = Callable[[httpx.Response], float | None]
# Added to every interval: network jitter must not make two requests arrive closer than allowed.
_GUARD = 0.01
_LAST_START: dict[tuple[str, Callable[[], float]], float] = {}
_SECRET_PARAMS = frozenset({"key", "api_key", "access_token", "token", "client_secret"})


@dataclass(slots=True)
class FetchStats:
    """What a fetcher did so far, for progress bars and run records."""

    requests: int = 0
    retries: int = 0
    waits: int = 0
    waited_s: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "waits": self.waits,
            "waited_s": round(self.waited_s, 3),
        }


class Retryable(Exception):
    """A failed attempt worth repeating; ``after`` is the wait the server asked for."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


@dataclass
class Fetcher:
    """Paced, retrying GETs and POSTs for one source.

    ``interval`` is the minimum time between the starts of two requests; ``attempts`` bounds the
    tries of one request; ``backoff`` is the first retry wait, doubled each time up to
    ``max_backoff``; a ``Retry-After`` longer than ``max_retry_after`` fails at once (the caller
    keeps what it has and can resume later) rather than hanging for an hour.
    """

    source: str
    client: httpx.Client
    interval: float = 0.0
    attempts: int = 5
    backoff: float = 2.0
    max_backoff: float = 120.0
    max_retry_after: float = 900.0
    rate_wait: RateWait | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    stats: FetchStats = field(default_factory=FetchStats)

    def get(
        self,
        url: str,
        parse: Parse,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (),
    ) -> Any:
        """GET ``url`` and return ``parse(response)``.

        ``parse`` raises :class:`Retryable` for a body worth fetching again (truncated, an error
        page) and :class:`SourceError` for one that will never work. Client-error statuses in
        ``accept`` (e.g. 404 for a deleted repository) go to ``parse`` instead of failing.

        Raises:
            SourceError: the source could not be reached or kept failing after every attempt.
        """
        return self._call("GET", url, parse, accept, params=params, headers=headers)

    def post(
        self,
        url: str,
        parse: Parse,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
    ) -> Any:
        """POST ``json`` (or the form ``data``) to ``url``; like :meth:`get`.

        Raises:
            SourceError: as :meth:`get`.
        """
        return self._call(
            "POST", url, parse, (), params=params, headers=headers, json=json, data=data
        )

    def _call(
        self, method: str, url: str, parse: Parse, accept: Collection[int], **kwargs: Any
    ) -> Any:
        shown = redact(str(httpx.URL(url, params=kwargs.get("params") or None)))
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait_for,
            retry=retry_if_exception_type(Retryable),
            sleep=self._sleep_between_tries,
            reraise=True,
        )
        try:
            return retrying(self._once, method, url, parse, accept, kwargs)
        except Retryable as exc:
            raise SourceError(
                f"{self.source}: {shown} kept failing after {self.attempts} attempts: {exc}.",
                zh=f"{self.source}：{shown} 重试 {self.attempts} 次后仍然失败：{exc}。",
            ) from exc

    def _once(
        self,
        method: str,
        url: str,
        parse: Parse,
        accept: Collection[int],
        kwargs: dict[str, Any],
    ) -> Any:
        self._pace()
        self.stats.requests += 1
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise Retryable(f"connection failed ({type(exc).__name__}: {exc})") from exc
        finally:
            self._paced_from_now()
        if response.status_code not in accept:
            self._check_status(response)
        return parse(response)

    def _pace(self) -> None:
        # Shared by every fetcher of this source in the process (keyed with the clock so tests'
        # fake clocks stay apart), and a process's first request waits one interval too: a run
        # restarted right after another (or after kill -9) must not burst either.
        key = (self.source, self.clock)
        now = self.clock()
        last = _LAST_START.get(key, now)
        gap = last + self.interval + _GUARD - now if self.interval > 0 else 0.0
        if gap > 0:
            self._wait(gap)
            now = self.clock()
        _LAST_START[key] = now

    def _paced_from_now(self) -> None:
        """Count the next interval from when this request came back, not from when it left: a
        request that reached the server late (a slow connection, a busy machine) would
        otherwise let the next one arrive right behind it (a test server saw two GitHub
        searches 3 ms apart with a 50 ms interval). The server then always sees at least the
        interval between two arrivals."""
        key = (self.source, self.clock)
        _LAST_START[key] = max(_LAST_START.get(key, 0.0), self.clock())

    def _wait(self, seconds: float) -> None:
        self.stats.waits += 1
        self.stats.waited_s += seconds
        self.sleep(seconds)

    def _check_status(self, response: httpx.Response) -> None:
        asked = self.rate_wait(response) if self.rate_wait else None
        if asked is not None:
            raise Retryable(f"rate limited (HTTP {response.status_code})", asked)
        status = response.status_code
        if status == 429:
            raise Retryable("HTTP 429 Too Many Requests", retry_after(response))
        if status >= 500:
            raise Retryable(f"HTTP {status}", retry_after(response))
        if status >= 400:
            raise SourceError(
                f"{self.source}: {redact(str(response.request.url))} answered HTTP {status}: "
                f"{_snippet(response)}",
                zh=f"{self.source}：{redact(str(response.request.url))} 返回 HTTP {status}："
                f"{_snippet(response)}",
            )

    def _wait_for(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = exc.after if isinstance(exc, Retryable) else None
        if after is not None:
            if after > self.max_retry_after:
                raise SourceError(
                    f"{self.source}: the server asks to wait {after:.0f} s, longer than the "
                    f"{self.max_retry_after:.0f} s allowed; run the same command again later "
                    "to resume.",
                    zh=f"{self.source}：服务器要求等待 {after:.0f} 秒，超过允许的 "
                    f"{self.max_retry_after:.0f} 秒；请稍后重新运行同一命令以继续。",
                )
            return after
        return float(min(self.backoff * 2 ** (state.attempt_number - 1), self.max_backoff))

    def _sleep_between_tries(self, seconds: float) -> None:
        self.stats.retries += 1
        if seconds > 0:
            self._wait(seconds)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks to wait (``Retry-After`` as seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def redact(url: str) -> str:
    """``url`` with secret query parameters (API keys, tokens) replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [
        (k, "***" if k.lower() in _SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe=':/[]"*')))


def looks_like_html(response: httpx.Response) -> bool:
    """An HTML page where an API answer was expected (a proxy's or CDN's error page)."""
    kind = response.headers.get("content-type", "")
    head = response.content[:200].lstrip().lower()
    return "text/html" in kind or head.startswith((b"<!doctype html", b"<html"))


def _snippet(response: httpx.Response, limit: int = 160) -> str:
    text = " ".join(response.text.split())
    return text[:limit] + ("..." if len(text) > limit else "")
