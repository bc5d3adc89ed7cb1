"""The GB 45438-2025 Appendix E implicit label: the ``AIGC`` JSON value and its rules.

Seven fields; ``Label`` is 1 (AI-generated), 2 (possibly) or 3 (suspected). Values use printable
ASCII without space and backslash (0x21, 0x23-0x5B, 0x5D-0x7E) plus the escaped quote. On first
write the propagator fields equal the producer's; a distributing platform replaces only
``ContentPropagator``/``PropagateID`` (and its own ``ReservedCode2``) and keeps the rest.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from synthscope.errors import UsageError

FIELDS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
LABELS = ("1", "2", "3")
_ALLOWED = frozenset(chr(c) for c in (0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F))) | {'"'}


@dataclass(frozen=True, slots=True)
class AigcLabel:
    """The seven Appendix E fields, named as the standard names them."""

    Label: str = "1"
    ContentProducer: str = ""
    ProduceID: str = ""
    ReservedCode1: str = ""
    ContentPropagator: str = ""
    PropagateID: str = ""
    ReservedCode2: str = ""

    def fields(self) -> dict[str, str]:
        """The fields in the standard's order."""
        return asdict(self)

    def to_json(self) -> str:
        """The metadata value: ``{"AIGC":{...}}``, compact, ASCII only."""
        return json.dumps({"AIGC": self.fields()}, ensure_ascii=True, separators=(",", ":"))

    def errors(self) -> list[str]:
        """What breaks the standard's rules (empty when the label is valid)."""
        return [en for en, _zh in self.problems()]

    def problems(self) -> list[tuple[str, str]]:
        """What breaks the standard's rules, each in English and Chinese."""
        found = []
        if self.Label not in LABELS:
            found.append(
                (
                    f"Label must be 1, 2 or 3, not {self.Label!r}",
                    f"Label 须为 1、2 或 3，而非 {self.Label!r}",
                )
            )
        for name in ("ContentProducer", "ProduceID"):
            if not getattr(self, name):
                found.append((f"{name} is empty", f"{name} 为空"))
        for name, value in self.fields().items():
            bad = sorted({c for c in value if c not in _ALLOWED})
            if bad:
                found.append(
                    (
                        f"{name} has characters outside the standard's set: {bad!r}",
                        f"{name} 含标准字符集之外的字符：{bad!r}",
                    )
                )
        return found


# How --aigc fills what it is not given; said with every refusal so that no default is a surprise.
DEFAULTS_HINT = (
    "Label is 1 (AI-generated) when not given; ContentPropagator and PropagateID default to "
    "ContentProducer and ProduceID",
    "未给出 Label 时为 1（人工智能生成）；ContentPropagator 与 PropagateID 默认取 "
    "ContentProducer 与 ProduceID 的值",
)


def new_label(values: dict[str, Any]) -> AigcLabel:
    """A producer's first label: ``Label`` defaults to "1" (AI-generated) and the propagator
    fields to the producer's.

    Raises:
        UsageError: an unknown field, or a value that breaks the standard's rules.
    """
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise UsageError(
            f"Unknown AIGC field(s) {', '.join(unknown)}; fields: {', '.join(FIELDS)}.",
            zh=f"未知的 AIGC 字段 {', '.join(unknown)}；可用字段：{', '.join(FIELDS)}。",
        )
    given = {k: str(v) for k, v in values.items()}
    given.setdefault("ContentPropagator", given.get("ContentProducer", ""))
    given.setdefault("PropagateID", given.get("ProduceID", ""))
    return _checked(AigcLabel(**given))


def propagate(label: AigcLabel, propagator: str, propagate_id: str) -> AigcLabel:
    """The label a distributing platform writes: producer fields kept, its own fields set.

    Raises:
        UsageError: a value breaks the standard's rules.
    """
    return _checked(
        replace(label, ContentPropagator=propagator, PropagateID=propagate_id, ReservedCode2="")
    )


def _checked(label: AigcLabel) -> AigcLabel:
    invalid(label)
    return label


def invalid(label: AigcLabel) -> None:
    """Refuse a label that breaks the standard, saying what breaks it and what the defaults are.

    Raises:
        UsageError: the label breaks the standard's rules.
    """
    problems = label.problems()
    if problems:
        en = "; ".join(p[0] for p in problems)
        zh = "；".join(p[1] for p in problems)
        raise UsageError(
            f"Invalid AIGC label: {en} ({DEFAULTS_HINT[0]}).",
            zh=f"AIGC 标识无效：{zh}（{DEFAULTS_HINT[1]}）。",
        )


def parse_label(text: str) -> tuple[AigcLabel | None, list[str]]:
    """Read a metadata value; accepts ``{"AIGC":{...}}`` and the bare inner object.

    Returns the label (None when unreadable) and what is wrong with it.
    """
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None, ["the AIGC value is not JSON"]
    if isinstance(value, dict) and isinstance(value.get("AIGC"), dict):
        value = value["AIGC"]
    if not isinstance(value, dict):
        return None, ["the AIGC value is not a JSON object"]
    known = {k: v for k, v in value.items() if k in FIELDS}
    label = AigcLabel(**{k: v if isinstance(v, str) else json.dumps(v) for k, v in known.items()})
    problems = label.errors() + [f"unknown field {k}" for k in value if k not in FIELDS]
    problems += [f"{k} is missing" for k in ("ContentPropagator", "PropagateID") if k not in value]
    return label, problems
