"""The rule tree in z3: for what set algebra cannot decide alone.

Every value is a pair (value, present). Money is an integer number of fen,
timestamps and durations whole seconds, dates whole days, enum values their
index. Conditions are three-valued, as `semantics.py` says: each becomes two
formulas, `cond` (it is true) and `false` (it is false); a comparison is
neither when a side is missing, `not` swaps the two. Local time, weekday,
days off and service hours are computed from a timestamp plus the zone's UTC
offset with integer division.

Two modes:

- **proof**: for showing that no event exists. In a window of years
  (EXAMPLE_YEARS) the zone's offsets and the calendar's holidays and make-up
  days (from `hours.Calendar`) are written exactly, so a date's holiday or the
  skipped hour of a daylight-saving change is known; outside it what cannot
  be written exactly is over-approximated (any of the offsets the zone ever
  used; holidays and make-up days as unknown functions of the day, with the
  facts that hold for every calendar), so "unsat" is a proof about every
  possible event.
- **example**: for building a concrete event. Timestamps stay in a window of
  years where the zone's offsets and the holiday calendar are written exactly,
  so the model is an event the evaluator will decide as the solver says (the
  linter still checks it with the evaluator).

Items (`any`/`all`/`count` over `order.items`) are modelled by K representative
items, each standing for a number of equal items: with m different item
conditions, 2**m representatives cover every case.
"""
from __future__ import annotations

import string
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import assert_never

import z3

from .. import rules as ir
from ..rules import Quant
from ..limits import MAX_YEAR, MIN_YEAR
from ..events.fields import FIELDS, ITEM_FIELDS
from ..events.lazy import AMOUNT, PAID
from ..values import BOOL, DATE, DURATION, ENUM, MONEY, NUMBER, TEXT, TIME, TIMESTAMP, WEEKDAYS
from .terms import MIRRORED, Term, Unsupported
from .valuesets import MISSING_LABEL, Finite, Numbers, Texts, ValueSet
from .world import DAY, EXAMPLE_YEARS, MONEY_LIMIT, TS_MAX, TS_MIN, World, calendar_days, day_number, \
    field_values, max_length, number_bounds, optional, seconds_of, zone_offsets, zone_pieces

MAX_ITEMS = 1000  # the event schema's maxItems
#: Representative items at most (2**4): with more item conditions in one query, "no event" is not claimed.
MAX_SLOTS = 16
#: The solver's budget is counted in z3's resource units (`rlimit`), not in wall time, so that a policy
#: gets the same findings on every run and every machine. Units one check may use; past them its answer is
#: "unknown" and no finding is claimed from it.
CHECK_RLIMIT = 3_000_000
#: Units all the checks of one policy's analysis may use together (and, separately, its examples); once
#: they are spent every further check is "unknown" and the rules left are reported as `undecided-rule`.
#: Each check is also charged CHECK_COST units for itself, so that many small checks spend it too
#: (building a check's formula costs more than most checks: at most about 1,000 checks).
RUN_RLIMIT = 20_000_000
CHECK_COST = 20_000
#: Units the examples of one policy's findings may use together (a finding without an example is dropped).
EXAMPLE_RLIMIT = 10_000_000
#: Counters for benchmarks: solver checks made, and checks answered "unknown" for want of budget.
STATS = {"checks": 0, "out_of_budget": 0}


def _utc(*args) -> int:
    return int((datetime(*args, tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())


#: Computed timestamps inside these seconds are in years MIN_YEAR..MAX_YEAR in every offset; outside the
#: other pair, in none (`values.in_range`).
YEARS_IN = (_utc(MIN_YEAR, 1, 2), _utc(MAX_YEAR, 12, 31) - 1)
YEARS_OUT = (_utc(MIN_YEAR - 1, 12, 31), _utc(MAX_YEAR + 1, 1, 2) - 1)


def _units_used() -> int:
    """z3's resource counter (global to its context, so differences measure one check)."""
    stats = _PROBE.statistics()
    return int(stats.get_key_value("rlimit count")) if "rlimit count" in stats.keys() else 0


_PROBE = z3.Solver()


class Budget:
    """Solver resource units for one policy: at most `per_check` a check, `total` for all its checks."""

    def __init__(self, total: int | None = None, per_check: int | None = None):
        self.left = RUN_RLIMIT if total is None else total
        self.per_check = CHECK_RLIMIT if per_check is None else per_check
        self.ran_out = False  # whether some check was cut short (or never made) for want of units

    @property
    def spent(self) -> bool:
        return self.left <= 0

    def check(self, solver: z3.Solver, *assumptions) -> z3.CheckSatResult:
        if self.left <= 0:
            self.ran_out = True
            STATS["out_of_budget"] += 1
            return z3.unknown
        solver.set("rlimit", min(self.per_check, self.left))
        before = _units_used()
        result = solver.check(*assumptions)
        self.left -= _units_used() - before + CHECK_COST
        STATS["checks"] += 1
        if result == z3.unknown:
            self.ran_out = True
            STATS["out_of_budget"] += 1
        return result


class V:
    """An encoded value: z3 expression, presence, and its kind ("fen", "num", "sec", "ts", "tod",
    "day", "enum", "bool", "str", "lit")."""

    __slots__ = ("val", "present", "kind", "info")

    def __init__(self, val, present, kind: str, info=None):
        self.val, self.present, self.kind, self.info = val, present, kind, info


def item_conditions(exprs) -> set:
    """The different item conditions of the `any`/`all`/`count` in the expressions (`true` for none)."""
    return {n.condition if n.condition is not None else ir.TRUE
            for e in exprs for n in ir.walk(e) if isinstance(n, ir.Quantifier)}


def _presence(label: str, path: tuple) -> z3.BoolRef:
    """Whether the field is present: a variable named after it where it can be missing."""
    return z3.Bool("has:" + label) if optional(path) else z3.BoolVal(True)


def _q(x) -> z3.ArithRef:
    """An exact rational constant."""
    from fractions import Fraction

    f = Fraction(x)
    return z3.IntVal(f.numerator) if f.denominator == 1 else z3.RealVal(f"{f.numerator}/{f.denominator}")


#: Lists of literals longer than this are one predicate in the solver (Encoder.listed), not equalities.
SOLVER_LIST = 64


class Encoder:
    def __init__(self, world: World, mode: str = "proof", slots: int = 1, years=EXAMPLE_YEARS,
                 budget: Budget | None = None):
        self.world, self.mode, self.slots, self.years = world, mode, slots, years
        self.budget = budget or Budget()
        self.fields: dict = {}
        self.facts: list = []
        self._pending = 0
        self._cache: dict = {}
        self._clock: dict = {}
        self._lists: dict = {}  # a long list of literals → its membership predicate (listed)
        self.hol = z3.Function("holiday", z3.IntSort(), z3.BoolSort())
        self.mk = z3.Function("makeup", z3.IntSort(), z3.BoolSort())
        self.items_present = _presence("order.items", ("order", "items"))
        self.mult = [z3.Int(f"items.{k}.count") for k in range(slots)]
        for m in self.mult:
            self.facts.append(m >= 0)
        self.facts.append(z3.Sum(self.mult) <= MAX_ITEMS if slots else z3.BoolVal(True))
        self.solver = z3.Solver()

    # -- fields ----------------------------------------------------------------
    def field(self, path: tuple, slot: int | None = None) -> V:
        if path[0] == "item":
            if slot is None:
                raise Unsupported("reason.item_outside_quantifier")
            info = ITEM_FIELDS.get(".".join(path[1:]))
            name = ("items", slot) + path[1:]
        else:
            info = FIELDS.get(".".join(path))
            name = path
        key = name
        if key in self.fields:
            return self.fields[key]
        if info is None:
            raise Unsupported("reason.not_modelled")
        label = ".".join(map(str, name))
        present = _presence(label, path)
        t = info.type
        if t is MONEY:
            val = z3.Int(label)
            self.facts += [val >= -MONEY_LIMIT, val <= MONEY_LIMIT]
            v = V(val, present, "fen")
        elif t is NUMBER:
            lo, hi, whole = number_bounds(path)
            val = z3.Int(label) if whole else z3.Real(label)
            if lo is not None:
                self.facts.append(val >= _q(Decimal(str(lo))))
            if hi is not None:
                self.facts.append(val <= _q(Decimal(str(hi))))
            v = V(val, present, "num")
        elif t is TIMESTAMP:
            val = z3.Int(label)
            self.facts += [val >= TS_MIN, val <= TS_MAX]
            v = V(val, present, "ts")
        elif t is ENUM:
            val = z3.Int(label)
            values = field_values(path)
            self.facts += [val >= 0, val < len(values)]
            v = V(val, present, "enum", values)
        elif t is BOOL:
            v = V(z3.Bool(label), present, "bool")
        elif t is TEXT:
            val = z3.String(label)
            n = max_length(path)
            if n is not None:
                self.facts.append(z3.Length(val) <= n)
            v = V(val, present, "str")
        else:
            raise Unsupported.of_type(t)
        self.fields[key] = v
        pair = {AMOUNT: PAID, PAID: AMOUNT}.get(key)
        if pair in self.fields:  # a request never gets back more than was paid (events.reader refuses it)
            amount, paid = (v, self.fields[pair]) if key == AMOUNT else (self.fields[pair], v)
            self.facts.append(z3.Implies(z3.And(amount.present, paid.present), amount.val <= paid.val))
        return v

    # -- the clock ---------------------------------------------------------------
    def clock(self, ts: V):
        """(day number, seconds of the day, weekday 0=Monday) of a timestamp in the policy's zone."""
        k = ts.val.sexpr()
        if k in self._clock:
            return self._clock[k]
        fixed = self.world.fixed_offset
        lo = int(datetime(self.years[0], 1, 1, tzinfo=timezone.utc).timestamp())
        hi = int(datetime(self.years[1], 12, 31, tzinfo=timezone.utc).timestamp())
        pieces = zone_pieces(self.world.zone, self.years)
        exact = z3.IntVal(pieces[-1][1])
        for (_, o), (nxt, _) in reversed(list(zip(pieces, pieces[1:]))):
            exact = z3.If(ts.val < nxt, z3.IntVal(o), exact)
        window = z3.And(ts.val >= lo, ts.val <= hi)
        if self.mode == "example":
            self.facts.append(z3.Implies(ts.present, window))
            off = exact
        elif fixed is not None:
            off = z3.IntVal(fixed)
        else:  # exact in the window of years (the skipped hour of a daylight-saving change), any offset outside
            free = z3.FreshInt("offset")
            self.facts.append(z3.Or([free == o for o in zone_offsets(self.world.zone)]))
            off = z3.If(window, exact, free)
        local = ts.val + off
        day = local / DAY
        tod = local % DAY
        wd = (day + 3) % 7  # 1970-01-01 was a Thursday
        if self.world.calendar is None:
            hol, mk = z3.BoolVal(False), z3.BoolVal(False)
        else:
            hol, mk = self.hol(day), self.mk(day)
            # the calendar's own days (hours.Calendar) in the window of years; outside it, only what is true
            # of every calendar: make-up days are weekend days, and not holidays
            hdays, mdays = calendar_days(self.world.calendar, self.years)
            known = hol == _member(day, hdays), mk == _member(day, mdays)
            if self.mode == "example":
                self.facts.extend(known)
            else:
                first, last = day_number(date(self.years[0], 1, 1)), day_number(date(self.years[1], 12, 31))
                self.facts.append(z3.Implies(z3.And(day >= first, day <= last), z3.And(*known)))
                self.facts.append(z3.Implies(mk, wd >= 5))
                self.facts.append(z3.Not(z3.And(hol, mk)))
        out = (day, tod, wd, hol, mk)
        self._clock[k] = out
        return out

    @staticmethod
    def day_off(hol, mk, wd) -> z3.BoolRef:
        """`hours.Calendar.is_day_off`: a holiday, or a weekend day that is not a make-up working day."""
        return z3.Or(hol, z3.And(wd >= 5, z3.Not(mk)))

    def open_at(self, ts: V) -> z3.BoolRef:
        hours = self.world.hours
        if hours is None:
            return z3.BoolVal(False)
        day, tod, wd, hol, mk = self.clock(ts)

        def inside(ranges):
            return z3.Or([z3.And(tod >= a, tod < b) for a, b in ranges]) if ranges else z3.BoolVal(False)

        by_day = z3.Or([z3.And(wd == d, inside(h)) for d, h in enumerate(hours) if h]) \
            if any(hours) else z3.BoolVal(False)
        return z3.And(z3.Not(hol), z3.If(mk, inside(self.world.weekday_hours), by_day))

    # -- values ------------------------------------------------------------------
    def _cached(self, key, make, e: ir.Expr, slot):
        """`make(e, slot)`, made once per key."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = make(e, slot)
        return hit

    def value(self, e: ir.Expr, slot: int | None = None) -> V:
        return self._cached((e, slot), self._value, e, slot)

    def _value(self, e: ir.Expr, slot) -> V:
        T = z3.BoolVal(True)
        match e:
            case ir.Field():
                return self.field(e.path, slot)
            case ir.Literal():
                v = e.value
                if e.type is BOOL:
                    return V(z3.BoolVal(bool(v)), T, "bool")
                if e.type is MONEY:
                    return V(_q(v) * 100, T, "fen")
                if e.type is NUMBER:
                    return V(_q(v), T, "num")
                if e.type is DURATION:
                    return V(_q(v.days * DAY + v.seconds), T, "sec")
                if e.type is TIME:
                    return V(z3.IntVal(seconds_of(v)), T, "tod")
                if e.type is DATE:
                    return V(z3.IntVal(day_number(v)), T, "day")
                if e.type is TEXT:
                    return V(z3.StringVal(v), T, "str")
                if e.type is ENUM:
                    return V(None, T, "lit", v)
                raise Unsupported("reason.not_modelled")
            case ir.Arith():
                a, b = self.value(e.left, slot), self.value(e.right, slot)
                present = z3.And(a.present, b.present)
                kinds = (a.kind, b.kind)
                if e.op in ir.SCALINGS:
                    return self._scale(e.op, a, b, present)
                sign = 1 if e.op == "+" else -1
                if kinds == ("ts", "ts") and e.op == "-":
                    return V(a.val - b.val, present, "sec")
                if kinds in (("ts", "sec"),) or (kinds == ("sec", "ts") and e.op == "+"):
                    out = a.val + sign * b.val if a.kind == "ts" else b.val + a.val
                    return V(out, z3.And(present, self._in_years(out)), "ts")
                if kinds in (("fen", "fen"), ("num", "num"), ("sec", "sec")):
                    return V(a.val + sign * b.val, present, a.kind)
                if kinds == ("fen", "num"):
                    return V(a.val + sign * b.val * 100, present, "fen")
                if kinds == ("num", "fen"):
                    return V(a.val * 100 + sign * b.val, present, "fen")
                raise Unsupported("reason.mixed_kinds")
            case ir.Call():
                return self._call(e, slot)
            case ir.Quantifier(kind=Quant.COUNT):
                if slot is not None:
                    raise Unsupported("reason.nested_quantifier")
                terms, known = [], [self.items_present]
                for k in range(self.slots):
                    c = z3.BoolVal(True) if e.condition is None else self.cond(e.condition, k)
                    terms.append(z3.If(c, self.mult[k], 0))
                    if e.condition is not None:  # an item whose condition is unknown makes the count missing
                        known.append(z3.Implies(self.mult[k] >= 1, z3.Or(c, self.false(e.condition, k))))
                return V(z3.Sum(terms) if terms else z3.IntVal(0), z3.And(known), "num")
            case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.And() | ir.Or() | ir.Not() \
                    | ir.Quantifier():
                # a condition used as a value: the evaluator compares its truth (None when unknown) as a value
                raise Unsupported("reason.condition_as_value")
            case _:
                assert_never(e)

    def _in_years(self, ts) -> z3.BoolRef:
        """Whether a computed timestamp stays in the years events may hold (`values.in_range`: else it is
        missing). Its year is read in its own offset, which the encoding does not know: within a day of either
        end it may be either."""
        ok = z3.FreshBool("in_years")
        self.facts.append(z3.Implies(z3.And(ts >= YEARS_IN[0], ts <= YEARS_IN[1]), ok))
        self.facts.append(z3.Implies(z3.Or(ts < YEARS_OUT[0], ts > YEARS_OUT[1]), z3.Not(ok)))
        return ok

    def _scale(self, op, a: "V", b: "V", present) -> "V":
        """Money `*` / `/` a number, rounded to the cent as semantics.scale rounds (halves away from zero).
        Linear only when the number (or, for `*`, the money) is a constant: field × field is not modelled."""
        money, number = (b, a) if a.kind == "num" else (a, b)
        if (money.kind, number.kind) != ("fen", "num"):
            raise Unsupported("reason.mixed_kinds")
        constant = lambda v: z3.is_rational_value(z3.simplify(v)) or z3.is_int_value(z3.simplify(v))  # noqa: E731
        if op == "/":
            if not constant(number.val):
                raise Unsupported("reason.nonlinear")
            k = z3.simplify(number.val)
            if z3.is_true(z3.simplify(k == 0)):
                return V(z3.IntVal(0), z3.BoolVal(False), "fen")  # dividing by zero is missing
            exact = z3.ToReal(money.val) / k
        elif constant(number.val):
            exact = z3.ToReal(money.val) * z3.simplify(number.val)
        elif constant(money.val):
            exact = z3.simplify(z3.ToReal(money.val)) * number.val
        else:
            raise Unsupported("reason.nonlinear")
        half = z3.RealVal("1/2")
        return V(z3.If(exact >= 0, z3.ToInt(exact + half), -z3.ToInt(half - exact)), present, "fen")

    def _call(self, e: ir.Call, slot) -> V:
        args = [self.value(a, slot) for a in e.args]
        present = z3.And([a.present for a in args]) if args else z3.BoolVal(True)
        fn = e.function
        if fn == "age":
            at = self.field(("at",))
            return V(at.val - args[0].val, present, "sec")
        if fn in ("in_service_hours", "outside_service_hours"):
            o = self.open_at(args[0])
            return V(o if fn == "in_service_hours" else z3.Not(o), present, "bool")
        if fn in ("is_weekend", "is_holiday", "is_day_off", "weekday", "local_time", "local_date"):
            day, tod, wd, hol, mk = self.clock(args[0])
            return {"is_weekend": lambda: V(wd >= 5, present, "bool"),
                    "is_holiday": lambda: V(hol, present, "bool"),
                    "is_day_off": lambda: V(self.day_off(hol, mk, wd), present, "bool"),
                    "weekday": lambda: V(wd, present, "enum", WEEKDAYS),
                    "local_time": lambda: V(tod, present, "tod"),
                    "local_date": lambda: V(day, present, "day")}[fn]()
        strs = [self._as_string(a) for a in args]
        if fn == "contains":
            return V(z3.Contains(strs[0], strs[1]), present, "bool")
        if fn == "starts_with":
            return V(z3.PrefixOf(strs[1], strs[0]), present, "bool")
        if fn == "ends_with":
            return V(z3.SuffixOf(strs[1], strs[0]), present, "bool")
        if fn == "length":
            return V(z3.Length(strs[0]), present, "num")
        if fn == "lower":
            low = z3.FreshConst(z3.StringSort(), "lower")
            # true of every text: lowercasing leaves no ASCII capital letter (`lower(x) == "ABC"` never holds)
            self.facts.append(z3.And([z3.Not(z3.Contains(low, z3.StringVal(c))) for c in string.ascii_uppercase]))
            if self.mode != "proof":
                # a hint for examples only (checked by the evaluator): lowercasing may change the length
                # ("İ" becomes two characters), so a proof must not assume it keeps it
                self.facts.append(z3.Length(low) == z3.Length(strs[0]))
            return V(low, present, "str")
        raise Unsupported("reason.function", function=fn)

    def listed(self, constants: frozenset, text):
        """Membership of a text in a long list of literals (a merchant's 30,000 SKUs), as one unknown
        predicate per list instead of 30,000 equalities: the same list gives the same answer for the
        same text in every rule, so `in` and `not in` of it exclude each other, and anything else is
        left open, so an "unsat" stays a proof. Examples must be real: there, a text in the list is one
        of a few of its values, and a text outside it is longer than any of them."""
        listed = self._lists.get(constants)
        if listed is None:
            fn = z3.Function(f"list{len(self._lists)}", z3.StringSort(), z3.BoolSort())
            listed = self._lists[constants] = (fn, sorted(constants)[:8], max(map(len, constants)))
        fn, known, longest = listed
        member = fn(text)
        if self.mode == "example":
            self.facts.append(z3.Implies(member, z3.Or([text == z3.StringVal(v) for v in known])))
            self.facts.append(z3.Implies(z3.Not(member), z3.Length(text) > longest))
        return member

    def _as_string(self, v: V):
        if v.kind == "str":
            return v.val
        if v.kind == "lit":
            return z3.StringVal(v.info)
        if v.kind == "enum":
            out = z3.StringVal(v.info[-1])
            for i, name in reversed(list(enumerate(v.info[:-1]))):
                out = z3.If(v.val == i, z3.StringVal(name), out)
            return out
        raise Unsupported("reason.mixed_kinds")

    # -- conditions ----------------------------------------------------------------
    def cond(self, e: ir.Expr, slot: int | None = None) -> z3.BoolRef:
        """The condition is true (three-valued: `false` is not its negation)."""
        return self.tf(e, slot)[0]

    def false(self, e: ir.Expr, slot: int | None = None) -> z3.BoolRef:
        """The condition is false."""
        return self.tf(e, slot)[1]

    def not_false(self, e: ir.Expr, slot: int | None = None) -> z3.BoolRef:
        """The condition is true or unknown: where a guard with it forbids its actions."""
        return z3.Not(self.false(e, slot))

    def tf(self, e: ir.Expr, slot: int | None = None) -> tuple[z3.BoolRef, z3.BoolRef]:
        return self._cached(("c", e, slot), self._tf, e, slot)

    def _tf(self, e: ir.Expr, slot) -> tuple[z3.BoolRef, z3.BoolRef]:
        match e:
            case ir.And() | ir.Or():
                parts = [self.tf(x, slot) for x in e.operands]
                ts, fs = [p[0] for p in parts], [p[1] for p in parts]
                if isinstance(e, ir.And):
                    return z3.And(ts) if ts else z3.BoolVal(True), z3.Or(fs) if fs else z3.BoolVal(False)
                return z3.Or(ts) if ts else z3.BoolVal(False), z3.And(fs) if fs else z3.BoolVal(True)
            case ir.Not():
                t, f = self.tf(e.operand, slot)
                return f, t
            case ir.Compare():
                a, b = self.value(e.left, slot), self.value(e.right, slot)
                known = z3.And(a.present, b.present)
                c = self.compare(e.op, a, b)
                return z3.And(known, c), z3.And(known, z3.Not(c))
            case ir.Between():
                s, lo, hi = (self.value(x, slot) for x in (e.subject, e.low, e.high))
                above, below = self.compare("<=", lo, s), self.compare("<=", s, hi)
                true = z3.And(s.present, lo.present, hi.present, above, below)
                false = z3.Or(z3.And(s.present, lo.present, z3.Not(above)), z3.And(s.present, hi.present, z3.Not(below)))
                return true, false
            case ir.InList():
                s = self.value(e.subject, slot)
                if e.constants is not None and len(e.constants) > SOLVER_LIST and s.kind == "str":
                    member = self.listed(e.constants, s.val)
                    true, false = z3.And(s.present, member), z3.And(s.present, z3.Not(member))
                    return (false, true) if e.negated else (true, false)
                options = [self.value(x, slot) for x in e.options]
                found = z3.Or([z3.And(o.present, self.compare("==", s, o)) for o in options]) if options \
                    else z3.BoolVal(False)
                not_found = z3.And([z3.And(o.present, z3.Not(self.compare("==", s, o))) for o in options])
                true, false = z3.And(s.present, found), z3.And(s.present, not_found)
                return (false, true) if e.negated else (true, false)
            case ir.Presence():
                s = self.value(e.subject, slot)
                true = s.present if e.present else z3.Not(s.present)
                return true, z3.Not(true)
            case ir.Quantifier(kind=Quant.ANY | Quant.ALL):
                if slot is not None or e.condition is None:
                    raise Unsupported("reason.nested_quantifier")
                each = [(self.mult[k] >= 1, *self.tf(e.condition, k)) for k in range(self.slots)]
                some_true = z3.Or([z3.And(m, t) for m, t, _ in each])
                some_false = z3.Or([z3.And(m, f) for m, _, f in each])
                every_true = z3.And([z3.Implies(m, t) for m, t, _ in each])
                every_false = z3.And([z3.Implies(m, f) for m, _, f in each])
                if e.kind == "any":
                    return z3.And(self.items_present, some_true), z3.And(self.items_present, every_false)
                return z3.And(self.items_present, every_true), z3.And(self.items_present, some_false)
            case ir.Field() | ir.Literal() | ir.Arith() | ir.Call() | ir.Quantifier():
                v = self.value(e, slot)
                if v.kind == "bool":
                    return z3.And(v.present, v.val), z3.And(v.present, z3.Not(v.val))
                return z3.BoolVal(False), v.present  # `semantics.truth`: a present value that is not true is false
            case _:
                assert_never(e)

    def compare(self, op: str, a: V, b: V) -> z3.BoolRef:
        if a.kind == "lit" and b.kind != "lit":
            a, b, op = b, a, MIRRORED.get(op, op)
        ops = {"==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
               "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}
        f = ops[op]
        if a.kind == "lit" and b.kind == "lit":
            return z3.BoolVal(f(a.info, b.info))
        if a.kind == "enum":
            if op not in ("==", "!="):
                raise Unsupported("reason.unordered")
            if b.kind == "lit":
                eq = a.val == a.info.index(b.info) if b.info in a.info else z3.BoolVal(False)
            elif b.kind == "enum":
                pairs = [(i, j) for i, x in enumerate(a.info) for j, y in enumerate(b.info) if x == y]
                eq = z3.Or([z3.And(a.val == i, b.val == j) for i, j in pairs]) if pairs else z3.BoolVal(False)
            elif b.kind == "str":
                eq = self._as_string(a) == b.val
            else:
                raise Unsupported("reason.mixed_kinds")
            return eq if op == "==" else z3.Not(eq)
        if b.kind == "enum":
            return self.compare(MIRRORED.get(op, op), b, a)
        if a.kind == "str" or b.kind == "str":
            if op not in ("==", "!="):
                raise Unsupported("reason.text_order")
            return f(self._as_string(a), self._as_string(b))
        if a.kind == "bool" or b.kind == "bool":
            if a.kind != b.kind or op not in ("==", "!="):
                raise Unsupported("reason.mixed_kinds")
            return f(a.val, b.val)
        x, y = a.val, b.val
        if {a.kind, b.kind} == {"fen", "num"}:
            x, y = (x, y * 100) if a.kind == "fen" else (x * 100, y)
        elif a.kind != b.kind:
            raise Unsupported("reason.mixed_kinds")
        return f(x, y)

    # -- terms and sets ------------------------------------------------------------
    def member(self, term: Term, values: ValueSet) -> z3.BoolRef:
        """The condition `term takes a value in values`."""
        if term.kind == "atom":
            t, f = self.tf(term.expr)
            m = values.members()
            if len(m) == len(term.labels):
                return z3.BoolVal(True)
            by_label = {True: t, False: f, MISSING_LABEL: z3.And(z3.Not(t), z3.Not(f))}
            return z3.Or([by_label[label] for label in m]) if m else z3.BoolVal(False)
        v = self.value(term.expr)
        parts = []
        if isinstance(values, Finite):
            for label in values.members():
                if label == MISSING_LABEL:
                    parts.append(z3.Not(v.present))
                elif v.kind == "bool":
                    parts.append(z3.And(v.present, v.val if label else z3.Not(v.val)))
                elif v.kind == "enum":
                    parts.append(z3.And(v.present, v.val == v.info.index(label)))
                else:
                    raise Unsupported("reason.not_modelled")
            return z3.Or(parts) if parts else z3.BoolVal(False)
        if isinstance(values, Numbers):
            if values.missing:
                parts.append(z3.Not(v.present))
            for lo, lc, hi, hc in values.ivs:
                c = []
                if lo is not None:
                    c.append(v.val >= _q(lo) if lc else v.val > _q(lo))
                if hi is not None:
                    c.append(v.val <= _q(hi) if hc else v.val < _q(hi))
                parts.append(z3.And([v.present] + c))
            return z3.Or(parts) if parts else z3.BoolVal(False)
        if isinstance(values, Texts):
            s = self._as_string(v)
            if values.missing:
                parts.append(z3.Not(v.present))
            hit = z3.Or([s == z3.StringVal(x) for x in sorted(values.strings)]) if values.strings \
                else z3.BoolVal(False)
            parts.append(z3.And(v.present, z3.Not(hit) if values.cofinite else hit))
            return z3.Or(parts)
        raise Unsupported("reason.not_modelled")

    def box(self, box: dict) -> z3.BoolRef:
        return z3.And([self.member(t, s) for t, s in box.items()]) if box else z3.BoolVal(True)

    # -- solving -------------------------------------------------------------------
    def flush(self, solver: z3.Solver | None = None) -> None:
        solver = solver or self.solver
        if solver is self.solver:
            new = self.facts[self._pending:]
            self._pending = len(self.facts)
        else:
            new = self.facts
        if new:
            solver.add(*new)

    def check(self, formula: z3.BoolRef) -> str:
        """'sat', 'unsat' or 'unknown' for the formula together with the domain facts."""
        self.flush()
        self.solver.push()
        try:
            self.solver.add(formula)
            self.flush()  # facts created while encoding
            return str(self.budget.check(self.solver))
        finally:
            self.solver.pop()

    def unsat_core(self, parts: list[z3.BoolRef]) -> list[int] | None:
        """Indexes of parts that together have no model, or None if they have one (or unknown)."""
        self.flush()
        s = z3.Solver()
        s.add(*self.facts)
        marks = [z3.Bool(f"part{i}") for i in range(len(parts))]
        for m, p in zip(marks, parts):
            s.add(z3.Implies(m, p))
        s.set("core.minimize", True)
        if self.budget.check(s, *marks) != z3.unsat:
            return None
        core = {str(c) for c in s.unsat_core()}
        return [i for i, m in enumerate(marks) if str(m) in core]


def _member(x, values) -> z3.BoolRef:
    """`x` is one of the whole numbers, as ranges of consecutive ones (holidays come in runs of days)."""
    runs: list[list[int]] = []
    for v in sorted(values):
        if runs and v == runs[-1][1] + 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    parts = [x == a if a == b else z3.And(x >= a, x <= b) for a, b in runs]
    return z3.Or(parts) if parts else z3.BoolVal(False)


__all__ = ["Budget", "Encoder", "V", "Unsupported"]
