"""Conditions as unions of boxes, and the set algebra on boxes.

A *box* maps terms to value sets: the events whose terms all take values in
their sets (a term not in the box is unconstrained). A rule's condition is
turned into negation normal form, each leaf into (term, set), and the whole
into a union of boxes (disjunctive normal form), within a size limit.

Conditions are three-valued (`semantics.py`), so `dnf(cond)` is where the
condition is *true* and `dnf(cond, positive=False)` where it is *false*: the
rest is where it is unknown. `not` swaps the two (a leaf's false set is not
the complement of its true set: `x != a` is neither true nor false for a
missing x), and `and`/`or` follow De Morgan, which three-valued logic keeps.

Boxes are exact descriptions of their events (given the terms' values); the
only question they cannot answer alone is whether a box whose terms share
fields is *realisable* (`analysis.Analysis.realizable` asks the solver).

>>> from aftersale import compile
>>> from aftersale.lint.terms import Terms
>>> from aftersale.lint.world import World
>>> tree = compile('rule a: when request.amount < ¥300 or request.kind == exchange then reject').tree
>>> terms = Terms(World.of(tree))
>>> [sorted(map(repr, b.values())) for b in dnf(tree.rules[0].when, terms)]
[['[-100000000000000, 29999]'], ['{exchange}']]
>>> tree = compile('rule a: when request.amount < ¥300 or request.amount >= ¥500 then reject').tree
>>> [repr(s) for b in dnf(tree.rules[0].when, terms) for s in b.values()]  # one term: one box
['[-100000000000000, 29999] or [50000, 100000000000000]']
"""
from __future__ import annotations

from typing import assert_never

from .. import rules as ir
from .terms import Term, Terms, Unsupported
from .valuesets import ValueSet

Box = dict  # Term -> ValueSet

#: Boxes one condition may expand to before the checks fall back to the solver.
MAX_BOXES = 64
#: Pieces a restriction may produce before the checks fall back to the solver.
MAX_PIECES = 256


class TooComplex(Exception):
    """The condition expands to more boxes than the limit."""


def dnf(cond: ir.Expr, terms: Terms, limit: int = MAX_BOXES, positive: bool = True) -> list[Box]:
    """Where the condition is true (`positive`) or false, as a list of non-empty boxes (raises TooComplex or
    Unsupported)."""
    return _dnf(cond, positive, terms, limit)


def _dnf(e: ir.Expr, positive: bool, terms: Terms, limit: int) -> list[Box]:
    match e:
        case ir.Not():
            return _dnf(e.operand, not positive, terms, limit)
        case ir.And() | ir.Or():
            conj = isinstance(e, ir.And) == positive
            parts = [_dnf(x, positive, terms, limit) for x in e.operands]
            if conj:
                out: list[Box] = [{}]
                for p in sorted(parts, key=len):
                    out = _meet(out, p, limit)
                    if not out:
                        return []
                return out
            out = [b for p in parts for b in p]
            out = _merge(out)
            if len(out) > limit:
                raise TooComplex()
            return out
        case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.Field() | ir.Literal() | ir.Arith() \
                | ir.Call() | ir.Quantifier():
            pass  # a leaf: its sets below
        case _:
            assert_never(e)
    leaf = terms.leaf(e)
    if isinstance(leaf, bool):
        return [{}] if leaf == positive else []
    term, true, false = leaf
    values = true if positive else false
    if values.is_empty():
        return []
    if values == term.domain:
        return [{}]
    return [{term: values}]


def _merge(boxes: list[Box]) -> list[Box]:
    """Join boxes that differ in the set of one term only (`a == x or a == y` is one box)."""
    out: list[Box] = []
    for b in boxes:
        if any(len(x) == 0 for x in out):
            return [{}]
        if not b:
            return [{}]
        for i, a in enumerate(out):
            if a.keys() == b.keys():
                diff = [t for t in a if a[t] != b[t]]
                if len(diff) <= 1:
                    if diff:
                        t = diff[0]
                        merged = dict(a)
                        u = a[t] | b[t]
                        if u == t.domain:
                            del merged[t]
                        else:
                            merged[t] = u
                        out[i] = merged
                    break
        else:
            out.append(b)
    return out


def intersect(a: Box, b: Box) -> Box | None:
    """The box of events in both, or None when some term's sets do not meet."""
    if len(a) < len(b):
        a, b = b, a
    out = dict(a)
    for t, s in b.items():
        if t in out:
            r = out[t] & s
            if r.is_empty():
                return None
            out[t] = r
        else:
            out[t] = s
    return out


def disjoint(a: Box, b: Box) -> bool:
    """Whether the boxes share no event, judged term by term (sound, not complete)."""
    if len(a) > len(b):
        a, b = b, a
    for t, s in a.items():
        o = b.get(t)
        if o is not None and (s & o).is_empty():
            return True
    return False


def subtract(piece: Box, a: Box) -> list[Box]:
    """`piece` minus `a`, as disjoint boxes."""
    if disjoint(piece, a):
        return [piece]
    out = []
    prefix = dict(piece)
    for t, s in a.items():
        base = prefix.get(t, t.domain)
        rest = base - s
        if not rest.is_empty():
            p = dict(prefix)
            p[t] = rest
            out.append(p)
        inside = base & s
        if inside.is_empty():
            return out
        prefix[t] = inside
    return out


def _meet(xs: list[Box], ys: list[Box], limit: int) -> list[Box]:
    """The non-empty intersections of a box of `xs` with a box of `ys` (raises TooComplex past `limit`)."""
    out = [c for a in xs for b in ys if (c := intersect(a, b)) is not None]
    if len(out) > limit:
        raise TooComplex()
    return out


def restrict(pieces: list[Box], boxes: list[Box]) -> list[Box]:
    """Pieces intersected with a union of boxes."""
    return _meet(pieces, boxes, MAX_PIECES)


__all__ = ["Box", "dnf", "intersect", "disjoint", "subtract", "restrict", "TooComplex", "Unsupported", "Term",
           "ValueSet"]
