"""What handlers share: the app's state, API-key authentication with scopes, and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.templating import Jinja2Templates

from synthscope.config import Settings
from synthscope.service.errors import ApiError
from synthscope.service.jobs import JobRunner
from synthscope.service.keys import ApiKey, KeyCache
from synthscope.service.ratelimit import RateLimiter, retry_after
from synthscope.service.reports import ReportCache
from synthscope.store import Store

if TYPE_CHECKING:
    from synthscope.check.hashes.matchers import Matchers

_bearer_help = "An API key from `synthscope apikey create`."


@dataclass(slots=True)
class Services:
    """Everything a request handler may need, built once by the app factory."""

    settings: Settings
    store: Store
    jobs: JobRunner
    key_limits: RateLimiter
    page_limits: RateLimiter
    templates: Jinja2Templates
    reports: ReportCache
    keys: KeyCache
    matchers: Matchers


async def services(request: Request) -> Services:
    """The app's :class:`Services` (a FastAPI dependency; async so it needs no worker thread)."""
    found: Services = request.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]


class KeyAuth(HTTPBearer):
    """A dependency that admits a valid, unrevoked key with ``scope`` (None: any scope) and
    within its rate limit.

    One dependency reading the request itself, instead of the bearer scheme and the services as
    dependencies of their own: FastAPI resolves each dependency per request, which cost a tenth
    of a bank match. Being an ``HTTPBearer``, it still describes the scheme in the OpenAPI text.
    """

    def __init__(self, scope: str | None) -> None:
        super().__init__(auto_error=False, scheme_name="HTTPBearer", description=_bearer_help)
        self.scope = scope

    async def __call__(self, request: Request) -> ApiKey:  # type: ignore[override]
        # Async: the key is nearly always in the cache, and a worker thread per request would
        # cost more than the rare database read blocks the loop.
        return authorize(
            request.app.state.services, request.headers.get("authorization", ""), self.scope
        )


def authorize(svc: Services, authorization: str, scope: str | None) -> ApiKey:
    """The key in an ``Authorization`` header value, if valid, unrevoked, allowed ``scope``
    (None: any) and within its rate limit.

    Raises:
        ApiError: 401 without a valid key, 403 without the scope, 429 over the limit.
        StorageError: the store cannot be read or written.
    """
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "An API key is required: send 'Authorization: Bearer KEY'.")
    key = svc.keys.authenticate(secret.strip())
    if key is None:
        raise ApiError(401, "The API key is unknown or revoked.")
    if scope is not None and not key.allows(scope):
        raise ApiError(403, f"The API key {key.name!r} lacks the scope {scope!r}.")
    limit(svc.key_limits, f"key:{key.id}")
    return key


def require(scope: str | None) -> KeyAuth:
    """The dependency admitting keys with ``scope`` (see :class:`KeyAuth`)."""
    return KeyAuth(scope)


def limit(limiter: RateLimiter, caller: str) -> None:
    """Count one request for ``caller``.

    Raises:
        ApiError: 429 with Retry-After when the caller is over its limit.
    """
    wait = limiter.acquire(caller)
    if wait > 0:
        raise ApiError(
            429,
            f"Too many requests: the limit is {limiter.per_minute} a minute.",
            headers={"Retry-After": retry_after(wait)},
            zh=f"请求过多：上限为每分钟 {limiter.per_minute} 次。",
        )


CheckKey = Annotated[ApiKey, Depends(require("check"))]
AdminKey = Annotated[ApiKey, Depends(require("admin"))]
AnyKey = Annotated[ApiKey, Depends(require(None))]
BankReadKey = Annotated[ApiKey, Depends(require("bank:read"))]
BankWriteKey = Annotated[ApiKey, Depends(require("bank:write"))]
