"""C2PA Content Credentials through c2pa-python: read and validate manifests, sign new ones.

Trust is configurable: ``trust_anchors`` (a PEM bundle of root certificates) and ``settings`` (a
c2pa settings JSON file, such as the C2PA test trust settings) are passed to the SDK; without them
the SDK's defaults apply and a manifest signed by an unknown root reads ``Valid`` with
``signingCredential.untrusted``. A manifest stored remotely is reported as not checked, never as
tampering, because this service validates offline.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthscope.check.findings import Claim, Finding
from synthscope.check.labels import _c2pa_keys
from synthscope.check.labels.base import Labeler, Title
from synthscope.errors import MediaError, UsageError
from synthscope.media import Media

if TYPE_CHECKING:
    from synthscope.config import Settings

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
CAPTURE_SOURCE_TYPES = ("digitalCapture", "negativeFilm", "positiveFilm", "print")


@dataclass(frozen=True, slots=True)
class C2paSigning:
    """What to sign: the user's certificate chain and key (PEM) and the digital source type.

    ``parent`` is the file as it was before this change when it already carried a manifest: it
    becomes the new manifest's parent ingredient, so the earlier provenance is kept.
    """

    cert_pem: bytes
    key_pem: bytes
    digital_source_type: str = "trainedAlgorithmicMedia"
    title: str = ""
    parent: bytes | None = None


def _reader_mime(media: Media) -> str | None:
    import c2pa

    return media.mime if media.mime in c2pa.Reader.get_supported_mime_types() else None


def _source_type(manifest: dict[str, Any]) -> tuple[str | None, list[str]]:
    names, kinds = [], []
    for assertion in manifest.get("assertions", []):
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in assertion.get("data", {}).get("actions", []):
            names.append(str(action.get("action", "")))
            kind = str(action.get("digitalSourceType", "")).rsplit("/", 1)[-1]
            if kind and kind != "empty":
                kinds.append(kind)
    ai = [k for k in kinds if k in AI_SOURCE_TYPES or k == "algorithmicMedia"]
    chosen = ai or kinds
    return (chosen[0] if chosen else None), names


def decides(section: dict[str, Any]) -> bool:
    """Whether the ``c2pa`` section of a check record made a claim (AI generation, capture, or a
    broken manifest) rather than only being present."""
    if not section.get("present"):
        return False
    codes = list(section.get("codes") or [])
    claim = _claim(section.get("state") or "", section.get("digital_source_type"), codes)[0]
    return claim != "none"


def _claim(state: str, source_type: str | None, codes: list[str]) -> tuple[Claim, str, str]:
    declared_ai = source_type in AI_SOURCE_TYPES or source_type == "algorithmicMedia"
    if state == "Invalid":
        changed = any("dataHash" in c for c in codes)
        what = "content changed after signing" if changed else "invalid"
        what_zh = "签名后内容已被改动" if changed else "验证未通过"
        claim: Claim = "likely_synthetic" if declared_ai else "inconclusive"
        listed = ", ".join(codes)
        return claim, f"C2PA manifest {what} ({listed})", f"C2PA 清单无效：{what_zh}（{listed}）"
    if declared_ai:
        return (
            "synthetic",
            f"C2PA: {source_type} ({state})",
            f"C2PA 声明为 AI 生成：{source_type}（{state}）",
        )
    if source_type in CAPTURE_SOURCE_TYPES:
        return (
            "likely_authentic",
            f"C2PA: {source_type} ({state})",
            f"C2PA 声明为拍摄：{source_type}",
        )
    return "none", f"C2PA manifest present ({state})", f"存在 C2PA 清单（{state}）"


class C2paLabeler(Labeler[C2paSigning]):
    """Reads, validates and signs C2PA manifests; trust anchors come from the constructor."""

    title = Title("C2PA Content Credentials", "C2PA 内容凭证", "C2PA Content Credentials")

    def __init__(self, trust_anchors: Path | None = None, settings: Path | None = None) -> None:
        self.trust_anchors = trust_anchors
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> C2paLabeler:
        """Trust anchors and SDK settings from ``c2pa_trust_anchors`` / ``c2pa_settings``."""
        return cls(settings.c2pa_trust_anchors, settings.c2pa_settings)

    def _context(self) -> Any:
        import c2pa

        if self.trust_anchors is None and self.settings is None:
            return None
        try:
            config = c2pa.Settings.from_json(self.settings.read_text()) if self.settings else None
            config = config or c2pa.Settings()
            if self.trust_anchors is not None:
                config.update({"trust": {"trust_anchors": self.trust_anchors.read_text()}})
            return c2pa.Context(config)
        except (OSError, c2pa.C2paError) as exc:
            raise UsageError(
                f"Cannot use the C2PA trust settings: {exc}.", zh=f"无法使用 C2PA 信任配置：{exc}。"
            ) from exc

    def supports(self, media: Media) -> bool:
        """Whether the C2PA SDK reads this format."""
        return _reader_mime(media) is not None

    def read(self, media: Media) -> Finding:
        """Validation state, failure codes and the AI declaration of the active manifest."""
        import c2pa

        mime = _reader_mime(media)
        if mime is None:
            return _absent()
        with media.stream() as stream:
            try:
                reader = c2pa.Reader(mime, stream, context=self._context())
            except c2pa.C2paError as exc:
                return _unreadable(exc)
            with reader:
                if not reader.is_embedded() or reader.get_remote_url():
                    return _remote(reader.get_remote_url())
                return _finding(reader)

    def carries_manifest(self, media: Media) -> bool:
        """Whether ``media`` holds a manifest the C2PA SDK can read (embedded or remote)."""
        import c2pa

        mime = _reader_mime(media)
        if mime is None:
            return False
        with media.stream() as stream:
            try:
                with c2pa.Reader(mime, stream, context=self._context()):
                    return True
            except c2pa.C2paError:
                return False

    def apply(self, media: Media, label: C2paSigning) -> bytes:
        """The file with a signed manifest declaring ``c2pa.created`` by an AI system (or, with a
        ``parent``, ``c2pa.opened`` of that parent and ``c2pa.edited``).

        Raises:
            UsageError: the certificate or key cannot sign.
            MediaError: the format cannot carry a manifest.
        """
        import c2pa

        mime = _reader_mime(media)
        if mime is None:
            raise MediaError(
                f"C2PA cannot sign {media.mime} files.", zh=f"C2PA 无法签署 {media.mime} 文件。"
            )
        out = io.BytesIO()
        try:
            signer = c2pa.Signer.from_info(
                c2pa.C2paSignerInfo(
                    _c2pa_keys.algorithm(label.key_pem), label.cert_pem, label.key_pem, None
                )
            )
            with signer, c2pa.Builder(_manifest(label, media)) as builder:
                if label.parent is not None:
                    builder.add_ingredient(_parent(media), mime, io.BytesIO(label.parent))
                builder.sign(signer, mime, io.BytesIO(media.data), out)
        except c2pa.C2paError as exc:
            raise _c2pa_keys.signing_error(exc) from exc
        return out.getvalue()

    @classmethod
    def examples(cls) -> list[tuple[Labeler[Any], Media, Any]]:
        """A small JPEG signed with a throwaway test chain."""
        from synthscope.check.labels._examples import tiny_jpeg
        from synthscope.check.labels._testca import throwaway_chain

        chain = throwaway_chain()
        return [(cls(), tiny_jpeg(), C2paSigning(chain.chain_pem, chain.key_pem))]


def _manifest(label: C2paSigning, media: Media) -> dict[str, Any]:
    from synthscope import __version__

    source_type = IPTC + label.digital_source_type
    actions: list[dict[str, Any]] = [{"action": "c2pa.created", "digitalSourceType": source_type}]
    if label.parent is not None:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": [_PARENT]}},
            {"action": "c2pa.edited", "digitalSourceType": source_type},
        ]
    return {
        "claim_generator_info": [{"name": "synthscope", "version": __version__}],
        "title": label.title or Path(media.name).name or "content",
        "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": actions}}],
    }


_PARENT = "parent"


def _parent(media: Media) -> dict[str, Any]:
    """The ingredient entry for the file as it was before this change."""
    title = Path(media.name).name or "content"
    return {"title": title, "relationship": "parentOf", "label": _PARENT, "instance_id": _PARENT}


def load_signing(cert: Path, key: Path) -> C2paSigning:
    """The certificate chain and key read from files and checked before any signing: a PEM
    certificate, an unencrypted PKCS#8 key, and the key that belongs to the certificate.

    Raises:
        InputError: a file cannot be read.
        UsageError: a file is not what it should be, or the key does not match the certificate.
    """
    return C2paSigning(*_c2pa_keys.checked_pair(cert, key))


def _section(present: bool, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "present": present,
        "state": None,
        "codes": [],
        "digital_source_type": None,
    }
    return {**base, "claim_generator": None, **values}


def _absent() -> Finding:
    return Finding("c2pa", "none", "c2pa", _section(False))


def _unreadable(exc: Exception) -> Finding:
    if "ManifestNotFound" in type(exc).__name__ or "ManifestNotFound" in str(exc):
        return _absent()
    data = _section(True, state="Invalid", codes=[str(exc)])
    return Finding(
        "c2pa",
        "inconclusive",
        "c2pa",
        data,
        f"C2PA manifest unreadable: {exc}",
        "C2PA 清单无法读取",
    )


def _remote(url: str | None) -> Finding:
    data = _section(True, state=None, remote=url, codes=["remote manifest, not checked"])
    return Finding(
        "c2pa",
        "none",
        "c2pa",
        data,
        "C2PA manifest is remote, not checked",
        "C2PA 清单在远端，未检查",
    )


def _finding(reader: Any) -> Finding:
    manifest = reader.get_active_manifest() or {}
    results = (reader.get_validation_results() or {}).get("activeManifest", {})
    # the SDK lists a code once per place it fails (a JPEG's data hash: once per excluded range)
    codes = list(dict.fromkeys(str(c.get("code")) for c in results.get("failure", [])))
    state = str(reader.get_validation_state() or "Invalid")
    source_type, actions = _source_type(manifest)
    signer = manifest.get("signature_info", {})
    data = _section(
        True,
        state=state,
        codes=codes,
        digital_source_type=source_type,
        claim_generator=manifest.get("claim_generator")
        or "; ".join(str(g.get("name")) for g in manifest.get("claim_generator_info", [])),
        signer=signer.get("common_name") or signer.get("issuer"),
        actions=actions,
        ingredients=[str(i.get("title", "")) for i in manifest.get("ingredients", [])],
    )
    claim, reason, reason_zh = _claim(state, source_type, codes)
    return Finding("c2pa", claim, "c2pa", data, reason, reason_zh)
