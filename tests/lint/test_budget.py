"""Issue 9, item 6: lint cannot be made to hang, and its budget gives the same findings on every run."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aftersale.diagnostics import AftersaleError
from aftersale.lint import lint_text
from aftersale.lint.config import parse

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from lint_adversarial import generate  # noqa: E402


def _names(text, budget):
    return [(d.span.line, d.name, d.rule) for d in lint_text(text, config={"solver-budget": budget})]


def test_a_spent_budget_reports_the_rules_left_as_undecided_the_same_way_every_time():
    text = generate(8)
    first = _names(text, 150_000)
    assert first == _names(text, 150_000)
    undecided = [r for _, n, r in first if n == "undecided-rule"]
    assert undecided, first
    # once spent, every later rule is undecided (what set algebra proves without the solver still shows)
    rules = [f"a{i:03d}" for i in range(8)]
    assert undecided == rules[rules.index(undecided[0]):]


def test_a_bigger_budget_decides_more():
    text = generate(8)
    small = sum(n == "undecided-rule" for _, n, _ in _names(text, 150_000))
    big = sum(n == "undecided-rule" for _, n, _ in _names(text, 20_000_000))
    assert big < small


@pytest.mark.parametrize("bad", [0, -1, "lots", True, 1.5])
def test_solver_budget_setting_is_checked(bad):
    with pytest.raises(AftersaleError) as err:
        parse({"solver-budget": bad}, "pyproject.toml", None)
    assert "solver-budget" in err.value.diagnostics[0].message


@pytest.mark.slow
def test_forty_adversarial_rules_give_the_same_findings_twice():
    text = generate(40)
    assert _names(text, 20_000_000) == _names(text, 20_000_000)
