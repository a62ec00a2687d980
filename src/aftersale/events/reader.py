"""Events: reading, validating against the event schema, typing the values.

Every event is validated against `schema/event.json` before it is decided.
Each problem becomes one diagnostic naming the JSON path, and, where the event
came from a file, the line and column of the offending value.

>>> e = parse_event({"id": "A", "platform": "douyin", "at": "2026-11-21T22:14:00+08:00",
...     "request": {"kind": "refund_only", "reason": "lost", "amount": "12.50",
...                 "created_at": "2026-11-21T22:00:00+08:00", "status": "pending_merchant"},
...     "order": {"paid_amount": 30}})
>>> e.get(("request", "amount")), e.get(("order", "delivered_at"))
(Decimal('12.50'), MISSING)
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..limits import MAX_EVENT_PROBLEMS
from ..locale import Msg, msg
from ..schema import validator
from ..source import Span
from .fields import FIELDS
from .text import SUSPECT, path_text as _path_text
from .compiled import FAIL, compiled_check
from .locate import position, value_range
from .typed import Event, shape_problem, typed

#: At most this many problems are reported per event (the limits live in aftersale/limits.py).
MAX_PROBLEMS = MAX_EVENT_PROBLEMS


def json_type(value) -> Msg:
    """The JSON name of a decoded value's type (`a number` / `数字`), as a message."""
    if isinstance(value, bool):
        return msg("event.type.boolean")
    if isinstance(value, (int, float, Decimal)):
        return msg("event.type.number")
    return msg("event.type." + {dict: "object", list: "array", str: "string"}.get(type(value), "null"))


def _owner(where: str):
    """An object named in a message: `request`, or the event itself."""
    return msg("event.the_event") if where == "(the event)" else f"`{where}`"


def _problem_path(err) -> list:
    """Where a schema error is located: at the unknown field itself for an unknown field."""
    path = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        path += extra[:1]
    return path


_FRACTION = re.compile(r"T?[0-9:]{8}\.([0-9]+)(?:Z|[+-][0-9]{2}:[0-9]{2})(?![\s\S])").search


def _describe(err, prefix: tuple = ()) -> Msg:
    """One line for a jsonschema error, in our words."""
    where = _path_text(list(prefix) + list(err.absolute_path))
    v = err.validator
    inst = err.instance
    shown = json.dumps(inst, default=str, ensure_ascii=False)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return msg("event.lacks", owner=_owner(where), field=missing)
    if v == "additionalProperties":
        extra = sorted(set(inst) - set(err.schema.get("properties", {})))
        from ..diagnostics import did_you_mean

        hint = did_you_mean(extra[0], err.schema.get("properties", {})) if extra else None
        field = extra[0] if extra else "?"
        return msg("event.unknown_field_hint", owner=_owner(where), field=field, hint=hint) if hint else \
            msg("event.unknown_field", owner=_owner(where), field=field)
    if v == "enum":
        from ..diagnostics import did_you_mean

        hint = did_you_mean(str(inst), [str(x) for x in err.validator_value])
        if hint:
            return msg("event.enum_hint", where=where, value=shown, hint=hint)
        return msg("event.enum", where=where, value=shown, options=", ".join(str(x) for x in err.validator_value))
    ref = err.schema.get("description", "")
    if v in ("anyOf", "pattern") and ("money" in ref.lower() or "yuan" in ref.lower()):
        if isinstance(inst, (int, float, Decimal)) and not isinstance(inst, bool) and abs(inst) <= 10 ** 12:
            return msg("event.money_places", where=where, value=str(inst))
        return msg("event.money", where=where, value=shown)
    if v == "pattern" and ("timestamp" in ref.lower() or "ISO 8601" in ref):
        fraction = _FRACTION(inst) if isinstance(inst, str) else None
        if fraction is not None and len(fraction.group(1)) > 6:
            return msg("event.fraction", where=where, value=shown, digits=len(fraction.group(1)))
        return msg("event.timestamp", where=where, value=shown)
    if v == "type":
        return msg("event.type_expected", where=where, value=shown, expected=str(err.validator_value))
    if v in ("maximum", "minimum") and not isinstance(inst, bool):
        return msg(f"event.{v}", where=where, value=shown, limit=str(err.validator_value))
    return msg("event.schema", where=where, message=err.message)


def _locate(text: str | None, path, source_name: str, line0: int) -> Span:
    """The position of the value at `path` in the event's text (`locate.py`)."""
    found = value_range(text, path) if text else None
    if found is None:  # locating is best effort; the path is in the message
        return Span(source_name, line0, 1, line0, 1)
    (line, column), (end_line, end_column) = (position(text, offset) for offset in found)
    return Span(source_name, line0 + line, column + 1, line0 + end_line, end_column + 1)


def amount_problem(event_data: dict, prefix: tuple = ()) -> tuple[list, Msg] | None:
    """`request.amount` over `order.paid_amount` (product.md: such an event is invalid), on typed values."""
    amount = event_data["request"]["amount"]
    paid = event_data["order"]["paid_amount"]
    if amount <= paid:
        return None
    where = _path_text(list(prefix) + ["request", "amount"])
    return (["request", "amount"],
            msg("event.over_paid", where=where, amount=str(amount), paid=str(paid)))


def parse_event(obj: Any, *, source: str = "<event>", line: int = 1, text: str | None = None,
                index: int | None = None) -> Event:
    """Validate `obj` against the event schema and type its values: the one event reader.

    `text` is the JSON text `obj` was decoded from (to point at the offending
    value, and to skip the walk for values JSON text cannot hold where it
    shows none), and `index` its position when it is an element of a JSON
    array in that text. The usual event takes the schema compiled into Python
    (`compiled.py`); any other gets the exact path, which writes the messages.
    Raises AftersaleError with one `invalid-event` diagnostic per problem.
    """
    if obj.__class__ is dict and (shape_problem(obj) is None if text is None else SUSPECT(text) is None):
        event = compiled_event(obj)
        if event is not None:
            return event
    return exact_event(obj, source=source, line=line, text=text, index=index)


def exact_event(obj: Any, *, source: str = "<event>", line: int = 1, text: str | None = None,
                index: int | None = None) -> Event:
    """`parse_event` without the compiled check: jsonschema, then `typed`; the messages come from here."""
    prefix = () if index is None else (index,)
    problems: list[tuple[list, Msg]] = []
    shape = shape_problem(obj) if isinstance(obj, dict) else None
    if not isinstance(obj, dict):
        problems.append(([], msg("event.element_not_object", where=_path_text(prefix), type=json_type(obj))
                         if prefix else msg("event.not_object", type=json_type(obj))))
    elif shape is not None:
        problems.append((list(prefix) + shape[0], shape[1]))
    else:
        for err in validator("event").iter_errors(obj):
            problems.append((_problem_path(err), _describe(err, prefix)))
            if len(problems) >= MAX_PROBLEMS:
                break
    if not problems:
        data = typed(obj, "", FIELDS, problems, list(prefix))
        if not problems:
            over = amount_problem(data, prefix)
            if over is None:
                return Event(data, obj)
            problems = [over]
        else:
            problems = [(path[len(prefix):], msg) for path, msg in problems]
    diags = [Diagnostic("invalid-event", ERROR, msg, _locate(text, path, source, line))
             for path, msg in problems]
    raise AftersaleError(diags)


def compiled_event(obj: dict, check=None) -> Event | None:
    """The event through the compiled schema check; None where the exact path must decide."""
    data = (check or compiled_check())(obj)
    if data is FAIL or data["request"]["amount"] > data["order"]["paid_amount"]:  # see amount_problem
        return None
    return Event(data, obj)


