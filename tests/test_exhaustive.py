"""A new kind of node fails loudly in every stage that reads the rule tree (issue 10 item 3).

`Bogus` below is a condition no module knows. Put into a lowered policy's
tree, every stage that dispatches over node kinds must raise (`assert_never`'s
AssertionError, or a table's KeyError/AssertionError): never decide, print,
translate or analyse the policy as if the node were something else, and never
skip the rule that holds it. A static check keeps `isinstance` chains over node
kinds from coming back without a terminal `assert_never`.
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

import aftersale
from aftersale import rules as ir
from aftersale.backends.compiled import CompiledPolicy
from aftersale.backends.interpreter import Interpreter, Scope
from aftersale.decision.facts import FactWriter, measure
from aftersale.diagnostics import InternalError
from aftersale.decision.recheck import Clocked
from aftersale.events import parse_event
from aftersale.policy import Policy
from aftersale.syntax import fmt
from aftersale.values import MONEY

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "aftersale"
EVENT = json.loads((ROOT / "policies/events/base-douyin.json").read_text(encoding="utf-8"))

TEXT = """\
policy "Bogus"
timezone Asia/Shanghai
currency CNY

rule big "big requests":
  when request.amount > ¥10000
  then forbid approve_refund

rule small "small requests":
  when request.amount < ¥300
  then approve_return

otherwise manual_review
"""

#: How a stage that met the unknown kind may fail: assert_never (AssertionError), or a table lookup.
LOUD = (AssertionError, KeyError)


@dataclass(frozen=True)
class Bogus(ir.Condition):
    """A kind of condition no stage knows."""

    subject: ir.Expr


AMOUNT = ir.Field(("request", "amount"), MONEY)
BOGUS = Bogus(AMOUNT)


def _placed(where: str, cond: ir.Expr) -> ir.Expr:
    """The bogus node at the top of a condition, or deep inside it (first, so that it is evaluated)."""
    if where == "top":
        return BOGUS
    if where == "nested":
        return ir.And((ir.Not(ir.Or((BOGUS, cond))), cond))
    if where == "quantifier":
        return ir.Quantifier("any", ir.Field(("order", "items"), ir.Type.LIST), ir.Not(BOGUS))
    raise AssertionError(where)


def _tree(where: str) -> ir.Policy:
    """The policy with every rule's condition holding the bogus node (block rules: no sentence kept)."""
    base = aftersale.compile(TEXT).tree
    rules = tuple(replace(r, when=_placed(where, r.when), sentence=None) for r in base.rules)
    return replace(base, rules=rules)


@pytest.fixture(params=["top", "nested", "quantifier"])
def tree(request) -> ir.Policy:
    return _tree(request.param)


@pytest.fixture
def event():
    return parse_event(EVENT)


def test_the_policy_without_the_bogus_node_works(event):
    """The stages below fail because of the node, not because of the policy or the event."""
    base = aftersale.compile(TEXT).tree
    for trace in (False, True):
        assert Interpreter(base).run(event, trace)[0] == "approve_return"
        assert Policy(base).decide(EVENT, trace=trace).action == "approve_return"
    assert fmt.to_dsl(base, "zh") and fmt.to_yaml(base, "en")
    from aftersale.lint.context import Context

    assert Context(base, base.source, "<test>").analysis.facts


@pytest.mark.parametrize("trace", [False, True])
def test_interpreter(tree, event, trace):
    with pytest.raises(AssertionError, match="Bogus"):
        Interpreter(tree).run(event, trace)


@pytest.mark.parametrize("trace", [False, True])
def test_compiled_backend(tree, trace):
    with pytest.raises(AssertionError, match="Bogus"):
        CompiledPolicy(tree).source(trace)
    with pytest.raises(InternalError, match="Bogus"):  # generating the code failed: a bug, reported as one
        Policy(tree).decide(EVENT, trace=trace)


def test_sql_translation(tree):
    pytest.importorskip("sqlglot")
    from aftersale.backends.sql import compile_query

    with pytest.raises(AssertionError, match="Bogus"):  # a bug, not a construct the SQL backend refuses
        compile_query(tree)


@pytest.mark.parametrize("lang", [None, "en", "zh"])
@pytest.mark.parametrize("to", [fmt.to_dsl, fmt.to_yaml])
def test_formatter(tree, to, lang):
    with pytest.raises(AssertionError, match="Bogus"):
        to(tree, lang)


def test_lint_analysis(tree):
    from aftersale.lint.context import Context

    with pytest.raises(AssertionError, match="Bogus"):
        Context(tree, tree.source, "<test>").analysis.facts


def test_lint_terms_and_solver():
    from aftersale.lint.smt import Encoder
    from aftersale.lint.terms import Terms
    from aftersale.lint.world import World

    policy = aftersale.compile(TEXT).tree
    with pytest.raises(AssertionError, match="Bogus"):
        Terms(World.of(policy)).leaf(BOGUS)
    with pytest.raises(AssertionError, match="Bogus"):
        Terms(World.of(policy)).term(BOGUS)
    for encode in (Encoder(World.of(policy)).tf, Encoder(World.of(policy)).value):
        with pytest.raises(AssertionError, match="Bogus"):
            encode(BOGUS)


def test_facts_records_and_explanations(tree, event):
    from aftersale.decision.record import RecordWriter
    from aftersale.decision.trace import TraceNode
    from aftersale.explain.whynot import exhaustive

    interp = Interpreter(aftersale.compile(TEXT).tree)
    with pytest.raises(AssertionError, match="Bogus"):
        FactWriter(interp).fact(BOGUS, [(AMOUNT, event.get(("request", "amount")))])
    with pytest.raises(AssertionError, match="Bogus"):
        measure(BOGUS)
    with pytest.raises(LOUD):
        RecordWriter(interp).node(TraceNode(BOGUS))
    with pytest.raises(AssertionError, match="Bogus"):
        exhaustive(BOGUS, Scope(event, interp.context(event)))
    with pytest.raises(AssertionError, match="Bogus"):
        Clocked(tree)  # recheck_at: which comparisons move with the clock


def test_types_and_checks():
    from aftersale.syntax.check import subject_text
    from aftersale.syntax.lower import static_type

    for stage in (static_type, subject_text):
        with pytest.raises(AssertionError, match="Bogus"):
            stage(BOGUS)


@pytest.mark.parametrize("where", ["top", "nested", "quantifier"])
def test_diff(where):
    from aftersale.diff.compare import compare

    with pytest.raises(AssertionError, match="Bogus"):  # through lint's terms, which diff reasons with
        compare(aftersale.compile(TEXT).tree, _tree(where))


# -- the lists of kinds ------------------------------------------------------------------

def test_expr_kinds_name_every_kind_of_expression():
    declared = {c for c in vars(ir).values()
                if isinstance(c, type) and issubclass(c, ir.Expr) and c not in (ir.Expr, ir.Condition)}
    assert set(ir.EXPR_KINDS) == declared


def test_a_table_over_node_kinds_must_have_every_row():
    from aftersale.decision.record import NODE_KINDS

    assert set(NODE_KINDS) == set(ir.EXPR_KINDS)
    partial = {k: k.__name__ for k in ir.EXPR_KINDS if k is not ir.Quantifier}
    with pytest.raises(AssertionError, match="TABLE has no row for Quantifier"):
        ir.every_kind(partial, "TABLE")


# -- static check: no isinstance chain over node kinds --------------------------------------

KINDS = {c.__name__ for c in ir.EXPR_KINDS} | {"Node", "Expr", "Condition"}
#: Modules that dispatch over something else (events/ reads JSON values, not the tree).
NOT_HERE = ("events/",)
#: Functions that test one or two kinds with a safe answer for every other, each with why.
ALLOWED = {
    ("backends/compiled.py", "float_fields", "node"): "other nodes' number fields are marked not float-friendly",
    ("backends/compiled.py", "reads", "n"): "a filter over walk(): fields and age() read, whatever holds them",
    ("backends/compiled.py", "_absent_sites", "node"): "a filter over walk()",
    ("backends/replay.py", "leaf", "x"): "operands: literals and always-missing fields are constants, others logged",
    ("decision/facts.py", "field_of", "e"): "the field an enum value belongs to, where there is one",
    ("decision/recheck.py", "__init__", "node"): "a filter over walk(): time literals and calendar calls",
    ("lint/terms.py", "_fields_in", "node"): "a filter over walk()",
    ("lint/terms.py", "_leaf", "left"): "inside a case: which side of a comparison is the literal",
    ("syntax/check.py", "_enum_values", "expr"): "the values of an enum expression, where known",
}


def _tested(test: ast.expr) -> str | None:
    """The variable an `if` tests the node kind of: `isinstance(v, Kind)`, alone or first in an `and`."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        test = test.values[0]
    if isinstance(test, ast.Call) and getattr(test.func, "id", None) == "isinstance" and len(test.args) == 2 \
            and isinstance(test.args[0], ast.Name):
        kinds = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        if any(getattr(k, "attr", getattr(k, "id", None)) in KINDS for k in kinds):
            return test.args[0].id
    return None


def _chains(tree: ast.AST):
    """(function, variable, line) of each if/elif chain, or run of ifs in one block, testing one variable's node kind."""
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            for block in (getattr(node, "body", None), getattr(node, "orelse", None)):
                if not isinstance(block, list):
                    continue
                seen: dict[str, int] = {}
                for st in block:
                    if not isinstance(st, ast.If) or (v := _tested(st.test)) is None:
                        continue
                    elif_ = len(st.orelse) == 1 and isinstance(st.orelse[0], ast.If) and _tested(st.orelse[0].test) == v
                    if elif_ or v in seen:
                        yield func.name, v, st.lineno
                    seen[v] = st.lineno


def test_no_isinstance_chain_over_node_kinds():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(NOT_HERE):
            continue
        for func, var, line in _chains(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, func, var) not in ALLOWED:
                found.append(f"{rel}:{line} in {func}(), on `{var}`")
    assert not found, "dispatch over node kinds with `match ...: case _: assert_never(...)`:\n" + "\n".join(found)
