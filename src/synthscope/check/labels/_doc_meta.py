"""The ``AIGC`` label in documents: OOXML custom properties and Markdown front matter.

OOXML (DOCX/XLSX/PPTX) gets ``docProps/custom.xml`` property ``AIGC``; every other part is copied
with the same content and compression. XML is parsed with defusedxml and part sizes are checked
before anything is inflated, so a zip bomb or an entity bomb is refused.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from synthscope.check.labels._image_xmp import ContainerError

KEY = "AIGC"
_CUSTOM = "docProps/custom.xml"
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
)
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_MAX_PART = 16 << 20


def _part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        raise ContainerError(f"{name} inflates to {info.file_size:,} bytes")
    return archive.read(info)


def _properties(xml: bytes | None) -> list[tuple[str, str]]:
    if not xml:
        return []
    try:
        root = fromstring(xml, forbid_dtd=True)
    except (DefusedXmlException, ValueError, SyntaxError) as exc:
        raise ContainerError(f"{_CUSTOM}: {exc}") from exc
    found = []
    for prop in root.iter(f"{{{_CUSTOM_NS}}}property"):
        found.append((prop.get("name", ""), "".join(prop.itertext())))
    return found


def ooxml_read(data: bytes) -> str | None:
    """The AIGC custom property of a DOCX/XLSX/PPTX file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            props = _properties(_part(archive, _CUSTOM))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ContainerError(str(exc)) from exc
    return next((value for name, value in props if name == KEY), None)


def _custom_xml(props: list[tuple[str, str]]) -> bytes:
    rows = "".join(
        f'<property fmtid="{_FMTID}" pid="{pid}" name={quoteattr(name)}>'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(props, start=2)
    )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return (
        f'{head}<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{rows}</Properties>'.encode()
    )


def _with_override(types: bytes) -> bytes:
    if _CUSTOM_TYPE.encode() in types:
        return types
    entry = f'<Override PartName="/{_CUSTOM}" ContentType="{_CUSTOM_TYPE}"/>'.encode()
    return types.replace(b"</Types>", entry + b"</Types>")


def _with_relationship(rels: bytes) -> bytes:
    if _CUSTOM_REL.encode() in rels:
        return rels
    ids = {int(n) for n in re.findall(rb'Id="rId(\d+)"', rels)}
    entry = f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{_CUSTOM_REL}" '
    entry += f'Target="{_CUSTOM}"/>'
    return rels.replace(b"</Relationships>", entry.encode() + b"</Relationships>")


def ooxml_write(data: bytes, value: str, max_total: int) -> bytes:
    """The document with the property set; every other part's content unchanged."""
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            if sum(i.file_size for i in source.infolist()) > max_total:
                raise ContainerError("the document inflates past the size limit")
            props = [p for p in _properties(_part(source, _CUSTOM)) if p[0] != KEY]
            changed = {
                _CUSTOM: _custom_xml([*props, (KEY, value)]),
                "[Content_Types].xml": _with_override(_part(source, "[Content_Types].xml") or b""),
                "_rels/.rels": _with_relationship(_part(source, "_rels/.rels") or b""),
            }
            with zipfile.ZipFile(out, "w") as target:
                for info in source.infolist():
                    body = changed.pop(info.filename, None)
                    target.writestr(info, body if body is not None else source.read(info))
                for name, body in changed.items():
                    target.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ContainerError(str(exc)) from exc
    return out.getvalue()


# Markdown: a YAML front matter line "AIGC: '<json>'" between "---" fences

_FENCE = re.compile(r"\A(\ufeff?---\r?\n)(.*?\r?\n)?(---|\.\.\.)(\r?\n|\Z)", re.S)
_LINE = re.compile(r"^AIGC:[ \t]*(.*?)[ \t]*$", re.M)


def markdown_read(text: str) -> str | None:
    """The AIGC value of the front matter, unquoted."""
    fence = _FENCE.match(text)
    line = _LINE.search(fence.group(2) or "") if fence else None
    if line is None:
        return None
    raw = line.group(1)
    if raw.startswith("'") and raw.endswith("'") and len(raw) > 1:
        return raw[1:-1].replace("''", "'")
    if raw.startswith('"') and raw.endswith('"') and len(raw) > 1:
        try:
            return str(json.loads(raw))
        except ValueError:
            return raw[1:-1]
    return raw


def markdown_write(text: str, value: str) -> str:
    """The text with the AIGC line set in its front matter (front matter created if absent)."""
    line = "AIGC: '" + value.replace("'", "''") + "'"
    fence = _FENCE.match(text)
    if fence is None:
        return f"---\n{line}\n---\n{text}"
    body = _LINE.sub(lambda _m: line, fence.group(2) or "", count=1)
    if not _LINE.search(body):
        body = f"{line}\n{body}"
    return (
        text[: fence.start(2) if fence.group(2) else fence.end(1)] + body + text[fence.start(3) :]
    )
