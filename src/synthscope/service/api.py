"""The platform API under ``/api/v1``: health, checks, observe runs and the trends report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from synthscope.service import checks, reports
from synthscope.service.deps import AdminKey, AnyKey, CheckKey, Services, Svc
from synthscope.service.errors import ApiError
from synthscope.service.keys import ApiKey
from synthscope.service.pages import start_check_job
from synthscope.service.uploads import discard, safe_name, save_upload

router = APIRouter(prefix="/api/v1")
Lang = Annotated[str, Query(pattern="^(en|zh)$", description="Language of reasons: en or zh.")]
IMPORT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".xlsx", ".md")


class Health(BaseModel):
    status: str = "ok"


class JobAnswer(BaseModel):
    """A check or observe run: ``result`` when done, ``error`` when failed."""

    id: str
    status: str = Field(description="queued, running, done, failed or interrupted")
    progress: float | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class CollectRequest(BaseModel):
    """A live collection: a source and what to search, as `observe collect` takes them."""

    source: str = Field(description="arxiv, github, youtube or tiktok")
    terms: list[str] = Field(default_factory=list)
    keywords: str | None = None
    since: date | None = None
    until: date | None = None


@router.get("/health", response_model=Health, tags=["service"])
def health() -> Health:
    """Whether the service is up."""
    return Health()


@router.post(
    "/checks",
    response_model=JobAnswer,
    response_model_exclude_none=True,
    tags=["checks"],
    responses={202: {"model": JobAnswer}, 400: {}, 413: {}, 415: {}},
)
async def create_check(
    file: Annotated[
        UploadFile,
        File(
            description="The file to check: any type `synthscope check` reads (images, video, "
            "audio, text, PDF, Office documents); content of unknown type is refused with 415."
        ),
    ],
    request: Request,
    key: CheckKey,
    svc: Svc,
    lang: Lang = "en",
    keep: Annotated[bool, Form(description="Keep the file after checking (default: no).")] = False,
    detector: Annotated[
        list[str] | None,
        Form(
            description="Run these detectors instead of the default set (repeat the field), "
            "e.g. cnn-image, face-blend or cqcc-gmm; unknown names are refused with 400."
        ),
    ] = None,
) -> JSONResponse:
    """Check a file: 200 with the `synthscope.check/1` result when done within a moment,
    else 202; then poll `GET /api/v1/checks/{id}`."""
    sent = len((await request.form()).getlist("file"))
    if sent > 1:
        raise ApiError(422, f"Send one file in the field file, not {sent}.")
    names = checks.known_detectors(detector)
    path = await save_upload(file, svc.settings)
    name = safe_name(file.filename or "upload")
    job_id = start_check_job(svc, path, name, keep, key.id, detectors=names)
    if svc.settings.service_sync_wait_s <= 0:  # configured to answer every check later
        return JSONResponse({"id": job_id, "status": "queued"}, status_code=202)
    await svc.jobs.wait(job_id, svc.settings.service_sync_wait_s)
    return _job_answer(_job(svc, job_id, "check", key), lang)


@router.get(
    "/checks/{job_id}",
    response_model=JobAnswer,
    tags=["checks"],
    responses={202: {"model": JobAnswer, "description": "Still queued or running."}},
)
def get_check(
    job_id: str,
    key: CheckKey,
    svc: Svc,
    lang: Lang = "en",
) -> JSONResponse:
    """The state of a check: 202 while queued or running, 200 with its result once done (or
    with its error once failed or interrupted)."""
    return _job_answer(_job(svc, job_id, "check", key), lang)


def _job(svc: Services, job_id: str, kind: str, key: ApiKey) -> dict[str, Any]:
    """The job, if it is of ``kind`` and ``key`` started it (or is an admin key)."""
    job = svc.jobs.get(job_id) if len(job_id) <= 64 else None
    if job is None or job["kind"] != kind:
        raise ApiError(404, f"No {kind} job {job_id!r}.")
    if job["key_id"] != key.id and not key.allows("admin"):
        raise ApiError(404, f"No {kind} job {job_id!r}.")
    return job


def _job_answer(job: dict[str, Any], lang: str) -> JSONResponse:
    body: dict[str, Any] = {"id": job["id"], "status": job["status"]}
    if job["status"] in ("queued", "running"):
        return JSONResponse(body | {"progress": job["progress"]}, status_code=202)
    if job["status"] == "done":
        result = checks.result_in(job["result"], lang) if job["kind"] == "check" else job["result"]
        body["result"] = result
    elif job["error"]:
        body["error"] = job["error"]
    return JSONResponse(body)


@router.get("/keys", tags=["keys"])
def list_api_keys(_key: AdminKey, svc: Svc) -> list[dict[str, Any]]:
    """Every API key: id, name, prefix, scopes, created_at and revoked_at (never the secret)."""
    from synthscope.service.keys import list_keys

    return [_iso(k) for k in list_keys(svc.store)]


@router.delete("/keys/{name}", tags=["keys"])
def revoke_api_key(name: str, _key: AdminKey, svc: Svc) -> dict[str, Any]:
    """Revoke a key by name; other worker processes refuse it within 10 seconds."""
    from synthscope.errors import UsageError
    from synthscope.service.keys import revoke_key

    try:
        revoked = revoke_key(svc.store, name)
    except UsageError as exc:
        raise ApiError(404, str(exc)) from exc
    svc.keys.forget()
    return {"name": name, "revoked": True, "already": not revoked}


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}


@router.post(
    "/observe/imports",
    response_model=JobAnswer,
    status_code=202,
    tags=["observe"],
    responses={413: {}, 415: {}},
)
async def start_import(
    file: Annotated[UploadFile, File(description="CSV, TSV, JSONL, JSON, XLSX or Markdown.")],
    key: AdminKey,
    svc: Svc,
    platform: Annotated[str | None, Form()] = None,
    kind: Annotated[str | None, Form(description="video, post, paper or repo")] = None,
) -> JSONResponse:
    """Start importing an export file into the store in the background (`observe import`)."""
    from synthscope.service.observe import import_work

    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ApiError(415, f"An import file ends in one of {', '.join(IMPORT_SUFFIXES)}.")
    name = safe_name(file.filename or "")
    path = await save_upload(file, svc.settings, suffix)
    try:
        work = import_work(svc.settings, svc.store, path, name, platform, kind)
    except Exception:
        discard(path)
        raise
    params = {"action": "import", "file": name, "platform": platform}
    job_id = svc.jobs.submit("observe", work, params=params, key_id=key.id)
    return JSONResponse({"id": job_id, "status": "queued"}, status_code=202)


@router.post(
    "/observe/collects",
    response_model=JobAnswer,
    status_code=202,
    tags=["observe"],
    responses={400: {}},
)
def start_collect(
    body: CollectRequest,
    key: AdminKey,
    svc: Svc,
) -> JSONResponse:
    """Start a live collection in the background (`observe collect`); sources are reached only
    at their configured base URLs, never at one given in the request."""
    from synthscope.service.observe import collect_work

    work = collect_work(svc.settings, svc.store, body)
    params = {"action": "collect", "source": body.source, "terms": body.terms}
    job_id = svc.jobs.submit("observe", work, params=params, key_id=key.id)
    return JSONResponse({"id": job_id, "status": "queued"}, status_code=202)


@router.get(
    "/observe/runs/{job_id}",
    response_model=JobAnswer,
    tags=["observe"],
    responses={202: {"model": JobAnswer, "description": "Still queued or running."}},
)
def get_observe_run(job_id: str, key: AdminKey, svc: Svc) -> JSONResponse:
    """The state of an import or collection started through the API (its run summary when done)."""
    return _job_answer(_job(svc, job_id, "observe", key), "en")


@router.get("/observe/runs", tags=["observe"])
def list_observe_runs(
    key: AdminKey,
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict[str, Any]]:
    """The newest runs recorded in the store (any origin: CLI or API)."""
    from synthscope.store.runs import list_runs

    with svc.store.reading("listing runs") as conn:
        rows = list_runs(conn, limit)
    keep = ("id", "source", "query", "status", "started_at", "finished_at", "counts", "message")
    return [{k: r.get(k) for k in keep} for r in rows]


@router.get(
    "/report",
    tags=["observe"],
    responses={200: {"content": {"text/html": {}, "text/markdown": {}}}, 400: {}},
)
def download_report(
    _key: AnyKey,
    svc: Svc,
    fmt: Annotated[str, Query(alias="format", pattern="^(json|html|md)$")] = "json",
    lang: Lang = "en",
    year_from: Annotated[int | None, Query(alias="from")] = None,
    year_to: Annotated[int | None, Query(alias="to")] = None,
    platform: Annotated[list[str] | None, Query()] = None,
    region: Annotated[list[str] | None, Query()] = None,
    modality: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The trends report (`synthscope.report/1` JSON, HTML or Markdown), optionally filtered."""
    params = {"from": str(year_from or ""), "to": str(year_to or "")}
    filters = reports.parse_filters(
        params, {"platform": platform or [], "region": region or [], "modality": modality or []}
    )
    reports.check_range(svc.store, filters)
    media_type, text = reports.render(svc.reports.get(filters, lang), fmt, lang)
    return Response(text, media_type=media_type)
