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
as `reader.compiled_event` does. Those checks are one function generated from
the schema (`_checker`, a few lines per field), which types nothing: the
Event's typed values (`Event.data`) are made from its raw dict when first
read, since deciding reads the raw dict. Keys given twice (which msgspec takes,
the last one winning) are ruled out by counting.

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
from .lazy import MONEY_OK, TS_SHAPES, event_spec, fen_text, pattern
from .typed import Event, plain_digits


#: The event schema's timestamp pattern (what the compiled reads' quick test of the usual shape stands for).
_TS_PATTERN = pattern("timestamp").__self__.pattern


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

    def __init__(self, root: dict, loose: bool = False):
        self.root = root
        #: With `loose`, money and timestamp texts are left to `_checker` (a quick test of the usual
        #: shape, then the pattern): msgspec calls the pattern's search from C at about the cost of a
        #: Python call. Their paths and patterns are kept here.
        self.loose = loose
        self.loosened: dict[tuple[str, ...], str] = {}
        #: Timestamps of the usual schema (its pattern alone) are read by msgspec as zone-aware datetimes
        #: (a real date and time, an offset), so `_checker` need not read the usual shape again.
        self.dated: set[tuple[str, ...]] = set()

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

    def type_of(self, schema: dict, name: str, path: tuple[str, ...] = (), items: bool = False):
        schema = self.resolve(schema)
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        if "enum" in schema:
            if not all(type(o) is str for o in schema["enum"]):
                raise Unsupported("enum of non-strings")
            return Literal[tuple(schema["enum"])]
        if "anyOf" in schema:
            return Union[tuple(self.type_of(b, name, path, items) for b in schema["anyOf"])]
        kind = schema.get("type")
        bounds = {"minimum": "ge", "maximum": "le"}
        if kind == "string":
            if self.loose and "pattern" in schema and _leaf_type(path, items) in (MONEY, TIMESTAMP):
                self.loosened[path] = schema["pattern"]
                schema = {k: v for k, v in schema.items() if k != "pattern"}
                if _leaf_type(path, items) is TIMESTAMP and set(schema) <= {"type", "description"} \
                        and self.loosened[path] == _TS_PATTERN:
                    self.dated.add(path)
                    return Annotated[datetime, msgspec.Meta(tz=True)]
            return _annotated(str, _meta(schema, {"pattern": "pattern", "minLength": "min_length",
                                                  "maxLength": "max_length"}))
        if kind == "integer":
            return _annotated(int, _meta(schema, bounds))
        if kind == "number":   # float takes JSON integers too; the exact value is checked after decoding
            return _annotated(float, _meta(schema, bounds))
        if kind == "boolean":
            return bool
        if kind == "array":
            sub = self.resolve(schema.get("items", {}))
            inner = self.type_of(sub, name + "Item", path, items or sub.get("type") == "object") \
                if "items" in schema else Any
            return _annotated(list[inner], _meta(schema, {"minItems": "min_length", "maxItems": "max_length"}))
        if kind == "object":
            return self.struct(schema, name, path, items)
        raise Unsupported(f"type {kind!r}")

    def struct(self, schema: dict, name: str, path: tuple[str, ...] = (), items: bool = False) -> type:
        extra = schema.get("additionalProperties", True)
        if extra not in (True, False):
            raise Unsupported("additionalProperties with a schema")
        required = set(schema.get("required", ()))
        if required - set(schema.get("properties", {})):
            raise Unsupported("required keys without properties")
        fields: list = []
        for key, sub in schema.get("properties", {}).items():
            type_ = self.type_of(sub, name + "".join(p.title() for p in key.split("_")), path + (key,), items)
            fields.append((key, type_) if key in required else (key, Union[type_, msgspec.UnsetType],
                                                                 msgspec.UNSET))
        # (the Structs of a loose check are dropped at once: no cycle to collect, no GC tracking)
        return msgspec.defstruct(name, fields, kw_only=True, forbid_unknown_fields=extra is False,
                                 gc=not self.loose)


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


Plan = tuple  # ((key, converter or None, child plan or None, kind, leaf type), ...): kind "object", "items", "count"


def _plan(schema: dict, builder: _Builder, prefix: tuple[str, ...], items: bool = False) -> Plan:
    """For each property of an object: how its value is typed, as `typed.typed` types it.

    Objects are copied with their values typed; `order.items` becomes a list of typed items; the
    objects of any other array are kept as they are, and only their keys are counted."""
    out = []
    for key, sub in schema.get("properties", {}).items():
        sub = builder.resolve(sub)
        path = prefix + (key,)
        if sub.get("type") == "object":
            out.append((key, None, _plan(sub, builder, path, items), "object", None))
            continue
        if sub.get("type") == "array" and builder.resolve(sub.get("items", {})).get("type") == "object":
            typed = not items and path == ("order", "items")
            child = _plan(builder.resolve(sub["items"]), builder, path, True)
            out.append((key, None, child, "items" if typed else "count", None))
            continue
        type_ = _leaf_type(path, items)
        convert = _converter(type_, path) if type_ is not None else None
        if convert is not None:
            out.append((key, convert, None, None, type_))
    return tuple(out)


def _leaf_type(path: tuple[str, ...], items: bool):
    """The type of a field as the field tables give it (an item's field under its item's path), or None."""
    info = ITEM_FIELDS.get(".".join(path[2:])) if items else FIELDS.get(".".join(path))
    return info.type if info is not None else None


def _typed(obj: dict, plan: Plan) -> dict:
    """A copy of a validated object with its values typed (money and numbers Decimal, timestamps datetime)."""
    out = obj.copy()
    for key, convert, child, kind, _ in plan:
        value = obj.get(key, _typed)
        if value is _typed:
            continue
        if convert is not None:
            out[key] = convert(value)
        elif kind == "object":
            out[key] = _typed(value, child)
        elif kind == "items":
            out[key] = [_typed(item, child) for item in value]
    return out


def _checker(plan: Plan, loosened: dict[tuple[str, ...], str], dated: set = frozenset()):
    """`check(raw)`: what `_typed` would refuse in an event msgspec validated, without typing anything.

    Generated once from the plan, one straight run of lines per field (a loop over the plan costs
    more than the checks): a timestamp is read (an impossible date, a year out of range), a number
    written with a fraction goes to its field's exact check, money text and whole numbers need
    nothing more; a text whose pattern the Struct left out (`loosened`) meets it here, a quick test of
    the usual shape first (lazy.fen_text, lazy.TS_SHAPES: what the compiled backend's reads test).
    Raises _Doubt (or ValueError); returns the number of keys of every object met. Unsupported if a
    loosened text is not one of the fields checked."""
    names: dict = {"U": _typed, "FROMISO": fromisoformat, "MIN": MIN_YEAR, "MAX": MAX_YEAR, "DOUBT": _Doubt,
                   "STR": str, "INT": int, "INF": float("inf"), "TS_SHAPES": TS_SHAPES}
    out = ["def check(o0):", " n = len(o0)"]

    def walk(plan: Plan, depth: int, pad: str, path: tuple[str, ...], items: bool) -> None:
        obj = f"o{depth}"
        for key, _, child, kind, type_ in plan:
            k = repr(key)
            if kind == "object":
                out.extend([f"{pad}o{depth + 1} = {obj}.get({k}, U)", f"{pad}if o{depth + 1} is not U:",
                            f"{pad} n += len(o{depth + 1})"])
                walk(child, depth + 1, pad + " ", path + (key,), items)
            elif kind in ("items", "count"):
                out.extend([f"{pad}for o{depth + 1} in {obj}.get({k}, ()):", f"{pad} n += len(o{depth + 1})"])
                walk(child, depth + 1, pad + " ", path + (key,), True)
            elif type_ is TIMESTAMP:
                out.extend([f"{pad}v = {obj}.get({k}, U)", f"{pad}if v is not U:"])
                if path + (key,) in dated:
                    # the usual shape, whose every digit msgspec read as a date, time and offset (as
                    # fromisoformat does; lazy.FieldSpec.load_lines makes the same test), a year in range
                    years = f"'{MIN_YEAR:04d}' <= v < '{MAX_YEAR + 1:04d}'"
                    out[-1] = f"{pad}if v is not U and not ((len(v) == 25 or len(v) == 20) and {years} " \
                              f"and v[4::3] in TS_SHAPES):"
                if path + (key,) in loosened:
                    quick = "((len(v) == 25 or len(v) == 20) and v[4::3] in TS_SHAPES) or " \
                        if loosened[path + (key,)] == _TS_PATTERN and path + (key,) not in dated else ""
                    out.append(f"{pad} if not ({quick}{meets(path + (key,))}(v)): raise DOUBT")
                out.extend([f"{pad} t = FROMISO(v)",
                            f"{pad} if t.tzinfo is None or not MIN <= t.year <= MAX: raise DOUBT"])
            else:   # money (text matched its pattern) or a number: a whole one is exact, one with a fraction is checked
                exact = f"X{len(names)}"
                names[exact] = _exact(path + (key,)) if not items else _doubt
                whole = "v.__class__ is not INT" + (" and v.__class__ is not STR" if type_ is MONEY else "")
                schema = event_spec(path + (key,)).schema if not items else {}
                if type_ is NUMBER and schema.get("type") == "number" and set(schema) <= _BOUNDED:
                    # a number between bounds (compared exactly) and written out in full within the
                    # digit limit is what the exact check accepts (str shows an exponent where it is not)
                    lo = repr(schema["minimum"]) if "minimum" in schema else "-INF"
                    hi = repr(schema["maximum"]) if "maximum" in schema else "INF"
                    whole += (f" and not (v.is_finite() and {lo} <= v <= {hi} and len(s := STR(v)) <= "
                              f"{MAX_NUMBER_CHARS} and 'E' not in s and 'e' not in s)")
                out.extend([f"{pad}v = {obj}.get({k}, U)", f"{pad}if v is not U and {whole}: {exact}(v)"])
                if path + (key,) in loosened:
                    quick = f"{fen_text('v')} or " if loosened[path + (key,)] == MONEY_OK.__self__.pattern else ""
                    out.append(f"{pad}elif v.__class__ is STR and not ({quick}{meets(path + (key,))}(v)): raise DOUBT")

    met: set = set()

    def meets(path: tuple[str, ...]) -> str:
        met.add(path)
        names[f"P{len(names)}"] = re.compile(loosened[path]).search   # as msgspec applies a pattern
        return f"P{len(names) - 1}"

    walk(plan, 0, " ", (), False)
    if met != set(loosened):
        raise Unsupported("a text pattern outside the checked fields")
    out.append(" return n")
    names["SOURCE"] = "\n".join(out)
    exec(compile(names["SOURCE"], "<aftersale event check>", "exec"), names)  # noqa: S102 - generated here
    return names["check"]


#: The keywords of a number field whose exact check is its bounds (and the digit limit) alone.
_BOUNDED = {"type", "minimum", "maximum", "description"}


def money(value) -> Decimal:
    """A money value of a validated raw event, typed (text and whole numbers; a fraction is a Decimal already)."""
    return value if value.__class__ is Decimal else Decimal(value)


def typed_data(raw: dict) -> dict:
    """The typed values of an event the fast reader accepted (Event.data, made when first read)."""
    reader = fast_reader()
    assert reader is not None   # only its events come without typed data
    return _typed(raw, reader.plan)


#: A key's closing quote with blanks before its colon: the key count below would miss it.
_SPACED = re.compile(r'"[ \t\r\n]+:').search
_SPACED_BYTES = re.compile(rb'"[ \t\r\n]+:').search


class FastReader:
    """The typed decoder, the raw decoder and the typing plan, built once from the event schema."""

    def __init__(self, schema: dict):
        builder = _Builder(schema)
        self.struct = builder.struct(schema, "EventStruct")
        loose = _Builder(schema, loose=True)
        self.plan = _plan(schema, loose, ())
        try:
            #: the check as the reader runs it: money and timestamp texts left to `valid`
            self.shape = msgspec.json.Decoder(loose.struct(schema, "EventShape")).decode
            self.valid = _checker(self.plan, loose.loosened, loose.dated)
        except Unsupported:
            self.shape = msgspec.json.Decoder(self.struct).decode   # the whole check in C, patterns included
            self.valid = _checker(self.plan, {})
        # the event as the reader holds it raw: numbers with a fraction as exact Decimals (text.DECODER)
        self.raw = msgspec.json.Decoder(float_hook=Decimal).decode

    def event(self, data: bytes | str) -> Event | None:
        """The Event, or None where the exact reader must decide (it alone writes messages).

        Its typed values are made when first read (`Event.data`): what is checked here is all
        that typing could refuse."""
        try:
            self.shape(data)
            raw = self.raw(data)
        except (msgspec.DecodeError, RecursionError):   # ValidationError is a DecodeError
            return None
        try:
            keys = self.valid(raw)
        except (_Doubt, ValueError):
            return None
        # Counting key ends: at least one per key written (a string may add more), so as many as the
        # decoded objects hold means no key was given twice.
        if data.__class__ is bytes:
            if data.count(b'":') != keys or _SPACED_BYTES(data):
                return None
        elif data.count('":') != keys or _SPACED(data):
            return None
        if money(raw["request"]["amount"]) > money(raw["order"]["paid_amount"]):  # reader.amount_problem
            return None
        return Event(None, raw)


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
