"""`explain --why-not RULE` evaluates RULE against the event on its own (`evaluator.whynot`): every
failing condition with what would pass, also for a rule after the deciding one, and for a guard."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import aftersale
from aftersale import rules as ir
from aftersale.cli import cli
from aftersale.events import parse_event
from aftersale.backends.interpreter import Interpreter, Scope, holds
from aftersale.explain.whynot import action_applies, exhaustive, why_not

ROOT = Path(__file__).parents[2]
EVENTS = ROOT / "policies" / "events"

POLICY = """\
policy "why not"
timezone Asia/Shanghai
currency CNY
service hours mon-fri 09:00-18:00, sat 10:00-16:00
holidays cn

rule big-risky: when buyer.risk_level == high and request.amount > ¥1000 then forbid approve_return
rule pricey: when request.amount > ¥1000 and buyer.risk_level == high then reject
rule off-hours: auto-approve no-reason returns under ¥300 during off-hours
rule late: when request.reason == damaged and request.amount > ¥500 and order.paid_amount < ¥100 then reject
rule refund: when request.reason == damaged then approve_refund
rule also: when request.amount < ¥300 and request.kind == return_refund then approve_return

otherwise manual_review
"""


@pytest.fixture()
def policy_file(tmp_path):
    path = tmp_path / "p.policy"
    path.write_text(POLICY, encoding="utf-8")
    return path


def explain(*args, env=None):
    return CliRunner(env=env).invoke(cli, ["explain", *map(str, args)], catch_exceptions=False)


def passing_hints(output: str) -> int:
    return sum(line.strip().startswith(("would pass:", "可通过：")) for line in output.splitlines())


def failing_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("✗")]


def test_a_rule_after_the_deciding_one_lists_every_failing_condition(policy_file):
    result = explain(policy_file, EVENTS / "AS-1001.json", "--why-not", "late")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "rule late was not evaluated: rule off-hours decided first" in out
    failed = failing_lines(out)
    assert [f.split(" (")[0] for f in failed] == [
        "✗ request.reason == damaged", "✗ request.amount > ¥500", "✗ order.paid_amount < ¥100"]
    assert passing_hints(out) == 3
    assert "would pass: reason damaged" in out and "amount over ¥500 (it was ¥129.00)" in out
    assert "Not checked after the first failure" not in out


def test_in_chinese(policy_file):
    result = explain(policy_file, EVENTS / "AS-1001.json", "--why-not", "late", "--lang", "zh")
    out = result.output
    assert "规则 late 未被评估：规则 off-hours 先作出了决定" in out
    assert passing_hints(out) == 3 and "would pass" not in out and "Evaluated" not in out


def test_a_rule_the_trace_cut_short_gets_every_failure(policy_file):
    """`pricey` was evaluated, but its `and` stopped at the first failure: both fail, both are listed."""
    result = explain(policy_file, EVENTS / "AS-1001.json", "--why-not", "pricey")
    failed = failing_lines(result.output)
    assert [f.split(" (")[0] for f in failed] == ["✗ request.amount > ¥1000", "✗ buyer.risk_level == high"]
    assert "not evaluated" not in result.output and "Not checked" not in result.output


def test_a_guard_lists_every_failing_condition(policy_file):
    result = explain(policy_file, EVENTS / "AS-1001.json", "--why-not", "big-risky")
    assert "Why not guard big-risky" in result.output and "it would not match" in result.output
    assert len(failing_lines(result.output)) == 2 and passing_hints(result.output) == 2


def test_a_later_rule_that_holds_says_it_would_have_decided(policy_file):
    result = explain(policy_file, EVENTS / "AS-1001.json", "--why-not", "also")
    assert ("every condition of rule also holds: it would have decided had rule off-hours not decided first"
            in result.output)
    assert not failing_lines(result.output)


def test_the_deciding_rule_still_says_it_decided(policy_file):
    result = explain(policy_file, EVENTS / "AS-1001.json", "--why-not", "off-hours")
    assert "rule off-hours matched: every condition held, and it decided this request" in result.output


def load_policy():
    return aftersale.compile(POLICY, "dsl", "p.policy")


def event_of(name: str):
    return parse_event(json.loads((EVENTS / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(p.name for p in EVENTS.glob("*.json")))
def test_agrees_with_the_decision_and_the_interpreter(name):
    """Every rule the decision evaluated has the same outcome evaluated on its own, and every node of the
    exhaustive tree has the interpreter's own result for that sub-condition."""
    pol = load_policy()
    try:
        event = event_of(name)
    except aftersale.AftersaleError:
        pytest.skip("not a complete event")
    record = pol.decide(event).to_json()
    interp = Interpreter(pol.tree)
    scope = Scope(event, interp.context(event))
    for entry in record["trace"]:
        assert why_not(pol.tree, event, entry["rule"])["matched"] == entry["matched"], entry["rule"]
    for rule in pol.rules:
        stack = [exhaustive(rule.when, scope)]
        while stack:
            node = stack.pop()
            if isinstance(node.expr, (ir.And, ir.Or, ir.Not)):
                assert node.result == holds(node.expr, scope)
                assert all(not c.skipped for c in node.children)
            stack.extend(node.children)


def test_where_the_action_applies():
    """product.md's "Where an action applies": approve_refund does not apply to a pending return, and why-not
    says so (a guard decides nothing, so it has no applicability)."""
    pol = load_policy()
    event = event_of("AS-1001.json")
    refund = pol.tree.rule("refund")
    assert action_applies(pol.tree.rule("big-risky"), event) is None
    assert action_applies(refund, event) == {"action": "approve_refund", "kind": "return_refund",
                                             "status": "pending_merchant", "applies": False}
    damaged = json.loads((EVENTS / "AS-1001.json").read_text(encoding="utf-8"))
    damaged["request"]["reason"] = "damaged"
    assert why_not(pol.tree, parse_event(damaged), "refund")["matched"] is False  # true, but cannot act
