"""C2PA certificates and keys that cannot sign: refused before signing, in one plain sentence per
case, naming the file; c2pa-rs's own words, when it is the one refusing, kept in brackets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from synthscope.check.labels import _examples as ex
from synthscope.check.labels._c2pa_keys import signing_error
from synthscope.check.labels._testca import throwaway_chain
from synthscope.check.labels.c2pa import C2paLabeler, C2paSigning, load_signing
from synthscope.errors import ExitCode, InputError, UsageError


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    chain = throwaway_chain()
    folder = tmp_path_factory.mktemp("pem")
    key = serialization.load_pem_private_key(chain.key_pem, password=None)
    other = ec.generate_private_key(ec.SECP256R1())
    pem = {
        "cert.pem": chain.chain_pem,
        "key.pem": chain.key_pem,
        "traditional.pem": key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
        "encrypted.pem": key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        ),
        "other.pem": other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "hello.pem": b"hello\n",
    }
    for name, body in pem.items():
        (folder / name).write_bytes(body)
    return {name: folder / name for name in pem}


def test_good_pair_loads(files: dict[str, Path]) -> None:
    signing = load_signing(files["cert.pem"], files["key.pem"])
    assert signing.parent is None and signing.digital_source_type == "trainedAlgorithmicMedia"


@pytest.mark.parametrize(
    ("cert", "key", "words", "zh"),
    [
        ("cert.pem", "traditional.pem", "not in PKCS#8 form", "PKCS#8"),
        ("cert.pem", "encrypted.pem", "is encrypted", "已加密"),
        ("cert.pem", "other.pem", "does not match the certificate", "不匹配"),
        ("hello.pem", "key.pem", "is not a certificate", "不是证书"),
        ("key.pem", "key.pem", "is not a certificate", "不是证书"),
        ("cert.pem", "hello.pem", "is not a PEM private key", "不是 PEM"),
    ],
)
def test_bad_files_are_said_plainly(
    files: dict[str, Path], cert: str, key: str, words: str, zh: str
) -> None:
    with pytest.raises(UsageError, match=words) as e:
        load_signing(files[cert], files[key])
    assert e.value.zh and zh in e.value.zh
    if "PKCS#8" in words:
        assert "openssl pkcs8 -topk8 -nocrypt" in str(e.value)


def test_missing_file_is_an_input_error(files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"C2PA key .*nokey\.pem: the file does not exist") as e:
        load_signing(files["cert.pem"], tmp_path / "nokey.pem")
    assert e.value.exit_code == ExitCode.INPUT and e.value.zh and "文件不存在" in e.value.zh


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (
            "Signature: invalid signing credentials (invalid ES256 private key: PKCS#8 ASN.1 "
            'error: PEM error: unexpected PEM type label: expecting "PRIVATE KEY")',
            "not in PKCS#8 form",
        ),
        (
            "Signature: the signature does not match the provided data or public key",
            "does not match the certificate",
        ),
        ("Other: COSE Signer does not contain signing certificate", "no usable certificate"),
        ("Signature: the certificate was self-signed", "self-signed"),
        ("Something new", "C2PA signing failed (Something new)"),
    ],
)
def test_sdk_refusals_become_sentences_with_the_raw_text_kept(raw: str, words: str) -> None:
    error = signing_error(RuntimeError(raw + "."))
    assert words in str(error) and raw in str(error) and error.zh and raw in error.zh


def test_sdk_refusal_of_a_traditional_key_is_mapped() -> None:
    """Signing bytes directly (no files to check first): the SDK's words are mapped too."""
    chain = throwaway_chain()
    key = serialization.load_pem_private_key(chain.key_pem, password=None)
    traditional = key.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    with pytest.raises(UsageError, match="not in PKCS#8 form"):
        C2paLabeler().apply(ex.tiny_jpeg(), C2paSigning(chain.chain_pem, traditional))
