"""The public pages: check a file, see its result, the trends dashboard. No key needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from synthscope.check.bank_evidence import BankEvidence
from synthscope.errors import SynthscopeError
from synthscope.service import checks, reports
from synthscope.service.csrf import set_cookie, token_for, valid
from synthscope.service.deps import Services, Svc, limit
from synthscope.service.errors import ApiError
from synthscope.service.evidence import evidence_svgs
from synthscope.service.i18n import LANG_COOKIE, LANGS, error_title, request_lang, text
from synthscope.service.uploads import discard, safe_name, save_bytes, save_upload

router = APIRouter(include_in_schema=False)
PASTED_NAME = "pasted-text.txt"


def render(
    request: Request,
    svc: Services,
    template: str,
    page: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **ctx: Any,
) -> HTMLResponse:
    """A page in the request's language, with a CSRF token for its forms."""
    lang = request_lang(request, svc.settings.lang)
    token = token_for(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context = {
        "lang": lang,
        "other_lang": "en" if lang == "zh" else "zh",
        "t": lambda key, **fields: text(key, lang, **fields),
        "here": here,
        "page": page,
        "csrf_token": token,
        **ctx,
    }
    response = svc.templates.TemplateResponse(
        request, template, context, status_code=status, headers=headers
    )
    set_cookie(response, token)
    return response


def error_page(request: Request, err: ApiError) -> Response:
    """An error as a page in the reader's language (the app's handler for every non-API path)."""
    svc: Services = request.app.state.services
    lang = request_lang(request, svc.settings.lang)
    title, message = error_title(err.status, lang), err.localized(lang)
    return render(
        request, svc, "error.html", "", err.status, err.headers, title=title, message=message
    )


@router.get("/", response_class=HTMLResponse)
def check_page(request: Request, svc: Svc) -> HTMLResponse:
    return _check_form(request, svc)


def _check_form(
    request: Request, svc: Services, error: ApiError | None = None, status: int = 200
) -> HTMLResponse:
    s = svc.settings
    days = {
        "kept_days": f"{s.service_kept_upload_ttl_s / 86_400:g}",
        "job_days": f"{s.service_job_ttl_s / 86_400:g}",
    }
    max_mb = s.service_max_upload_bytes // 1_000_000
    message = error.localized(request_lang(request, s.lang)) if error else ""
    headers = error.headers if error else None
    return render(
        request, svc, "check.html", "check", status, headers, error=message, max_mb=max_mb, **days
    )


@router.post("/check", response_model=None)
async def submit_check(
    request: Request,
    svc: Svc,
    file: Annotated[UploadFile | None, File()] = None,
    text_: Annotated[str, Form(alias="text")] = "",
    keep: Annotated[str | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not valid(request, csrf_token):
        expired = ApiError(403, text("csrf", "en"), zh=text("csrf", "zh"))
        return _check_form(request, svc, expired, 403)
    try:
        limit(svc.page_limits, f"ip:{request.client.host if request.client else '-'}")
        job_id = await _start_check(svc, file, text_, keep is not None)
    except ApiError as exc:
        return _check_form(request, svc, exc, exc.status)
    return RedirectResponse(f"/check/{job_id}", status_code=303)


async def _start_check(svc: Services, file: UploadFile | None, pasted: str, keep: bool) -> str:
    if file is not None and file.filename:
        path, name = await save_upload(file, svc.settings), safe_name(file.filename)
    else:
        path, name = save_bytes(pasted.strip().encode(), svc.settings), PASTED_NAME
    return start_check_job(svc, path, name, keep, key_id=None)


def start_check_job(
    svc: Services,
    path: Path,
    name: str,
    keep: bool,
    key_id: int | None,
    detectors: tuple[str, ...] | None = None,
) -> str:
    """Queue the check of an uploaded file (refused with 415 when its content's type is
    unknown); ``detectors`` names the detectors to run instead of the default set.

    Raises:
        ApiError: 415 for content of no known type.
    """
    try:
        checks.refuse_unknown_type(path, name)
    except ApiError:
        discard(path)
        raise
    params: dict[str, Any] = {"file": name, "keep": keep}
    if detectors:
        params["detectors"] = list(detectors)
    banks = BankEvidence(svc.store, matchers=svc.matchers)
    work = checks.check_work(svc.settings, path, name, keep, banks, detectors)
    kept = str(path) if keep else None
    return svc.jobs.submit("check", work, params=params, key_id=key_id, kept_file=kept)


@router.get("/check/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request, svc: Svc) -> HTMLResponse:
    job = _check_job(svc, job_id)
    lang = request_lang(request, svc.settings.lang)
    result = checks.result_in(job["result"], lang) or {}
    error = job["error"] or {}
    failure = (error.get("message_zh") if lang == "zh" else None) or error.get("message", "")
    return render(
        request,
        svc,
        "job.html",
        "check",
        job=job,
        result=result,
        failure=failure,
        kept=bool(job["params"].get("keep")),
        evidence_svgs=evidence_svgs,
        raw_json=json.dumps(result, ensure_ascii=False, indent=2),
    )


def _check_job(svc: Services, job_id: str) -> dict[str, Any]:
    job = svc.jobs.get(job_id) if len(job_id) <= 64 else None
    if job is None or job["kind"] != "check":
        raise ApiError(404, text("not_found", "en"), zh=text("not_found", "zh"))
    return job


@router.get("/check/{job_id}/status")
def job_status(job_id: str, svc: Svc) -> JSONResponse:
    job = _check_job(svc, job_id)
    return JSONResponse({"status": job["status"], "progress": job["progress"]})


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str = "/") -> RedirectResponse:
    # Only a local path: an open redirect would let a link here send people anywhere.
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, svc: Svc) -> HTMLResponse:
    from synthscope.observe.report.trends import build_figures

    lang = request_lang(request, svc.settings.lang)
    page: dict[str, Any] = {
        "f": reports.Filters(),
        "query": "",
        "platforms": reports.platforms(svc.store),
        "sections": [],
        "total": reports.count_items(svc.store),
        "shown": None,  # items passing the filters, when any filter is set
        "error": "",
    }
    try:
        filters = _filters(request)
        reports.check_range(svc.store, filters, _LABELS)
        report = svc.reports.get(filters, lang)
    except SynthscopeError as exc:
        page["error"] = exc.localized(lang)
        return render(request, svc, "dashboard.html", "dashboard", 400, **page)
    page["sections"] = [
        (sid, _section_title(sid, lang), figures) for sid, figures in build_figures(report, lang)
    ]
    page |= {"f": filters, "query": filters.query()}
    if filters.narrows():
        page["shown"] = reports.count_items(svc.store, filters)
    return render(request, svc, "dashboard.html", "dashboard", **page)


def _section_title(sid: str, lang: str) -> str:
    from synthscope.observe.report.i18n import t

    return t(f"section.{sid}", lang)


# The dashboard's messages name the filters as its form does.
_LABELS: reports.Labels = {
    name: (text(key, "en"), text(key, "zh"))
    for name, key in (
        ("from", "dash.from"),
        ("to", "dash.to"),
        ("platform", "dash.platform"),
        ("region", "dash.region"),
        ("modality", "dash.modality"),
    )
}


def _filters(request: Request) -> reports.Filters:
    multi = {k: request.query_params.getlist(k) for k in ("platform", "region", "modality")}
    return reports.parse_filters(request.query_params, multi, _LABELS)


@router.get("/dashboard/report.{fmt}")
def dashboard_report(fmt: str, request: Request, svc: Svc) -> Response:
    lang = request_lang(request, svc.settings.lang)
    filters = _filters(request)
    reports.check_range(svc.store, filters, _LABELS)
    report = svc.reports.get(filters, lang)
    media_type, body = reports.render(report, fmt, lang)
    disposition = f'attachment; filename="report.{fmt}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
