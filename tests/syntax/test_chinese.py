"""Chinese policies: the canonical lines of product.md, the amount words at their boundaries,
`fmt --lang` both ways on every shipped policy, and the Chinese shipped policies' twins."""
from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import aftersale
from aftersale.syntax import fmt, vocabulary
from aftersale.cli import cli
from conftest import POLICIES

#: product.md "Languages (version 2)": the two columns of one table, line for line.
ZH = """策略 "云雾茶舍售后"
平台 抖音
时区 Asia/Shanghai
币种 CNY
客服时间 周一至周五 09:00-18:00，周六 10:00-16:00
节假日 中国
规则 no-risky：禁止自动同意高风险买家的申请
规则 off-hours：非客服时间自动同意低于300元的七天无理由退货
规则 seven-day：自动同意签收后7天内的七天无理由退货
规则 inspected：仓库验货通过后自动退款2000元以内的退货
规则 stale：待处理超过40小时的申请转人工
否则 人工审核
"""
EN = """policy "云雾茶舍售后"
platform douyin
timezone Asia/Shanghai
currency CNY
service hours mon-fri 09:00-18:00, sat 10:00-16:00
holidays cn
rule no-risky: never auto-approve requests from high-risk buyers
rule off-hours: auto-approve no-reason returns under ¥300 during off-hours
rule seven-day: auto-approve no-reason returns within 7 days of delivery
rule inspected: auto-refund returns up to ¥2000 once inspected
rule stale: escalate requests pending for over 40h
otherwise manual_review
"""


def canonical_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def test_the_canonical_chinese_lines_give_the_english_tree_and_are_what_fmt_prints():
    zh, en = aftersale.compile(ZH).tree, aftersale.compile(EN).tree
    assert [r.sentence for r in zh.rules] == [line.split("：", 1)[1] for line in ZH.splitlines() if "：" in line]
    for a, b in zip(zh.rules, en.rules, strict=True):
        assert (a.id, a.when, a.action, a.forbids) == (b.id, b.when, b.action, b.forbids), a.id
    assert dataclasses.replace(zh, rules=en.rules) == en  # the header too
    assert fmt.meaning(zh) == fmt.meaning(en)
    assert canonical_lines(fmt.to_dsl(en, "zh")) == canonical_lines(ZH)
    assert canonical_lines(fmt.to_dsl(zh, "en")) == canonical_lines(EN)
    assert canonical_lines(fmt.to_dsl(zh)) == canonical_lines(ZH)  # without --lang: as written


EVENT = json.loads((POLICIES / "events" / "base-douyin.json").read_text(encoding="utf-8"))


def decide(sentence: str, amount: str) -> str:
    event = copy.deepcopy(EVENT)
    event["request"]["amount"] = amount
    event["order"]["paid_amount"] = "5000.00"
    policy = aftersale.compile(f'策略 "t"\n规则 r：自动同意{sentence}的退货\n否则 人工审核\n')
    return policy.decide(event).action


#: Each amount word, and whether 299.99, 300 and 300.01 pass it (以上/以下/以内 include the number).
BOUNDARIES = {
    "300元以下": (True, True, False), "300元以内": (True, True, False), "￥300以内": (True, True, False),
    "低于300元": (True, False, False), "不满300元": (True, False, False),
    "超过300元": (False, False, True), "高于¥300": (False, False, True),
    "300元以上": (False, True, True), "不低于300元": (False, True, True), "不超过300元": (True, True, False),
}


@pytest.mark.parametrize("words, passes", BOUNDARIES.items())
def test_amount_words_at_their_boundary(words, passes):
    got = tuple(decide(words, a) == "approve_return" for a in ("299.99", "300.00", "300.01"))
    assert got == passes


def test_thousands_separators_and_full_width_yen():
    a = aftersale.compile("rule r: auto-approve returns under ¥1,000 on orders under ￥1,500\n").tree
    b = aftersale.compile("rule r: auto-approve returns under ¥1000 on orders under ¥1500\n").tree
    assert a.rules[0].when == b.rules[0].when


def test_chinese_values_in_block_rules_and_otherwise():
    zh = aftersale.compile('策略 "t"\n规则 生鲜：\n  when any(order.items, item.category == 生鲜)'
                           ' and request.reason == 七天无理由\n  then 人工审核\n否则 同意退货\n').tree
    en = aftersale.compile('policy "t"\nrule 生鲜:\n  when any(order.items, item.category == fresh)'
                           ' and request.reason == no_reason_7d\n  then manual_review\notherwise approve_return\n').tree
    assert zh == en


def test_the_language_line_is_kept_and_decides_nothing():
    with_zh = aftersale.compile(ZH.replace("节假日 中国\n", "节假日 中国\n语言 中文\n"))
    plain = aftersale.compile(ZH)
    assert with_zh.tree.language == "zh" and plain.tree.language is None
    assert aftersale.compile(fmt.to_yaml(with_zh.tree), "yaml").tree == with_zh.tree
    assert aftersale.compile("language en\nrule a: escalate requests\n").tree.language == "en"
    for amount in ("129.00", "299.99", "300.00"):
        event = copy.deepcopy(EVENT)
        event["request"]["amount"] = event["order"]["paid_amount"] = amount
        assert with_zh.decide(event).to_json()["action"] == plain.decide(event).to_json()["action"]


SHIPPED = [p for p in sorted(POLICIES.glob("*.*")) if p.suffix in (".policy", ".yaml")
           and not p.name.endswith(".tests.yaml")]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_policy_converts_to_chinese_and_back(path):
    policy = aftersale.load(str(path)).tree
    for to_yaml in (False, True):
        zh_text = fmt.to_yaml(policy, "zh") if to_yaml else fmt.to_dsl(policy, "zh")
        zh = aftersale.compile(zh_text, "yaml" if to_yaml else "dsl").tree
        assert fmt.meaning(zh) == fmt.meaning(policy), zh_text
        en = aftersale.compile(fmt.to_dsl(zh, "en")).tree
        assert fmt.meaning(en) == fmt.meaning(policy)
        assert fmt.to_dsl(zh, "zh") == fmt.to_dsl(aftersale.compile(fmt.to_dsl(zh, "zh")).tree, "zh")  # stable


@pytest.mark.parametrize("name", ["douyin-assistant", "kuaishou-store"])
def test_the_chinese_shipped_policies_say_what_their_english_twins_say(name):
    zh = aftersale.load(str(POLICIES / f"{name}.zh.policy")).tree
    en = aftersale.load(str(POLICIES / f"{name}.policy")).tree
    assert fmt.written_language(zh) == "zh"
    assert dataclasses.replace(fmt.meaning(zh), name=en.name, language=None) == fmt.meaning(en)


def test_fmt_lang_on_the_command_line(tmp_path):
    path = tmp_path / "p.policy"
    path.write_text(EN, encoding="utf-8")
    result = CliRunner().invoke(cli, ["fmt", "--lang", "zh", str(path)])
    assert result.exit_code == 0, result.output
    assert canonical_lines(result.output) == canonical_lines(ZH)
    back = tmp_path / "back.policy"
    back.write_text(result.output, encoding="utf-8")
    result = CliRunner().invoke(cli, ["fmt", "--lang", "en", str(back)])
    assert canonical_lines(result.output) == canonical_lines(EN)


def _round_trips(text: str) -> None:
    policy = aftersale.compile(text).tree
    zh_text = fmt.to_dsl(policy, "zh")
    assert fmt.meaning(aftersale.compile(zh_text).tree) == fmt.meaning(policy), zh_text
    assert fmt.meaning(aftersale.compile(fmt.to_dsl(policy, "en")).tree) == fmt.meaning(policy)


@pytest.mark.parametrize("verb", ["auto-approve", "escalate", "never auto-approve"])
@pytest.mark.parametrize("phrase", [p for p in vocabulary.MODIFIERS if "{expr}" not in p.pattern],
                         ids=lambda p: p.pattern)
def test_every_phrase_converts_to_chinese_and_back_after_any_verb(phrase, verb):
    """Each phrase alone after each kind of verb (escalate puts its Chinese verb last, so a money
    phrase starts the Chinese sentence: `30元以内的仅退款转人工`); two amounts keep their order."""
    filled = vocabulary.example(phrase.pattern, "en").replace("¥300 and ¥300", "¥30 and ¥1000")
    _round_trips(f'policy "p"\nrule a: {verb} refunds {filled}\n')


def test_between_keeps_its_bounds_in_order_in_chinese():
    policy = aftersale.compile('policy "p"\nrule a: escalate refunds between ¥30 and ¥1000\n').tree
    assert "30元至1000元" in fmt.to_dsl(policy, "zh")
