"""The application factory: one FastAPI app with the pages, the API, static files and safety.

Safety defaults: no cross-origin access unless origins are configured; a strict Content Security
Policy (every script, style and font comes from the app itself); the interactive API docs are off
because they load their scripts from a CDN (the OpenAPI description stays at /openapi.json).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from synthscope import __version__
from synthscope.check.hashes.matchers import Matchers, index_cache_dir
from synthscope.config import Settings
from synthscope.service import api, banks, errors, openapi, pages
from synthscope.service.deps import Services
from synthscope.service.fastmatch import FastMatch
from synthscope.service.housekeeping import Expiry, Housekeeper
from synthscope.service.jobs import JobRunner
from synthscope.service.keys import KeyCache
from synthscope.service.ratelimit import RateLimiter
from synthscope.service.reports import ReportCache
from synthscope.service.uploads import upload_dir
from synthscope.store import Store

HERE = Path(str(files("synthscope.service")))
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The synthscope web application on ``store`` (default: opened from the settings' URL).

    Raises:
        UsageError: the database URL is malformed or its driver is missing.
        StorageError: the database cannot be reached or migrated.
    """
    store = store or Store.open(settings.database_url)
    svc = _services(settings, store)

    keeper = Housekeeper(
        svc.jobs,
        store,
        Expiry(settings.service_job_ttl_s, settings.service_kept_upload_ttl_s),
        upload_dir(settings),
        beat_s=min(5.0, max(0.5, settings.service_job_lease_s / 6)),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        keeper.start()  # its first sweep fails the jobs of stopped processes
        yield
        keeper.stop()
        svc.jobs.shutdown()

    app = FastAPI(
        title="synthscope",
        version=__version__,
        description="Check content for deep synthesis, share hash banks, read the trends.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = svc
    errors.install(app, page=pages.error_page)
    openapi.install(app)
    _middleware(app, settings)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(banks.router)  # first: bank matches are the busiest route
    app.include_router(api.router)
    app.include_router(pages.router)
    return app


def app_from_env() -> FastAPI:
    """The app with settings from the environment: what each worker process of
    ``synthscope serve --workers N`` builds (uvicorn imports it by name).

    Raises:
        UsageError: a setting is invalid.
        StorageError: the database cannot be reached.
    """
    from synthscope.config import load_settings

    return create_app(load_settings())


def _services(settings: Settings, store: Store) -> Services:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["static"] = lambda name: f"/static/{name}?v={__version__}"
    return Services(
        settings=settings,
        store=store,
        jobs=JobRunner(store, settings.service_workers, settings.service_job_lease_s),
        key_limits=RateLimiter(store, settings.service_rate_limit),
        page_limits=RateLimiter(store, settings.service_public_rate_limit),
        templates=templates,
        reports=ReportCache(store, settings),
        keys=KeyCache(store),
        matchers=Matchers(store, index_cache_dir()),
    )


def _middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(FastMatch)  # innermost: inside CORS and the security headers
    if settings.service_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.service_cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )

    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every answer (plain ASGI: Starlette's BaseHTTPMiddleware
    costs a task group per request, a fifth of a bank match's time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
