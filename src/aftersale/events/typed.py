"""Typed events: the values of a valid event as policies read them, and what no event may hold.

`convert` turns one schema-valid leaf into its value (money and numbers
Decimal, timestamps zone-aware datetimes); `typed` does a whole object.
Every reader (the whole-event one, the compiled check, the lazy per-field
reads) types through these, so a value means the same on every path.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..locale import msg
from ..schema import multiple_of
from ..limits import MAX_NUMBER_CHARS, MAX_YAML_DEPTH
from ..values import MISSING, MONEY, NUMBER, TIMESTAMP, parse_timestamp
from .fields import ITEM_FIELDS
from .text import path_text as _path_text

#: The smallest amount of money: one fen (分).
FEN = Decimal("0.01")


class Event:
    """A validated event: typed values reached by path; absent ones are MISSING.

    `Event(None, raw)` is an event the msgspec reader validated whole (events/structs.py): its typed
    `data` is made from `raw` when first read, since deciding reads the raw dict and most events
    never need the rest typed."""

    __slots__ = ("_data", "raw", "id")

    def __init__(self, data: dict | None, raw: dict):
        self._data = data
        self.raw = raw
        self.id = (raw if data is None else data).get("id")

    @property
    def data(self) -> dict:
        data = self._data
        if data is None:
            from .structs import typed_data

            data = self._data = typed_data(self.raw)
        return data

    def get(self, path: tuple[str, ...]):
        value: Any = self.data
        for key in path:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(key, MISSING)
            if value is MISSING or value is None:
                return MISSING
        return value


def plain_digits(value: Decimal) -> int:
    """How many characters `value` takes written out in full (1E+9 is 10 digits)."""
    t = value.as_tuple()
    exp = t.exponent if isinstance(t.exponent, int) else 0
    return max(len(t.digits) + exp, 1) + max(-exp, 0)


def shape_problem(obj: Any) -> tuple[list, str] | None:
    """A value no JSON event can hold, from a Python caller (or a decoder): (path, message) or None.

    Keys that are not text, NaN and infinities, numbers over MAX_NUMBER_CHARS digits
    written out, unpaired surrogates in text, non-JSON types and deep nesting are
    refused here, before the schema and the evaluator see them. Iterative.
    """
    stack: list[tuple[Any, list]] = [(obj, [])]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_YAML_DEPTH:
            return path, msg("event.too_deep")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return path, msg("event.key_not_text", where=_path_text(path), key=repr(key))
                stack.append((item, path + [key]))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, path + [i]) for i, item in enumerate(value))
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return path, msg("event.surrogate", where=_path_text(path))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, (int, float, Decimal)):
            number = value if isinstance(value, Decimal) else Decimal(str(value)) if isinstance(value, float) \
                else None
            if number is not None and not number.is_finite():
                return path, msg("event.not_a_number", where=_path_text(path), value=str(value))
            if plain_digits(number) > MAX_NUMBER_CHARS if number is not None else abs(value) >= 10 ** MAX_NUMBER_CHARS:
                return path, msg("event.too_many_digits", where=_path_text(path), limit=str(MAX_NUMBER_CHARS))
        else:
            return path, msg("event.python_type", where=_path_text(path), type=type(value).__name__)
    return None


def convert(value, type_, path: str):
    """One leaf the schema accepted, typed; ValueError (with a message naming `path`) where it cannot be."""
    if type_ is MONEY:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if not multiple_of(amount, FEN):  # the schema's own test (`multipleOf: 0.01`)
            raise ValueError(msg("event.money_places", where=path, value=str(value)))
        return amount
    if type_ is TIMESTAMP:
        try:
            return parse_timestamp(value)
        except ValueError:  # the schema checked the shape, so the date or time itself is impossible
            raise ValueError(msg("event.not_a_date", where=path, value=str(value))) from None
    if type_ is NUMBER and not isinstance(value, bool):
        # str() first: a float from a Python caller becomes its shortest decimal (0.6, not 0.5999…)
        return value if isinstance(value, Decimal) else Decimal(str(value))
    return value


def typed(obj: dict, prefix: str, catalog, errors: list[tuple[list, str]], trail: list) -> dict:
    out: dict = {}
    for key, value in obj.items():
        path = f"{prefix}{key}"
        info = catalog.get(path)
        if isinstance(value, dict):
            out[key] = typed(value, path + ".", catalog, errors, trail + [key])
        elif path == "order.items" and isinstance(value, list):
            out[key] = [typed(item, "", ITEM_FIELDS, errors, trail + [key, i])
                        for i, item in enumerate(value) if isinstance(item, dict)]
        elif info is not None:
            try:
                out[key] = convert(value, info.type, _path_text(trail + [key]))
            except ValueError as exc:
                errors.append((trail + [key], exc.args[0]))  # the message (a Msg), rendered at the edge
        else:
            out[key] = value
    return out


