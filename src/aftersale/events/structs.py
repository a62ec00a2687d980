"""Events decoded and validated in C: msgspec Structs built from `schema/event.json`.

Reading events in bulk (simulate, eval on JSON Lines) spends most of its time
in Python-level validation. Here the event schema is turned, once at import,
into msgspec Struct types (`defstruct`: enums as `Literal`, patterns and
lengths and bounds as `Meta`, optional fields defaulting to `UNSET`, unknown
fields forbidden), so `msgspec.json.decode(line, type=EVENT_STRUCT)` checks
shape, types, enums, required and unknown fields in C. The schema stays the
one definition: nothing here names a field.

What msgspec cannot check exactly is checked after decoding, by the reader's
own code: a number written with a fraction (money's fen rule, bounds compared
exactly, its digit count) goes through `compiled.field_check`, timestamps
through `datetime.fromisoformat` and the year range (as `values.parse_timestamp`), `request.amount` against `order.paid_amount`
as `reader.compiled_event` does. Keys given twice (which msgspec takes, the
last one winning) are ruled out by counting.

This path only ever *accepts*: `fast_event` returns None for anything it
refuses or doubts, and `decode` then asks the exact reader (`parse_event`),
so a bad event gets exactly the reader's messages (JSON path, line:column).

>>> e = decode('{"id": "A", "platform": "douyin", "at": "2026-11-21T22:14:00+08:00", '
...            '"request": {"kind": "refund_only", "reason": "lost", "amount": "12.50", '
...            '"created_at": "2026-11-21T22:00:00+08:00", "status": "pending_merchant"}, '
...            '"order": {"paid_amount": 30}}')
>>> e.get(("request", "amount")), e.get(("order", "paid_amount"))
(Decimal('12.50'), Decimal('30'))
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Callable, Literal, Union

fromisoformat = datetime.fromisoformat

import msgspec

from ..diagnostics import AftersaleError
from ..limits import MAX_EVENT_BYTES, MAX_NUMBER_CHARS, MAX_YEAR, MIN_YEAR
from ..schema import load_schema
from ..values import MONEY, NUMBER, TIMESTAMP
from .compiled import ANNOTATIONS, FAIL, field_check
from .fields import FIELDS, ITEM_FIELDS
from .typed import Event, plain_digits


class Unsupported(Exception):
    """The schema uses something these Structs do not express: every event takes the exact reader."""


class _Doubt(Exception):
    """A value msgspec accepted that the exact reader must judge."""


#: Keywords the Structs express (multipleOf is left to the checks after decoding).
SUPPORTED = ANNOTATIONS | {"type", "enum", "required", "properties", "additionalProperties", "$ref", "anyOf",
                           "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
                           "items", "multipleOf"}


def _meta(schema: dict, names: dict[str, str]):
    kw = {names[k]: schema[k] for k in names if k in schema}
    return msgspec.Meta(**kw) if kw else None


def _annotated(type_, meta):
    return type_ if meta is None else Annotated[type_, meta]


class _Builder:
    """The msgspec type of each subschema; objects become Structs named after their path."""

    def __init__(self, root: dict):
        self.root = root

    def resolve(self, schema: dict) -> dict:
        ref = schema.get("$ref")
        if ref is None:
            return schema
        if not ref.startswith("#/"):
            raise Unsupported(ref)
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return {**node, **{k: v for k, v in schema.items() if k != "$ref"}}

    def type_of(self, schema: dict, name: str):
        schema = self.resolve(schema)
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        if "enum" in schema:
            if not all(type(o) is str for o in schema["enum"]):
                raise Unsupported("enum of non-strings")
            return Literal[tuple(schema["enum"])]
        if "anyOf" in schema:
            return Union[tuple(self.type_of(b, name) for b in schema["anyOf"])]
        kind = schema.get("type")
        bounds = {"minimum": "ge", "maximum": "le"}
        if kind == "string":
            return _annotated(str, _meta(schema, {"pattern": "pattern", "minLength": "min_length",
                                                  "maxLength": "max_length"}))
        if kind == "integer":
            return _annotated(int, _meta(schema, bounds))
        if kind == "number":   # float takes JSON integers too; the exact value is checked after decoding
            return _annotated(float, _meta(schema, bounds))
        if kind == "boolean":
            return bool
        if kind == "array":
            items = self.type_of(schema["items"], name + "Item") if "items" in schema else Any
            return _annotated(list[items], _meta(schema, {"minItems": "min_length", "maxItems": "max_length"}))
        if kind == "object":
            return self.struct(schema, name)
        raise Unsupported(f"type {kind!r}")

    def struct(self, schema: dict, name: str) -> type:
        extra = schema.get("additionalProperties", True)
        if extra not in (True, False):
            raise Unsupported("additionalProperties with a schema")
        required = set(schema.get("required", ()))
        if required - set(schema.get("properties", {})):
            raise Unsupported("required keys without properties")
        fields: list = []
        for key, sub in schema.get("properties", {}).items():
            type_ = self.type_of(sub, name + "".join(p.title() for p in key.split("_")))
            fields.append((key, type_) if key in required else (key, Union[type_, msgspec.UnsetType],
                                                                 msgspec.UNSET))
        return msgspec.defstruct(name, fields, kw_only=True, forbid_unknown_fields=extra is False)


# -- typing the values, after msgspec accepted the text ----------------------------------------------

def _exact(path: tuple[str, ...]) -> Callable[[Decimal], Any]:
    """A number written with a fraction or an exponent: the compiled check of its field decides it exactly."""
    check = field_check(path)

    def number(value: Decimal):
        if not value.is_finite() or plain_digits(value) > MAX_NUMBER_CHARS:
            raise _Doubt
        typed = check(value)
        if typed is FAIL:
            raise _Doubt
        return typed
    return number


def _converter(type_, path: tuple[str, ...]) -> Callable[[Any], Any] | None:
    """What turns one validated raw value of this field into its typed value (None: kept as it is)."""
    if type_ is TIMESTAMP:
        def timestamp(value: str):
            # The pattern held (an offset or Z, which fromisoformat reads): only an impossible date or a
            # year out of range is left, as parse_timestamp says; anything else, the exact reader decides.
            try:
                typed = fromisoformat(value)
            except ValueError:
                raise _Doubt from None
            if typed.tzinfo is None or not MIN_YEAR <= typed.year <= MAX_YEAR:
                raise _Doubt
            return typed
        return timestamp
    if type_ in (MONEY, NUMBER):
        exact = _exact(path) if "items" not in path else _doubt  # field_check reads no array's items

        def number(value):
            if value.__class__ is int or (type_ is MONEY and value.__class__ is str):
                return Decimal(value)  # a money text matched the schema's pattern: at most 2 places
            return exact(value)
        return number
    return None


def _doubt(value):
    raise _Doubt


Plan = tuple  # ((key, converter or None, child plan or None, kind), ...): kind "object", "items", "count"


def _plan(schema: dict, builder: _Builder, prefix: tuple[str, ...], items: bool = False) -> Plan:
    """For each property of an object: how its value is typed, as `typed.typed` types it.

    Objects are copied with their values typed; `order.items` becomes a list of typed items; the
    objects of any other array are kept as they are, and only their keys are counted."""
    out = []
    for key, sub in schema.get("properties", {}).items():
        sub = builder.resolve(sub)
        path = prefix + (key,)
        if sub.get("type") == "object":
            out.append((key, None, _plan(sub, builder, path, items), "object"))
            continue
        if sub.get("type") == "array" and builder.resolve(sub.get("items", {})).get("type") == "object":
            typed = not items and path == ("order", "items")
            child = _plan(builder.resolve(sub["items"]), builder, path, True)
            out.append((key, None, child, "items" if typed else "count"))
            continue
        info = ITEM_FIELDS.get(".".join(path[2:])) if items else FIELDS.get(".".join(path))
        convert = _converter(info.type, path) if info is not None else None
        if convert is not None:
            out.append((key, convert, None, None))
    return tuple(out)


def _typed(obj: dict, plan: Plan, sizes: list) -> dict:
    """A copy of a validated object with its values typed (money and numbers Decimal, timestamps datetime).

    `sizes` gets the number of keys of every object met, nested ones included."""
    sizes.append(len(obj))
    out = obj.copy()
    for key, convert, child, kind in plan:
        value = obj.get(key, _typed)
        if value is _typed:
            continue
        if convert is not None:
            out[key] = convert(value)
        elif kind == "object":
            out[key] = _typed(value, child, sizes)
        elif kind == "items":
            out[key] = [_typed(item, child, sizes) for item in value]
        else:
            for item in value:
                _typed(item, child, sizes)
    return out


#: A key's closing quote with blanks before its colon: the key count below would miss it.
_SPACED = re.compile(r'"[ \t\r\n]+:').search
_SPACED_BYTES = re.compile(rb'"[ \t\r\n]+:').search


class FastReader:
    """The typed decoder, the raw decoder and the typing plan, built once from the event schema."""

    def __init__(self, schema: dict):
        builder = _Builder(schema)
        self.struct = builder.struct(schema, "EventStruct")
        self.check = msgspec.json.Decoder(self.struct).decode
        # the event as the reader holds it raw: numbers with a fraction as exact Decimals (text.DECODER)
        self.raw = msgspec.json.Decoder(float_hook=Decimal).decode
        self.plan = _plan(schema, builder, ())

    def event(self, data: bytes | str) -> Event | None:
        """The Event, or None where the exact reader must decide (it alone writes messages)."""
        try:
            self.check(data)
            raw = self.raw(data)
        except (msgspec.DecodeError, RecursionError):   # ValidationError is a DecodeError
            return None
        sizes: list[int] = []
        try:
            typed = _typed(raw, self.plan, sizes)
        except _Doubt:
            return None
        # Counting key ends: at least one per key written (a string may add more), so as many as the
        # decoded objects hold means no key was given twice.
        keys = sum(sizes)
        if data.__class__ is bytes:
            if data.count(b'":') != keys or _SPACED_BYTES(data):
                return None
        elif data.count('":') != keys or _SPACED(data):
            return None
        if typed["request"]["amount"] > typed["order"]["paid_amount"]:  # reader.amount_problem
            return None
        return Event(typed, raw)


@lru_cache(maxsize=None)
def fast_reader() -> FastReader | None:
    """The reader for this schema, or None where the schema says something it cannot express."""
    try:
        return FastReader(load_schema("event"))
    except Unsupported:
        return None


def fast_event(data: bytes | str) -> Event | None:
    """One event's JSON text decoded and validated in C: the Event, or None to ask the exact reader."""
    reader = fast_reader()
    if reader is None or len(data) > MAX_EVENT_BYTES:
        return None
    return reader.event(data)


def decode(data: bytes | str, *, source: str = "<event>", line: int = 1) -> Event:
    """One event from its JSON text: the reader's Event, or AftersaleError with the reader's messages."""
    event = fast_event(data)
    if event is not None:
        return event
    return exact(data, source=source, line=line)


def exact(data: bytes | str, *, source: str = "<event>", line: int = 1) -> Event:
    """The exact reader on one event's text: `text` decodes it (limits, keys twice), `parse_event` judges it."""
    import json

    from .reader import parse_event
    from .text import Refused, json_loads, refused, syntax_error, too_deep

    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            from ..diagnostics import Diagnostic, ERROR
            from ..source import Span

            raise AftersaleError(Diagnostic("invalid-json", ERROR, "the event is not valid UTF-8",
                                            Span(source, line, exc.start + 1, line, exc.start + 1))) from None
    if not data.strip():
        from .text import read_events

        raise next(read_events(data, source)).error  # the reader's word for an empty input
    try:
        obj = json_loads(data)
    except json.JSONDecodeError as exc:
        raise syntax_error(exc, source, line) from None
    except RecursionError:
        raise too_deep(source, line) from None
    except Refused as exc:
        raise refused(exc, source, line) from None
    return parse_event(obj, source=source, line=line, text=data)
