"""Signatures in the AIGC ReservedCode fields: Ed25519 over the content hash and the fields.

The content hash covers what labelling never changes (decoded pixels, demuxed audio/video packets,
document parts other than the metadata ones, Markdown body), so a label can be added or propagated
without invalidating it, while any edit of the content does. ``ReservedCode1`` is the producer's
signature over Label/ContentProducer/ProduceID; ``ReservedCode2`` the propagator's over
ContentPropagator/PropagateID/ReservedCode1. Values look like ``ed25519:<base64>``, which stays
inside the standard's character set. (SM2/SM3 would need a maintained library; none is used.)
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from dataclasses import replace
from typing import Any

from synthscope.check.labels.aigc import AigcLabel
from synthscope.media import Media

PREFIX = "ed25519:"
_METADATA_PARTS = {"docProps/custom.xml", "[Content_Types].xml", "_rels/.rels"}
_AV = ("isobmff", "matroska", "wav", "mp3", "flac", "ogg")


def content_digest(media: Media) -> bytes:
    """SHA-256 of the content that labelling leaves untouched.

    Raises:
        MediaError: the content cannot be decoded or demuxed.
    """
    digest = hashlib.sha256()
    if media.kind == "image":
        image = media.image()
        digest.update(f"{image.mode}:{image.size}".encode())
        digest.update(image.tobytes())
    elif media.type.family in _AV:
        _packets(media, digest)
    elif media.type.family == "ooxml":
        with zipfile.ZipFile(io.BytesIO(media.data)) as archive:
            for name in sorted(set(archive.namelist()) - _METADATA_PARTS):
                digest.update(name.encode() + b"\0" + archive.read(name))
    else:
        text = media.data.decode("utf-8", "replace")
        front = re.match(r"\A\ufeff?---\r?\n.*?\r?\n(---|\.\.\.)\r?\n", text, re.S)
        digest.update(text[front.end() if front else 0 :].encode())
    return digest.digest()


def _packets(media: Media, digest: Any) -> None:
    import av

    from synthscope._decode import decode_error

    try:
        with media.stream() as stream:
            container: Any = av.open(stream)
            with container:
                for packet in container.demux():
                    if packet.size:
                        digest.update(bytes(packet))
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise decode_error(media, exc) from exc


def _message(label: AigcLabel, slot: str, digest: bytes) -> bytes:
    names = (
        ("Label", "ContentProducer", "ProduceID")
        if slot == "ReservedCode1"
        else ("ContentPropagator", "PropagateID", "ReservedCode1")
    )
    fields = {n: getattr(label, n) for n in names}
    return b"synthscope-aigc/1\n" + digest + json.dumps(fields, sort_keys=True).encode()


def sign(label: AigcLabel, media: Media, key_pem: bytes) -> AigcLabel:
    """``label`` with the producer's (first write) or propagator's signature filled in.

    Raises:
        UsageError: the key is not an Ed25519 private key.
        MediaError: the content cannot be hashed.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from synthscope.errors import UsageError

    try:
        key = load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError("The AIGC signing key is not an unencrypted PEM key.") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(
            "The AIGC signing key must be Ed25519.", zh="AIGC 签名密钥必须是 Ed25519。"
        )
    first = (label.ContentPropagator, label.PropagateID) == (label.ContentProducer, label.ProduceID)
    slot = "ReservedCode1" if first else "ReservedCode2"
    value = key.sign(_message(label, slot, content_digest(media)))
    return replace(label, **{slot: PREFIX + base64.b64encode(value).decode()})


def verify(label: AigcLabel, media: Media, public_pems: list[bytes]) -> dict[str, str]:
    """For each signed ReservedCode: ``valid``, ``invalid`` or ``unchecked`` (no key given)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    keys = [k for k in map(load_pem_public_key, public_pems) if isinstance(k, Ed25519PublicKey)]
    results: dict[str, str] = {}
    digest: bytes | None = None
    for slot in ("ReservedCode1", "ReservedCode2"):
        value = getattr(label, slot)
        if not value.startswith(PREFIX):
            continue
        if not keys:
            results[slot] = "unchecked"
            continue
        digest = digest or content_digest(media)
        try:
            signature = base64.b64decode(value[len(PREFIX) :], validate=True)
        except ValueError:
            results[slot] = "invalid"
            continue
        results[slot] = "invalid"
        for key in keys:
            try:
                key.verify(signature, _message(label, slot, digest))
                results[slot] = "valid"
                break
            except InvalidSignature:
                continue
    return results
