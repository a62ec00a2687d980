"""A diff as data: the JSON document (src/aftersale/schema/diff.json) that every format renders.

A region's `where` lists its parts (any one of them); a part is a list of
constraints, each a subject (a field, a calendar function of a timestamp, the
time since one, or an expression) with the values it takes there: `values`
for enums and yes/no, `ranges` for numbers (money as decimal strings,
durations in seconds, timestamps in ISO 8601), and `missing` when a missing
value is included. Nothing here is a sentence: words are made by `render.py`.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

from ..syntax.fmt import expr_text
from ..lint.valuesets import MISSING_LABEL, Finite, Numbers, Texts
from .compare import Key, Result, Undecided

SCHEMA_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def outcome(key: Key) -> dict:
    return {"action": key[0], "rule": key[1], "forbidden_by": key[2]}


def subject(term) -> dict:
    kind = term.key[0]
    if kind in ("field", "item"):
        return {"field": ".".join(term.key[1])}
    if kind in ("open", "outside"):
        return {"function": "in_service_hours" if kind == "open" else "outside_service_hours",
                "field": ".".join(term.key[1])}
    if kind == "age":
        return {"measure": "age", "field": ".".join(term.key[1])}
    if kind == "diff":
        return {"measure": "span", "from": ".".join(term.key[2]), "to": ".".join(term.key[1])}
    if kind in ("weekday", "is_weekend", "is_holiday", "is_day_off", "local_time", "local_date"):
        return {"function": kind, "field": ".".join(term.key[1])}
    return {"expression": expr_text(term.expr)}


def _number(value: Fraction, unit: str) -> str:
    if unit == "fen":
        return str((Decimal(value.numerator) / Decimal(value.denominator) / 100).quantize(Decimal("0.01")))
    if unit == "ts":
        return (_EPOCH + timedelta(seconds=float(value))).isoformat()
    if unit == "tod":
        s = int(value)
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
    if unit == "day":
        return (datetime(1, 1, 1) + timedelta(days=int(value) - 1)).date().isoformat()
    d = Decimal(value.numerator) / Decimal(value.denominator)
    return str(d.normalize()) if d != d.to_integral() else str(int(d))


def _round(iv: tuple, unit: str) -> tuple:
    """Whole seconds: `from 40h 1s` reads `over 40h` (the same set)."""
    lo, lc, hi, hc = iv
    if unit == "sec":
        if lo is not None and lc and (lo - 1) % 60 == 0:
            lo, lc = lo - 1, False
        if hi is not None and hc and (hi + 1) % 60 == 0:
            hi, hc = hi + 1, False
    return lo, lc, hi, hc


_UNITS = {"fen": "money", "sec": "duration", "ts": "timestamp", "tod": "time", "day": "date", "num": "number"}


def constraint(term, values) -> dict:
    out = {"subject": subject(term)}
    if isinstance(values, Finite):
        members = values.members()
        out["values"] = [m for m in members if m != MISSING_LABEL]
        out["missing"] = MISSING_LABEL in members
    elif isinstance(values, Numbers):
        dom = term.domain.ivs
        lo_dom, hi_dom = (dom[0][0], dom[-1][2]) if dom else (None, None)
        out["unit"] = _UNITS.get(term.unit, "number")
        out["ranges"] = [{"low": None if lo is None or lo == lo_dom else _number(lo, term.unit),
                          "low_closed": lc, "high": None if hi is None or hi == hi_dom else _number(hi, term.unit),
                          "high_closed": hc} for lo, lc, hi, hc in map(_round, values.ivs, [term.unit] * len(values.ivs))]
        out["missing"] = values.missing
    elif isinstance(values, Texts):
        out["values"] = sorted(values.strings)
        out["all_but"] = values.cofinite
        out["missing"] = values.missing
    return out


def undecided(u: Undecided) -> dict:
    """A pair the reasoning could not settle; its reason as a message id with arguments (words in any
    language, by render.py), and in English under `reason` (stable for machines, like lint's `message`)."""
    reason = u.reason.to_json()
    return {"rules": list(u.rules), "old": outcome(u.old), "new": outcome(u.new), "reason": str(u.reason),
            "reason_id": reason["message_id"], "reason_args": reason["args"]}


def _order(term) -> tuple:
    return (0 if term.key[0] == "field" and term.key[1][0] == "request" else 1, repr(term.key))


def document(result: Result, old: dict, new: dict, currency: str, events: dict | None = None) -> dict:
    """The diff as the JSON document; `old`/`new` name the files ({"file", "name"})."""
    regions = []
    for r in result.regions:
        region = {"old": outcome(r.old), "new": outcome(r.new),
                  "where": [[constraint(t, part[t]) for t in sorted(part, key=_order)] for part in r.parts],
                  "more": r.more, "example": r.example}
        if events is not None:
            region["history"] = {"requests": r.requests, "money": str(r.money)}
        regions.append(region)
    doc = {"schema_version": SCHEMA_VERSION, "old": old, "new": new, "currency": currency,
           "changed": result.changed, "regions": regions,
           "undecided": [undecided(u) for u in result.undecided]}
    if events is not None:
        doc["history"] = events
    return doc


__all__ = ["document", "SCHEMA_VERSION"]
