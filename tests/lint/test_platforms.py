"""The platform facts parse in the policy language and each cites its source."""
from __future__ import annotations

from pathlib import Path

import pytest

from aftersale.lint import lint_text
from aftersale.lint.domain import condition
from aftersale.lint.platforms import ACTIONS, PLATFORM_NAMES, TIMERS


@pytest.mark.parametrize("facts", ACTIONS, ids=lambda f: f"{f.platform}-{f.action}")
def test_action_facts(facts):
    assert facts.platform in PLATFORM_NAMES and "seed" in facts.source
    for req in facts.requirements:
        condition(req.condition)
        assert "seed" in req.source and req.unmet


@pytest.mark.parametrize("timer", TIMERS, ids=lambda t: f"{t.platform}-{t.start}")
def test_timers(timer):
    condition(f"{timer.start} is missing or age({timer.start}) < 1h")
    assert timer.platform in PLATFORM_NAMES and "seed" in timer.source and timer.limit.total_seconds() > 0


def test_express_refund_cap_is_strictly_under_300():
    express = next(f for f in ACTIONS if f.action == "express_refund")
    assert any(r.condition == "order.paid_amount < ¥300" for r in express.requirements)
    assert len(express.requirements) == 6


def test_messages_cite_platform_rules_by_public_name_never_internal_documents():
    """Issue 11, item 9: a merchant does not know what a seed is."""
    import re as _re

    from aftersale.lint import platforms as pf
    from aftersale.policy import format_for as _fmt

    fixtures = Path(__file__).parent / "fixtures"
    shown = []
    for path in sorted(fixtures.glob("*.bad.*")):
        for d in lint_text(path.read_text(encoding="utf-8"), _fmt(path), str(path)):
            shown.append(" ".join([d.message, d.help or "", *d.notes]))
    assert any("极速退款" in text for text in shown), "the express-refund finding names the platform rule"
    for text in shown:
        assert not _re.search(r"\bseed\b|§", text), text
    for fact in pf.ACTIONS + pf.TIMERS:
        assert fact.rule and not _re.search(r"\bseed\b|§", fact.rule)
    assert not _re.search(r"\bseed\b|§", pf.REJECT_ADVICE)
