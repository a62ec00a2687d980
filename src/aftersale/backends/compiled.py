"""The compiled backend: a policy's rule tree → Python source, compiled once per policy.

Like sqlglot's Python executor, the backend writes a module of plain Python
for one policy and hands it to `compile()`; like Jinja's compiler, it keeps a
map from each generated line to the policy span it came from, so a traceback
through generated code points at the rule. The source depends only on the
rule tree (no ids, no set order, no clock), so the same policy always gives
the same code (`CompiledPolicy.source`).

Each policy gets two functions, compiled on first use: `decide(event,
trace=True)`, the fast path (the traced one a call away), and
`decide_traced(e)`, which also appends one entry per evaluated condition to a
log that `replay.Replay` turns into a trace when it is read.
Both take the raw event dict and read a field only when a condition needs
it, once per decision, checked and typed by `readers` (a locally bound
variable per field; a read that may or may not have happened on the way is
guarded by `UNSET`). The meaning is `semantics`'s: three-valued conditions
(a condition that reads a missing value is unknown; see TRUE, FALSE, THREE for
how the code asks only what each place needs), and the order of
`semantics.decide`: a closed request is no_action before any rule, every
guard (in force unless its condition is false), then each rule whose action
applies to the request's kind and status, then otherwise. Every decision
reads the event's `id`, `at`, kind and status, and keeps `id` and `at`;
where an action applies depends on (kind, status), one table lookup per
decision (`APPLIES`, which checks both values too) gives `ap`, and each rule
tests its bit. Where a clock-reading condition was looked at, the decision
captures the event and works `recheck_at` out when it is read (`later`).

    >>> import aftersale
    >>> from aftersale.backends.compiled import CompiledPolicy
    >>> tree = aftersale.compile('policy "p"\\nrule small: auto-refund refunds up to ¥30\\n').tree
    >>> print(CompiledPolicy(tree).source(trace=False).split("# rule 0")[1].splitlines()[1].strip())
    if ap & K6:

Nothing from the policy's text is ever written into the source (see
`ModuleWriter`): its values reach the code as constants, so a policy is only
ever data to this backend. An exception inside generated code is a bug, never
papered over: `CompiledPolicy.failures` counts it and it raises InternalError.
"""
from __future__ import annotations

import hashlib
import linecache
import pickle
from contextlib import contextmanager
from functools import cached_property
from decimal import Decimal
from typing import Any, Callable, assert_never
from zoneinfo import ZoneInfo

from .. import rules as ir
from .. import semantics as sem
from ..events import Event, parse_event
from ..functions import Context
from ..hours import Calendar
from ..source import Span
from ..diagnostics import InternalError
from ..values import ANY, BOOL, DATE, DURATION, ENUM, MISSING, MONEY, NUMBER, TEXT, TIME, TIMESTAMP, Type
from ..events import lazy as readers
from . import runtime
from ..rules import NO_ACTION, Quant
from ..decision.decision import Decision, Origin, Outcome
from ..events.lazy import FieldSpec, event_spec, float_bounds, float_compare
from ..decision.recheck import reads_clock
from .replay import PlanNode, build_plan, children, field_presence, walk

#: Types whose values Python orders and compares without TypeError, grouped by what they mix with.
FAMILIES = {MONEY: "decimal", NUMBER: "decimal", DURATION: "duration", TIMESTAMP: "timestamp",
            TIME: "time", DATE: "date", ENUM: "text", TEXT: "text", BOOL: "bool"}
#: Arithmetic that cannot raise between values of these types.
SAFE_ARITH = {("+", "decimal", "decimal"), ("-", "decimal", "decimal"), ("+", "duration", "duration"),
              ("-", "duration", "duration"), ("-", "timestamp", "timestamp")}
#: Above this many rules, a read that may already have happened is one call (`readers.read`) instead
#: of its inline check: big policies compile faster, small ones keep every read inline.
COMPACT_RULES = 64
#: A policy of more than COMPACT_RULES rules decides its first WARM_UP_EVENTS parsed events (an `Event`,
#: as `aftersale eval` passes them) with the interpreter: generating and compiling the code of 1,000
#: rules takes seconds and hundreds of MB, which pays only once more events follow. The decisions are
#: the same (the conformance suite holds both backends to one table). A dict is always decided by the
#: generated code, which reads it lazily (the interpreter would validate it whole).
WARM_UP_EVENTS = 8
#: A rule's conditions nest as `if`s up to this many (Python allows 100 indentation levels).
MAX_NESTED = 32
#: Indentation the generated code may reach (Python's tokenizer stops at 100).
MAX_DEPTH = 90
#: `a op b` is `b FLIP[op] a`.
FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: The operator tokens the generated code may hold, and the names the runtime knows them by: an
#: operator of the rule tree is written as one of these (or fails), never copied from the tree.
OPS = {op: op for op in ("==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/")}
OP_NAMES = {op: repr(op) for op in OPS}
#: What a generated condition computes: whether its answer is True (where a rule acts: unknown and
#: false alike), whether it is False (under `not`, in a guard), or the answer itself, True, False or
#: None for unknown (in the traced path, in counts, in a negated or guarded junction's parts).
TRUE, FALSE, THREE = "true", "false", "three"
#: Fields every decision reads: the event's id and moment (kept in the Decision), its kind and status.
ID, AT, KIND, STATUS = ("id",), ("at",), ("request", "kind"), ("request", "status")
#: Functions that never give MISSING for present arguments (time functions may: see runtime).
PURE = frozenset(("age", "contains", "starts_with", "ends_with", "lower", "length"))


class _Everything(frozenset):
    """The reads of a value inside a leaf: the leaf did them all before computing its operands."""

    def __contains__(self, key) -> bool:
        return True


DONE = _Everything()


def static_type(e: ir.Expr, item: bool) -> Type:
    """The node's own static type (fixed when the tree was built); an item field outside a quantifier's
    item is ANY here (it reads no item)."""
    if isinstance(e, ir.Field) and e.path[0] == "item" and not item:
        return ANY
    return e.type


def family(e: ir.Expr, item: bool) -> str | None:
    return FAMILIES.get(static_type(e, item))


class Writer:
    """Lines of Python with their indentation and, per line, the policy span it came from."""

    def __init__(self):
        self.lines: list[str] = []
        self.spans: list[Span | None] = []
        self.depth = 0
        self.span: Span | None = None

    def __call__(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)
        self.spans.append(self.span)

    @contextmanager
    def indent(self):
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    @contextmanager
    def at(self, span: Span | None):
        saved, self.span = self.span, span if span is not None and span.line > 0 else self.span
        try:
            yield
        finally:
            self.span = saved


class _Scope:
    """Where field paths are read: the event, or (inside any/all/count) one item, by its variable."""

    def __init__(self, item: str | None = None):
        self.item = item


def float_fields(policy: ir.Policy) -> frozenset:
    """Number fields the policy only compares with literals (or tests for presence).

    On the fast path such a field read as a float stays a float: comparing it
    needs no Decimal (readers.float_compare), which is most of its cost.
    """
    uses: dict[tuple, list[bool]] = {}
    for rule in policy.rules:
        for node in walk(rule.when):
            if isinstance(node, ir.Compare):
                for this, other in ((node.left, node.right), (node.right, node.left)):
                    if isinstance(this, ir.Field) and this.type is NUMBER and this.path[0] != "item":
                        friendly = isinstance(other, ir.Literal) and isinstance(other.value, Decimal)
                        uses.setdefault(this.path, []).append(friendly)
            elif isinstance(node, ir.Presence) and isinstance(node.subject, ir.Field) \
                    and node.subject.type is NUMBER:
                uses.setdefault(node.subject.path, []).append(True)
            for child in children(node):
                if isinstance(child, ir.Field) and child.type is NUMBER and not isinstance(
                        node, (ir.Compare, ir.Presence)):
                    uses.setdefault(child.path, []).append(False)
    return frozenset(path for path, flags in uses.items() if all(flags))


class FunctionWriter:
    """Writes one decide function (fast or traced) for a policy; shares constants with its module."""

    def __init__(self, module: ModuleWriter, trace: bool):
        self.m = module
        self.w = module.w
        self.trace = trace
        self.guarded: set[str] = set()
        self.flags: set[str] = set()
        self.last_test = ""
        self.temp = 0
        self.possible: set = set()      # reads that happened on some path so far
        self.raw_floats = frozenset() if trace else float_fields(module.policy)

    # -- names -------------------------------------------------------------------
    def fresh(self, prefix: str = "v") -> str:
        self.temp += 1
        return f"{prefix}{self.temp}"

    # -- field reads ---------------------------------------------------------------
    def ensure(self, path: tuple[str, ...], done: frozenset, obj: bool = False) -> frozenset:
        """Emit the reads of a field (or of an object on the way, `obj`) not certainly done yet."""
        key = ("c" if obj else "f", path)
        if key in done:
            return done
        paid = None
        if not obj and path == readers.AMOUNT and not self.m.compact:  # read order.paid_amount first: the
            done = self.ensure(readers.PAID, done)                       # amount is checked against it
            paid = self.m.field_var(readers.PAID)
        if len(path) > 1:
            done = self.ensure(path[:-1], done, obj=True)
        parent = self.m.container_var(path[:-1])
        spec = event_spec(path)
        absent_ok = None if spec.required else self.keys_checked(parent, path[:-1], spec)
        if obj:
            var = self.m.container_var(path)
            slow = f"CONTAINER({var}, {self.m.spec_name(spec)}, {parent})"
            fix = f"EMPTY if {var} is MISSING and ({absent_ok}) else {slow}" if absent_ok else slow
            lines = [f"{var} = {parent}.get({self.m.const(path[-1])}, MISSING)",
                     f"if {var}.__class__ is not dict: {var} = {fix}"]
        else:
            var = self.m.field_var(path)
            lines = spec.load_lines(var, parent, self.m.spec_name(spec), self.m.const(path[-1]),
                                    raw_float=path in self.raw_floats, absent_ok=absent_ok, paid=paid)
        if key in self.possible:
            self.guarded.add(var)
            if not obj and self.m.compact:  # a big policy: one line per conditional read (fast to compile)
                self.w(f"if {var} is UNSET: {var} = READ({parent}.get({self.m.const(path[-1])}, MISSING), "
                       f"{self.m.spec_name(spec)}, {parent})")
                self.possible.add(key)
                return done | {key}
            self.w(f"if {var} is UNSET:")
            with self.w.indent():
                for line in lines:
                    self.w(line)
        else:
            for line in lines:
                self.w(line)
        self.possible.add(key)
        return done | {key}

    def keys_checked(self, parent: str, parent_path: tuple[str, ...], spec: FieldSpec) -> str:
        """A test that `parent` holds no misspelt keys (so an absent field is truly absent).

        Checked at most once per decision where several absent fields of one
        object may be looked at; an absent object (EMPTY) needs no check.
        """
        if spec.siblings is None:
            return "True"
        check = f"{self.m.keys_name(parent_path, spec.siblings)}.issuperset({parent})"
        if self.m.absent_sites.get(parent_path, 0) > 1:
            flag = f"k{parent}"
            self.flags.add(flag)
            check = f"{flag} or ({flag} := {check})"
        if parent_path and not event_spec(parent_path).always_present:
            check = f"{parent} is EMPTY or {check}"
        return check

    def reads(self, e: ir.Expr, item: bool) -> list[tuple[str, ...]]:
        """Event field paths read by a condition or value, in tree order, without repeats."""
        out: list[tuple[str, ...]] = []
        for n in walk(e):
            if isinstance(n, ir.Field) and n.path[0] != "item" and n.path not in out:
                out.append(n.path)
            elif isinstance(n, ir.Call) and n.function == "age" and ("at",) not in out:
                out.append(("at",))  # age() measures to the event's `at`
        return out

    def reads_keys(self, e: ir.Expr) -> set:
        keys = set()
        for path in self.reads(e, False):
            keys.add(("f", path))
            keys.update(("c", path[:i]) for i in range(1, len(path)))
        return keys

    # -- values ----------------------------------------------------------------------
    def atom(self, code: str) -> str:
        """A name for a value, so it can be used twice (or logged) without being computed twice."""
        if code.isidentifier() or code in ("MISSING", "True", "False", "None"):
            return code
        var = self.fresh()
        self.w(f"{var} = {code}")
        return var

    def value(self, e: ir.Expr, scope: _Scope) -> tuple[str, bool]:
        """(code, may be MISSING) of an expression's value; emits statements for temporaries."""
        item = scope.item is not None
        match e:
            case ir.Literal():
                return self.m.const(e.value), False
            case ir.Field():
                presence = field_presence(e, item)
                if presence == "always":
                    return "MISSING", True
                if e.path[0] == "item":
                    return f"{scope.item}.get({self.m.const(e.path[1])}, MISSING)", presence == "maybe"
                return self.m.field_var(e.path), presence == "maybe"
            case ir.Arith():
                (a, am), (b, bm) = self.value(e.left, scope), self.value(e.right, scope)
                fa, fb = family(e.left, item), family(e.right, item)
                if (e.op, fa, fb) in SAFE_ARITH:
                    if not (am or bm):
                        return f"({a} {OPS[e.op]} {b})", False
                    a, b = self.atom(a), self.atom(b)
                    test = " or ".join(f"{x} is MISSING" for x, m in ((a, am), (b, bm)) if m)
                    return f"(MISSING if {test} else {a} {OPS[e.op]} {b})", True
                return f"ARITH({OP_NAMES[e.op]}, {a}, {b})", True
            case ir.Call():
                return self.call(e.function, [self.value(a, scope) for a in e.args])
            case ir.Quantifier(kind=Quant.COUNT):
                items, _ = self.value(e.collection, scope)
                items = self.atom(items)
                if e.condition is None:
                    return f"(MISSING if {items} is MISSING else DEC(len({items})))", True
                var, it, flag = self.fresh(), self.fresh("it"), self.fresh("q")
                self.w(f"if {items} is MISSING: {var} = MISSING")
                self.w("else:")
                with self.w.indent():
                    self.w(f"{var} = 0")
                    self.w(f"for {it} in {items}:")
                    with self.w.indent():
                        self.cond_value(e.condition, flag, _Scope(it))
                        self.w(f"if {flag} is None: {var} = MISSING; break")  # semantics.quantify_count
                        self.w(f"if {flag}: {var} += 1")
                    self.w("else:")
                    with self.w.indent():
                        self.w(f"{var} = DEC({var})")
                return var, True
            case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.And() | ir.Or() | ir.Not() \
                    | ir.Quantifier():
                flag = self.fresh("q")  # a condition used as a value: True, False or None (interpreter.value)
                self.cond_value(e, flag, scope)
                return flag, False
            case _:
                assert_never(e)

    def call(self, function: str, args: list[tuple[str, bool]]) -> tuple[str, bool]:
        """(code, may be MISSING) of a call to a built-in function (MISSING in, MISSING out)."""
        if any(m for _, m in args):
            args = [(self.atom(c), m) for c, m in args]
        codes = [c for c, _ in args]
        if function == "age" and len(codes) == 1:
            code = f"({self.m.field_var(('at',))} - {codes[0]})"  # the event's `at`, read with the condition's fields
        elif function in ("in_service_hours", "outside_service_hours") and len(codes) == 1:
            code = f"{'OPEN' if function == 'in_service_hours' else 'OUTSIDE'}({codes[0]})"
        else:
            code = f"CALL({self.m.const(function)}, CTX, ({''.join(c + ', ' for c in codes)}))"  # semantics.call
        missing = [c for c, m in args if m]
        if missing:
            return f"(MISSING if {' or '.join(c + ' is MISSING' for c in missing)} else {code})", True
        return code, function not in PURE

    def cond_value(self, e: ir.Expr, flag: str, scope: _Scope) -> None:
        """Evaluate a condition into `flag` as a value (True, False or None for unknown), untraced:
        inside count, or a condition compared as a value (interpreter.value)."""
        saved, self.trace = self.trace, False
        try:
            self.cond(self.m.planner_leafless(e, scope.item is not None), flag, DONE, scope, THREE)
        finally:
            self.trace = saved

    # -- conditions ------------------------------------------------------------------
    def cond(self, plan: PlanNode, t: str, done: frozenset, scope: _Scope, mode: str) -> frozenset:
        """Emit code setting `t` to the condition's answer in `mode` (see TRUE, FALSE, THREE);
        returns the reads certainly done."""
        e = plan.expr
        with self.w.at(e.span):
            if plan.kind in ("and", "or"):
                is_and = plan.kind == "and"
                if not plan.children:  # and3(()) is True, or3(()) is False
                    self.w(f"{t} = {is_and if mode != FALSE else not is_and}")
                    return done
                if mode == THREE:
                    return self.junction3(plan, t, done, scope, is_and)
                first = self.cond(plan.children[0], t, done, scope, mode)
                inner = first
                every = is_and == (mode == TRUE)  # and is True / or is False when every part says so
                for child in plan.children[1:]:
                    self.w(f"if {'' if every else 'not '}{t}:")
                    with self.w.indent():
                        inner = self.cond(child, t, inner, scope, mode)
                return first
            if plan.kind == "not":  # semantics.not3: True ⇔ the operand is False, and the other way round
                child = plan.children[0]
                if mode != THREE:
                    return self.cond(child, t, done, scope, FALSE if mode == TRUE else TRUE)
                after = self.cond(child, t, done, scope, THREE)
                self.w(f"if {t} is not None: {t} = not {t}")
                return after
            if plan.kind == "quant":
                return self.quantifier(plan, t, done, scope, mode)
            return self.leaf(plan, t, done, scope, mode)

    def junction3(self, plan: PlanNode, t: str, done: frozenset, scope: _Scope, is_and: bool) -> frozenset:
        """semantics.and3 / or3, part by part in trace.junction's order: the first part that decides (false
        for and, true for or) stops it; an unknown part makes the answer unknown unless one decides."""
        decides, neutral = ("False", "True") if is_and else ("True", "False")
        first = self.cond(plan.children[0], t, done, scope, THREE)
        inner = first
        u = self.fresh("u")
        for child in plan.children[1:]:
            self.w(f"if {t} is not {decides}:")
            with self.w.indent():
                inner = self.cond(child, u, inner, scope, THREE)
                self.w(f"if {u} is not {neutral}: {t} = {u}")
        return first

    def quantifier(self, plan: PlanNode, t: str, done: frozenset, scope: _Scope, mode: str) -> frozenset:
        """any/all over items: semantics.quantify_any / quantify_all (a missing list is unknown)."""
        e: ir.Quantifier = plan.expr
        for path in self.reads(e.collection, False):
            done = self.ensure(path, done)
        items, _ = self.value(e.collection, scope)
        if self.trace:
            self.w(f"L(({plan.id}, {items}))")
        it = self.fresh("it")
        is_any = e.kind == Quant.ANY
        self.possible |= self.reads_keys(e.condition)  # a later pass of the loop finds them read
        if mode == THREE:  # the answer that stops the search (true for any, false for all), else unknown if any is
            inner, missing, start = self.fresh("u"), None, not is_any
            after = [f"if {inner} is {is_any}: {t} = {inner}; break", f"if {inner} is None: {t} = None"]
        else:
            every = is_any == (mode == FALSE)  # all is True / any is False when every item says so
            inner, missing, start = t, False, every
            after = [f"if {'not ' if every else ''}{t}: break"]
        self.w(f"if {items} is MISSING: {t} = {missing}")
        self.w("else:")
        with self.w.indent():
            self.w(f"{t} = {start}")
            self.w(f"for {it} in {items}:")
            with self.w.indent():
                self.cond(plan.children[0], inner, done, _Scope(it), mode)
                for line in after:
                    self.w(line)
        return done

    def leaf(self, plan: PlanNode, t: str | None, done: frozenset, scope: _Scope, mode: str) -> frozenset:
        e = plan.expr
        item = scope.item is not None
        for path in self.reads(e, item):
            done = self.ensure(path, done)
        ops = []
        for op in plan.operands:
            if op.const:
                ops.append((self.m.const(op.value), False))
            else:
                code, missing = self.value(op.expr, scope)
                ops.append((self.atom(code) if (self.trace or missing) else code, missing))
        test = self.test_true(e, ops, scope) if mode == TRUE else \
            self.test_false(e, ops, scope) if mode == FALSE else self.test3(e, ops, scope)
        if t is None:  # the caller tests it directly
            self.last_test = test
            return done
        self.w(f"{t} = {test}")
        if self.trace:  # a leaf's logged result is True, False or None (the trace is three-valued)
            logged = [c for (c, _), op in zip(ops, plan.operands) if not op.const]
            logged += [self.value(f, scope)[0] for f in plan.extras]
            self.w(f"L(({plan.id}, {t}{''.join(', ' + c for c in logged)}))")
        return done

    def raw_float_test(self, e: ir.Compare, ops, scope: _Scope, rest: str) -> str | None:
        """A comparison of a number field still held as a float with a literal (readers.float_compare)."""
        if scope.item is not None:
            return None
        (a, _), (b, _) = ops[:2]
        for var, lit, op in ((e.left, e.right, OPS[e.op]), (e.right, e.left, FLIP[e.op])):
            if isinstance(var, ir.Field) and var.path in self.raw_floats and isinstance(lit, ir.Literal) \
                    and isinstance(lit.value, Decimal):
                name, const = (a, b) if var is e.left else (b, a)
                low, high = (self.m.const(bound) for bound in float_bounds(lit.value))
                return f"({float_compare(op, name, const, low, high)} if {name}.__class__ is float else {rest})"
        return None

    def direct(self, e: ir.Expr, item: bool) -> bool:
        """Whether Python's operator on these operands gives semantics.compare's answer for present values."""
        match e:
            case ir.Compare():
                fa, fb = family(e.left, item), family(e.right, item)
                return e.op in ("==", "!=") or (fa is not None and fa == fb and fa != "bool")
            case ir.Between():
                fams = {family(x, item) for x in (e.subject, e.low, e.high)}
                return len(fams) == 1 and None not in fams and "bool" not in fams
            case _:  # asked of comparisons only
                raise AssertionError(f"no direct test for {type(e).__name__}")

    def test_true(self, e: ir.Expr, ops: list[tuple[str, bool]], scope: _Scope) -> str:
        """Python that is true exactly when the leaf's (three-valued) answer is True: where a rule acts,
        unknown and false are alike, so a present check and a plain comparison say it."""
        item = scope.item is not None
        present = [f"{c} is not MISSING" for c, m in ops if m]
        match e:
            case ir.Compare():
                (a, am), (b, bm) = ops[:2]  # then what a scaled bound came from (interpreter.operands)
                if e.op == "==" and (isinstance(e.left, ir.Literal) or isinstance(e.right, ir.Literal)) and not (
                        any(isinstance(x, ir.Field) and x.path in self.raw_floats for x in (e.left, e.right))):
                    present = []  # MISSING equals no literal: `==` alone is false already
                comparison = f"{a} {OPS[e.op]} {b}" if self.direct(e, item) else f"CMP({OP_NAMES[e.op]}, {a}, {b})"
                rest = " and ".join(present + [comparison])
                return self.raw_float_test(e, ops, scope, rest) or rest
            case ir.Between():
                (s, _), (lo, _), (hi, _) = ops
                check = f"{lo} <= {s} <= {hi}" if self.direct(e, item) else f"BETWEEN({s}, {lo}, {hi})"
                return " and ".join(present + [check])
            case ir.InList():
                (s, sm), options = ops[0], ops[1:]
                if self.string_set(e, item, options):
                    head = [f"{s} is not MISSING"] if sm and e.negated else []
                    members = self.m.const(e.constants)
                    return " and ".join(head + [f"{s} {'not in' if e.negated else 'in'} {members}"])
                if not options:
                    return f"{s} is not MISSING" if e.negated and sm else repr(e.negated)
                found = " or ".join(f"{s} == {c}" for c, _ in options)
                if not e.negated:  # a missing option equals nothing present
                    return " and ".join(([f"{s} is not MISSING"] if sm else []) + [f"({found})"])
                # not in: true only when every option is present and none equals it (semantics.member)
                return " and ".join(present + [f"not ({found})"])
            case ir.Presence():
                (s, _), = ops
                return f"{s} is not MISSING" if e.present else f"{s} is MISSING"
            case ir.Call():
                return f"{self.call(e.function, ops)[0]} is True"
            case ir.Literal():
                return repr(e.value is True)
            case ir.Field() | ir.Arith():
                return f"{ops[0][0]} is True"
            case ir.Quantifier():  # count, or a quantifier without a condition: never `True`
                code, _ = self.value(e, scope)
                return f"{code} is True"
            case ir.And() | ir.Or() | ir.Not():  # pragma: no cover - the planner never makes them leaves
                raise AssertionError(f"{type(e).__name__} is not a leaf")
            case _:
                assert_never(e)

    def test_false(self, e: ir.Expr, ops: list[tuple[str, bool]], scope: _Scope) -> str:
        """Python that is true exactly when the leaf's answer is False (under `not`, in guards)."""
        match e:
            case ir.Presence():
                (s, _), = ops
                return f"{s} is MISSING" if e.present else f"{s} is not MISSING"
            case ir.Field() | ir.Arith() | ir.Call():  # semantics.truth: a present value that is not True
                code, maybe = self.call(e.function, ops) if isinstance(e, ir.Call) else ops[0]
                if static_type(e, scope.item is not None) is BOOL:
                    return f"{code} is False"
                if not maybe:
                    return f"{code} is not True"
                v = self.atom(code)
                return f"{v} is not MISSING and {v} is not True"
            case ir.Compare() | ir.Between() | ir.InList() | ir.Literal() | ir.Quantifier() | ir.And() | ir.Or() \
                    | ir.Not():
                return f"{self.test3(e, ops, scope)} is False"
            case _:
                assert_never(e)

    def string_set(self, e: ir.InList, item: bool, options) -> bool:
        """`x in [...]` of literals: one set lookup (semantics.member_set). The plan gives such a leaf its
        subject only (interpreter.operands), so the literals reach the code as one frozenset constant."""
        return e.constants is not None

    def truth3(self, code: str, maybe: bool) -> str:
        """semantics.truth of a value: unknown when it is missing, else whether it is True."""
        if not maybe:
            return f"({code} is True)"
        v = self.atom(code)
        return f"(None if {v} is MISSING else {v} is True)"

    def test3(self, e: ir.Expr, ops: list[tuple[str, bool]], scope: _Scope) -> str:
        """Python for the leaf's three-valued answer: True, False or None (unknown), as semantics says."""
        item = scope.item is not None
        unknown = " or ".join(f"{c} is MISSING" for c, m in ops if m)

        def known(expr: str) -> str:
            return f"(None if {unknown} else {expr})" if unknown else f"({expr})"

        match e:
            case ir.Compare():
                (a, _), (b, _) = ops[:2]
                if not self.direct(e, item):
                    return f"CMP({OP_NAMES[e.op]}, {a}, {b})"  # semantics.compare
                rest = known(f"{a} {OPS[e.op]} {b}")
                return self.raw_float_test(e, ops, scope, rest) or rest
            case ir.Between():
                (s, _), (lo, _), (hi, _) = ops
                if self.direct(e, item) and not unknown:
                    return f"({lo} <= {s} <= {hi})"
                # semantics.between: false if one end fails, though the other is unknown
                return f"BETWEEN({s}, {lo}, {hi})"
            case ir.InList():
                (s, sm), options = ops[0], ops[1:]
                if self.string_set(e, item, options):
                    members = self.m.const(e.constants)
                    found = f"{s} {'not in' if e.negated else 'in'} {members}"
                    return f"(None if {s} is MISSING else {found})" if sm else f"({found})"
                return f"MEMBER({s}, ({''.join(c + ', ' for c, _ in options)}), {e.negated!r})"  # semantics.member
            case ir.Presence():
                return f"({self.test_true(e, ops, scope)})"
            case ir.Call():
                return self.truth3(*self.call(e.function, ops))
            case ir.Literal():
                return repr(e.value is True)
            case ir.Field() | ir.Arith():
                return self.truth3(*ops[0])
            case ir.Quantifier():  # count, or a quantifier without a condition
                return self.truth3(*self.value(e, scope))
            case ir.And() | ir.Or() | ir.Not():  # pragma: no cover - the planner never makes them leaves
                raise AssertionError(f"{type(e).__name__} is not a leaf")
            case _:
                assert_never(e)

    # -- rules ----------------------------------------------------------------------------
    def decision(self, outcome: str, recheck: bool, guards: bool = True) -> str:
        """One line that makes the Decision and returns it: its outcome (a constant), what varies per event."""
        parts = ["d = NEW(DECISION)", f"d._outcome = {outcome}", f"d._event_id = {self.m.field_var(ID)}",
                 f"d._at = {self.m.field_var(AT)}"]
        if self.m.has_guards and guards:
            parts.append("d._guards = tuple(gs)")
        if self.trace:
            parts.append("d._log = log")
        if recheck:  # a clock-reading condition was looked at: waiting may change the decision
            parts.append("LATER(d, e, _parsed)")  # the event captured: recheck_at worked out when read
        return "; ".join(parts + ["return d"])

    def decide_with(self, action: str, rule: str | None, recheck: bool, forbidden: set[str],
                    decided_by: str) -> None:
        """The lines of one place a decision is made (semantics.decide, steps 3 and 4): a forbidden action
        becomes manual_review naming the guard that forbade it."""
        w, m = self.w, self.m
        if action in forbidden:
            w(f"if {m.const(action)} in fb:")
            with w.indent():
                w(self.decision(f"{m.forbidden_outcomes(action, rule)}[fb[{m.const(action)}]]", recheck))
        w(self.decision(m.outcome((action, rule, None, None, decided_by)), recheck))

    def applies_test(self, action: str) -> str | None:
        """Python for semantics.applies(action, kind, status) on an open request (None: always)."""
        how, values = applicability(action)
        if how == "always":
            return None
        if how == "status":
            return f"{self.m.field_var(STATUS)} in {self.m.const(values)}"
        return f"ap & {self.m.applies_bit(values)}"  # ap: the request's bits (ModuleWriter.applies_table)

    def rule(self, plan: PlanNode, done: frozenset, body: Callable[[], None], guard: bool) -> frozenset:
        """Emit a rule's condition, with `body` where it acts; returns the reads certainly done after.

        A rule acts when its condition is True, a guard is in force unless its condition is False
        (semantics.decide). On the fast path a conjunction of a few conditions becomes nested `if`s,
        each testing one part directly (all parts True; for a guard, no part False); the traced path
        computes the three-valued answer into `t`, part by part as the trace replays it.
        """
        if self.trace:
            with self.w.at(plan.expr.span):
                done = self.cond(plan, "t", done, _Scope(), THREE)
                self.w(f"if t is {'not False' if guard else 'True'}:")
            with self.w.indent():
                body()
            return done
        mode = FALSE if guard else TRUE
        parts = plan.children if plan.kind == "and" and 0 < len(plan.children) <= MAX_NESTED else [plan]
        if len(parts) > 1 and self.w.depth + len(parts) + max(_depth(p) for p in parts) > MAX_DEPTH:
            parts = [plan]  # deep conditions: keep within Python's 100 indentation levels
        after = None
        opened = 0
        for part in parts:
            with self.w.at(part.expr.span):
                if part.kind == "leaf":
                    done = self.leaf(part, None, done, _Scope(), mode)
                    test = self.last_test
                else:
                    done = self.cond(part, "t", done, _Scope(), mode)
                    test = "t"
                self.w(f"if not ({test}):" if guard else f"if {test}:")
            self.w.depth += 1
            opened += 1
            if after is None:
                after = done
        body()
        self.w.depth -= opened
        return after

    def function(self, name: str) -> None:
        """`decide(event, trace=True)` (fast, the traced path one call away) or `decide_traced(event)`.

        The order is semantics.decide's: a closed request is no_action before any rule; every guard;
        the rules whose action applies, until one acts; otherwise.
        """
        w, m = self.w, self.m
        policy = m.policy
        with w.at(policy.span):
            if self.trace:
                w(f"def {name}(e, _parsed=None):")
            else:
                w(f"def {name}(event, trace=True, _parsed=None):")
        with w.indent():
            with w.at(policy.span):
                w('"""Decide one event (see aftersale.Policy.decide)."""')
                if not self.trace:
                    w("if trace: return TRACED(event, _parsed)")
                    w("e = event")
                w(f"if e.__class__ is not dict: return OTHER(e, {self.trace!r})")
                w("try:")
        w.depth += 2
        guards = policy.guards
        with w.at(policy.span):
            init_at = len(w.lines)
            done = frozenset()
            needed = [ID, AT, STATUS]
            if self.trace or any(applicability(a)[0] == "pair"
                                 for a in [r.action for r in policy.deciding_rules] + [policy.otherwise]):
                needed.append(KIND)
            table = KIND in needed and bool(m.pairs)  # where pair-dependent actions apply: a bit per set of pairs
            if table and not self.trace:  # the table holds every kind and status: its lookup is their check
                needed.remove(STATUS)
                needed.remove(KIND)
            for path in needed:  # the decision keeps `id` and `at` as they are now, checked and typed
                done = self.ensure(path, done)
            if table and not self.trace:
                done = self.ensure(STATUS[:-1], done, obj=True)
                for path in (STATUS, KIND):
                    w(f"{m.field_var(path)} = {m.container_var(path[:-1])}.get({m.const(path[-1])}, MISSING)")
                    self.possible.add(("f", path))
                    done = done | {("f", path)}
                # anything but a kind and a status the schema knows raises (KeyError, TypeError): RECOVER
                # then has the exact reader report the event's problems
                w(f"ap = APPLIES[{m.field_var(KIND)}][{m.field_var(STATUS)}]")
            elif table:
                w(f"ap = APPLIES[{m.field_var(KIND)}][{m.field_var(STATUS)}]")
            if self.trace:
                w(f"ks = ({m.field_var(KIND)}, {m.field_var(STATUS)})")
                w("log = [ks]")  # Replay decides the order again (semantics.decide) from the request's state
                w("L = log.append")
            w(f"if {m.field_var(STATUS)} in {m.const(sem.CLOSED_STATUSES)}:")
            with w.indent():
                w(self.decision(m.outcome((NO_ACTION, None, None, None, "closed")), False, guards=False))
            if guards:
                w("gs = []")
                w("fb = {}")
        forbidden = {a for g in guards for a in g.forbids}
        clock = any(reads_clock(g.when) for g in guards)
        for index, (rule, plan) in enumerate(m.plan):
            clock = clock or reads_clock(rule.when)

            def body(rule=rule, clock=clock):
                if rule.is_guard:
                    w(f"gs.append({m.const(rule.id)})")
                    for action in rule.forbids:
                        w(f"if {m.const(action)} not in fb: fb[{m.const(action)}] = {m.const(rule.id)}")
                    return
                self.decide_with(rule.action, rule.id, clock, forbidden, "rule")

            with w.at(rule.span):
                w(f"# {'guard' if rule.is_guard else 'rule'} {index}")  # its index in the plan, never its id
                applies = None if rule.is_guard else self.applies_test(rule.action)
                if applies:  # reads inside are not certain after it
                    w(f"if {applies}:")
                    with w.indent():
                        self.rule(plan, done, body, False)
                else:
                    done = self.rule(plan, done, body, rule.is_guard)
        with w.at(policy.span):
            applies = self.applies_test(policy.otherwise)
            if applies:
                w(f"if not ({applies}):")
                with w.indent():
                    w(self.decision(m.outcome(("manual_review", None, None, None, "not_applicable")), clock))
            self.decide_with(policy.otherwise, None, clock, forbidden, "otherwise")
        w.depth -= 1
        with w.at(policy.span):
            w("except Exception as exc:  # the event breaks its schema where it was read (or a bug)")
            w("    failure = exc")
            w(f"return RECOVER(e, {self.trace!r}, failure)")
        w.depth -= 1
        if self.flags:
            w.lines.insert(init_at, "        " + " = ".join(sorted(self.flags)) + " = False")
            w.spans.insert(init_at, policy.span)
        if self.guarded:
            w.lines.insert(init_at, "        " + " = ".join(sorted(self.guarded)) + " = UNSET")
            w.spans.insert(init_at, policy.span)


def applicability(action: str) -> tuple[str, frozenset]:
    """semantics.applies for one action over every kind and open status the event schema allows:
    ("always", ...), ("status", statuses it applies in, whatever the kind) or ("pair", (kind, status) pairs)."""
    kinds = event_spec(KIND).enum
    pairs = frozenset((k, s) for k in kinds for s in sem.OPEN_STATUSES if sem.applies(action, k, s))
    if len(pairs) == len(kinds) * len(sem.OPEN_STATUSES):
        return "always", frozenset()
    statuses = frozenset(s for _, s in pairs)
    if pairs == frozenset((k, s) for k in kinds for s in statuses):
        return "status", statuses
    return "pair", pairs


def _depth(plan: PlanNode) -> int:
    """How deep the code for a condition may indent (generously: each level of and/or, each loop)."""
    stack, deepest = [(plan, 1)], 1
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        extra = 3 if node.kind == "quant" else 1
        stack.extend((child, depth + extra) for child in node.children)
        if node.kind == "leaf" and any(isinstance(n, ir.Quantifier) for n in walk(node.expr)):
            deepest = max(deepest, depth + 3)  # count's loop
    return deepest


def _absent_sites(policy: ir.Policy) -> dict[tuple, int]:
    """How many optional fields or objects the policy reads in each object (checked when absent)."""
    paths: set[tuple] = set()
    for rule in policy.rules:
        for node in walk(rule.when):
            if isinstance(node, ir.Field) and node.path[0] != "item":
                paths.update(node.path[:i] for i in range(1, len(node.path) + 1))
            elif isinstance(node, ir.Call) and node.function == "age":
                paths.add(("at",))
    counts: dict[tuple, int] = {}
    for path in paths:
        if path[-1] and not event_spec(path).required:
            counts[path[:-1]] = counts.get(path[:-1], 0) + 1
    return counts


class ModuleWriter:
    """The generated module: a header, then one function; every value it uses is handed to it.

    Nothing that comes from policy text (names, ids, titles, strings, enum
    values, field paths, numbers, dates, durations, function names) is ever
    written into the source: each such value is a constant (`K0`, `K1`...),
    a spec (`S0`...), a key set (`KEYS0`...) or an outcome (`O0`...) that the
    generated code receives in its namespace (`injected`, `outcomes`). Every
    identifier in the source is made here (`f0` for a field, `c0` for an
    object), in order of first use, so the same tree gives the same source.
    """

    def __init__(self, policy: ir.Policy, plan):
        self.policy = policy
        self.plan = plan
        self.w = Writer()
        self.injected: dict[str, Any] = {}
        self.names: dict[tuple, str] = {}
        self.counts: dict[str, int] = {}
        self.outcomes: dict[tuple, str] = {}
        self.absent_sites = _absent_sites(policy)
        self.has_guards = bool(policy.guards)
        self.compact = len(policy.rules) > COMPACT_RULES
        #: the (kind, status) sets where an action applies that the code tests, each with its bit
        self.pairs: dict[frozenset, int] = {}
        for action in [r.action for r in policy.deciding_rules] + [policy.otherwise]:
            how, values = applicability(action)
            if how == "pair":
                self.pairs.setdefault(values, 1 << len(self.pairs))

    def _name(self, prefix: str, key: tuple, value: Any = None, inject: bool = True) -> str:
        """The generator-made name for `key` (`prefix` + a counter), its value injected once."""
        name = self.names.get((prefix, key))
        if name is None:
            number = self.counts.get(prefix, 0)
            self.counts[prefix] = number + 1
            name = self.names[(prefix, key)] = f"{prefix}{number}"
            if inject:
                self.injected[name] = value
        return name

    def const(self, value) -> str:
        """The name of a constant holding `value` (the generated code receives it, never its text)."""
        if value is MISSING:
            return "MISSING"
        if isinstance(value, frozenset):
            key = ("frozenset", tuple(sorted((type(v).__name__, repr(v)) for v in value)))
        else:
            key = (type(value).__name__, repr(value))
        return self._name("K", key, value)

    def spec_name(self, spec: FieldSpec) -> str:
        if not spec.path:
            return "ROOT"
        name = self._name("S", spec.path, spec)
        if spec.enum:
            self.injected[name + "_VALUES"] = frozenset(spec.enum)
        return name

    def outcome(self, key: tuple) -> str:
        """The name of the Outcome for one place a decision is made (made when the code is compiled)."""
        name = self._name("O", key, inject=False)
        self.outcomes[name] = key
        return name

    def forbidden_outcomes(self, action: str, rule: str | None) -> str:
        """The name of {guard id: Outcome} for the rule (or otherwise) whose action a guard forbids."""
        name = self._name("F", (action, rule), inject=False)
        self.outcomes[name] = {g.id: ("manual_review", rule, g.id, action, "forbidden")
                               for g in self.policy.guards if action in g.forbids}
        return name

    def applies_bit(self, pairs: frozenset) -> str:
        """The name of the bit that says the request's (kind, status) is one of `pairs`."""
        return self.const(self.pairs[pairs])

    def applies_table(self) -> dict[str, dict[str, int]]:
        """kind → status → the bits of every set of pairs the request is in (`ap` in the code): one lookup
        per decision, then a bit test per rule instead of a (kind, status) tuple looked up in a set."""
        kinds, statuses = event_spec(KIND).enum, event_spec(STATUS).enum
        return {k: {s: sum(bit for pairs, bit in self.pairs.items() if (k, s) in pairs) for s in statuses}
                for k in kinds}

    def keys_name(self, path: tuple[str, ...], keys: frozenset) -> str:
        """The name of the set of keys the object at `path` may have."""
        return self._name("KEYS", path, frozenset(keys))

    def field_var(self, path: tuple[str, ...]) -> str:
        return self._name("f", path, inject=False)

    def container_var(self, path: tuple[str, ...]) -> str:
        return self._name("c", path, inject=False) if path else "e"

    def planner_leafless(self, e: ir.Expr, item: bool) -> PlanNode:
        from .replay import Planner

        return Planner().build(e, item)

    def render(self, trace: bool) -> tuple[str, list[Span | None]]:
        fn = FunctionWriter(self, trace)
        fn.function("decide_traced" if trace else "decide")
        src = self.policy.source
        digest = hashlib.sha256((src.text if src is not None else "").encode("utf-8")).hexdigest()
        header = [
            f"# aftersale compiled policy, {'traced' if trace else 'fast'} path, policy source sha256 {digest}",
            "# generated by aftersale.backends.compiled, do not edit; every value of the policy is a",
            "# constant (K0, S0, KEYS0, O0...) given to this code when it is compiled, never text in it",
            "",
        ]
        top = header
        lines = top + self.w.lines
        spans: list[Span | None] = [None] * len(top) + self.w.spans
        return "\n".join(lines) + "\n", spans


class Generated:
    """One generated function: its source, line → span map, and the compiled function."""

    def __init__(self, source: str, spans: list[Span | None], filename: str, function: Callable, namespace: dict):
        self.source, self.spans, self.filename, self.function = source, spans, filename, function
        self.namespace = namespace

    def span_for_line(self, lineno: int) -> Span | None:
        """The policy span that generated line `lineno` (1-based, as in tracebacks) came from."""
        if 1 <= lineno <= len(self.spans):
            return self.spans[lineno - 1]
        return None


class CompiledPolicy:
    """The compiled backend for one policy.

    `decide(event, trace)` is what `Policy.decide` calls; `run(event, trace)` is
    the interface it shares with `Interpreter` (the parity tests run both).

    Generated code stops only for an event that breaks its schema (then
    `parse_event` reports every problem, as AftersaleError). Anything else it
    raises is a bug in the backend, never hidden by asking the interpreter:
    `failures` counts it and InternalError is raised (with `strict`, as tests
    use, the original exception instead, for its traceback). The same holds if
    Python ever refused to compile the generated code (`compile_error`).

    A compiled policy pickles (and deep-copies) as its rule tree: the code is
    generated again where it is unpickled.
    """

    def __init__(self, policy: ir.Policy, writer: Callable[[], Any] | None = None,
                 interpreter: Callable[[], Any] | None = None, strict: bool = False):
        self.policy = policy
        self.tz = ZoneInfo(policy.timezone)
        self.calendar = Calendar(policy.holidays)
        self.clock = runtime.Clock(self.tz, policy.service_hours, self.calendar)
        self._make_interpreter = interpreter or (lambda: _interpreter(policy))
        self.origin = Origin(policy, writer, lambda: self.interpreter)
        self.strict = strict
        self.compile_error: Exception | None = None
        self.failures = 0  # exceptions generated code raised on valid events (bugs; each one raised)
        self._generated: dict[bool, Generated] = {}
        self.warm_up = WARM_UP_EVENTS if len(policy.rules) > COMPACT_RULES else 0  # see WARM_UP_EVENTS

    def __reduce__(self):
        return CompiledPolicy, (self.policy, None, None, self.strict)

    @cached_property
    def plan(self) -> list[tuple[ir.Rule, PlanNode]]:
        """Every rule with its plan (replay.build_plan), made when code is first generated."""
        return build_plan(self.policy)

    def warming(self, event) -> bool:
        """Whether `event` is one of the first parsed events of a big policy, which the interpreter
        decides (`interpret_warm`) before any code is generated (see WARM_UP_EVENTS)."""
        return self.warm_up > 0 and isinstance(event, Event) and not self._generated

    def interpret_warm(self, event: Event, trace: bool) -> Decision:
        self.warm_up -= 1
        return self._interpret(event, trace)

    @property
    def writer(self):
        return self.origin.writer

    @property
    def replay(self):
        return self.origin.replay

    @cached_property
    def interpreter(self):
        return self._make_interpreter()

    @cached_property
    def entry(self) -> Callable[..., Decision]:
        """The generated `decide(event, trace=True)`: the fast path, the traced one a call away."""
        return self.generated(False).function

    def decide(self, event, trace: bool = True) -> Decision:
        """Decide an event dict (read lazily, see readers) or a parsed Event."""
        if self.warm_up and self.warming(event):
            return self.interpret_warm(event, trace)
        return self.entry(event, trace)

    def decide_traced(self, event, parsed: Event | None = None) -> Decision:
        """`decide(event, trace=True)` without compiling the fast path first."""
        if self.warm_up and self.warming(event):
            return self.interpret_warm(event, True)
        if "entry" in self.__dict__:
            return self.entry(event, True, parsed)
        return self.generated(True).function(event, parsed)

    def decide_other(self, event, trace: bool) -> Decision:
        """What the generated code hands back: anything but a plain dict."""
        if isinstance(event, Event):
            raw = event.raw
            if isinstance(raw, dict):
                return self._plain(raw if raw.__class__ is dict else dict(raw), trace, event)
            return self._interpret(event, trace)
        if isinstance(event, dict):
            return self._plain(dict(event), trace)
        if isinstance(event, (bytes, bytearray, str)):  # JSON text: decoded and validated in C (msgspec)
            from ..events import decode

            return self.decide_other(decode(bytes(event) if isinstance(event, bytearray) else event), trace)
        return self.recover(event, trace, None)

    def _plain(self, event: dict, trace: bool, parsed: Event | None = None) -> Decision:
        """A plain dict decided by the generated code; `parsed`, the Event it came from, is what a
        decision keeps for its `recheck_at` (see `later`)."""
        return self.decide_traced(event, parsed) if trace else self.entry(event, False, parsed)

    def recover(self, event, trace: bool, failure: Exception | None) -> Decision:
        """The compiled code stopped (`failure`) or was given no dict: report the event's problems.

        A valid event the compiled code could not decide is a bug: counted and raised. Only an
        input that is no dict at all (`failure` None) but that `parse_event` accepts is decided
        by the interpreter, which reads such inputs.
        """
        parsed = parse_event(event)  # AftersaleError with every problem, the usual case
        if failure is not None:
            self.failures += 1
            if self.strict:
                raise failure
            raise InternalError("the compiled backend (generated code raised on a valid event)", failure) \
                from failure
        return self._interpret(parsed, trace)

    def _interpret(self, event: Event, trace: bool) -> Decision:
        from .interpreted import decide_parsed

        return decide_parsed(self.interpreter, event, trace, self.origin)

    def later(self, decision: Decision, event: dict, parsed: Event | None) -> None:
        """Where generated code made a decision after looking at a clock-reading condition: capture the
        event for its `recheck_at`, which the interpreter works out when it is first read
        (Decision.recheck_at, decision/recheck.py). The capture is the parsed Event the dict came from,
        else a pickled copy of the dict (changing the dict afterwards changes nothing); a dict that does
        not pickle is rechecked at once, as the exact reader reads it."""
        if parsed is not None:
            decision._recheck = parsed
            return
        try:
            decision._recheck = pickle.dumps(event, pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - anything unpicklable holds something no event may hold
            decision._recheck_at = self.origin.recheck_at(decision, parse_event(event))

    def _traced_first(self, event, parsed: Event | None = None) -> Decision:
        """Stands for the traced function in the fast code until it is first needed, then compiles it."""
        function = self.generated(True).function
        self.generated(False).namespace["TRACED"] = function
        return function(event, parsed)

    def source(self, trace: bool = False) -> str:
        """The generated Python source (deterministic: the same tree gives the same text)."""
        return ModuleWriter(self.policy, self.plan).render(trace)[0]

    def generated(self, trace: bool) -> Generated:
        """The generated function (compiled on first use), with its source and line map.

        The source holds only generator-made text, and the limits in
        aftersale/limits.py keep it within what Python compiles, so there is no
        fallback: should Python ever refuse it, `compile_error` says why,
        `failures` counts it and InternalError is raised (on every call).
        """
        if trace not in self._generated:
            try:
                self._generated[trace] = self._generate(trace)
            except Exception as exc:  # noqa: BLE001 - any failure to build the code is a bug
                self.compile_error = exc
                self.failures += 1
                raise InternalError("the compiled backend (its code could not be generated or compiled)", exc) from exc
        return self._generated[trace]

    def outcome(self, key):
        """The Outcome (or {guard id: Outcome}) a generated name stands for."""
        if isinstance(key, dict):
            return {guard: Outcome(*k, self.origin) for guard, k in key.items()}
        return Outcome(*key, self.origin)

    def _generate(self, trace: bool) -> Generated:
        module = ModuleWriter(self.policy, self.plan)
        source, spans = module.render(trace)
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
        filename = f"<aftersale compiled policy {'traced' if trace else 'fast'} {digest}>"
        namespace = {**readers.namespace(), **runtime.namespace(), **module.injected,
                     "APPLIES": module.applies_table(),
                     **{name: self.outcome(key) for name, key in module.outcomes.items()},
                     "DECISION": Decision, "CTX": Context(self.tz, self.policy.service_hours, self.calendar, None),
                     "OPEN": self.clock.open, "OUTSIDE": self.clock.outside, "LATER": self.later,
                     "OTHER": self.decide_other, "RECOVER": self.recover, "TRACED": self._traced_first}
        code = compile(source, filename, "exec")
        _show_in_tracebacks(filename, source)
        exec(code, namespace)  # noqa: S102 - our own generated code
        name = "decide_traced" if trace else "decide"
        return Generated(source, spans, filename, namespace[name], namespace)

    def run(self, event: Event, trace: bool):
        """(action, rule id, guard ids, forbidden action or None, traces or None), as Interpreter.run."""
        decision = self.decide(event, trace)
        return (decision.action, decision.rule, list(decision.guards), decision.forbidden_action,
                decision.trace)


#: Generated sources tracebacks can show (linecache keeps what it is given: keep the last few).
_SHOWN: list[str] = []
SHOWN_SOURCES = 32


def _show_in_tracebacks(filename: str, source: str) -> None:
    if filename not in linecache.cache:
        _SHOWN.append(filename)
        while len(_SHOWN) > SHOWN_SOURCES:
            linecache.cache.pop(_SHOWN.pop(0), None)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _interpreter(policy: ir.Policy):
    from .interpreter import Interpreter

    return Interpreter(policy)


__all__ = ["CompiledPolicy", "Generated"]
