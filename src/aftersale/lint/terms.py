"""Terms and atoms: the rule tree's conditions as "this term takes a value in this set".

A *term* is a value the conditions talk about: a field (`request.amount`), the
age of a timestamp, the difference of two timestamps, the local time or weekday
of a timestamp, whether a timestamp is inside service hours, or any other
expression. Conditions that are not about one term's value (`any(...)`,
`contains(...)`, a field compared with another field) become *atom* terms
whose values are True, False and unknown (MISSING_LABEL).

Conditions are three-valued (`semantics.py`): a leaf is a term with two
disjoint sets, the values where it is true and those where it is false; a
value where it is neither (a missing one, for a comparison) makes it unknown.

Each term knows its domain (the values it can take, "missing" included when it
can be missing) and the event fields it depends on. A term is *free* when any
value of its domain can be realised by setting fields no other term reads: for
a condition over free terms only, emptiness is decided exactly by set algebra;
the rest goes to the SMT solver (`smt.py`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import assert_never

from .. import rules as ir
from ..locale import msg
from ..values import BOOL, DATE, DURATION, ENUM, MONEY, NUMBER, TEXT, TIME, TIMESTAMP, WEEKDAYS, Type
from .valuesets import MISSING_LABEL, Finite, Numbers, Texts, ValueSet
from .world import DAY, MONEY_LIMIT, SPAN_MAX, TS_MAX, TS_MIN, World, day_number, field_values, \
    number_bounds, optional, seconds_of

#: A comparison's operator with its sides swapped (`¥300 > x` is `x < ¥300`).
MIRRORED = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}

CALENDAR_FUNCTIONS = ("in_service_hours", "outside_service_hours", "is_weekend", "is_holiday", "is_day_off",
                      "weekday", "local_time", "local_date")


def money_with_number(e: ir.Expr) -> bool:
    """Money plus or minus a plain number (¥29.99 + 0.5%): a value that need not be whole fen, which the
    sets count money in. Scaling (`* 30%`, `/ 2`) rounds to the fen and stays whole."""
    return any(isinstance(n, ir.Arith) and n.op not in ir.SCALINGS and n.type is MONEY
               and any(x.type is not MONEY for x in (n.left, n.right)) for n in ir.walk(e))


class Unsupported(Exception):
    """A construct the exact checks do not model; the checks then claim nothing about it.

    Its reason is a message of the locale catalogs (`reason.*` in locale/*/reasons.toml: diff says why it
    could not decide a rule in the reader's language); `str()` gives it in English.

    >>> e = Unsupported("reason.function", function="lower")
    >>> str(e), e.reason.render("zh")
    ('the function `lower` is not modelled', '未建模函数 `lower`')
    """

    def __init__(self, reason: str, **args):
        self.reason = msg(reason, **args)
        super().__init__(reason)

    def __str__(self) -> str:
        return self.reason.render("en")

    @classmethod
    def of_type(cls, t: Type) -> Unsupported:
        """Values of type `t` where the checks do not model them."""
        return cls("reason.value_type", type=msg(f"error.type.{t.value}"))


@dataclass(frozen=True, eq=False)
class Term:
    key: tuple               # canonical and hashable (IR nodes compare without spans)
    kind: str                # "finite", "num", "text" or "atom"
    expr: ir.Expr            # the value expression (for atoms: the condition)
    vars: frozenset          # event fields (and "order.items") it reads
    domain: ValueSet
    free: bool
    unit: str = ""           # numbers: "fen", "num", "sec", "ts", "tod", "day"
    integral: bool = False
    labels: tuple = ()       # finite terms
    id: int = -1             # small, per policy: for cheap cache keys

    def __hash__(self) -> int:
        return self.id if self.id >= 0 else hash(self.key)

    def __eq__(self, other) -> bool:
        # Terms are interned (one object per key), so identity is equality once they have an id.
        if self is other:
            return True
        if not isinstance(other, Term):
            return False
        return (self.id < 0 or other.id < 0) and self.key == other.key

    def __repr__(self) -> str:
        return f"Term({self.key!r})"


def _fields_in(expr: ir.Expr) -> frozenset:
    out = set()
    for node in ir.walk(expr):
        if isinstance(node, ir.Field) and node.path[0] != "item":
            out.add(node.dotted)
        if isinstance(node, ir.Call) and node.function == "age":
            out.add("at")
    return frozenset(out)


def _plain_ts(expr: ir.Expr) -> ir.Field | None:
    return expr if isinstance(expr, ir.Field) and expr.type is TIMESTAMP and expr.path[0] != "item" else None


def _labels(values: tuple, missing: bool) -> tuple:
    return tuple(values) + ((MISSING_LABEL,) if missing else ())


def _unit_of(t: Type) -> str:
    return {MONEY: "fen", NUMBER: "num", DURATION: "sec", TIMESTAMP: "ts", TIME: "tod", DATE: "day"}.get(t, "")


class Terms:
    """Builds and interns the terms of one policy."""

    def __init__(self, world: World):
        self.world = world
        self._cache: dict = {}
        self._leaves: dict = {}  # condition -> its leaf (conditions compare without spans)
        self._item_scope = False

    def _intern(self, term: Term) -> Term:
        hit = self._cache.get(term.key)
        if hit is None:
            object.__setattr__(term, "id", len(self._cache))
            hit = self._cache[term.key] = term
        return hit

    def item_leaf(self, cond: ir.Expr):
        """A condition on one item (inside any/all) as (item term, true set, false set), or None."""
        self._item_scope = True
        try:
            leaf = self._leaf(cond)
        except (Unsupported, TypeError, ValueError, KeyError, AttributeError, IndexError):
            return None
        finally:
            self._item_scope = False
        if isinstance(leaf, bool) or leaf[0].kind == "atom" or not leaf[0].key[0] == "item":
            return None
        return leaf

    # -- value expressions -------------------------------------------------------
    def term(self, expr: ir.Expr) -> Term:
        """The term of a value expression (raises Unsupported for what is not modelled)."""
        from ..syntax.lower import static_type

        match expr:
            case ir.Field():
                if expr.path[0] == "item" and not self._item_scope:
                    raise Unsupported("reason.item_outside_quantifier")
                return self._field(expr)
            case ir.Call():
                ts = _plain_ts(expr.args[0]) if len(expr.args) == 1 else None
                if expr.function == "age" and ts is not None:
                    miss = optional(ts.path)
                    return self._intern(Term(("age", ts.path), "num", expr, frozenset({"at", ts.dotted}),
                                             Numbers.domain(True, -SPAN_MAX, SPAN_MAX, miss), True, "sec", True))
                if expr.function in CALENDAR_FUNCTIONS and ts is not None:
                    return self._calendar(expr.function, ts, expr)
            case ir.Arith(op=ir.Op.SUB):
                a, b = _plain_ts(expr.left), _plain_ts(expr.right)
                if a is not None and b is not None and a.path != b.path:
                    miss = optional(a.path) or optional(b.path)
                    return self._intern(Term(("diff", a.path, b.path), "num", expr, frozenset({a.dotted, b.dotted}),
                                             Numbers.domain(True, -SPAN_MAX, SPAN_MAX, miss), True, "sec", True))
            case ir.Literal() | ir.Arith() | ir.Quantifier() | ir.Compare() | ir.Between() | ir.InList() \
                    | ir.Presence() | ir.And() | ir.Or() | ir.Not():
                pass  # a term of the expression as a whole, below
            case _:
                assert_never(expr)
        t = static_type(expr)
        if t is MONEY and money_with_number(expr):  # not whole fen: the sets below count money in fen
            raise Unsupported("reason.money_with_number")
        key = ("expr", expr)
        variables = _fields_in(expr)
        if isinstance(expr, ir.Quantifier):
            variables = variables | {"order.items"}
        miss = True
        if t in (MONEY, NUMBER, DURATION, TIMESTAMP, TIME, DATE):
            unit = _unit_of(t)
            integral = unit != "num"
            return self._intern(Term(key, "num", expr, variables, Numbers.domain(integral, missing=miss), False,
                                     unit, integral))
        if t is TEXT:
            return self._intern(Term(key, "text", expr, variables, Texts.domain(miss), False))
        if t is BOOL:
            labels = _labels((True, False), miss)
            return self._intern(Term(key, "finite", expr, variables, Finite.full(labels), False, labels=labels))
        raise Unsupported.of_type(t)

    def _field(self, f: ir.Field) -> Term:
        miss = optional(f.path)
        key = ("item" if f.path[0] == "item" else "field", f.path)
        if key in self._cache:
            return self._cache[key]
        v = frozenset({f.dotted})
        if f.type is MONEY:
            return self._intern(Term(key, "num", f, v, Numbers.domain(True, -MONEY_LIMIT, MONEY_LIMIT, miss), True,
                                     "fen", True))
        if f.type is NUMBER:
            lo, hi, whole = number_bounds(f.path)
            return self._intern(Term(key, "num", f, v, Numbers.domain(whole, lo, hi, miss), True, "num", whole))
        if f.type is TIMESTAMP:
            return self._intern(Term(key, "num", f, v, Numbers.domain(True, TS_MIN, TS_MAX, miss), True, "ts", True))
        if f.type is ENUM:
            labels = _labels(field_values(f.path), miss)
            return self._intern(Term(key, "finite", f, v, Finite.full(labels), True, labels=labels))
        if f.type is BOOL:
            labels = _labels((True, False), miss)
            return self._intern(Term(key, "finite", f, v, Finite.full(labels), True, labels=labels))
        if f.type is TEXT:
            return self._intern(Term(key, "text", f, v, Texts.domain(miss), True))
        raise Unsupported.of_type(f.type)

    def _calendar(self, fn: str, ts: ir.Field, expr: ir.Expr) -> Term:
        miss = optional(ts.path)
        v = frozenset({ts.dotted})
        if fn in ("in_service_hours", "outside_service_hours"):
            # `during off-hours` is the term "open" being False, so it and `during
            # service hours` meet on one term; `outside_service_hours(x) == true`
            # keeps a term of its own (the solver relates the two).
            inside = fn == "in_service_hours"
            values = self.world.open_values() if inside else {not b for b in self.world.open_values()}
            labels = _labels((True, False), miss)
            dom = Finite.of(labels, values | ({MISSING_LABEL} if miss else set()))
            return self._intern(Term(("open" if inside else "outside", ts.path), "finite", expr, v, dom, True,
                                     labels=labels))
        if fn in ("is_weekend", "is_holiday", "is_day_off"):
            labels = _labels((True, False), miss)
            vals = {True, False} if fn != "is_holiday" or self.world.calendar else {False}
            dom = Finite.of(labels, vals | ({MISSING_LABEL} if miss else set()))
            return self._intern(Term((fn, ts.path), "finite", expr, v, dom, True, labels=labels))
        if fn == "weekday":
            labels = _labels(WEEKDAYS, miss)
            return self._intern(Term((fn, ts.path), "finite", expr, v, Finite.full(labels), True, labels=labels))
        if fn == "local_time":
            return self._intern(Term((fn, ts.path), "num", expr, v, Numbers.domain(True, 0, DAY - 1, miss), True,
                                     "tod", True))
        lo, hi = day_number(date(1, 1, 2)), day_number(date(9999, 12, 30))
        return self._intern(Term((fn, ts.path), "num", expr, v, Numbers.domain(True, lo, hi, miss), True,
                                 "day", True))

    def atom(self, cond: ir.Expr) -> Term:
        """A condition as a term of its own: true, false or unknown (MISSING_LABEL)."""
        variables = _fields_in(cond)
        if any(isinstance(n, ir.Quantifier) for n in ir.walk(cond)):
            variables = variables | {"order.items"}
        labels = (True, False, MISSING_LABEL)
        return self._intern(Term(("atom", cond), "atom", cond, variables, Finite.full(labels), False,
                                 labels=labels))

    # -- conditions ----------------------------------------------------------------
    def leaf(self, cond: ir.Expr):
        """A leaf condition as (term, values where it is true, values where it is false), or a constant bool."""
        hit = self._leaves.get(cond)
        if hit is None:
            try:
                hit = self._leaf(cond)
            except Unsupported as e:
                hit = e
            except (TypeError, ValueError, KeyError, AttributeError, IndexError):
                hit = self._opaque(cond)
            self._leaves[cond] = hit
        if isinstance(hit, Unsupported):
            raise hit
        return hit

    def _opaque(self, cond: ir.Expr):
        """A condition the sets do not look into: its atom."""
        term = self.atom(cond)
        return term, Finite.of(term.labels, {True}), Finite.of(term.labels, {False})

    def _on(self, term: Term, true: ValueSet):
        """(term, true, false) for a condition that is unknown exactly where its term is missing."""
        true = term.domain & true
        return term, true, self._present(term) - true

    def _leaf(self, cond: ir.Expr):
        match cond:
            case ir.Literal():
                if cond.type is BOOL:
                    return bool(cond.value)
                raise Unsupported("reason.value_as_condition")
            case ir.Compare():
                left, right, op = cond.left, cond.right, cond.op
                if isinstance(left, ir.Literal) and not isinstance(right, ir.Literal):
                    left, right, op = right, left, MIRRORED.get(op, op)
                if isinstance(left, ir.Literal) and isinstance(right, ir.Literal):
                    from ..semantics import compare

                    result = compare(ir.Op(op), left.value, right.value)
                    if result is None:
                        raise Unsupported("reason.mixed_kinds")
                    return result
                if isinstance(right, ir.Literal):
                    term = self.term(left)
                    return self._on(term, self.compare_set(term, op, right))
                return self._opaque(cond)
            case ir.Between():
                if isinstance(cond.low, ir.Literal) and isinstance(cond.high, ir.Literal) \
                        and not isinstance(cond.subject, ir.Literal):
                    term = self.term(cond.subject)
                    if term.kind == "text":
                        raise Unsupported("reason.text_order")
                    if term.kind != "num":
                        raise Unsupported("reason.unordered")
                    lo, hi = self.number(term, cond.low), self.number(term, cond.high)
                    return self._on(term, Numbers.between(lo, hi, term.integral))
                return self._opaque(cond)
            case ir.InList():
                if all(isinstance(o, ir.Literal) for o in cond.options) and not isinstance(cond.subject, ir.Literal):
                    term = self.term(cond.subject)
                    found = None
                    if term.kind == "text" and cond.constants is not None \
                            and all(isinstance(v, str) for v in cond.constants):  # 30,000 SKUs: one set, not 30,000 unions
                        found = Texts(False, cond.constants, False)
                    for o in cond.options if found is None else ():
                        s = self.compare_set(term, "==", o)
                        found = s if found is None else found | s
                    if found is None:
                        found = self._empty(term)
                    term, inside, outside = self._on(term, found)
                    return (term, outside, inside) if cond.negated else (term, inside, outside)
                return self._opaque(cond)
            case ir.Presence():
                if isinstance(cond.subject, ir.Literal):
                    return cond.present
                term = self.term(cond.subject)
                present = self._present(term)
                missing = term.domain - present
                return (term, present, missing) if cond.present else (term, missing, present)
            case ir.Quantifier():
                return self._opaque(cond)
            case ir.Call(function="outside_service_hours"):
                term = self.term(ir.Call("in_service_hours", cond.args))
                return self._on(term, Finite.of(term.labels, {False}))
            case ir.Call(function="contains" | "starts_with" | "ends_with"):
                return self._opaque(cond)
            case ir.Field() | ir.Call():
                term = self.term(cond)
                if term.kind != "finite" or True not in term.labels:
                    raise Unsupported("reason.value_as_condition")
                return self._on(term, Finite.of(term.labels, {True}))
            case ir.Arith():
                raise Unsupported("reason.value_as_condition")
            case ir.And() | ir.Or() | ir.Not():  # not leaves: the caller splits them
                raise Unsupported("reason.not_modelled")
            case _:
                assert_never(cond)

    def _present(self, term: Term) -> ValueSet:
        if term.kind in ("finite", "atom"):
            return term.domain - Finite.of(term.labels, {MISSING_LABEL})
        if term.kind == "num":
            return term.domain - Numbers.only_missing(term.integral)
        return term.domain - Texts(True, frozenset(), False)

    def _empty(self, term: Term) -> ValueSet:
        return term.domain - term.domain

    def number(self, term: Term, lit: ir.Literal) -> Fraction:
        """A literal in the term's unit (money in fen, durations and times in seconds, dates in days)."""
        v = lit.value
        if isinstance(v, bool) or v is None:
            raise Unsupported("reason.mixed_kinds")
        if isinstance(v, Decimal):
            f = Fraction(v)
            return f * 100 if term.unit == "fen" else f
        if isinstance(v, timedelta):
            if term.unit != "sec":
                raise Unsupported("reason.mixed_kinds")
            return Fraction(v.days * DAY + v.seconds) + Fraction(v.microseconds, 10**6)
        if isinstance(v, time):
            if term.unit != "tod":
                raise Unsupported("reason.mixed_kinds")
            return Fraction(seconds_of(v))
        if isinstance(v, date) and not isinstance(v, datetime):
            if term.unit != "day":
                raise Unsupported("reason.mixed_kinds")
            return Fraction(day_number(v))
        if isinstance(v, int):
            return Fraction(v) * (100 if term.unit == "fen" else 1)
        raise Unsupported("reason.not_modelled")

    def compare_set(self, term: Term, op: str, lit: ir.Literal) -> ValueSet:
        """The values of `term` for which `term op literal` holds (missing excluded)."""
        if term.kind == "num":
            return Numbers.compare(op, self.number(term, lit), term.integral)
        value = lit.value
        if term.kind == "finite":
            if op not in ("==", "!="):
                raise Unsupported("reason.unordered")
            labels = term.labels
            if (labels[0] is True) != isinstance(value, bool):
                raise Unsupported("reason.mixed_kinds")
            hit = Finite.of(labels, {value} if value in labels else set())
            present = Finite.of(labels, [x for x in labels if x != MISSING_LABEL])
            return hit if op == "==" else present - hit
        if term.kind == "text":
            if op not in ("==", "!="):
                raise Unsupported("reason.text_order")
            if not isinstance(value, str):
                raise Unsupported("reason.mixed_kinds")
            hit = Texts(False, frozenset({value}), False)
            return hit if op == "==" else Texts(False, frozenset({value}), True)
        raise Unsupported("reason.condition_as_value")
