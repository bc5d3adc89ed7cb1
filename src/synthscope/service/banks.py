"""Hash banks over HTTP: create, add, remove, match, export deltas, import, audit.

Two synthscope instances sync a bank by one calling ``GET /export?since=CHECKPOINT`` on the other
and posting the signed document to its own ``/import``; the checkpoint in each export is where the
next delta starts. Every change is written to the audit log with the key that made it.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from synthscope.check.hashes import banks as bank_lib
from synthscope.check.hashes.matchers import Matchers
from synthscope.config import default_data_dir
from synthscope.service import audit
from synthscope.service.deps import AdminKey, BankReadKey, BankWriteKey, Services, Svc
from synthscope.service.errors import ApiError
from synthscope.service.pages import safe_name
from synthscope.service.uploads import discard, save_bytes, save_upload, upload_dir

router = APIRouter(prefix="/api/v1/banks", tags=["banks"])
MAX_FILES = 20


class NewBank(BaseModel):
    name: str = Field(description="1-128 characters, no spaces")
    description: str | None = None


class SignalIn(BaseModel):
    signal_type: str = Field(description="pdq, vpdq or audio")
    value: str


class NewSignals(BaseModel):
    signals: list[SignalIn]


class Removal(BaseModel):
    signal_ids: list[str]
    reason: str


def _body(*kinds: str) -> dict[str, Any]:
    """OpenAPI text for a body these handlers read themselves (JSON or multipart)."""
    schemas = {
        "json-signal": ("application/json", SignalIn.model_json_schema()),
        "json-signals": ("application/json", NewSignals.model_json_schema()),
        "json-exchange": ("application/json", {"type": "object"}),
        "files": (
            "multipart/form-data",
            {
                "type": "object",
                "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}}
                },
            },
        ),
    }
    content = {schemas[k][0]: {"schema": schemas[k][1]} for k in kinds}
    return {"requestBody": {"required": True, "content": content}}


def _exists(svc: Services, bank: str) -> dict[str, Any]:
    found = [b for b in bank_lib.list_banks(svc.store) if b["name"] == bank]
    if not found:
        raise ApiError(404, f"No bank named {bank!r}.")
    return found[0]


@router.get("")
def list_banks(_key: BankReadKey, svc: Svc) -> list[dict[str, Any]]:
    """Every bank with its signal counts and checkpoint."""
    return bank_lib.list_banks(svc.store)


@router.post("", status_code=201)
def create_bank(body: NewBank, key: BankWriteKey, svc: Svc) -> dict[str, Any]:
    """Create a bank (again with the same name: updates its description)."""
    created = bank_lib.create_bank(svc.store, body.name, body.description, owner=key.name)
    audit.record(svc.store, key.name, "create", body.name, {"created": created})
    return {"name": body.name, "created": created}


@router.get("/{bank}")
def get_bank(bank: str, _key: BankReadKey, svc: Svc) -> dict[str, Any]:
    """One bank: its description, counts and current checkpoint."""
    return _exists(svc, bank)


@router.post("/{bank}/signals", openapi_extra=_body("json-signals", "files"))
async def add_signals(bank: str, request: Request, key: BankWriteKey, svc: Svc) -> dict[str, Any]:
    """Add signals: multipart ``file`` fields (hashed here) or JSON ``{"signals": [...]}``."""
    _exists(svc, bank)
    if request.headers.get("content-type", "").startswith("application/json"):
        body = NewSignals.model_validate(await request.json())
        lines = "".join(f"{s.signal_type} {s.value}\n" for s in body.signals).encode()
        path = save_bytes(lines, svc.settings)
        try:
            report, _bad = bank_lib.add_signal_file(svc.store, bank, path, added_by=key.name)
        finally:
            discard(path)
    else:
        report = await _add_files(svc, bank, request, key.name)
    result = report.to_dict()
    svc.matchers.changed(bank)
    audit.record(svc.store, key.name, "add", bank, _counts(result))
    return result


async def _add_files(svc: Services, bank: str, request: Request, actor: str) -> Any:
    form = await request.form()
    uploads = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
    if not uploads or len(uploads) > MAX_FILES:
        raise ApiError(400, f"Send 1-{MAX_FILES} multipart 'file' fields or JSON signals.")
    paths = [await _named_copy(svc, u) for u in uploads]
    try:
        return bank_lib.add_files(svc.store, bank, paths, added_by=actor)
    finally:
        for path in paths:
            discard(path)


async def _named_copy(svc: Services, upload: UploadFile) -> Path:
    """The upload saved under a random folder name, keeping its (safe) file name for reports."""
    path = await save_upload(upload, svc.settings)
    folder = upload_dir(svc.settings) / secrets.token_hex(8)
    folder.mkdir(mode=0o700)
    named = folder / safe_name(upload.filename or "upload")
    os.replace(path, named)
    return named


def _counts(result: dict[str, Any]) -> dict[str, Any]:
    keep = ("new", "unchanged", "restored", "signal_ids")
    return {k: result[k] for k in keep if k in result}


@router.post("/{bank}/remove")
def remove_signals(bank: str, body: Removal, key: BankWriteKey, svc: Svc) -> dict[str, Any]:
    """Remove signals by id, with a reason (kept in the bank and in the audit log)."""
    _exists(svc, bank)
    removed = bank_lib.remove_signals(svc.store, bank, body.signal_ids, body.reason)
    detail = {"signal_ids": body.signal_ids, "reason": body.reason, "removed": removed}
    svc.matchers.changed(bank)
    audit.record(svc.store, key.name, "remove", bank, detail)
    return {"removed": removed}


@router.post("/{bank}/match", openapi_extra=_body("json-signal", "files"), response_model=None)
async def match(
    bank: str, request: Request, _key: BankReadKey, svc: Svc
) -> dict[str, Any] | Response:
    """Match a file (multipart ``file``) or a hash (JSON ``{"signal_type", "value"}``)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        # Normally answered before routing (service.fastmatch); this is the same answer.
        return Response(match_json(svc, bank, await request.body()), media_type="application/json")
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "Send a multipart 'file' field or JSON {signal_type, value}.")
    path = await _named_copy(svc, upload)
    try:
        found: dict[str, Any] = _matcher(svc, bank).get(bank).match_file(path)
    finally:
        discard(path)
    return found | {"file": safe_name(upload.filename or "upload")}


def match_json(svc: Services, bank: str, body: bytes) -> bytes:
    """The JSON answer ``{"hash_matches": [...]}`` to a JSON match body: plain data encoded
    directly (no response-model pass), as this is the hot path of platform sync.

    Raises:
        ApiError: 422 for a malformed body.
        UsageError: no such bank or signal type.
        InputError: the value is not valid for its type.
    """
    signal_type, value = _signal_in(body)
    matches = _matcher(svc, bank).match_value(bank, signal_type, value)
    return orjson.dumps({"hash_matches": matches})


def _signal_in(body: bytes) -> tuple[str, str]:
    """``(signal_type, value)`` of a JSON match body, read without a model pass (the hot path).

    Raises:
        ApiError: 422 when the body is not JSON or lacks a string ``signal_type`` or ``value``.
    """
    try:
        found = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(422, f"The body is not JSON: {exc}.") from exc
    if isinstance(found, dict):
        signal_type, value = found.get("signal_type"), found.get("value")
        if isinstance(signal_type, str) and isinstance(value, str):
            return signal_type, value
    raise ApiError(422, 'Send JSON {"signal_type": "pdq", "value": "..."} with two strings.')


@router.get("/{bank}/export")
def export(
    bank: str,
    _key: BankReadKey,
    svc: Svc,
    since: Annotated[int, Query(ge=0, description="Checkpoint of the last import (0: all).")] = 0,
) -> JSONResponse:
    """The signed JSON exchange document of the changes after checkpoint ``since``."""
    from synthscope.check.hashes.signing import load_or_create_key

    _exists(svc, bank)
    out = upload_dir(svc.settings) / f"{secrets.token_hex(16)}.json"
    try:
        bank_lib.export_bank(
            svc.store, bank, out, fmt="json", since=since, key=load_or_create_key(_key_path())
        )
        document = json.loads(out.read_text(encoding="utf-8"))
    finally:
        discard(out)
    return JSONResponse(document)


def _key_path() -> Path:
    env = os.environ.get("SYNTHSCOPE_SIGNING_KEY")
    return Path(env) if env else default_data_dir() / "bank-signing-key.pem"


@router.post("/{bank}/import", openapi_extra=_body("json-exchange"))
async def import_(
    bank: str,
    request: Request,
    key: BankWriteKey,
    svc: Svc,
    partial: bool = False,
    verify: bool = True,
    trust: Annotated[list[str] | None, Query(description="Accepted signer keys (hex).")] = None,
) -> dict[str, Any]:
    """Import a signed exchange document (the body of another instance's ``/export``)."""
    body = await request.body()
    if not body.lstrip().startswith(b"{"):
        raise ApiError(415, "Send the JSON exchange document as the request body.")
    path = save_bytes(body, svc.settings).rename(
        upload_dir(svc.settings) / f"{secrets.token_hex(16)}.json"
    )
    try:
        result = bank_lib.import_bank(
            svc.store, bank, path, partial=partial, verify=verify, trust=tuple(trust or ())
        )
    finally:
        discard(path)
    detail = {k: result[k] for k in ("new", "restored", "removed", "signer", "checkpoint")}
    svc.matchers.changed(bank)
    audit.record(svc.store, key.name, "import", bank, detail)
    return result


@router.get("/{bank}/audit")
def audit_log(
    bank: str, _key: AdminKey, svc: Svc, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    """The newest changes made to the bank through the API."""
    return audit.entries(svc.store, bank, limit)


def _matcher(svc: Services, _bank: str) -> Matchers:
    return svc.matchers
