"""Which lines a data engine may read itself: a check in C that only ever accepts what the reader accepts.

`simulate --engine duckdb|spark` must decide exactly the lines the Python
engine decides and report every other one with the reader's message. Typing
each event in Python (`events.structs.fast_event`) costs most of that; the
engine only needs to know that a line is good, since it reads and types the
good lines itself. `Prescan.accepts(line)` answers with msgspec doing the work
in C, and says True only where `fast_event` would give an Event:

- the reader's own Struct (`FastReader.check`: shape, types, enums, patterns,
  lengths, bounds, unknown keys) accepts the line;
- a second Struct, made here from the field catalog, decodes timestamps as
  zone-aware datetimes (msgspec refuses impossible dates and offsets in C),
  money as text or whole numbers (a money number with a fraction is left to
  the reader's exact check), numbers exactly as Decimal;
- numbers with a fraction pass the reader's own exact check of their field
  (`compiled.field_check`, with its digit limit); written years lie in
  MIN_YEAR..MAX_YEAR; the amount is at most the paid amount;
- no key is given twice: with no backslash in the line (so no escapes) and no
  blank before a key's colon, every `":` ends a key, and the Struct written
  back by msgspec holds one `":` per distinct key.

Everything else (a doubt, not a verdict) goes to the reader, line by line, as
the Python engine does it; tests/backends/test_prescan.py holds the promise
that an accepted line is one the reader takes.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Annotated, Union

import msgspec

from ...events.compiled import FAIL, field_check
from ...events.fields import FIELDS, ITEM_FIELDS, FieldInfo
from ...events.structs import fast_reader
from ...events.typed import plain_digits
from ...limits import MAX_EVENT_BYTES, MAX_NUMBER_CHARS, MAX_YEAR, MIN_YEAR
from ...values import MONEY, NUMBER, TIMESTAMP, Type
from .schema import ITEMS

_STAMP = Annotated[datetime, msgspec.Meta(tz=True)]
_TYPES = {TIMESTAMP: _STAMP, MONEY: Union[str, int], NUMBER: Union[int, Decimal]}
#: A written year outside MIN_YEAR..MAX_YEAR, as it starts a timestamp's text.
_YEARS = tuple(f'"{y:04d}-'.encode() for y in (*range(0, MIN_YEAR), *range(MAX_YEAR + 1, 10_000)))


def _struct(catalog: dict[str, FieldInfo], prefix: str, name: str):
    """The Struct of the fields under `prefix` whose typing the reader does in Python (others are skipped)."""
    depth = prefix.count(".")
    fields = []
    for path, info in catalog.items():
        if not path.startswith(prefix) or path.count(".") != depth:
            continue
        key = path.rsplit(".", 1)[-1]
        if catalog is FIELDS and path == ITEMS:
            kind = list[_struct(ITEM_FIELDS, "", name + "Item")]
        elif info.type is Type.ANY:
            kind = _struct(catalog, path + ".", name + key.title())
        elif info.type in _TYPES:
            kind = _TYPES[info.type]
        else:
            continue
        fields.append((key, Union[kind, msgspec.UnsetType], msgspec.UNSET))
    return msgspec.defstruct(name, fields, kw_only=True, gc=False)


class Prescan:
    """`accepts(line)`: True only for a line `fast_event` takes (see the module's note)."""

    def __init__(self):
        reader = fast_reader()
        self.usable = reader is not None
        if not self.usable:
            return
        self.check = reader.check
        self.typed = msgspec.json.Decoder(_struct(FIELDS, "", "Prescan")).decode
        self.encode = msgspec.json.Encoder().encode
        # numbers that may carry a fraction, with the reader's exact check of their field
        self.numbers = [(attrgetter(p), field_check(tuple(p.split(".")))) for p, f in FIELDS.items()
                        if f.type is NUMBER]
        self.amount = attrgetter("request.amount")
        self.paid = attrgetter("order.paid_amount")

    def accepts(self, line: bytes) -> bool:
        if not self.usable or len(line) > MAX_EVENT_BYTES or b"\\" in line or b'" ' in line or b'"\t' in line:
            return False
        try:
            whole = self.check(line)
            typed = self.typed(line)
        except (msgspec.DecodeError, RecursionError):
            return False
        if line.count(b'":') != self.encode(whole).count(b'":'):
            return False
        for year in _YEARS:
            if year in line:
                return False
        for get, check in self.numbers:
            try:
                value = get(typed)
            except AttributeError:  # an absent object on the way (UNSET)
                continue
            if value.__class__ is Decimal and (not value.is_finite() or plain_digits(value) > MAX_NUMBER_CHARS
                                               or check(value) is FAIL):
                return False
        return Decimal(self.amount(typed)) <= Decimal(self.paid(typed))


@lru_cache(maxsize=1)
def prescan() -> Prescan:
    return Prescan()


__all__ = ["Prescan", "prescan"]
