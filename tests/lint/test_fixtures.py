"""One bad and one good policy per finding name, in DSL and YAML where both apply.

Each fixture's first line says what it tests. In a bad fixture, every line that
must carry a finding ends with `# expect: NAME`; the test checks that exactly
those lines carry that finding, that nothing else is an error or a warning,
and that a good fixture has no finding at all. Adding a case is adding a file.

Findings about overlap, shadowing and satisfiability carry an example request;
here each example is decided by `aftersale.compile(...).decide(example)` to
prove the finding, and each unsatisfiable rule is proved to have no model by
the solver.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import aftersale
from aftersale.backends.interpreter import Scope, holds, Interpreter
from aftersale.events import parse_event
from aftersale.lint import lint_text
from aftersale.lint.registry import CHECKS
from aftersale.policy import format_for
from aftersale.schema import validator

FIXTURES = Path(__file__).parent / "fixtures"
ALL = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".policy", ".yaml"))
BAD = [p for p in ALL if ".bad." in p.name]
GOOD = [p for p in ALL if ".good." in p.name]
EXPECT = re.compile(r"# expect: ([\w-]+)")


def finding_name(path: Path) -> str:
    return path.name.split(".")[0]


#: Lint settings a finding's fixtures are linted with (`undecided-rule` needs a small solver budget).
CONFIG = {"undecided-rule": {"solver-budget": 60_000}}


def findings(path: Path):
    return lint_text(path.read_text(encoding="utf-8"), format_for(path), str(path),
                     config=CONFIG.get(finding_name(path)))


def test_every_finding_has_a_bad_and_a_good_fixture():
    names = {finding_name(p) for p in ALL}
    assert names == set(CHECKS), set(CHECKS) ^ names
    for name in CHECKS:
        assert any(finding_name(p) == name for p in BAD), name
        assert any(finding_name(p) == name for p in GOOD), name


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_fixture_says_what_it_tests(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 12


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_fixture_reports_its_finding_on_the_marked_lines(path):
    name = finding_name(path)
    text = path.read_text(encoding="utf-8")
    expected = {(n, m) for n, line in enumerate(text.splitlines(), start=1) for m in EXPECT.findall(line)}
    assert expected, "a bad fixture marks at least one line"
    got = findings(path)
    reported = {(d.span.line, d.name) for d in got}
    assert expected <= reported, f"missing {expected - reported}; got {[(d.span.line, d.name) for d in got]}"
    assert {r for r in reported if r[1] == name} == {e for e in expected if e[1] == name}
    others = [(d.name, d.message) for d in got if d.name != name and d.severity != "info"]
    assert not others
    for d in got:
        # the style guide: lowercase start (or user input in backticks), no final period, one line
        assert d.message[0].islower() or d.message[0] == "`", d.message
        assert not d.message.endswith(".") and "\n" not in d.message, d.message
        assert d.span.file == str(path) and d.span.line > 0 and d.span.column > 0
        assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_fixture_is_clean(path):
    assert [(d.span.line, d.name, d.message) for d in findings(path)] == []


# -- examples prove the findings ------------------------------------------------------

def _matches(policy, rule_id: str, event: dict) -> bool:
    tree = policy.tree
    parsed = parse_event(event)
    interp = Interpreter(tree)
    return holds(tree.rule(rule_id).when, Scope(parsed, interp.context(parsed)))


def _examples():
    for path in BAD:
        for d in findings(path):
            if d.example is not None:
                yield pytest.param(path, d, id=f"{path.name}:{d.span.line}:{d.name}")


@pytest.mark.parametrize("path,finding", list(_examples()))
def test_example_proves_the_finding(path, finding):
    text = path.read_text(encoding="utf-8")
    policy = aftersale.compile(text, format_for(path), str(path))
    event = finding.example
    # every example is a request that can happen: valid by the event schema, no more asked than paid
    assert [e.message for e in validator("event").iter_errors(event)] == []
    request, order = event.get("request", {}), event.get("order", {})
    if "amount" in request and "paid_amount" in order:
        assert Decimal(str(request["amount"])) <= Decimal(str(order["paid_amount"]))
    decision = policy.decide(event)
    assert decision.to_json()["event_id"] == event["id"]
    name, rule = finding.name, finding.rule
    if name == "shadowed-rule" and "guard" in finding.message:
        # always forbidden: the rule decides, a guard forbids, a person gets it
        assert decision.rule == rule and decision.action == "manual_review"
        assert set(finding.related) & set(decision.guards)
    elif name == "shadowed-rule":
        assert _matches(policy, rule, event), "the example matches the shadowed rule"
        assert decision.rule in finding.related and decision.rule != rule, "and an earlier rule decides it"
    elif name == "conflicting-rules":
        assert _matches(policy, rule, event) and _matches(policy, finding.related[0], event)
        assert decision.rule == finding.related[0]
    elif name == "platform-cap-exceeded":
        assert decision.rule == rule and decision.action == policy.tree.rule(rule).action
    elif name == "after-platform-deadline":
        assert decision.rule == rule
    elif name == "risky-auto-reject":
        assert decision.action == "reject" and decision.rule == rule
        assert event["request"]["reason"] == "no_reason_7d"
    elif name == "uncapped-auto-refund":
        assert decision.rule == rule and decision.action in ("approve_refund", "express_refund")
    else:  # pragma: no cover - a new finding with examples needs a case here
        pytest.fail(f"no proof for {name}")


def _unsatisfiable():
    for path in BAD:
        for d in findings(path):
            if d.name == "unsatisfiable-rule":
                yield pytest.param(path, d.rule, id=f"{path.name}:{d.rule}")


@pytest.mark.parametrize("path,rule_id", list(_unsatisfiable()))
def test_unsatisfiable_rule_has_no_model(path, rule_id):
    from aftersale.lint.analysis import Analysis

    tree = aftersale.compile(path.read_text(encoding="utf-8"), format_for(path), str(path)).tree
    an = Analysis(tree)
    rule = tree.rule(rule_id)
    # a rule's condition is never true; a guard's is false for every open request (it never forbids)
    formula = (lambda enc: an.match_formula(enc, rule)) if rule.is_guard else (lambda enc: enc.cond(rule.when))
    assert an.solve(formula, [rule.when]) == "unsat"
