"""Money scaled by a number or a percentage (issue 11 item 20): `*` `/` (and `×` `÷` `＊` `／`) everywhere
the rule tree goes — types at lowering, fmt, semantics' one rounding, the backends, SQL, lint, explain."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import aftersale
from aftersale import rules as ir
from aftersale import semantics as sem
from aftersale.backends import BACKENDS
from aftersale.backends.sql.query import compile_query
from aftersale.backends.sql.translate import Refused
from aftersale.diagnostics import AftersaleError
from aftersale.runner.casefile import apply_overrides
from aftersale.syntax.fmt import expr_text
from aftersale.values import MISSING

ROOT = Path(__file__).resolve().parents[2]
BASE = json.loads((ROOT / "policies" / "events" / "base-douyin.json").read_text(encoding="utf-8"))


def when(rule_body: str) -> ir.Expr:
    return aftersale.compile(f'policy "p"\nrule a: when {rule_body} then reject\n').tree.rules[0].when


def test_times_binds_tighter_than_plus_and_fmt_keeps_the_tree():
    e = when("request.amount <= ¥1 + order.paid_amount * 30%")
    assert isinstance(e.right, ir.Arith) and e.right.op is ir.Op.ADD and e.right.right.op is ir.Op.MUL
    grouped = when("request.amount <= (¥1 + order.paid_amount) * 30%")
    assert expr_text(grouped) == "request.amount <= (¥1 + order.paid_amount) * 30%"
    assert expr_text(e) == "request.amount <= ¥1 + order.paid_amount * 30%"
    for text in ("request.amount <= order.paid_amount / 2", "request.amount <= order.paid_amount / 2 * 30%",
                 "request.amount <= ¥1 - (order.paid_amount - ¥2) * 30%"):
        assert when(expr_text(when(text))) == when(text)


@pytest.mark.parametrize("written", ["order.paid_amount × 30%", "order.paid_amount ＊ 30％",
                                     "order.paid_amount*30%"])
def test_chinese_and_full_width_forms_read_as_star(written):
    assert when(f"request.amount <= {written}") == when("request.amount <= order.paid_amount * 30%")
    assert when("request.amount <= order.paid_amount ÷ 2") == when("request.amount <= order.paid_amount／2")


@pytest.mark.parametrize("text, left, right", [
    ("request.amount * order.paid_amount > ¥1", "money", "money"),
    ("request.amount / order.paid_amount > 1", "money", "money"),
    ("2 / request.amount > 1", "number", "money"),
    ("buyer.requests_30d * 2 > 1", "number", "number"),
    ("age(request.created_at) * 2 > 1h", "duration", "number"),
])
def test_other_types_are_refused_at_their_place(text, left, right):
    with pytest.raises(AftersaleError) as info:
        aftersale.compile(f'policy "p"\nrule a: when {text} then reject\n')
    shown = str(info.value)
    assert "<string>:2:14" in shown and f"`{left}`" in shown and f"`{right}`" in shown and "type-mismatch" in shown


def test_semantics_rounds_once_to_the_cent_and_missing_stays_missing():
    d = Decimal
    assert sem.arith(ir.Op.MUL, d("129.00"), d("0.30")) == d("38.70")
    assert sem.arith(ir.Op.MUL, d("99.99"), d("0.333")) == d("33.30")  # 33.29667 → 33.30
    assert sem.arith(ir.Op.DIV, d("100.01"), d("2")) == d("50.01")
    assert sem.arith(ir.Op.DIV, d("-100.01"), d("2")) == d("-50.01")
    assert sem.arith(ir.Op.DIV, d("100"), d("3")) == d("33.33")
    assert sem.arith(ir.Op.DIV, d("1"), d("0")) is MISSING
    assert sem.arith(ir.Op.MUL, MISSING, d("2")) is MISSING and sem.arith("/", d("2"), MISSING) is MISSING
    assert sem.arith("*", d("0.05"), d("0.5")) == d("0.03")  # generated code passes the operator's text


@pytest.mark.parametrize("amount, paid", [("38.70", "129.00"), ("38.71", "129.00"), ("50.01", "100.01"),
                                          ("50.02", "100.01"), ("0.02", "0.05"), ("0.03", "0.05")])
def test_every_backend_rounds_alike(amount, paid):
    policy = aftersale.compile('policy "p"\nrule a: when request.amount <= order.paid_amount * 30% then reject\n'
                               'rule b: when request.amount <= order.paid_amount / 2 then reject\n'
                               'rule c: when request.amount <= order.paid_amount / 0.8 * 0.5 then reject\n')
    event = apply_overrides(BASE, {"request.amount": amount, "order.paid_amount": paid}, ROOT / "x", 0)
    got = {name: make(policy.tree).decide(event).rule for name, make in BACKENDS.items()}
    assert len(set(got.values())) == 1, got


@pytest.mark.parametrize("divisor", ["3", "7", "0.3", "1.5", "2.5", "0.8", "6", "30%", "0.07"])
def test_duckdb_divides_as_python_does_at_the_cent(divisor):
    """At the bound Python computes and a cent above it, DuckDB's query decides as the interpreter
    (a request never asks more than was paid: below 1 the divided amount is the request's)."""
    big = Decimal(divisor.rstrip("%")) / (100 if divisor.endswith("%") else 1) >= 1
    divided, other = ("order.paid_amount", "request.amount") if big else ("request.amount", "order.paid_amount")
    policy = aftersale.compile(f'policy "p"\nrule a: when {other} <= {divided} / {divisor} then reject\n')
    backends = {name: BACKENDS[name](policy.tree) for name in ("interpreter", "duckdb")}
    factor = policy.tree.rules[0].when.right.right.value
    for given in ("0.05", "1.00", "100.01", "129.00", "99.99", "12345678.91"):
        bound = sem.arith(ir.Op.DIV, Decimal(given), factor)
        for value in (bound, bound + Decimal("0.01")):
            event = apply_overrides(BASE, {divided: given, other: str(value)}, ROOT / "x", 0)
            rules = {name: b.decide(event).rule for name, b in backends.items()}
            assert rules == {"interpreter": "a" if value == bound else None, "duckdb": rules["interpreter"]}, \
                (given, value, rules)


@pytest.mark.parametrize("text, word", [("request.amount <= order.paid_amount / 1000003", "under 1,000,000"),
                                        ("request.amount <= order.paid_amount * buyer.return_rate", "not a constant")])
def test_sql_refuses_what_decimal_cannot_do_exactly(text, word):
    tree = aftersale.compile(f'policy "p"\nrule a: when {text} then reject\n').tree
    with pytest.raises(Refused, match=word):
        compile_query(tree, "duckdb")
    assert BACKENDS["compiled"](tree).decide(BASE).action  # the Python backends take it


def run(*args: str, files: dict[str, str], tmp: Path) -> str:
    from click.testing import CliRunner

    from aftersale.cli import cli

    for name, text in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, [str(tmp / a) if a in files else a for a in args]).output


def test_lint_keeps_constant_scaling_linear(tmp_path):
    text = ('policy "x"\nrule a: when request.amount <= order.paid_amount * 30% then approve_return\n'
            'rule b: when request.amount <= order.paid_amount * 20% and request.amount > ¥0 then approve_return\n'
            'rule c: when request.amount > order.paid_amount / 2 and request.amount < order.paid_amount / 2 '
            'then reject\n')
    out = run("lint", "x.policy", files={"x.policy": text}, tmp=tmp_path)
    assert "rule `b` can never decide" in out and "rule `c` can never match" in out


@pytest.mark.parametrize("lang, words", [("en", "¥45.00 is over ¥38.70 (30% of ¥129.00)"),
                                         ("zh", "¥45.00，超过 ¥38.70（¥129.00 的 30%）")])
def test_explain_shows_the_computed_bound_and_where_it_came_from(lang, words, tmp_path):
    policy = ('policy "p"\nrule a: when request.amount <= order.paid_amount * 30% then approve_return\n'
              'rule b: when request.amount <= order.paid_amount / 2 then reject\n')
    event = apply_overrides(BASE, {"request.amount": "45.00"}, ROOT / "x", 0)
    out = run("explain", "--lang", lang, "p.policy", "e.json", files={"p.policy": policy, "e.json": json.dumps(event)},
              tmp=tmp_path)
    assert words in out
    assert ("¥64.50 (¥129.00 ÷ 2)" if lang == "en" else "¥64.50（¥129.00 ÷ 2）") in out


def test_diff_finds_the_band_between_two_percentages_and_nothing_the_other_way(tmp_path):
    """20% → 30%: requests between the two bounds change; none changes back (a request never asks more
    than was paid, so negative amounts cannot make the reverse band real)."""
    old = 'policy "a"\nrule part: when request.amount <= order.paid_amount * 30% then approve_return\n'
    new = old.replace("30%", "20%")
    out = run("diff", "old.policy", "new.policy", files={"old.policy": old, "new.policy": new}, tmp=tmp_path)
    assert "1 region(s); could not decide: 0." in out
    assert "approve_return (part) → manual_review (otherwise)" in out


def test_the_term_limit_counts_times_and_divide():
    from aftersale.syntax.parser import count_terms

    assert count_terms("a * b / c × d ÷ e ＊ f ／ g + h") == 8


ZH = """策略 "鲜果"
语言 中文
规则 坏果：自动退款质量问题的仅退款，条件 request.amount <= order.paid_amount × 30％
规则 过半：
  when request.amount > order.paid_amount ÷ 2 then reject
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chinese_policy_scales_in_sentences_and_blocks_and_fmt_keeps_it(lang, tmp_path):
    tree = aftersale.compile(ZH).tree
    assert tree.rules[0].when.operands[-1].right == when("request.amount <= order.paid_amount * 30%").right
    assert tree.rules[1].when.right.op is ir.Op.DIV
    out = run("fmt", "--lang", lang, "z.policy", files={"z.policy": ZH}, tmp=tmp_path)
    again = aftersale.compile(out).tree
    assert [r.when for r in again.rules] == [r.when for r in tree.rules]
