"""The fields a policy can read, with their types, derived from the event schema.

The event JSON Schema is the one place where fields are declared; this module
walks it once and turns each property into a `FieldInfo`.

>>> FIELDS["request.amount"].type
<Type.MONEY: 'money'>
>>> FIELDS["request.reason"].values[:2]
('no_reason_7d', 'quality')
>>> ITEM_FIELDS["category"].type
<Type.TEXT: 'text'>
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..schema import load_schema
from ..values import BOOL, ENUM, LIST, MONEY, NUMBER, TEXT, TIMESTAMP, Type

#: Paths inside `order.items[]` are written `item.<name>` in quantifiers.
ITEM_ROOT = "item"


@dataclass(frozen=True)
class FieldInfo:
    path: str
    type: Type
    values: tuple[str, ...] = ()     # enum values
    required: bool = False
    description: str = ""

    @property
    def label(self) -> str:
        """A short name for people: `request.amount` -> `amount`."""
        return LABELS.get(self.path, self.path.split(".")[-1].replace("_", " "))


#: How facts name a field in explanations, where the last segment reads badly.
LABELS = {
    "request.created_at": "opened",
    "request.kind": "kind",
    "request.status": "status",
    "request.tracking.verified": "tracking verified",
    "request.tracking.uploaded_at": "tracking uploaded",
    "request.warehouse.status": "warehouse status",
    "request.warehouse.at": "warehouse report",
    "order.paid_amount": "order paid amount",
    "order.delivered_at": "delivered",
    "order.shipped_at": "shipped",
    "order.paid_at": "paid",
    "buyer.risk_level": "buyer risk level",
    "buyer.risk_passed": "buyer passed the risk check",
    "buyer.return_rate": "buyer return rate",
    "store.express_refund_enabled": "store express refund enabled",
    "store.auto_refunded_today": "refunded automatically today",
    "request.evidence_count": "evidence count",
    "request.items": "requested items",
    "request.receipt_extended": "receipt extended",
    "request.platform_reason": "platform reason",
    "buyer.requests_30d": "buyer requests in 30 days",
    "at": "evaluated at",
}


def _type_of(schema: dict) -> tuple[Type, tuple[str, ...]]:
    ref = schema.get("$ref", "")
    if ref.endswith("/money"):
        return MONEY, ()
    if ref.endswith("/timestamp"):
        return TIMESTAMP, ()
    if "enum" in schema:
        return ENUM, tuple(schema["enum"])
    kind = schema.get("type")
    return {
        "boolean": (BOOL, ()),
        "number": (NUMBER, ()),
        "integer": (NUMBER, ()),
        "string": (TEXT, ()),
        "array": (LIST, ()),
    }.get(kind, (Type.ANY, ()))


def _walk(schema: dict, prefix: str, out: dict[str, FieldInfo]) -> None:
    required = set(schema.get("required", ()))
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if sub.get("type") == "object":
            out[path] = FieldInfo(path, Type.ANY, required=name in required,
                                  description=sub.get("description", ""))
            _walk(sub, path + ".", out)
            continue
        type_, values = _type_of(sub)
        out[path] = FieldInfo(path, type_, values, name in required, sub.get("description", ""))


@lru_cache(maxsize=None)
def _catalog() -> tuple[dict[str, FieldInfo], dict[str, FieldInfo]]:
    schema = load_schema("event")
    fields: dict[str, FieldInfo] = {}
    _walk(schema, "", fields)
    item_schema = schema["properties"]["order"]["properties"]["items"]["items"]
    items: dict[str, FieldInfo] = {}
    _walk(item_schema, "", items)
    return fields, items


FIELDS, ITEM_FIELDS = _catalog()

#: The first segment of every field path.
ROOTS = frozenset(p.split(".")[0] for p in FIELDS)

#: Every enum value any field accepts, for telling enum literals from typos.
ENUM_VALUES = frozenset(v for f in FIELDS.values() for v in f.values)
