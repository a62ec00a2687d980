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
guarded by `UNSET`). The conditions keep the interpreter's semantics: a
comparison with a missing value is false, `not` of it true, `between` is
inclusive, guards first and then the first matching rule.

    >>> import aftersale
    >>> from aftersale.evaluator.compiler import CompiledPolicy
    >>> tree = aftersale.compile('policy "p"\\nrule small: auto-refund refunds up to ¥30\\n').tree
    >>> print(CompiledPolicy(tree).source(trace=False).split("# rule 0")[1].splitlines()[1].strip())
    c0 = e.get(K0, MISSING)

Nothing from the policy's text is ever written into the source (see
`ModuleWriter`): its values reach the code as constants, so a policy is only
ever data to this backend. An exception inside generated code is a bug, never
papered over: `CompiledPolicy.failures` counts it and it raises InternalError.
"""
from __future__ import annotations

import hashlib
import linecache
from contextlib import contextmanager
from functools import cached_property
from decimal import Decimal
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .. import rules as ir
from ..events import Event, parse_event
from ..functions import Context
from ..hours import Calendar
from ..source import Span
from ..diagnostics import InternalError
from ..values import ANY, BOOL, DATE, DURATION, ENUM, MISSING, MONEY, NUMBER, TEXT, TIME, TIMESTAMP, Type
from . import readers, runtime
from .decision import Decision, decision_classes
from .readers import FieldSpec, event_spec, float_bounds, float_compare
from .replay import PlanNode, Replay, build_plan, children, field_presence, walk

#: Types whose values Python orders and compares without TypeError, grouped by what they mix with.
FAMILIES = {MONEY: "decimal", NUMBER: "decimal", DURATION: "duration", TIMESTAMP: "timestamp",
            TIME: "time", DATE: "date", ENUM: "text", TEXT: "text", BOOL: "bool"}
#: Arithmetic that cannot raise between values of these types.
SAFE_ARITH = {("+", "decimal", "decimal"), ("-", "decimal", "decimal"), ("+", "duration", "duration"),
              ("-", "duration", "duration"), ("-", "timestamp", "timestamp")}
#: Above this many rules, a read that may already have happened is one call (`readers.read`) instead
#: of its inline check: big policies compile faster, small ones keep every read inline.
COMPACT_RULES = 64
#: A rule's conditions nest as `if`s up to this many (Python allows 100 indentation levels).
MAX_NESTED = 32
#: Indentation the generated code may reach (Python's tokenizer stops at 100).
MAX_DEPTH = 90
#: `a op b` is `b FLIP[op] a`.
FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
#: The operator tokens the generated code may hold, and the names the runtime knows them by: an
#: operator of the rule tree is written as one of these (or fails), never copied from the tree.
OPS = {op: op for op in ("==", "!=", "<", "<=", ">", ">=", "+", "-")}
OP_NAMES = {op: repr(op) for op in OPS}
#: Functions that never give MISSING for present arguments (time functions may: see runtime).
PURE = frozenset(("age", "contains", "starts_with", "ends_with", "lower", "length"))


class _Everything(frozenset):
    """The reads of a value inside a leaf: the leaf did them all before computing its operands."""

    def __contains__(self, key) -> bool:
        return True


DONE = _Everything()


def static_type(e: ir.Expr, item: bool) -> Type:
    from ..syntax.lower import static_type as lowered_type
    from .phrases import type_of

    if isinstance(e, ir.Field):
        return type_of(e) if (item or e.path[0] != "item") else ANY
    if isinstance(e, ir.Call) and e.function == "length":
        return NUMBER
    return lowered_type(e)


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
                                    raw_float=path in self.raw_floats, absent_ok=absent_ok)
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
        if isinstance(e, ir.Literal):
            return self.m.const(e.value), False
        if isinstance(e, ir.Field):
            presence = field_presence(e, item)
            if presence == "always":
                return "MISSING", True
            if e.path[0] == "item":
                return f"{scope.item}.get({self.m.const(e.path[1])}, MISSING)", presence == "maybe"
            return self.m.field_var(e.path), presence == "maybe"
        if isinstance(e, ir.Arith):
            (a, am), (b, bm) = self.value(e.left, scope), self.value(e.right, scope)
            fa, fb = family(e.left, item), family(e.right, item)
            if (e.op, fa, fb) in SAFE_ARITH:
                if not (am or bm):
                    return f"({a} {OPS[e.op]} {b})", False
                a, b = self.atom(a), self.atom(b)
                test = " or ".join(f"{x} is MISSING" for x, m in ((a, am), (b, bm)) if m)
                return f"(MISSING if {test} else {a} {OPS[e.op]} {b})", True
            return f"ARITH({OP_NAMES[e.op]}, {a}, {b})", True
        if isinstance(e, ir.Call):
            return self.call(e.function, [self.value(a, scope) for a in e.args])
        if isinstance(e, ir.Quantifier) and e.kind == "count":
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
                    self.w(f"if {flag}: {var} += 1")
                self.w(f"{var} = DEC({var})")
            return var, True
        flag = self.fresh("q")  # a condition used as a value: true or false
        self.cond_value(e, flag, scope)
        return flag, False

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
            code = f"CALL({self.m.const(function)}, CTX{''.join(', ' + c for c in codes)})"
        missing = [c for c, m in args if m]
        if missing:
            return f"(MISSING if {' or '.join(c + ' is MISSING' for c in missing)} else {code})", True
        return code, function not in PURE

    def cond_value(self, e: ir.Expr, flag: str, scope: _Scope) -> None:
        """Evaluate a condition into `flag`, untraced (inside a value: count, a comparison of conditions)."""
        saved, self.trace = self.trace, False
        try:
            self.cond(self.m.planner_leafless(e, scope.item is not None), flag, DONE, scope)
        finally:
            self.trace = saved

    # -- conditions ------------------------------------------------------------------
    def cond(self, plan: PlanNode, t: str, done: frozenset, scope: _Scope) -> frozenset:
        """Emit code setting `t` to whether the condition holds; returns the reads certainly done."""
        e = plan.expr
        with self.w.at(e.span):
            if plan.kind in ("and", "or"):
                if not plan.children:
                    self.w(f"{t} = {plan.kind == 'and'}")
                    return done
                first = self.cond(plan.children[0], t, done, scope)
                inner = first
                for child in plan.children[1:]:
                    self.w(f"if {'' if plan.kind == 'and' else 'not '}{t}:")
                    with self.w.indent():
                        inner = self.cond(child, t, inner, scope)
                return first
            if plan.kind == "not":
                child = plan.children[0]
                if child.kind == "leaf" and not self.trace:
                    after = self.leaf(child, None, done, scope)
                    test = self.last_test
                    simple = test.endswith(" is True") and " " not in test[:-len(" is True")]
                    self.w(f"{t} = {test[:-len(' is True')]} is not True" if simple else f"{t} = not ({test})")
                    return after
                after = self.cond(child, t, done, scope)
                self.w(f"{t} = not {t}")
                return after
            if plan.kind == "quant":
                return self.quantifier(plan, t, done, scope)
            return self.leaf(plan, t, done, scope)

    def quantifier(self, plan: PlanNode, t: str, done: frozenset, scope: _Scope) -> frozenset:
        e: ir.Quantifier = plan.expr
        for path in self.reads(e.collection, False):
            done = self.ensure(path, done)
        items, _ = self.value(e.collection, scope)
        if self.trace:
            self.w(f"L(({plan.id}, {items}))")
        it = self.fresh("it")
        self.w(f"if {items} is MISSING: {t} = False")
        self.w("else:")
        with self.w.indent():
            self.w(f"{t} = {e.kind == 'all'}")
            self.possible |= self.reads_keys(e.condition)  # a later pass of the loop finds them read
            self.w(f"for {it} in {items}:")
            with self.w.indent():
                self.cond(plan.children[0], t, done, _Scope(it))
                self.w(f"if {'not ' if e.kind == 'all' else ''}{t}: break")
        return done

    def leaf(self, plan: PlanNode, t: str, done: frozenset, scope: _Scope) -> frozenset:
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
        if t is None:  # the caller tests it directly
            self.last_test = self.test(e, ops, scope)
            return done
        self.w(f"{t} = {self.test(e, ops, scope)}")
        if self.trace:
            logged = [c for (c, _), op in zip(ops, plan.operands) if not op.const]
            logged += [self.value(f, scope)[0] for f in plan.extras]
            self.w(f"L(({plan.id}, {t}{''.join(', ' + c for c in logged)}))")
        return done

    def test(self, e: ir.Expr, ops: list[tuple[str, bool]], scope: _Scope) -> str:
        """The Python condition for a leaf, given its operands' codes (interpreter.holds)."""
        item = scope.item is not None
        present = [f"{c} is not MISSING" for c, m in ops if m]
        if isinstance(e, ir.Compare):
            (a, am), (b, bm) = ops
            if e.op == "==" and (isinstance(e.left, ir.Literal) or isinstance(e.right, ir.Literal)) and not (
                    any(isinstance(x, ir.Field) and x.path in self.raw_floats for x in (e.left, e.right))):
                present = []  # MISSING equals no literal: `==` alone is false already
            fa, fb = family(e.left, item), family(e.right, item)
            direct = e.op in ("==", "!=") or (fa is not None and fa == fb and fa not in ("bool",))
            comparison = f"{a} {OPS[e.op]} {b}" if direct else f"CMP({OP_NAMES[e.op]}, {a}, {b})"
            for var, lit, op in ((e.left, e.right, OPS[e.op]), (e.right, e.left, FLIP[e.op])):
                if isinstance(var, ir.Field) and var.path in self.raw_floats and isinstance(lit, ir.Literal) \
                        and isinstance(lit.value, Decimal) and not item:
                    name, const = (a, b) if var is e.left else (b, a)
                    low, high = (self.m.const(bound) for bound in float_bounds(lit.value))
                    exact = float_compare(op, name, const, low, high)
                    rest = " and ".join(present + [comparison])
                    return f"({exact} if {name}.__class__ is float else {rest})"
            return " and ".join(present + [comparison])
        if isinstance(e, ir.Between):
            (s, _), (lo, _), (hi, _) = ops
            fams = {family(x, item) for x in (e.subject, e.low, e.high)}
            check = f"{lo} <= {s} <= {hi}" if len(fams) == 1 and None not in fams and "bool" not in fams \
                else f"BETWEEN({lo}, {s}, {hi})"
            return " and ".join(present + [check])
        if isinstance(e, ir.InList):
            (s, sm), options = ops[0], ops[1:]
            literal = all(isinstance(o, ir.Literal) and isinstance(o.value, str) for o in e.options)
            head = [f"{s} is not MISSING"] if sm and (e.negated or not literal) else []
            if literal and static_type(e.subject, item) in (ENUM, TEXT) and options:
                members = self.m.const(frozenset(o.value for o in e.options))
                found = f"{s} {'not in' if e.negated else 'in'} {members}"
            elif options:
                found = " or ".join(f"{s} == {c}" for c, _ in options)
                found = f"not ({found})" if e.negated else f"({found})"
            else:
                found = "True" if e.negated else "False"
            return " and ".join(head + [found])
        if isinstance(e, ir.Presence):
            (s, _), = ops
            return f"{s} is not MISSING" if e.present else f"{s} is MISSING"
        if isinstance(e, ir.Call):
            return f"{self.call(e.function, ops)[0]} is True"
        if isinstance(e, ir.Literal):
            return repr(e.value is True)
        if isinstance(e, (ir.Field, ir.Arith)):
            return f"{ops[0][0]} is True"
        code, _ = self.value(e, scope)  # count, or a quantifier without a condition: never `True`
        return f"{code} is True"

    # -- rules ----------------------------------------------------------------------------
    def decision(self, action: str, rule: str | None, forbidden: str | None = None) -> str:
        """One line that makes the Decision and returns it: a class per outcome, `_event` set, no __init__."""
        parts = [f"d = NEW({self.m.outcome(action, rule, forbidden)})", "d._event = e"]
        if self.m.has_guards:
            parts.append("d.guards = tuple(gs)")
        if self.trace:
            parts.append("d._log = log")
        return "; ".join(parts + ["return d"])

    def rule(self, plan: PlanNode, done: frozenset, body: Callable[[], None]) -> frozenset:
        """Emit a rule's condition, with `body` where it holds; returns the reads certainly done after.

        A conjunction of a few conditions becomes nested `if`s, each testing one
        condition directly; anything else is computed into `t` first.
        """
        parts = plan.children if plan.kind == "and" and 0 < len(plan.children) <= MAX_NESTED else [plan]
        if len(parts) > 1 and self.w.depth + len(parts) + max(_depth(p) for p in parts) > MAX_DEPTH:
            parts = [plan]  # deep conditions: keep within Python's 100 indentation levels
        after = None
        opened = 0
        for part in parts:
            with self.w.at(part.expr.span):
                if part.kind == "leaf" and not self.trace:
                    done = self.leaf(part, None, done, _Scope())
                    test = self.last_test
                else:
                    done = self.cond(part, "t", done, _Scope())
                    test = "t"
                self.w(f"if {test}:")
            self.w.depth += 1
            opened += 1
            if after is None:
                after = done
        body()
        self.w.depth -= opened
        return after

    def function(self, name: str) -> None:
        """`decide(event, trace=True)` (fast, the traced path one call away) or `decide_traced(event)`."""
        w, m = self.w, self.m
        policy = m.policy
        with w.at(policy.span):
            if self.trace:
                w(f"def {name}(e):")
            else:
                w(f"def {name}(event, trace=True):")
        with w.indent():
            with w.at(policy.span):
                w('"""Decide one event (see aftersale.Policy.decide)."""')
                if not self.trace:
                    w("if trace: return TRACED(event)")
                    w("e = event")
                w(f"if e.__class__ is not dict: return OTHER(e, {self.trace!r})")
                w("try:")
        w.depth += 2
        with w.at(policy.span):
            if self.trace:
                w("log = []")
                w("L = log.append")
            guards = policy.guards
            if guards:
                w("gs = []")
                w("fb = {}")
            init_at = len(w.lines)
        done = frozenset()
        forbidden = {a for g in guards for a in g.forbids}
        for index, (rule, plan) in enumerate(m.plan):
            def body(rule=rule):
                if rule.is_guard:
                    w(f"gs.append({m.const(rule.id)})")
                    for action in rule.forbids:
                        w(f"if {m.const(action)} not in fb: fb[{m.const(action)}] = {m.const(rule.id)}")
                    return
                if rule.action in forbidden:
                    w(f"if {m.const(rule.action)} in fb:")
                    with w.indent():
                        w(self.decision("manual_review", rule.id, rule.action))
                w(self.decision(rule.action, rule.id))

            with w.at(rule.span):
                w(f"# {'guard' if rule.is_guard else 'rule'} {index}")  # its index in the plan, never its id
                done = self.rule(plan, done, body)
        with w.at(policy.span):
            w(self.decision(policy.otherwise, None))
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

    def outcome(self, action: str, rule: str | None, forbidden: str | None) -> str:
        """The name of the Decision class for one outcome (made when the code is compiled)."""
        key = (action, rule, forbidden)
        name = self._name("O", key, inject=False)
        self.outcomes[key] = name
        return name

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
            "# generated by aftersale.evaluator.compiler, do not edit; every value of the policy is a",
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


class _LazyWriter:
    """Stands for the policy's RecordWriter until a record is actually made."""

    __slots__ = ("_make", "_writer")

    def __init__(self, make: Callable[[], Any]):
        self._make, self._writer = make, None

    def __getattr__(self, name: str):
        if self._writer is None:
            self._writer = self._make()
        return getattr(self._writer, name)


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
    """

    def __init__(self, policy: ir.Policy, writer: Callable[[], Any] | None = None,
                 interpreter: Callable[[], Any] | None = None, strict: bool = False):
        self.policy = policy
        self.plan = build_plan(policy)
        self.tz = ZoneInfo(policy.timezone)
        self.calendar = Calendar(policy.holidays)
        self.clock = runtime.Clock(self.tz, policy.service_hours, self.calendar)
        self._make_interpreter = interpreter or (lambda: _interpreter(policy))
        self.writer = _LazyWriter(writer or (lambda: _record_writer(self.interpreter)))
        self.replay = Replay(self.plan)
        self.decisions = decision_classes(self.writer, self.replay)
        self.strict = strict
        self.compile_error: Exception | None = None
        self.failures = 0  # exceptions generated code raised on valid events (bugs; each one raised)
        self._generated: dict[bool, Generated] = {}

    @cached_property
    def interpreter(self):
        return self._make_interpreter()

    @cached_property
    def entry(self) -> Callable[..., Decision]:
        """The generated `decide(event, trace=True)`: the fast path, the traced one a call away."""
        return self.generated(False).function

    def decide(self, event, trace: bool = True) -> Decision:
        """Decide an event dict (read lazily, see readers) or a parsed Event."""
        return self.entry(event, trace)

    def decide_traced(self, event) -> Decision:
        """`decide(event, trace=True)` without compiling the fast path first."""
        if "entry" in self.__dict__:
            return self.entry(event, True)
        return self.generated(True).function(event)

    def decide_other(self, event, trace: bool) -> Decision:
        """What the generated code hands back: anything but a plain dict."""
        if isinstance(event, Event):
            raw = event.raw
            if isinstance(raw, dict):
                return self._plain(raw if raw.__class__ is dict else dict(raw), trace)
            return self._interpret(event, trace)
        if isinstance(event, dict):
            return self._plain(dict(event), trace)
        return self.recover(event, trace, None)

    def _plain(self, event: dict, trace: bool) -> Decision:
        return self.decide_traced(event) if trace else self.entry(event, False)

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
        action, rule, guards, forbidden, traces = self.interpreter.run(event, trace)
        return Decision(event.id, action, rule, tuple(guards), forbidden, traces, event.get(("at",)), self.writer)

    def _traced_first(self, event) -> Decision:
        """Stands for the traced function in the fast code until it is first needed, then compiles it."""
        function = self.generated(True).function
        self.generated(False).namespace["TRACED"] = function
        return function(event)

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
                raise InternalError("the compiled backend (Python refused the generated code)", exc) from exc
        return self._generated[trace]

    def _generate(self, trace: bool) -> Generated:
        module = ModuleWriter(self.policy, self.plan)
        source, spans = module.render(trace)
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
        filename = f"<aftersale compiled policy {'traced' if trace else 'fast'} {digest}>"
        outcome = self.decisions[1] if trace else self.decisions[0]
        namespace = {**readers.namespace(), **runtime.namespace(), **module.injected,
                     **{name: outcome(*key) for key, name in module.outcomes.items()},
                     "CTX": Context(self.tz, self.policy.service_hours, self.calendar, None),
                     "OPEN": self.clock.open, "OUTSIDE": self.clock.outside,
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


def _record_writer(interpreter):
    from .record import RecordWriter

    return RecordWriter(interpreter)


__all__ = ["CompiledPolicy", "Generated"]
