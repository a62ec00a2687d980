"""Issue 9, item 4: host-dependent time zones and digits that read as another number."""
from __future__ import annotations

from decimal import Decimal

import pytest

import aftersale
from aftersale.lint import lint_text

POLICY = 'policy "p"\ntimezone {tz}\nrule a: auto-refund refunds under {amount}\n'


@pytest.mark.parametrize("tz", ["localtime", "posixrules", "Factory", "asia/shanghai", "Asia/Shanhai"])
def test_host_dependent_or_unknown_zones_are_refused(tz):
    found = [d for d in lint_text(POLICY.format(tz=tz, amount="¥30")) if d.name == "invalid-timezone"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].span.line == 2
    if tz.lower().startswith("asia"):
        assert "did you mean `Asia/Shanghai`?" in found[0].help


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires"])
def test_canonical_zones_are_accepted(tz):
    assert not [d for d in lint_text(POLICY.format(tz=tz, amount="¥30")) if d.name == "invalid-timezone"]


def test_full_width_digits_read_as_ascii_digits():
    policy = aftersale.compile(POLICY.format(tz="Asia/Shanghai", amount="¥８00"))
    [lit] = [n for n in aftersale.rules.walk(policy.tree.rule("a").when)
             if isinstance(n, aftersale.rules.Literal) and n.value == Decimal("800")]
    assert lit.text == "¥800"


@pytest.mark.parametrize("amount,digit", [("¥৪00", "৪"), ("¥٣0", "٣"), ("४00元", "४")])
def test_other_non_ascii_digits_are_refused_where_they_stand(amount, digit):
    found = [d for d in lint_text(POLICY.format(tz="Asia/Shanghai", amount=amount)) if d.severity == "error"]
    assert [(d.name, d.span.line) for d in found] == [("syntax-error", 3)]
    assert f"`{digit}`" in found[0].message and "0-9" in found[0].message


def test_non_ascii_digits_in_block_numbers_are_refused():
    text = 'policy "p"\nrule a:\n  when count(order.items) > ৪\n  then manual_review\n'
    found = [d for d in lint_text(text) if d.severity == "error"]
    assert [(d.name, d.span.line) for d in found] == [("syntax-error", 3)]
