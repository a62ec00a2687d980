"""Fact codes: what a decision record says about one evaluated condition, as data.

A record (schema_version 2) holds no sentences: each evaluated leaf carries a
`fact`, a code from `FACT_CODES` with typed values (`typed`), and the
renderers of `aftersale.explain` word it in the reader's language. The table
below is the one list of codes; `schema/decision.json` documents the same.

>>> from datetime import timedelta
>>> typed(timedelta(days=1, seconds=1, microseconds=500000), Type.DURATION)
{'type': 'duration', 'seconds': '86401.5'}
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, assert_never

from .. import rules as ir
from ..events.fields import ITEM_FIELDS
from ..syntax.fmt import expr_text
from ..syntax.parser import shorten_lists
from ..values import MISSING, Type

#: Every fact code, with the keys it carries besides `code`.
FACT_CODES: dict[str, str] = {
    "compare": "`op` (< <= > >= == !=), `subject` and `bound` typed values, `measure` (what the subject is); "
               "`bound_from` when the bound is scaled: `op` (* or /), `left` and `right` typed values",
    "between": "`subject`, `low`, `high` typed values (inclusive), `measure`",
    "in": "`subject`, `options` (typed values; the first 10), `negated` (true for `not in`), `measure`; for a "
          "named list or more than 10 options also `list` (its name, or null) and `size`",
    "presence": "`field`, `want` (present|missing) and `found` (present|missing)",
    "service_hours": "`want` (open|closed), `measure`, `at` (timestamp), `open`, `why` "
                     "(hours|holiday|makeup_day|no_hours), `holiday` (name or null), `hours` (days → ranges)",
    "weekend": "`measure`, `at` (timestamp): Saturday or Sunday in the policy's zone",
    "day_off": "`measure`, `at` (timestamp): a weekend or holiday day off (make-up working days excluded)",
    "holiday": "`measure`, `at` (timestamp), `holiday` (its name, or null)",
    "quantifier": "`kind` (any|all), `collection` (field path), `condition` (its source text), `items` (count)",
    "text": "`function` (contains|starts_with|ends_with), `subject` and `argument` typed values",
    "flag": "`measure`, `subject`: a yes/no field or function used as a condition",
    "always": "no keys: a rule without conditions",
}

#: What a subject is, in `measure`: {"kind": ..., ...}.
MEASURE_KINDS = ("field", "age", "span", "count", "call", "expr")


def typed(value: Any, type_: Type, tz=None, field: str | None = None, currency: str = "CNY",
          percent: bool = False) -> dict[str, Any]:
    """A value as a record stores it: its type and an exact, language-free form."""
    if value is MISSING or value is None:
        return {"type": "missing", "field": field} if field else {"type": "missing"}
    if isinstance(value, bool):
        return {"type": "bool", "value": value}
    if isinstance(value, datetime):
        zone = getattr(tz, "key", None)
        return {"type": "timestamp", "value": (value.astimezone(tz) if tz else value).isoformat(), "zone": zone}
    if isinstance(value, timedelta):
        micro = (value.days * 86400 + value.seconds) * 10**6 + value.microseconds
        return {"type": "duration", "seconds": format((Decimal(micro) / 10**6).normalize(), "f")}
    if isinstance(value, time):
        return {"type": "time", "value": "24:00" if value == time.max else value.isoformat()}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if type_ is Type.MONEY and isinstance(value, (Decimal, int)):
        return {"type": "money", "amount": format(Decimal(value), "f"), "currency": currency}
    if isinstance(value, (Decimal, int, float)):
        out = {"type": "number", "value": format(Decimal(str(value)), "f")}
        if percent:
            out["percent"] = True
        return out
    if type_ is Type.ENUM and isinstance(value, str):
        return {"type": "enum", "field": field, "value": value}
    if isinstance(value, (list, tuple)):
        return {"type": "list", "items": [typed(v, Type.ANY, tz) for v in value]}
    if isinstance(value, dict):  # an item of order.items: each field typed as the schema types it
        return {"type": "item", "fields": {k: typed(v, _item_type(k), tz, field=f"item.{k}", currency=currency)
                                           for k, v in value.items()}}
    return {"type": "text", "value": str(value)}


def _item_type(name: str) -> Type:
    info = ITEM_FIELDS.get(name)
    return info.type if info else Type.ANY


def measure(e: ir.Expr) -> dict[str, Any]:
    """What a subject expression is, for the renderers to name it."""
    match e:
        case ir.Field():
            return {"kind": "field", "field": e.dotted}
        case ir.Call(function="age", args=(ir.Field(), *_)):
            return {"kind": "age", "field": e.args[0].dotted}
        case ir.Call(args=(ir.Field(), *_)):
            return {"kind": "call", "function": e.function, "field": e.args[0].dotted}
        case ir.Arith(op=ir.Op.SUB, type=Type.DURATION, left=ir.Field(), right=ir.Field()):
            return {"kind": "span", "from": e.right.dotted, "to": e.left.dotted}
        case ir.Quantifier():
            return {"kind": "count", "collection": e.collection.dotted}
        case ir.Literal() | ir.Arith() | ir.Call() | ir.Compare() | ir.Between() | ir.InList() | ir.Presence() \
                | ir.And() | ir.Or() | ir.Not():
            return {"kind": "expr", "text": expr_text(e)}
        case _:
            assert_never(e)


def field_of(e: ir.Expr) -> str | None:
    if isinstance(e, ir.Field):
        return e.dotted
    if isinstance(e, ir.Call) and e.function == "weekday":
        return "weekday"
    return None


class FactWriter:
    """Facts of one policy's conditions (its zone, currency, hours and calendar judge values)."""

    def __init__(self, interpreter):
        self.tz = interpreter.tz
        self.hours = interpreter.policy.service_hours
        self.calendar = interpreter.calendar
        self.currency = interpreter.policy.currency

    def value(self, e: ir.Expr, v: Any, enum_field: str | None = None) -> dict[str, Any]:
        percent = isinstance(e, ir.Literal) and str(getattr(e, "text", "")).endswith("%")
        return typed(v, e.type, self.tz, enum_field or field_of(e), self.currency, percent)

    def fact(self, e: ir.Expr, values: list) -> dict[str, Any]:
        vals = [v for _, v in values]
        match e:
            case ir.Compare():
                return self._compare(e, values)
            case ir.Between():
                f = field_of(e.subject)
                return {"code": "between", "measure": measure(e.subject), "subject": self.value(e.subject, vals[0]),
                        "low": self.value(e.low, vals[1], f), "high": self.value(e.high, vals[2], f)}
            case ir.InList():
                return self._in(e, values)
            case ir.Presence():
                return {"code": "presence", "field": expr_text(e.subject),
                        "want": "present" if e.present else "missing",
                        "found": "missing" if vals and vals[0] is MISSING else "present"}
            case ir.Quantifier():
                items = vals[0] if vals else MISSING
                return {"code": "quantifier", "kind": e.kind, "collection": e.collection.dotted,
                        "condition": shorten_lists(expr_text(e.condition)) if e.condition is not None else "",
                        "items": len(items) if isinstance(items, (list, tuple)) else None}
            case ir.Call():
                return self._call(e, values)
            case ir.Field() | ir.Literal() | ir.Arith() | ir.And() | ir.Or() | ir.Not():
                return {"code": "flag", "measure": measure(e),
                        "subject": self.value(e, vals[0]) if vals else {"type": "missing"}}
            case _:
                assert_never(e)

    def _compare(self, e: ir.Compare, values: list) -> dict[str, Any]:
        vals = [v for _, v in values]
        f = field_of(e.left)
        out = {"code": "compare", "op": e.op, "measure": measure(e.left),
               "subject": self.value(e.left, vals[0]), "bound": self.value(e.right, vals[1], f)}
        if len(values) == 4:  # a bound scaled by `*` or `/` (interpreter.operands): what it came from
            (a, va), (b, vb) = values[2:]
            out["bound_from"] = {"op": str(e.right.op), "left": self.value(a, va), "right": self.value(b, vb)}
        return out

    def _in(self, e: ir.InList, values: list) -> dict[str, Any]:
        f = field_of(e.subject)
        listed = [(x, x.value) for x in e.options] if e.constants is not None else values[1:]
        fact = {"code": "in", "negated": e.negated, "measure": measure(e.subject),
                "subject": self.value(e.subject, values[0][1]),
                "options": [self.value(x, v, f) for x, v in listed[:ir.SHOWN_OPTIONS]]}
        if e.name is not None or len(listed) > ir.SHOWN_OPTIONS:  # a merchant's SKU list: named and counted
            fact.update({"list": e.name, "size": len(listed)})
        return fact

    def _call(self, e: ir.Call, values: list) -> dict[str, Any]:
        from ..hours import is_open

        vals = [v for _, v in values]
        ts = vals[0] if vals else MISSING
        if e.function in ("in_service_hours", "outside_service_hours", "is_weekend", "is_holiday", "is_day_off"):
            out: dict[str, Any] = {"measure": measure(e.args[0]) if e.args else {"kind": "expr", "text": "at"},
                                   "at": typed(ts, Type.TIMESTAMP, self.tz)}
            if ts is MISSING:
                return {"code": _TIME_CODES[e.function], **out}
            day = ts.astimezone(self.tz).date() if self.tz else ts.date()
            holiday = self.calendar.holiday_name(day)
            if e.function in ("is_weekend", "is_holiday", "is_day_off"):
                return {"code": _TIME_CODES[e.function], **out, "holiday": holiday}
            hours = self.hours
            if hours is None or not any(hours.days):
                why = "no_hours"
            elif holiday is not None:
                why = "holiday"
            elif self.calendar.is_makeup_workday(day):
                why = "makeup_day"
            else:
                why = "hours"
            return {"code": "service_hours", "want": "open" if e.function == "in_service_hours" else "closed",
                    **out, "open": is_open(hours, self.calendar, ts.astimezone(self.tz) if self.tz else ts),
                    "why": why, "holiday": holiday,
                    "hours": hours.to_mapping() if hours is not None else {}}
        if e.function in ("contains", "starts_with", "ends_with") and len(values) == 2:
            return {"code": "text", "function": e.function, "subject": self.value(*values[0]),
                    "argument": self.value(*values[1])}
        return {"code": "flag", "measure": measure(e), "subject": {"type": "missing"} if not vals
                else self.value(e.args[0], vals[0]) if e.function not in ("age",) else self.value(e, vals[0])}


_TIME_CODES = {"in_service_hours": "service_hours", "outside_service_hours": "service_hours",
               "is_weekend": "weekend", "is_holiday": "holiday", "is_day_off": "day_off"}

__all__ = ["FACT_CODES", "FactWriter", "MEASURE_KINDS", "measure", "typed"]
