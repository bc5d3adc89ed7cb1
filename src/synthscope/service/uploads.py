"""Uploaded files: streamed to a private folder under random names, with a byte limit.

The folder is never served (the app mounts only its own ``static/``), names carry no part of the
user's file name (except a file hashed for a bank, kept under its bare file name inside random
folders that go with the request: :func:`named_uploads`), and the byte limit is enforced while
reading, so an oversized upload is refused before it fills the disk.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

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
    return ApiError(
        413,
        f"The upload is larger than the limit of {limit:,} bytes.",
        zh=f"上传的内容超过了 {limit:,} 字节的上限。",
    )


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
        raise ApiError(400, "The uploaded file is empty.", zh="上传的文件是空的。")
    return path


def save_bytes(data: bytes, settings: Settings) -> Path:
    """Write ``data`` (pasted text) to a new random file.

    Raises:
        ApiError: 413 over the byte limit, 400 when empty.
    """
    if not data:
        raise ApiError(
            400, "Nothing to check: the text is empty.", zh="没有可检测的内容：文本为空。"
        )
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


def safe_name(filename: str) -> str:
    """The last part of a client-supplied file name (no folders), at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(filename).name).name[-200:]
    return base if base.strip(".") else "upload"  # "." and ".." name folders


@asynccontextmanager
async def named_uploads(
    uploads: Sequence[UploadFile], settings: Settings
) -> AsyncIterator[list[Path]]:
    """The uploads saved under their (safe) client file names, each in a folder of its own
    inside one random folder for the request, which is deleted with everything in it on exit.

    The library names files by their paths in what it reports, so a file saved under its
    client's name reads right there; the server's folders must still be taken out of messages.

    Raises:
        ApiError: 413 over the byte limit, 400 for an empty upload.
    """
    request_dir = upload_dir(settings) / secrets.token_hex(8)
    request_dir.mkdir(mode=0o700)
    try:
        paths = []
        for i, upload in enumerate(uploads):
            path = await save_upload(upload, settings)
            folder = request_dir / str(i)
            folder.mkdir(mode=0o700)
            paths.append(folder / safe_name(upload.filename or "upload"))
            os.replace(path, paths[-1])
        yield paths
    finally:
        shutil.rmtree(request_dir, ignore_errors=True)
