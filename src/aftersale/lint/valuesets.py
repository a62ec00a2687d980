"""Sets of values one term can take: the alphabet of the exact semantic checks.

A condition on one term (`request.amount < ¥300`, `request.kind == return_refund`,
`request.tracking.verified is missing`) is the set of that term's values for
which it holds. Sets live inside the term's domain, and "missing" is just one
more value. Conditions are three-valued (`semantics.py`), so a leaf has two
sets, where it is true and where it is false, and `not` swaps them:
`request.amount < ¥300` is true for amounts under ¥300, false from ¥300 up,
and neither for a missing amount, so `not (request.amount < ¥300)` does not
hold for a missing amount either, exactly as the evaluator decides it.

Three kinds: `Finite` (enums, true/false, weekdays: a bit mask over the
domain's labels), `Numbers` (intervals with open or closed ends, or whole
numbers for money in fen, seconds and days) and `Texts` (finitely many strings
or all but finitely many).

>>> money = Numbers.domain(integral=True, low=-10**14, high=10**14, missing=False)
>>> under_300 = money & Numbers.compare("<", 30000, integral=True)
>>> under_300.high_bound(), (money - under_300).low_bound()
(29999, 30000)
>>> rate = Numbers.domain(integral=False, low=0, high=1, missing=True)
>>> over = rate & Numbers.compare(">", Fraction(3, 5), integral=False)
>>> str(over), str(rate - over)
('(3/5, 1]', 'missing or [0, 3/5]')
"""
from __future__ import annotations

from fractions import Fraction
from math import ceil, floor
from typing import Iterable

MISSING_LABEL = "<missing>"

# An interval: (low, low_closed, high, high_closed); None bounds are infinite.
Interval = tuple


class ValueSet:
    """The common interface: intersection, union, difference, emptiness, a stable key."""

    def __and__(self, other): raise NotImplementedError
    def __or__(self, other): raise NotImplementedError
    def __sub__(self, other): raise NotImplementedError
    def is_empty(self) -> bool: raise NotImplementedError
    def key(self): raise NotImplementedError

    def __le__(self, other) -> bool:
        return (self - other).is_empty()

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())


class Finite(ValueSet):
    """A subset of a finite, ordered list of labels (enum values, True/False, MISSING_LABEL)."""

    __slots__ = ("labels", "mask")

    def __init__(self, labels: tuple, mask: int):
        self.labels = labels
        self.mask = mask

    @classmethod
    def of(cls, labels: tuple, members: Iterable) -> "Finite":
        members = set(members)
        return cls(labels, sum(1 << i for i, label in enumerate(labels) if label in members))

    @classmethod
    def full(cls, labels: tuple) -> "Finite":
        return cls(labels, (1 << len(labels)) - 1)

    def members(self) -> list:
        return [label for i, label in enumerate(self.labels) if self.mask >> i & 1]

    def __contains__(self, label) -> bool:
        try:
            return bool(self.mask >> self.labels.index(label) & 1)
        except ValueError:
            return False

    def __and__(self, other: "Finite") -> "Finite":
        return Finite(self.labels, self.mask & other.mask)

    def __or__(self, other: "Finite") -> "Finite":
        return Finite(self.labels, self.mask | other.mask)

    def __sub__(self, other: "Finite") -> "Finite":
        return Finite(self.labels, self.mask & ~other.mask)

    def is_empty(self) -> bool:
        return self.mask == 0

    def key(self):
        return ("F", self.mask)

    def __repr__(self) -> str:
        return "{" + ", ".join(map(str, self.members())) + "}"


def _lt_low(a, b) -> bool:
    """Whether low end a=(value, closed) starts before low end b."""
    if a[0] is None:
        return b[0] is not None
    if b[0] is None:
        return False
    return a[0] < b[0] or (a[0] == b[0] and a[1] and not b[1])


def _norm(ivs: list, integral: bool) -> tuple:
    """Sorted, disjoint, merged intervals; whole-number intervals become closed."""
    out = []
    for lo, lc, hi, hc in ivs:
        if integral:
            if lo is not None:
                f = floor(lo)
                lo, lc = (f + 1 if (not lc or lo != f) else int(lo)), True
            if hi is not None:
                c = ceil(hi)
                hi, hc = (c - 1 if (not hc or hi != c) else int(hi)), True
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lc and hc))):
            continue
        out.append((lo, lc, hi, hc))
    out.sort(key=lambda iv: (iv[0] is not None, iv[0] if iv[0] is not None else 0, not iv[1]))
    merged: list = []
    for iv in out:
        if merged:
            plo, plc, phi, phc = merged[-1]
            touches = phi is None or iv[0] is None or iv[0] < phi or (
                iv[0] == phi and (phc or iv[1])) or (integral and iv[0] == phi + 1)
            if touches:
                if phi is None or (iv[2] is not None and (iv[2] < phi or (iv[2] == phi and (phc or not iv[3])))):
                    continue  # contained
                merged[-1] = (plo, plc, iv[2], iv[3])
                continue
        merged.append(iv)
    return tuple(merged)


def _intersect(a: Interval, b: Interval) -> Interval:
    lo = a[:2] if _lt_low(b[:2], a[:2]) else b[:2]
    if a[2] is None:
        hi = b[2:]
    elif b[2] is None:
        hi = a[2:]
    elif a[2] < b[2] or (a[2] == b[2] and not a[3]):
        hi = a[2:]
    else:
        hi = b[2:]
    return lo + hi


class Numbers(ValueSet):
    """Missing or not, and a union of intervals over the rationals (or the integers)."""

    __slots__ = ("missing", "ivs", "integral")

    def __init__(self, missing: bool, ivs: tuple, integral: bool):
        self.missing = missing
        self.ivs = ivs
        self.integral = integral

    @classmethod
    def make(cls, ivs: list, integral: bool, missing: bool = False) -> "Numbers":
        return cls(missing, _norm(ivs, integral), integral)

    @classmethod
    def domain(cls, integral: bool, low=None, high=None, missing: bool = False) -> "Numbers":
        lo = None if low is None else Fraction(low)
        hi = None if high is None else Fraction(high)
        return cls.make([(lo, True, hi, True)], integral, missing)

    @classmethod
    def compare(cls, op: str, value, integral: bool) -> "Numbers":
        """The values v with `v op value` (never missing)."""
        v = Fraction(value)
        ivs = {
            "<": [(None, False, v, False)], "<=": [(None, False, v, True)],
            ">": [(v, False, None, False)], ">=": [(v, True, None, False)],
            "==": [(v, True, v, True)],
            "!=": [(None, False, v, False), (v, False, None, False)],
        }[op]
        return cls.make(ivs, integral)

    @classmethod
    def between(cls, low, high, integral: bool) -> "Numbers":
        return cls.make([(Fraction(low), True, Fraction(high), True)], integral)

    @classmethod
    def only_missing(cls, integral: bool) -> "Numbers":
        return cls(True, (), integral)

    def __and__(self, other: "Numbers") -> "Numbers":
        missing = self.missing and other.missing
        if self.integral and len(self.ivs) == 1 and len(other.ivs) == 1:
            (alo, _, ahi, _), (blo, _, bhi, _) = self.ivs[0], other.ivs[0]
            lo = blo if alo is None else alo if blo is None else max(alo, blo)
            hi = bhi if ahi is None else ahi if bhi is None else min(ahi, bhi)
            if lo is not None and hi is not None and lo > hi:
                return Numbers(missing, (), True)
            return Numbers(missing, ((lo, True, hi, True),), True)
        ivs = [_intersect(a, b) for a in self.ivs for b in other.ivs]
        return Numbers.make(ivs, self.integral, missing)

    def __or__(self, other: "Numbers") -> "Numbers":
        return Numbers.make(list(self.ivs + other.ivs), self.integral, self.missing or other.missing)

    def _complement_ivs(self) -> list:
        out, lo = [], (None, False)
        for ilo, ilc, ihi, ihc in self.ivs:
            if ilo is not None:
                out.append((lo[0], lo[1], ilo, not ilc))
            if ihi is None:
                return out
            lo = (ihi, not ihc)
        out.append((lo[0], lo[1], None, False))
        return out

    def __sub__(self, other: "Numbers") -> "Numbers":
        comp = Numbers.make(other._complement_ivs(), self.integral)
        return Numbers.make([_intersect(a, b) for a in self.ivs for b in comp.ivs], self.integral,
                            self.missing and not other.missing)

    def is_empty(self) -> bool:
        return not self.missing and not self.ivs

    def key(self):
        return ("N", self.missing, self.ivs)

    def low_bound(self):
        return self.ivs[0][0] if self.ivs else None

    def high_bound(self):
        return self.ivs[-1][2] if self.ivs else None

    def __repr__(self) -> str:
        parts = ["missing"] if self.missing else []
        for lo, lc, hi, hc in self.ivs:
            if lo is not None and lo == hi:
                parts.append(f"{{{lo}}}")
                continue
            parts.append(f"{'[' if lc else '('}{'-inf' if lo is None else lo}, "
                         f"{'inf' if hi is None else hi}{']' if hc else ')'}")
        return " or ".join(parts) or "{}"


class Texts(ValueSet):
    """Missing or not, and either finitely many strings or all strings but finitely many."""

    __slots__ = ("missing", "strings", "cofinite")

    def __init__(self, missing: bool, strings: frozenset, cofinite: bool):
        self.missing, self.strings, self.cofinite = missing, frozenset(strings), cofinite

    @classmethod
    def domain(cls, missing: bool) -> "Texts":
        return cls(missing, frozenset(), True)

    def __and__(self, o: "Texts") -> "Texts":
        m = self.missing and o.missing
        if self.cofinite and o.cofinite:
            return Texts(m, self.strings | o.strings, True)
        if self.cofinite:
            return Texts(m, o.strings - self.strings, False)
        if o.cofinite:
            return Texts(m, self.strings - o.strings, False)
        return Texts(m, self.strings & o.strings, False)

    def complement(self) -> "Texts":
        return Texts(not self.missing, self.strings, not self.cofinite)

    def __or__(self, o: "Texts") -> "Texts":
        return (self.complement() & o.complement()).complement()

    def __sub__(self, o: "Texts") -> "Texts":
        return self & o.complement()

    def is_empty(self) -> bool:
        return not self.missing and not self.cofinite and not self.strings

    def key(self):
        return ("T", self.missing, tuple(sorted(self.strings)), self.cofinite)

    def __repr__(self) -> str:
        inner = ", ".join(sorted(map(repr, self.strings)))
        body = f"not {{{inner}}}" if self.cofinite else f"{{{inner}}}"
        return ("missing or " if self.missing else "") + body
