"""XMP packets carrying ``TC260:AIGC``: build a new one, merge into an existing one, read it back.

Parsing goes through defusedxml: a packet with a DTD or entity declarations is refused, never
expanded (a billion-laughs packet reads as "no label", with an error noted).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_X = "adobe:ns:meta/"
_PREFIXES = {
    "x": _X,
    "rdf": _RDF,
    "TC260": NS,
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}
for _prefix, _uri in _PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
_END = '<?xpacket end="w"?>'


class XmpError(ValueError):
    """The packet is not well-formed XML or declares entities."""


def build_packet(value: str, existing: bytes | None = None) -> bytes:
    """An XMP packet holding ``value`` as ``TC260:AIGC``; other properties of ``existing`` kept."""
    root = _parse(existing) if existing else None
    if root is None or root.tag != f"{{{_X}}}xmpmeta":
        root = ET.Element(f"{{{_X}}}xmpmeta")
    rdf = root.find(f"{{{_RDF}}}RDF")
    if rdf is None:
        rdf = ET.SubElement(root, f"{{{_RDF}}}RDF")
    for description in rdf.iter(f"{{{_RDF}}}Description"):
        description.attrib.pop(f"{{{NS}}}AIGC", None)
        for old in description.findall(f"{{{NS}}}AIGC"):
            description.remove(old)
    description = ET.SubElement(rdf, f"{{{_RDF}}}Description", {f"{{{_RDF}}}about": ""})
    ET.SubElement(description, f"{{{NS}}}AIGC").text = value
    body = ET.tostring(root, encoding="unicode")
    return f"{_BEGIN}\n{body}\n{_END}".encode()


def read_value(packet: bytes) -> str | None:
    """The ``AIGC`` property of an XMP packet (element or attribute form), or None.

    Raises:
        XmpError: the packet is malformed or declares entities.
    """
    root = _parse(packet)
    for element in root.iter():
        for name, value in element.attrib.items():
            if _local(name) == "AIGC":
                return value
        if _local(element.tag) == "AIGC":
            return "".join(element.itertext()).strip()
    return None


def _parse(packet: bytes) -> ET.Element:
    start = packet.find(b"<x:xmpmeta")
    if start < 0:
        start = packet.find(b"<rdf:RDF")
    end = packet.rfind(b"<?xpacket end")
    text = packet[max(start, 0) : end if end > 0 else len(packet)]
    try:
        root: ET.Element = fromstring(text.strip(b"\x00 \r\n\t"), forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise XmpError(str(exc)) from exc
    return root


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
