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
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import FormData, UploadFile

from synthscope.check.hashes import banks as bank_lib
from synthscope.config import default_data_dir
from synthscope.errors import InputError, UsageError
from synthscope.service import audit
from synthscope.service.checks import refuse_unknown_type
from synthscope.service.deps import AdminKey, BankReadKey, BankWriteKey, Services, Svc
from synthscope.service.errors import ApiError, from_library, plain_validation_message
from synthscope.service.uploads import discard, named_uploads, save_bytes, upload_dir
from synthscope.store.banks import bank_row

router = APIRouter(prefix="/api/v1/banks", tags=["banks"])
MAX_FILES = 20
# The API's words for what library messages say in the CLI's.
_API_WORDS = {"--partial": "partial=true", "--no-verify": "verify=false"}


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
        "file": (
            "multipart/form-data",
            {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
        ),
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


def no_bank(bank: str) -> ApiError:
    """The 404 answer for an unknown bank."""
    return ApiError(404, f"There is no bank named {bank!r}.", zh=f"没有名为 {bank!r} 的哈希库。")


def _exists(svc: Services, bank: str) -> dict[str, Any]:
    """The bank's listing (counts and checkpoint).

    Raises:
        ApiError: 404 when there is no such bank.
    """
    try:
        return bank_lib.list_banks(svc.store, bank)[0]
    except (UsageError, IndexError) as exc:
        raise no_bank(bank) from exc


def _require(svc: Services, bank: str) -> None:
    """Refuse an unknown bank (one indexed read, no counts).

    Raises:
        ApiError: 404 when there is no such bank.
        StorageError: the store cannot be read.
    """
    with svc.store.reading("reading the bank") as conn:
        try:
            bank_row(conn, bank)
        except UsageError as exc:
            raise no_bank(bank) from exc


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


@router.post(
    "/{bank}/signals", openapi_extra=_body("json-signals", "files"), responses={413: {}, 415: {}}
)
async def add_signals(
    bank: str, request: Request, key: BankWriteKey, svc: Svc, partial: bool = False
) -> dict[str, Any]:
    """Add signals: multipart ``file`` fields (hashed here) or JSON ``{"signals": [...]}``
    (``partial``: add the good signals of a list with bad ones, instead of none)."""
    _require(svc, bank)
    if request.headers.get("content-type", "").startswith("application/json"):
        report = _add_json(svc, bank, await request.body(), key.name, partial)
    else:
        report = await _add_files(svc, bank, request, key.name)
    result: dict[str, Any] = report.to_dict()
    svc.matchers.changed(bank)
    audit.record(svc.store, key.name, "add", bank, _counts(result))
    return result


def _add_json(
    svc: Services, bank: str, body: bytes, actor: str, partial: bool
) -> bank_lib.AddReport:
    try:
        signals = NewSignals.model_validate_json(body).signals
    except ValidationError as exc:
        first = exc.errors()[0]
        located = {**first, "loc": ("body", *first.get("loc", ()))}
        raise ApiError(422, plain_validation_message(located)) from exc
    if not signals:
        raise ApiError(422, 'Send at least one signal in {"signals": [...]}.')
    lines = "".join(f"{s.signal_type} {s.value}\n" for s in signals).encode()
    path = save_bytes(lines, svc.settings)
    try:
        found, _bad = bank_lib.add_signal_file(
            svc.store, bank, path, added_by=actor, partial=partial
        )
    except InputError as exc:
        raise from_library(exc, 422, {str(path): "the signal list", **_API_WORDS}) from exc
    finally:
        discard(path)
    return found


async def _add_files(svc: Services, bank: str, request: Request, actor: str) -> bank_lib.AddReport:
    uploads = _files(await request.form(), MAX_FILES)
    if uploads is None:
        raise ApiError(
            422, f"Send 1-{MAX_FILES} files in multipart 'file' fields, or JSON signals."
        )
    async with named_uploads(uploads, svc.settings) as paths:
        for path in paths:
            refuse_unknown_type(path, path.name)
        try:
            found = bank_lib.add_files(svc.store, bank, paths, added_by=actor)
        except InputError as exc:
            raise from_library(exc, 422, {str(p): p.name for p in paths}) from exc
    for rejected in found.rejected:
        rejected["file"] = Path(rejected["file"]).name
    return found


def _files(form: FormData, most: int) -> list[UploadFile] | None:
    """The form's ``file`` fields when there are 1 to ``most`` and all are files, else None."""
    values = form.getlist("file")
    found = [v for v in values if isinstance(v, UploadFile)]
    return found if 0 < len(found) == len(values) <= most else None


def _counts(result: dict[str, Any]) -> dict[str, Any]:
    keep = ("new", "unchanged", "restored", "signal_ids")
    return {k: result[k] for k in keep if k in result}


@router.post("/{bank}/remove")
def remove_signals(bank: str, body: Removal, key: BankWriteKey, svc: Svc) -> dict[str, Any]:
    """Remove signals by id, with a reason (kept in the bank and in the audit log)."""
    _require(svc, bank)
    removed = bank_lib.remove_signals(svc.store, bank, body.signal_ids, body.reason)
    detail = {"signal_ids": body.signal_ids, "reason": body.reason, "removed": removed}
    svc.matchers.changed(bank)
    audit.record(svc.store, key.name, "remove", bank, detail)
    return {"removed": removed}


@router.post(
    "/{bank}/match",
    openapi_extra=_body("json-signal", "file"),
    response_model=None,
    responses={413: {}, 415: {}},
)
async def match(
    bank: str, request: Request, _key: BankReadKey, svc: Svc
) -> dict[str, Any] | Response:
    """Match a file (multipart ``file``; 415 for content of unknown type) or a hash (JSON
    ``{"signal_type", "value"}``)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        # Normally answered before routing (service.fastmatch); this is the same answer.
        return Response(match_json(svc, bank, await request.body()), media_type="application/json")
    _require(svc, bank)
    uploads = _files(await request.form(), 1)
    if uploads is None:
        raise ApiError(
            422, "Send one file in the multipart field 'file', or JSON {signal_type, value}."
        )
    async with named_uploads(uploads, svc.settings) as (path,):
        refuse_unknown_type(path, path.name)
        found: dict[str, Any] = svc.matchers.get(bank).match_file(path, name=path.name)
    if found["error"]:
        message = str(found["error"].get("message", "")).replace(str(path), path.name)
        found["error"] = found["error"] | {"message": message}
    return found


def match_json(svc: Services, bank: str, body: bytes) -> bytes:
    """The JSON answer ``{"hash_matches": [...]}`` to a JSON match body: plain data encoded
    directly (no response-model pass), as this is the hot path of platform sync.

    Raises:
        ApiError: 422 for a body that is not ``{"signal_type", "value"}`` JSON; else 404 for an
            unknown bank; else 422 for an unknown signal type or a value not valid for its type.
        StorageError: the store cannot be read.
    """
    signal_type, value = _signal_in(body)
    try:
        matches = svc.matchers.match_value(bank, signal_type, value)
    except (UsageError, InputError) as exc:
        _require(svc, bank)  # the error may be the bank's
        raise from_library(exc, 422) from exc
    return orjson.dumps({"hash_matches": matches})


def _signal_in(body: bytes) -> tuple[str, str]:
    """``(signal_type, value)`` of a JSON match body, read without a model pass (the hot path).

    Raises:
        ApiError: 422 when the body is not JSON or lacks a string ``signal_type`` or ``value``.
    """
    try:
        found = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(422, "The request body is not valid JSON.") from exc
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

    _require(svc, bank)
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


@router.post("/{bank}/import", openapi_extra=_body("json-exchange"), responses={413: {}, 415: {}})
async def import_(
    bank: str,
    request: Request,
    key: BankWriteKey,
    svc: Svc,
    partial: bool = False,
    verify: bool = True,
    trust: Annotated[list[str] | None, Query(description="Accepted signer keys (hex).")] = None,
) -> dict[str, Any]:
    """Import a signed exchange document (the body of another instance's ``/export``) into
    the bank, which is created when missing (so a peer can sync a bank it does not have yet)."""
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
    except InputError as exc:
        raise from_library(exc, 422, {str(path): "the request body", **_API_WORDS}) from exc
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
    _require(svc, bank)
    return audit.entries(svc.store, bank, limit)
