"""A policy as one SQL query: the decision order as a CASE, recheck_at by deciding again at candidates.

    SELECT event_id, action, rule, forbidden_by, forbidden_action, guards, recheck_at
    FROM (SELECT e.*, <outcome at e.at> AS _outcome, ... FROM events AS e) AS d

The decision (semantics.decide) is one CASE giving an outcome number, each
number one (action, rule, forbidden_by): a closed request is no_action; a rule
acts only where its action applies and its condition IS TRUE; a guard forbids
unless its condition IS FALSE (true or unknown), the first such guard in policy
order being named; otherwise's action where it applies, guarded the same way,
else manual_review.

`recheck_at` follows decision/recheck.py: the candidate moments (where a
comparison that moves with the clock meets its threshold, ±1 µs; local
midnights and service-hours boundaries for calendar functions of a moving
timestamp) are computed per row, the decision is taken again at each inside
a lambda, and the earliest moment where it differs is kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlglot import exp

from ... import rules as ir
from ... import semantics as sem
from ...decision.recheck import INTRADAY_DAYS, MIDNIGHT_DAYS, TICK, Clocked, reads_clock
from ...hours import Calendar
from ...rules import NO_ACTION, Op
from ...values import DURATION, TIME, TIMESTAMP
from .calendar import DEFAULT_YEARS, CalendarSql, time_us
from .dialects import DIALECTS
from .translate import DAY_US, HIGHEST_US, LOWEST_US, SECOND_US, Scope, Translator, case, floor_div, lit, \
    pmod

#: The table the query reads, and the columns it writes.
TABLE = "events"
OUTPUTS = ("event_id", "action", "rule", "forbidden_by", "forbidden_action", "guards", "recheck_at", "decided_by")
Outcome = tuple[str, str | None, str | None, str | None, str]  # action, rule, forbidden_by, forbidden action, decided_by


@dataclass(frozen=True)
class SqlQuery:
    """A compiled query: its sqlglot tree, and what it needs from the engine that runs it."""

    tree: exp.Select
    dialect: str
    years: tuple[int, int]
    reads_clock: bool

    def sql(self, pretty: bool = True) -> str:
        return self.tree.sql(dialect=self.dialect, pretty=pretty)


class _Compiler:
    def __init__(self, policy: ir.Policy, dialect: str, years: tuple[int, int], keep: tuple[str, ...]):
        if dialect not in DIALECTS:
            raise ValueError(f"unknown SQL dialect `{dialect}`; known: {', '.join(DIALECTS)}")
        self.policy, self.keep = policy, keep
        self.calendar = CalendarSql(Calendar(policy.holidays), policy.service_hours, policy.timezone, years)
        self.t = Translator(policy, DIALECTS[dialect], self.calendar)
        self.dialect = DIALECTS[dialect]
        self.outcomes: dict[Outcome, int] = {}
        self.outcome((NO_ACTION, None, None, None, "closed"))

    def outcome(self, o: Outcome) -> exp.Expression:
        return lit(self.outcomes.setdefault(o, len(self.outcomes)))

    # -- the decision ------------------------------------------------------------

    def holds(self, rule: ir.Rule, s: Scope) -> exp.Expression:
        self.t.rule = rule
        try:
            return self.t.holds(rule.when, s)
        finally:
            self.t.rule = None

    def applies(self, action: str, s: Scope) -> exp.Expression:
        """semantics.applies as a condition on the row's kind and status (NULL where either is missing)."""
        kind = exp.column("request", table=s.table, quoted=True)
        kind, status = (exp.Dot(this=kind, expression=exp.to_identifier(n, quoted=True)) for n in ("kind", "status"))
        by_status: dict[str, set] = {}
        for k, st in sem.applicable_states(action):
            by_status.setdefault(st, set()).add(k)
        tests = []
        for st in sorted(by_status):
            kinds = by_status[st]
            test = status.eq(exp.Literal.string(st))
            if sem.ANY_KIND not in kinds:
                test = exp.and_(test, exp.In(this=kind, expressions=[exp.Literal.string(k) for k in sorted(kinds)]))
            tests.append(exp.paren(test))
        return exp.paren(exp.or_(*tests)) if tests else exp.false()

    def guarded(self, action: str, rule: str | None, open_guards: dict[str, exp.Expression]) -> exp.Expression:
        """The outcome of `action` by `rule`: manual_review naming the first open guard that forbids it."""
        pairs = [(test, self.outcome(("manual_review", rule, g.id, action, "forbidden")))
                 for g in self.policy.guards if action in g.forbids for test in [open_guards[g.id]]]
        return case(pairs, self.outcome((action, rule, None, None, "rule" if rule else "otherwise")))

    def decision(self, s: Scope) -> exp.Expression:
        p = self.policy
        status = exp.Dot(this=exp.column("request", table=s.table, quoted=True),
                         expression=exp.to_identifier("status", quoted=True))
        open_guards = {g.id: exp.paren(self.holds(g, s)).is_(exp.false()).not_() for g in p.guards}
        pairs = [(exp.In(this=status, expressions=[exp.Literal.string(x) for x in sorted(sem.CLOSED_STATUSES)]),
                  self.outcome((NO_ACTION, None, None, None, "closed")))]
        for rule in p.deciding_rules:
            test = exp.and_(self.applies(rule.action, s), exp.paren(self.holds(rule, s)).is_(exp.true()))
            pairs.append((test, self.guarded(rule.action, rule.id, open_guards)))
        pairs.append((self.applies(p.otherwise, s).is_(exp.true()).not_(),
                      self.outcome(("manual_review", None, None, None, "not_applicable"))))
        return case(pairs, self.guarded(p.otherwise, None, open_guards))

    def guards_in_force(self, s: Scope) -> exp.Expression:
        status = exp.Dot(this=exp.column("request", table=s.table, quoted=True),
                         expression=exp.to_identifier("status", quoted=True))
        closed = exp.In(this=status, expressions=[exp.Literal.string(x) for x in sorted(sem.CLOSED_STATUSES)])
        names = [case([(exp.and_(exp.paren(closed).is_(exp.true()).not_(),
                                 exp.paren(self.holds(g, s)).is_(exp.false()).not_()), exp.Literal.string(g.id))],
                      exp.cast(exp.null(), exp.DataType.build("TEXT")))
                 for g in self.policy.guards]
        if not names:
            return exp.cast(exp.Array(expressions=[]), exp.DataType.build("TEXT[]", dialect="duckdb"))
        x = exp.to_identifier("_g")
        return exp.ArrayFilter(this=exp.Array(expressions=names),
                               expression=exp.Lambda(this=exp.column("_g").is_(exp.null()).not_(), expressions=[x]))

    # -- recheck_at ---------------------------------------------------------------

    def slope(self, e: ir.Expr) -> int:
        """How a moving value changes per second of waiting (−2..2): `at` and `age(x)` move, constants do not."""
        match e:
            case ir.Field():
                return 1 if e.path == ("at",) else 0
            case ir.Call(function="age"):
                return 1 - self.slope(e.args[0])
            case ir.Arith():
                a, b = self.slope(e.left), self.slope(e.right)
                return a + b if e.op is Op.ADD else a - b
            case ir.Literal() | ir.Call() | ir.Quantifier() | ir.Compare() | ir.Between() | ir.InList() \
                    | ir.Presence() | ir.And() | ir.Or() | ir.Not():
                return 2 ** 8 if reads_clock(e) else 0  # not linear in the clock: refused where it matters
            case _:
                assert_never(e)

    def candidates(self, clocked: Clocked, s: Scope) -> list[exp.Expression]:
        """List expressions of candidate moments (BIGINT µs), as recheck.candidates computes them."""
        at = s.at
        probe = Scope(s.table, exp.paren(exp.Add(this=at, expression=lit(SECOND_US))))
        lists: list[exp.Expression] = []
        singles: list[exp.Expression] = []
        for left, right in clocked.pairs:
            kinds = {self.t.kind(left), self.t.kind(right)}
            if not (kinds <= {TIMESTAMP} or kinds <= {DURATION}):
                continue  # Python's `l0 - r0` raises TypeError for these: no candidate
            slope = self.slope(left) - self.slope(right)
            if slope == 0:
                continue
            if abs(slope) > 2:
                self.t.rule = self.rule_of(left)
                self.t.refuse("recheck_at of a comparison whose sides do not move with the clock in step", left)
            l0, r0 = self.t.value(left, s), self.t.value(right, s)
            l1, r1 = self.t.value(left, probe), self.t.value(right, probe)
            known = exp.and_(*(v.is_(exp.null()).not_() for v in (l0, r0, l1, r1)))
            gap = exp.paren(exp.Sub(this=l0, expression=r0))
            if slope < 0:
                gap = exp.Neg(this=gap)
            if abs(slope) == 1:
                step = gap
            else:  # timedelta / 2 rounds half to even
                half = floor_div(gap, 2)
                step = exp.Add(this=half, expression=case(
                    [(exp.and_(pmod(gap, 2).eq(lit(1)), pmod(half, 2).eq(lit(1))), lit(1))], lit(0)))
            meet = exp.paren(exp.Sub(this=at, expression=exp.paren(step)))
            for d in (-1, 0, 1):
                singles.append(case([(known, exp.Add(this=meet, expression=lit(d)))],
                                    exp.cast(exp.null(), exp.DataType.build("BIGINT"))))
        if singles:
            lists.append(exp.Array(expressions=singles))
        if clocked.calendar_args:
            lists.extend(self.calendar_candidates(clocked, s))
        return lists

    def calendar_candidates(self, clocked: Clocked, s: Scope) -> list[exp.Expression]:
        offset = self.fixed_offset_us()
        boundaries: set[time] = set()
        for t in clocked.times_of_day:
            boundaries.add(t)
            boundaries.add((datetime.combine(datetime(2000, 1, 1), t) + TICK).time())
        if self.policy.service_hours is not None:
            for spans in self.policy.service_hours.days:
                for a, b in spans:
                    boundaries.update((a, b))
        boundaries.discard(time.max)
        out = []
        for arg in clocked.calendar_args:
            self.t.rule = self.rule_of(arg)
            if offset is None:
                self.t.refuse(f"recheck_at through a calendar function of the clock in `{self.policy.timezone}`, "
                              "a zone whose UTC offset changes (a local midnight may have no one instant)", arg)
            value = self.t.value(arg, s)
            day = floor_div(self.dialect.local_us(value, self.policy.timezone), DAY_US)
            # the argument runs with the clock at a fixed distance: a moment for the argument is
            # that moment minus (value - at) for the event
            shift = exp.paren(exp.Sub(this=value, expression=s.at))
            base = exp.paren(exp.Sub(this=exp.Sub(this=exp.Mul(this=exp.paren(day), expression=lit(DAY_US)),
                                                 expression=lit(offset)), expression=shift))
            n = exp.to_identifier("_n")
            plus = lambda k, extra: exp.Add(this=base, expression=exp.Add(  # noqa: E731
                this=exp.Mul(this=exp.column("_n"), expression=lit(DAY_US)), expression=lit(extra)))
            out.append(exp.Transform(this=exp.GenerateSeries(start=lit(1), end=lit(MIDNIGHT_DAYS)),
                                     expression=exp.Lambda(this=plus(1, 0), expressions=[n])))
            for b in sorted(boundaries):
                out.append(exp.Transform(this=exp.GenerateSeries(start=lit(0), end=lit(INTRADAY_DAYS)),
                                         expression=exp.Lambda(this=plus(0, time_us(b)), expressions=[n])))
            out = [case([(value.is_(exp.null()), exp.null())], x) for x in out]
        return out

    def fixed_offset_us(self) -> int | None:
        """The zone's one UTC offset over the query's years (None for zones with daylight saving)."""
        zone = ZoneInfo(self.policy.timezone)
        first, last = self.calendar.years
        offsets = set()
        day = datetime(first, 1, 1)
        while day.year <= last + 2:
            offsets.add(day.replace(tzinfo=zone).utcoffset())
            day += timedelta(days=7)
        return offsets.pop() // timedelta(microseconds=1) if len(offsets) == 1 else None

    def rule_of(self, node: ir.Node) -> ir.Rule | None:
        return next((r for r in self.policy.rules if any(n is node for n in ir.walk(r.when))), None)

    def recheck(self, clocked: Clocked, s: Scope, current: exp.Expression) -> exp.Expression:
        lists = self.candidates(clocked, s)
        if not lists:
            return exp.cast(exp.null(), exp.DataType.build("BIGINT"))
        cands = lists[0] if len(lists) == 1 else exp.ArrayConcat(this=lists[0], expressions=lists[1:])
        c = exp.column("_c")
        later = Scope(s.table, c, depth=s.depth)
        test = exp.and_(c > s.at, exp.Between(this=c, low=lit(LOWEST_US), high=lit(HIGHEST_US)),
                        exp.paren(self.decision(later)).neq(current))
        found = exp.ArrayFilter(this=cands, expression=exp.Lambda(this=test, expressions=[exp.to_identifier("_c")]))
        return exp.ArrayMin(this=found)

    # -- the query ------------------------------------------------------------------

    def build(self) -> SqlQuery:
        e = Scope("e", self.dialect.epoch_us(exp.column("at", table="e", quoted=True)))
        decided = self.decision(e)
        guards = self.guards_in_force(e)
        clocked = Clocked(self.policy)
        inner = exp.select(exp.Star(), exp.alias_(e.at, "_at"), exp.alias_(decided, "_outcome"),
                           exp.alias_(guards, "_guards")).from_(exp.alias_(exp.to_table(TABLE), "e"))
        d = Scope("d", exp.column("_at", table="d"))
        recheck = self.recheck(clocked, d, exp.column("_outcome", table="d")) if clocked else None
        by = {n: o for o, n in self.outcomes.items()}
        o = exp.column("_outcome", table="d")

        def pick(i: int) -> exp.Expression:
            return exp.Case(this=o, ifs=[exp.If(this=lit(n), true=exp.Literal.string(out[i]) if out[i] else
                                                exp.cast(exp.null(), exp.DataType.build("TEXT")))
                                         for n, out in sorted(by.items())])

        recheck_at = exp.cast(exp.null(), exp.DataType.build("BIGINT")) if recheck is None else recheck
        columns = [exp.alias_(exp.column("id", table="d", quoted=True), "event_id"),
                   exp.alias_(pick(0), "action"), exp.alias_(pick(1), "rule"), exp.alias_(pick(2), "forbidden_by"),
                   exp.alias_(pick(3), "forbidden_action"), exp.alias_(exp.column("_guards", table="d"), "guards"),
                   exp.alias_(self.dialect.timestamp(recheck_at), "recheck_at"), exp.alias_(pick(4), "decided_by")]
        for k in self.keep:  # passed through: `_line`, or a dotted path such as `request.amount`
            first, *rest = k.split(".")
            node: exp.Expression = exp.column(first, table="d", quoted=True)
            for name in rest:
                node = exp.Dot(this=node, expression=exp.to_identifier(name, quoted=True))
            columns.append(exp.alias_(node, k.replace(".", "_")))
        tree = exp.select(*columns).from_(exp.alias_(inner.subquery(), "d"))
        return SqlQuery(tree, self.dialect.name, self.calendar.years, bool(clocked))


def compile_query(policy: ir.Policy, dialect: str = "duckdb", years: tuple[int, int] | None = None,
                  keep: tuple[str, ...] = ()) -> SqlQuery:
    """The policy as one query over the table `events`; `years` bound the holiday calendar (default
    2019-2030); `keep` names input columns passed through (e.g. a line number).

    Raises Refused (an AftersaleError naming the rule and the construct) for what has no exact SQL.
    """
    return _Compiler(policy, dialect, years or DEFAULT_YEARS, keep).build()


__all__ = ["compile_query", "SqlQuery", "TABLE", "OUTPUTS"]
