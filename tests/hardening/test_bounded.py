"""Bounded evaluation: the work of a decision is linear in the policy's size, by counting, not timing.

The language has no loops and no recursion, so evaluation visits each node of
each condition at most once, and the nodes inside `any`/`all`/`count` once per
item of the order. The interpreter's steps are counted through a test-only
hook: its three recursive functions (`holds`, `value`, `traced`) are wrapped
here, in the module's globals, so the normal path pays nothing. The compiled
backend is checked on its generated source: no `while`, loops only over an
order's items, no calls back into itself, size linear in the rule tree.
"""
from __future__ import annotations

import ast
import json
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale import rules as ir
from aftersale.backends import interpreter
from aftersale.events import parse_event

from conftest import examples

from .strategies import events, policies

COUNTED = ("holds", "value", "traced")


@contextmanager
def counting():
    """Count every call of the interpreter's recursive functions (also the calls they make to each other)."""
    steps = [0]
    originals = {name: getattr(interpreter, name) for name in COUNTED}

    def wrap(fn):
        def counted(*args, **kwargs):
            steps[0] += 1
            return fn(*args, **kwargs)
        return counted

    for name, fn in originals.items():
        setattr(interpreter, name, wrap(fn))
    try:
        yield steps
    finally:
        for name, fn in originals.items():
            setattr(interpreter, name, fn)


def steps(tree: ir.Policy, event: dict, trace: bool) -> int:
    parsed = parse_event(event)
    with counting() as n:
        interpreter.Interpreter(tree).run(parsed, trace)
    return n[0]


def size(tree: ir.Policy) -> int:
    """Nodes in all conditions."""
    return sum(1 for rule in tree.rules for _ in ir.walk(rule.when))


def items(event: dict) -> int:
    return len(event["order"].get("items", []))


#: At most this many steps per node and per item: `holds` and `value` meet each node at most once on the
#: fast path; the traced path also reads each leaf's operands for the trace.
PER_NODE = {False: 2, True: 4}


@settings(max_examples=examples(60))
@given(policies(), events())
def test_steps_are_bounded_by_the_size_of_the_policy(tree, event):
    for trace in (False, True):
        n = steps(tree, event, trace)
        assert n <= PER_NODE[trace] * size(tree) * (1 + items(event)) + len(tree.rules)


BASE = json.loads(json.dumps({
    "id": "AS-1", "platform": "douyin", "at": "2026-11-21T22:14:00+08:00",
    "request": {"kind": "return_refund", "reason": "quality", "amount": "129.00",
                "created_at": "2026-11-21T22:00:00+08:00", "status": "pending_merchant"},
    "order": {"paid_amount": "129.00", "items": [{"sku": "A", "category": "tea", "price": "9.00"}] * 3},
}))
#: A rule that never matches BASE but is evaluated to the end (its last term fails).
RULE = ("rule r{i}:\n  when (request.amount < ¥300 or buyer.risk_passed) and not request.kind == exchange"
        " and any(order.items, item.price > ¥1) and age(request.created_at) between 0m and 1h"
        " and request.reason in [quality, damaged] and count(order.items) > 5\n  then approve_return\n")


def test_steps_grow_linearly_with_the_number_of_rules():
    trees = {n: aftersale.compile("".join(RULE.format(i=i) for i in range(n))).tree for n in (1, 10, 100, 400)}
    counts = {n: {t: steps(tree, BASE, t) for t in (False, True)} for n, tree in trees.items()}
    for t in (False, True):
        assert counts[10][t] == 10 * counts[1][t]
        assert counts[100][t] == 100 * counts[1][t]
        assert counts[400][t] == 400 * counts[1][t]


def test_steps_grow_linearly_with_the_terms_of_a_condition():
    def policy(n):
        terms = " or ".join(f"request.amount > ¥{1000 + i}" for i in range(n))  # all false: all evaluated
        return aftersale.compile(f"rule a:\n  when {terms}\n  then reject\n").tree

    for trace in (False, True):
        two, many = steps(policy(2), BASE, trace), steps(policy(900), BASE, trace)
        per_term = steps(policy(3), BASE, trace) - two
        assert many == two + 898 * per_term


def test_steps_grow_linearly_with_the_items_of_an_order():
    tree = aftersale.compile("rule a:\n  when all(order.items, item.price > ¥1) and"
                             " count(order.items, item.category == tea) < 0\n  then reject\n").tree

    def with_items(n):
        return dict(BASE, order=dict(BASE["order"], items=[{"sku": "A", "category": "tea", "price": "9.00"}] * n))

    for trace in (False, True):
        base = steps(tree, with_items(0), trace)
        per_item = steps(tree, with_items(1), trace) - base
        assert steps(tree, with_items(1000), trace) == base + 1000 * per_item


# -- the compiled backend: linear by construction ---------------------------------------------------

def _generated(tree: ir.Policy, trace: bool) -> str:
    from aftersale.backends.compiled import CompiledPolicy

    return CompiledPolicy(tree).source(trace=trace)


@settings(max_examples=examples(30))
@given(policies())
def test_generated_code_has_no_loops_but_over_items_and_no_recursion(tree):
    for trace in (False, True):
        source = _generated(tree, trace)
        module = ast.parse(source)
        functions = {f.name for f in ast.walk(module) if isinstance(f, ast.FunctionDef)}
        # an order's items, checked when read (generated names say nothing of the field: ask its reader)
        items = {t.id for n in ast.walk(module) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
                 and isinstance(n.value.func, ast.Name) and n.value.func.id in ("ITEMS", "READ")
                 for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(module):
            assert not isinstance(node, (ast.While, ast.AsyncFor, ast.Lambda)), ast.unparse(node)[:80]
            if isinstance(node, ast.For):  # only over an order's items, checked when read
                assert isinstance(node.iter, ast.Name) and node.iter.id in items, ast.unparse(node)[:80]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in functions, f"generated code calls {node.func.id} again"
        lines = len(source.splitlines())
        assert lines <= 100 + 20 * size(tree) + 20 * len(tree.rules), (lines, size(tree), source[-2000:])


def test_generated_code_grows_linearly_with_the_number_of_rules():
    def lines(n):
        tree = aftersale.compile("".join(RULE.format(i=i) for i in range(n))).tree
        return len(_generated(tree, False).splitlines())

    one, two = lines(1), lines(2)
    assert lines(200) <= one + 199 * (two - one) + 20
