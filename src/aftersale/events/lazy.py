"""Reading raw event dicts field by field: each value checked and typed once, when a decision first needs it.

The compiled backend reads fields straight from the dict a caller passes to
`Policy.decide`, instead of validating the whole event against the JSON Schema
first. Each read checks the value against that field's part of the schema and
types it exactly as `events.parse_event` does: a read accepts a value if and
only if `parse_event` would (tests/backends/test_compiled.py holds the two
side by side). A read is a cheap inline check for the usual shape (a `str`
matching the money pattern, a `bool`, an enum value...) and, for anything
else, an exact slow path (`slow`, `container`, `NUMBER_read`, `ITEMS_read`)
that runs the field's part of the compiled schema check (`compiled.field_check`:
the code the whole-event reader runs, generated from the same schema).
Reading `request.amount` also reads `order.paid_amount` and refuses an amount
over it, as the whole-event reader does (not in policies of over
`compiler.COMPACT_RULES` rules, whose conditional reads go through `read`,
which sees only the field's own object). Where a field is absent, its object is checked
for keys the schema does not know, so that a misspelt `risk_levle` is
reported instead of read as a missing `risk_level`.

A value the schema rejects raises `Invalid` (and an odd one may raise
something else on the way, e.g. an unhashable enum value); the backend then
calls `parse_event`, which reports every problem of the event with the usual
messages, so errors read the same on every path.

`FieldSpec.load_lines` writes the inline check for the code generator; the
helpers here are the slow paths the generated code calls.

>>> spec = event_spec(("request", "amount"))
>>> spec.type, spec.required, spec.always_present
(<Type.MONEY: 'money'>, True, True)
>>> slow("12.50", spec, {}), slow(7, spec, {})
(Decimal('12.50'), Decimal('7'))
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any

from ..limits import MAX_NUMBER_CHARS, MAX_YEAR, MIN_YEAR

assert 0 <= MIN_YEAR <= MAX_YEAR < 9999  # FieldSpec.load_lines compares 4-digit years as text
from ..schema import load_schema
from ..values import BOOL, ENUM, LIST, MISSING, MONEY, NUMBER, TEXT, TIMESTAMP, Type, in_range
from .compiled import FAIL, field_check
from .fields import FIELDS, ITEM_FIELDS
from .text import path_text
from .typed import plain_digits as _plain_digits, shape_problem


class Invalid(Exception):
    """The event breaks its schema at a field a decision reads (parse_event says how)."""


#: The value of an absent optional object: every field in it reads as MISSING.
EMPTY = MappingProxyType({})


class _Unset:
    """A field the decision has not read yet (only where a read is conditional)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()

#: Text without unpaired surrogates (which no JSON text holds: parse_event refuses them).
TEXT_OK = re.compile("[^\ud800-\udfff]*\\Z").match
#: `ts[4::3]` of a canonical timestamp, 2026-11-21T22:14:00+08:00: its separators; and of one in UTC
#: written with `Z`, 2026-11-21T22:14:00Z (20 characters: its 6 separators never match a 25's 7).
TS_SHAPES = frozenset(("--T::+:", "--T::-:", "--T::Z"))


def _defs() -> dict:
    return load_schema("event")["$defs"]


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    return {**_defs()[ref.rsplit("/", 1)[1]], **{k: v for k, v in schema.items() if k != "$ref"}} if ref else schema


@lru_cache(maxsize=None)
def pattern(name: str):
    """The `search` of a $defs pattern, compiled from the schema's own text (as jsonschema applies it)."""
    defs = _defs()[name]
    text = defs.get("pattern") or next(s["pattern"] for s in defs["anyOf"] if "pattern" in s)
    return re.compile(text).search


#: Money as a plain decimal text: the schema's own pattern.
MONEY_OK = pattern("money")


@dataclass(frozen=True)
class FieldSpec:
    """One field of the event (or of an item): where it is, its type, and its schema."""

    path: tuple[str, ...]
    type: Type
    required: bool            # required inside its parent object
    always_present: bool      # required, and so is every object above it
    schema: dict = field(repr=False, compare=False)
    is_object: bool = False
    siblings: frozenset | None = field(default=None, repr=False)   # the keys its object may hold

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def key(self) -> str:
        return self.path[-1]

    @cached_property
    def enum(self) -> tuple:
        return tuple(self.schema.get("enum", ()))

    @cached_property
    def enum_set(self) -> frozenset:
        return frozenset(self.enum)

    @cached_property
    def check(self):
        """The compiled check of this field's value alone (compiled.field_check: the whole-event check's code)."""
        return field_check(self.path)

    def load_lines(self, var: str, container: str, name: str, key: str, raw_float: bool = False,
                   absent_ok: str | None = None, paid: str | None = None) -> list[str]:
        """Python lines that read this field from `container` into `var`, checked and typed.

        `name` is the generated module's name for this spec, `key` the name of
        the constant holding the field's key (no field name is written as text). Each is one cheap
        test for the usual shape, and `SLOW` (exact) for everything else.
        `absent_ok` is a Python test saying that an absent value may be taken as
        MISSING (the field is optional and its object holds no misspelt keys);
        without it absence goes to `SLOW` too. With `raw_float`, a valid float
        number stays a float (the generator compares it with `float_compare`).
        `request.amount` is checked against `order.paid_amount`: `paid` names the
        variable holding it where the code read it first, else WITHIN_PAID reads it.
        """
        get = f"{var} = {container}.get({key}, MISSING)"
        slow_call = f"{var} = SLOW({var}, {name}, {container})"
        # where the cheap test failed: absent and fine, or the exact path
        other = f"{var} is not MISSING or not ({absent_ok})" if absent_ok else None
        if self.is_object:
            return [get, f"if {other}: {slow_call}" if other else slow_call]
        if self.type is MONEY:
            lines = [get, f"if {var}.__class__ is str and ({fen_text(var)} or MONEY_OK({var})): {var} = DEC({var})",
                     f"elif {other}: {slow_call}" if other else f"else: {slow_call}"]
            if self.path == AMOUNT and paid:  # `paid`: order.paid_amount, already read by the code
                lines.append(f"if {var} > {paid}: {var} = WITHIN_PAID({var}, e)")  # (which raises)
            elif self.path == AMOUNT:  # the generated decide functions call the event `e`
                lines.append(f"{var} = WITHIN_PAID({var}, e)")
            return lines
        if self.type is TIMESTAMP:
            # The canonical shape (separators in place, 25 characters or 20 ending in Z, a year
            # in range) is enough once fromisoformat has read every digit; other shapes meet
            # the pattern.
            # The year is compared without slicing it out: for a text of 4 characters or more,
            # `MIN <= text[:4] <= MAX` is `MIN <= text < MAX + 1` (4-digit years, MAX < 9999).
            years = f"'{MIN_YEAR:04d}' <= {var} < '{MAX_YEAR + 1:04d}'"
            return [get, f"if {var}.__class__ is str and (len({var}) == 25 or len({var}) == 20) and {years} "
                         f"and {var}[4::3] in TS_SHAPES: {var} = FROMISO({var})",
                    f"elif {var}.__class__ is str and TS_OK({var}): {var} = ISO({var})",
                    f"elif {other}: {slow_call}" if other else f"else: {slow_call}"]
        if self.enum:
            bad = f"{var} not in {name}_VALUES"
        elif self.type is BOOL:
            bad = f"{var}.__class__ is not bool"
        elif self.type is TEXT and self.schema.get("type") == "string":
            lo, hi = self.schema.get("minLength"), self.schema.get("maxLength")
            bad = f"{var}.__class__ is not str"
            if lo is not None or hi is not None:
                bad += f" or not {lo or 0} <= len({var}) <= {hi if hi is not None else 'INF'}"
            bad += f" or not ({var}.isascii() or TEXT_OK({var}))"
        elif self.type is NUMBER:
            lo, hi = self.schema.get("minimum"), self.schema.get("maximum")
            number = f"{var} = NUMBER({var}, {name}, {container})"
            if self.schema.get("type") == "number" and lo is not None and hi is not None and 0 <= lo < hi:
                # The schema compares the raw number and the value is the Decimal of its shortest
                # repr, which within 1e-12..1e12 never has too many digits (events.MAX_NUMBER_CHARS).
                low, high = max(lo, 1e-12), min(hi, 1e12)
                ok = f"{var}.__class__ is float and ({var} == 0 or {low!r} <= {var} <= {high!r})"
                if raw_float:
                    return [get, f"if not ({ok}) and ({other}): {number}" if other else f"if not ({ok}): {number}"]
                return [get, f"if {ok}: {var} = DEC(repr({var}))",
                        f"elif {other}: {number}" if other else f"else: {number}"]
            return [get, f"if {other}: {number}" if other else number]
        elif self.type is LIST and self.path == ("order", "items"):
            return [get, f"{var} = ITEMS({var}, {name}, {container})"]
        else:
            return [get, f"if {other}: {slow_call}" if other else slow_call]
        return [get, f"if {bad}{f' and ({other})' if other else ''}: {slow_call}"]


@lru_cache(maxsize=None)
def event_spec(path: tuple[str, ...]) -> FieldSpec:
    """The spec of an event field or object (`("request", "tracking")`), from the event schema."""
    schema: dict = load_schema("event")
    required = always = True
    siblings = None
    for key in path:
        required = key in schema.get("required", ())
        always = always and required
        siblings = frozenset(schema["properties"]) if schema.get("additionalProperties") is False else None
        schema = _resolve(schema["properties"][key])
    info = FIELDS.get(".".join(path))
    is_object = schema.get("type") == "object"
    type_ = info.type if info is not None else Type.ANY
    return FieldSpec(path, type_, required, always, schema, is_object, siblings)


ROOT = FieldSpec((), Type.ANY, True, True, {}, True)


def absent(spec: FieldSpec, parent) -> None:
    """A field is not there: fine if it is optional, and no misspelt field stands in its place.

    (A typo such as `risk_levle` must be reported, not read as a missing risk level.)
    """
    if parent is EMPTY:
        return  # its whole object is absent, which was checked one level up
    if spec.required or (spec.siblings is not None and not parent.keys() <= spec.siblings):
        raise Invalid(spec.dotted)


def container(value, spec: FieldSpec, parent):
    """The exact check of an object on the way to a field (the inline test saw no plain dict)."""
    if value is MISSING:
        absent(spec, parent)
        return EMPTY
    if isinstance(value, dict):
        return value
    raise Invalid(spec.dotted)


def slow(value, spec: FieldSpec, parent):
    """The exact check and typing of one value, by the compiled schema check (MISSING if absent and allowed)."""
    if value is MISSING:
        absent(spec, parent)
        return MISSING
    if shape_problem(value) is not None:  # NaN, surrogates, overlong numbers, non-JSON types
        raise Invalid(spec.dotted)
    typed = spec.check(value)
    if typed is FAIL:
        raise Invalid(spec.dotted)  # or unsure: the exact whole-event path decides, and says why
    return typed


def fen_text(var: str) -> str:
    """Python that is true for the usual money text, 1 to 12 ASCII digits, a point and 2 digits
    ("226.49"), cheaper than the schema's pattern (MONEY_OK), which every other text still meets: the
    point found first is the one before the last two characters, so the rest are digits."""
    return (f"(4 <= len({var}) <= 15 and {var}[-3] == '.' and {var}.isascii() "
            f"and {var}.replace('.', '0', 1).isdigit())")


#: The field that may never exceed `order.paid_amount` (product.md), and that one.
AMOUNT, PAID = ("request", "amount"), ("order", "paid_amount")


def within_paid(amount, event):
    """`request.amount` read from `event`, checked against `order.paid_amount` (reader.amount_problem)."""
    order = event.get("order", MISSING)
    paid = order.get("paid_amount", MISSING) if order.__class__ is dict else MISSING
    if paid.__class__ is str and (4 <= len(paid) <= 15 and paid[-3] == "." and paid.isascii()
                                  and paid.replace(".", "0", 1).isdigit() or MONEY_OK(paid)):  # fen_text's test
        paid = Decimal(paid)
    else:
        paid = slow(paid, event_spec(PAID), order if order.__class__ is dict else EMPTY)
        if paid is MISSING:
            raise Invalid(".".join(PAID))
    if amount > paid:
        raise Invalid(".".join(AMOUNT))
    return amount


def NUMBER_read(value, spec: FieldSpec, parent):  # noqa: N802 - named as the generated code calls it
    """A number field (`buyer.return_rate`): int, float or Decimal in range, held as Decimal."""
    cls = value.__class__
    if spec.schema.get("type") == "number" and (
            (cls is float and (value == 0 or 1e-12 <= abs(value) <= 1e12))
            or (cls is int and abs(value) < 10 ** 12)
            or (cls is Decimal and value.is_finite() and _plain_digits(value) <= MAX_NUMBER_CHARS)):
        lo, hi = spec.schema.get("minimum"), spec.schema.get("maximum")
        if not ((lo is not None and value < lo) or (hi is not None and value > hi)):  # the schema's test
            return value if cls is Decimal else Decimal(str(value))
    return slow(value, spec, parent)


def ITEMS_read(value, spec: FieldSpec, parent):  # noqa: N802
    """`order.items`, every item checked and typed by the compiled check (quantifiers show whole items)."""
    return slow(value, spec, parent)


def _iso(text: str) -> datetime:
    """fromisoformat, and the year range parse_event allows (ValueError outside, as for Feb 30)."""
    value = datetime.fromisoformat(text)
    if not in_range(value):
        raise ValueError(text)
    return value


def read(value, spec: FieldSpec, parent):
    """One value read as the generated inline code reads it (for big policies' conditional reads)."""
    cls = value.__class__
    if spec.type is MONEY and cls is str and pattern("money")(value):
        return Decimal(value)
    if spec.type is TIMESTAMP and cls is str and pattern("timestamp")(value):
        return _iso(value)
    if spec.enum and value in spec.enum_set:
        return value
    if spec.type is BOOL and cls is bool:
        return value
    if spec.type is NUMBER:
        return NUMBER_read(value, spec, parent)
    if spec.type is LIST and spec.path == ("order", "items"):
        return ITEMS_read(value, spec, parent)
    return slow(value, spec, parent)


def read_field(path: tuple[str, ...], value, event):
    """One raw event value checked and typed exactly; AftersaleError from parse_event if it is wrong.

    For what a decision keeps raw until asked (`Decision.event_id`, `Decision.at`).
    """
    spec = event_spec(path)
    try:
        if spec.type is TIMESTAMP and value.__class__ is str and pattern("timestamp")(value):
            return _iso(value)
        if spec.type is TEXT and value.__class__ is str and spec.schema.get("minLength", 0) <= len(value) <= \
                spec.schema.get("maxLength", len(value)) and (value.isascii() or TEXT_OK(value)):
            return value
        return slow(value, spec, event)
    except Exception:  # noqa: BLE001 - the authority says what is wrong
        from .reader import parse_event

        return parse_event(event).get(path)


def float_bounds(value: Decimal) -> tuple[float, float]:
    """The floats just below and above a Decimal constant, between which `float_compare` asks Decimal."""
    f = float(value)
    margin = abs(f) * 1e-9 + 1e-300
    return f - margin, f + margin


def float_compare(op: str, var: str, const: str, lo: str, hi: str) -> str:
    """Python for `var op value` where `var` holds a float, exactly as Decimal(repr(var)) op value.

    `const` names the Decimal constant, `lo` and `hi` its `float_bounds` (names,
    not numbers: the generated code receives them). Far from the constant the
    float comparison already gives the answer; within a hair of it (1e-9
    relative) the exact Decimal decides. This spares the fast path the Decimal
    of a number it only compares with a literal.
    """
    exact = f"DEC(repr({var})) {op} {const}"
    return {
        ">": f"({var} >= {hi} or ({var} > {lo} and {exact}))",
        ">=": f"({var} >= {hi} or ({var} > {lo} and {exact}))",
        "<": f"({var} <= {lo} or ({var} < {hi} and {exact}))",
        "<=": f"({var} <= {lo} or ({var} < {hi} and {exact}))",
        "==": f"({lo} < {var} < {hi} and {exact})",
        "!=": f"(not {lo} < {var} < {hi} or {exact})",
    }[op]


def namespace() -> dict[str, Any]:
    """The names generated code reads fields with."""
    return {
        "MISSING": MISSING, "UNSET": UNSET, "EMPTY": EMPTY, "INF": float("inf"),
        "DEC": Decimal, "ISO": _iso, "FROMISO": datetime.fromisoformat, "NEW": object.__new__,
        "MONEY_OK": MONEY_OK, "TS_OK": pattern("timestamp"), "TS_SHAPES": TS_SHAPES, "TEXT_OK": TEXT_OK,
        "SLOW": slow, "READ": read, "WITHIN_PAID": within_paid, "CONTAINER": container, "NUMBER": NUMBER_read, "ITEMS": ITEMS_read, "ROOT": ROOT,
    }


__all__ = ["FieldSpec", "Invalid", "event_spec", "namespace", "float_bounds", "float_compare", "EMPTY", "UNSET", "ENUM"]
