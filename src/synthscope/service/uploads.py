"""Uploaded files: streamed to a private folder under random names, with a byte limit.

The folder is never served (the app mounts only its own ``static/``), names carry no part of the
user's file name, and the byte limit is enforced while reading, so an oversized upload is refused
before it fills the disk.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from starlette.datastructures import UploadFile

from synthscope.config import Settings, default_data_dir
from synthscope.service.errors import ApiError

CHUNK = 1 << 20


def upload_dir(settings: Settings) -> Path:
    """The private upload folder (created with owner-only permissions)."""
    folder = settings.service_upload_dir or default_data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def too_large(limit: int) -> ApiError:
    """The 413 answer for an upload over ``limit`` bytes."""
    return ApiError(413, f"The upload is larger than the limit of {limit:,} bytes.")


async def save_upload(upload: UploadFile, settings: Settings, suffix: str = "") -> Path:
    """Stream ``upload`` to a new random file (ending in ``suffix``); returns its path.

    Raises:
        ApiError: 413 over the byte limit, 400 when empty.
    """
    limit = settings.service_max_upload_bytes
    path = upload_dir(settings) / (secrets.token_hex(16) + suffix)
    size = 0
    try:
        with open(path, "xb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                out.write(chunk)
    except BaseException:
        discard(path)
        raise
    if size == 0:
        discard(path)
        raise ApiError(400, "The uploaded file is empty.")
    return path


def save_bytes(data: bytes, settings: Settings) -> Path:
    """Write ``data`` (pasted text) to a new random file.

    Raises:
        ApiError: 413 over the byte limit, 400 when empty.
    """
    if not data:
        raise ApiError(400, "Nothing to check: the text is empty.")
    if len(data) > settings.service_max_upload_bytes:
        raise too_large(settings.service_max_upload_bytes)
    path = upload_dir(settings) / secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def discard(path: Path | None) -> None:
    """Delete an uploaded file (missing is fine)."""
    if path is not None:
        path.unlink(missing_ok=True)
