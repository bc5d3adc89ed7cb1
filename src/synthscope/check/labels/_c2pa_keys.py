"""C2PA certificates and keys: checked before signing, and the SDK's refusals in plain words.

c2pa-rs says "PKCS#8 ASN.1 error ... expecting PRIVATE KEY" for a key in the traditional OpenSSL
form and "COSE Signer does not contain signing certificate" for a file that holds no
certificate; a user needs to read what is wrong and what to run. Files are checked here first,
so the sentence can name them; what still reaches the SDK is mapped by :func:`signing_error`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthscope.check.labels._plain import os_reason
from synthscope.errors import InputError, UsageError

# c2pa-rs's words for a key or certificate it refuses, and what they mean to a person
_SIGNING_ERRORS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("PKCS#8", 'expecting "PRIVATE KEY"'),
        "the key is not in PKCS#8 form; convert it with "
        "`openssl pkcs8 -topk8 -nocrypt -in KEY -out key-pkcs8.pem`",
        "私钥不是 PKCS#8 格式；请用 "
        "`openssl pkcs8 -topk8 -nocrypt -in KEY -out key-pkcs8.pem` 转换",
    ),
    (
        ("signature does not match", "invalid public key"),
        "the key does not match the certificate",
        "私钥与证书不匹配",
    ),
    (
        ("does not contain signing certificate", "certificate is invalid"),
        "the certificate file holds no usable certificate",
        "证书文件中没有可用的证书",
    ),
    (
        ("self-signed",),
        "the certificate is self-signed; C2PA needs one issued by a certificate authority",
        "证书为自签名证书；C2PA 需要由证书颁发机构签发的证书",
    ),
)


def signing_error(exc: Exception) -> UsageError:
    """c2pa-rs's refusal in a plain sentence, its own words kept in brackets."""
    raw = str(exc).strip().rstrip(".")
    for needles, en, zh in _SIGNING_ERRORS:
        if any(needle in raw for needle in needles):
            return UsageError(
                f"C2PA signing failed: {en} ({raw}).", zh=f"C2PA 签名失败：{zh}（{raw}）。"
            )
    return UsageError(f"C2PA signing failed ({raw}).", zh=f"C2PA 签名失败（{raw}）。")


def algorithm(key_pem: bytes) -> bytes:
    """The C2PA signing algorithm for the key's type.

    Raises:
        UsageError: not a PEM private key, encrypted, or of a type C2PA does not sign with.
    """
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    key = _private_key(key_pem, "")
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return b"ed25519"
    if isinstance(key, rsa.RSAPrivateKey):
        return b"ps256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp384r1": b"es384", "secp521r1": b"es512"}.get(key.curve.name, b"es256")
    raise UsageError(
        "The C2PA key type is not supported (use EC, Ed25519 or RSA).",
        zh="不支持该 C2PA 私钥类型（请使用 EC、Ed25519 或 RSA）。",
    )


def _private_key(key_pem: bytes, where: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    named, named_zh, path = (f" {where}", f" {where} ", where) if where else ("", "", "KEY")
    if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in key_pem:
        raise UsageError(
            f"The C2PA key{named} is encrypted; decrypt it with "
            f"`openssl pkcs8 -topk8 -nocrypt -in {path} -out key-pkcs8.pem`.",
            zh=f"C2PA 私钥{named_zh}已加密；请用 "
            f"`openssl pkcs8 -topk8 -nocrypt -in {path} -out key-pkcs8.pem` 解密。",
        )
    try:
        return load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(
            f"The C2PA key{named} is not a PEM private key.",
            zh=f"C2PA 私钥{named_zh}不是 PEM 格式的私钥。",
        ) from exc


def checked_pair(cert: Path, key: Path) -> tuple[bytes, bytes]:
    """The certificate chain and key read from files and checked before any signing: a PEM
    certificate, an unencrypted PKCS#8 key, and the key that belongs to the certificate.

    Raises:
        InputError: a file cannot be read.
        UsageError: a file is not what it should be, or the key does not match the certificate.
    """
    cert_pem = _read(cert, "certificate", "证书")
    key_pem = _read(key, "key", "私钥")
    first = _certificate(cert_pem, cert)
    private = _private_key(key_pem, str(key))
    if b"-----BEGIN PRIVATE KEY-----" not in key_pem:
        raise UsageError(
            f"The C2PA key {key} is not in PKCS#8 form, which C2PA needs; convert it with "
            f"`openssl pkcs8 -topk8 -nocrypt -in {key} -out key-pkcs8.pem`.",
            zh=f"C2PA 私钥 {key} 不是 C2PA 所需的 PKCS#8 格式；请用 "
            f"`openssl pkcs8 -topk8 -nocrypt -in {key} -out key-pkcs8.pem` 转换。",
        )
    if _spki(first.public_key()) != _spki(private.public_key()):
        raise UsageError(
            f"The C2PA key {key} does not match the certificate {cert}.",
            zh=f"C2PA 私钥 {key} 与证书 {cert} 不匹配。",
        )
    return cert_pem, key_pem


def _read(path: Path, what: str, what_zh: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        en, zh = os_reason(exc)
        raise InputError(
            f"Cannot read the C2PA {what} {path}: {en}.",
            zh=f"无法读取 C2PA {what_zh} {path}：{zh}。",
        ) from exc


def _certificate(pem: bytes, path: Path) -> Any:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(pem)[0]
    except (ValueError, IndexError) as exc:
        raise UsageError(
            f"{path} is not a certificate: --c2pa-cert takes a PEM certificate chain "
            "(-----BEGIN CERTIFICATE-----), signing certificate first.",
            zh=f"{path} 不是证书：--c2pa-cert 需要 PEM 格式的证书链"
            "（-----BEGIN CERTIFICATE-----），签名证书在前。",
        ) from exc


def _spki(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return bytes(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
