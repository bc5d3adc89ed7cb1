"""Ed25519 signatures over bank exchange documents.

The signed bytes are the document's canonical JSON (keys sorted, no spaces, UTF-8) without its
``signature`` member, so any change to content or metadata breaks the signature. A platform's key
lives in its data directory (created on first export, readable only by its owner); peers trust a
signer by its public key in hex (``bank import --trust``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from synthscope.check.hashes import _words
from synthscope.errors import InputError

ALGORITHM = "ed25519"


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes a signature covers."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_hex(key: Ed25519PrivateKey) -> str:
    """The raw public key in hex (64 digits)."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``document`` with a ``signature`` member added."""
    value = key.sign(canonical(document)).hex()
    return document | {
        "signature": {"alg": ALGORITHM, "public_key": public_hex(key), "value": value}
    }


def verify(document: dict[str, Any]) -> str | None:
    """The signer's public key (hex) when the signature is valid; None when there is none.

    Raises:
        InputError: the signature is malformed or does not match the content (tampered).
    """
    sig = document.get("signature")
    if sig is None:
        return None
    try:
        if not isinstance(sig, dict) or sig.get("alg") != ALGORITHM:
            raise ValueError("unknown signature algorithm")
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(sig["public_key"])))
        public.verify(bytes.fromhex(str(sig["value"])), canonical(document))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        raise InputError(
            "The signature does not match the content: the file was changed after signing.",
            zh="签名与内容不符：文件在签名后被修改过。",
        ) from None
    return str(sig["public_key"])


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The private key in ``path`` (PEM, PKCS8), created with mode 0600 when missing.

    Raises:
        InputError: the file is not an Ed25519 private key, or a new key cannot be written
            there (a path the user gives, like ``--out``: exit 3, not a storage error).
    """
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except OSError as exc:
            raise _words.unreadable(path, exc) from exc
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InputError(
                f"{path} is not a private key in PEM form (unencrypted PKCS8).",
                zh=f"{path} 不是 PEM 格式（未加密 PKCS8）的私钥。",
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise InputError(f"{path} is not an Ed25519 key.", zh=f"{path} 不是 Ed25519 密钥。")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(path, pem)
    return key


def _write_private(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        en, zh = _words.os_reason(exc)
        raise InputError(
            f"Cannot write the signing key {path}: {en}.", zh=f"无法写入签名密钥 {path}：{zh}。"
        ) from exc
