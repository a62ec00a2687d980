"""The platform facts parse in the policy language and each cites its source."""
from __future__ import annotations

import pytest

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
