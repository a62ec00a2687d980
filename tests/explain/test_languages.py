"""Explanations in English and Chinese, from records of facts (schema_version 2).

Golden outputs for the shipped example events live in `fixtures/shipped/`:
`POLICY.EVENT.LANG.txt`, the explanation with the full trace. A missing file
is written and its test fails, so a new case is reviewed before it passes.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import aftersale
from aftersale.explain import headline, render
from aftersale.locale import catalog, placeholders, resolve
from aftersale.schema import load_schema

ROOT = Path(__file__).parents[2]
SHIPPED = Path(__file__).parent / "fixtures" / "shipped"
POLICIES = ["tea-house", "douyin-assistant"]
EVENTS = [f"AS-100{i}" for i in range(1, 6)]
CASES = [(p, e) for p in POLICIES for e in EVENTS]


def record_of(policy: str, event: str) -> dict:
    name = f"policies/{policy}.policy"  # relative, so goldens do not depend on the checkout's place
    compiled = aftersale.compile((ROOT / name).read_text(encoding="utf-8"), "dsl", name)
    event_data = json.loads((ROOT / "policies" / "events" / f"{event}.json").read_text(encoding="utf-8"))
    return json.loads(json.dumps(compiled.decide(event_data).to_json(), ensure_ascii=False))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("policy, event", CASES, ids=[f"{p}-{e}" for p, e in CASES])
def test_shipped_events_golden(policy: str, event: str, lang: str) -> None:
    path = SHIPPED / f"{policy}.{event}.{lang}.txt"
    got = render(record_of(policy, event), full=True, lang=lang) + "\n"
    if not path.exists():
        path.write_text(got, encoding="utf-8")
        pytest.fail(f"wrote {path.name}: review it, then run again")
    assert got == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("policy, event", CASES, ids=[f"{p}-{e}" for p, e in CASES])
def test_records_are_valid_version_2_and_hold_no_sentences(policy: str, event: str) -> None:
    record = record_of(policy, event)
    assert record["schema_version"] == 2 and "summary" not in record
    assert not list(Draft202012Validator(load_schema("decision")).iter_errors(record))
    stack = [e["condition"] for e in record["trace"]]
    while stack:
        node = stack.pop()
        assert "need" not in node and (node.get("fact") is None or isinstance(node["fact"], dict))
        stack.extend(node.get("children", []))


_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z_\-]*[A-Za-z]")


def _allowed_words(record: dict) -> set[str]:
    """Words a Chinese reader may see in ASCII: ids, what the user wrote, field paths, values of the record."""
    words: set[str] = {"sha256"}

    def walk(x):
        if isinstance(x, str):
            words.update(_ASCII_WORD.findall(x))
        elif isinstance(x, dict):
            for k, v in x.items():
                words.update(_ASCII_WORD.findall(k))
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    # The record's strings are ids, source text, paths and enum values: never wording of ours.
    walk(record)
    walk((record.get("policy") or {}).get("sha256", "")[:12])  # the short hash explain shows
    return words


@pytest.mark.parametrize("policy, event", CASES, ids=[f"{p}-{e}" for p, e in CASES])
def test_chinese_has_no_english_words(policy: str, event: str) -> None:
    record = record_of(policy, event)
    allowed = _allowed_words(record)
    outputs = [render(record, full=True, lang="zh")]
    outputs += [render(record, why_not=e["rule"], full=True, lang="zh") for e in record["trace"]]
    stray = sorted({w for text in outputs for w in _ASCII_WORD.findall(text)} - allowed)
    assert stray == []


def test_the_contract_sentence_in_both_languages() -> None:
    record = record_of("tea-house", "AS-1001")
    assert headline(record) == ("Approved the return (rule off-hours): a no-reason return of ¥129.00, under ¥300, "
                                "opened Saturday 22:14, outside service hours (Mon–Fri 09:00–18:00, Sat 10:00–16:00)")
    assert headline(record, lang="zh") == ("已自动同意退货（规则 off-hours）：七天无理由退货，申请 ¥129.00（低于 ¥300），"
                                           "11月21日 周六 22:14 提交，不在客服时间（周一至周五 09:00–18:00，周六 10:00–16:00）内")


def _decide(text: str, **changes) -> dict:
    event = json.loads((ROOT / "policies" / "events" / "AS-1001.json").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        target = event
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    policy = aftersale.compile('policy "p"\ntimezone Asia/Shanghai\nservice hours mon-fri 09:00-18:00\n' + text, "dsl", "p.policy")
    return json.loads(json.dumps(policy.decide(event).to_json(), ensure_ascii=False))


def test_otherwise_names_the_closest_rule_and_what_it_lacked() -> None:
    record = _decide("rule off-hours: auto-approve no-reason returns under ¥300 during off-hours\n",
                     **{"request.amount": "312.00", "order.paid_amount": "312.00"})
    assert headline(record, lang="zh") == "已转人工审核：没有规则适用（否则）；最接近的规则 off-hours：金额 ¥312.00，需低于 ¥300"
    assert headline(record) == ("Sent to manual review: no rule applied (otherwise); closest rule off-hours: "
                                "amount ¥312.00, needs under ¥300")


def test_a_comparison_shows_the_precision_it_needs() -> None:
    record = _decide("rule late: when age(order.delivered_at) > 7d then reject\n",
                     **{"order.delivered_at": "2026-11-14T22:13:59+08:00"})
    text = render(record, why_not="late", lang="en") + render(record, why_not="late", lang="zh")
    assert "7d 1s" in text and "7天1秒" in text
    assert "7d is not over 7d" not in text


def test_a_failed_or_is_explained_by_every_alternative() -> None:
    record = _decide("rule risky: when buyer.risk_level == high or buyer.return_rate >= 60% then reject\n",
                     **{"buyer.risk_level": "low", "buyer.return_rate": 0.59})
    text = render(record)
    assert "buyer risk level is low, not high" in text and "buyer return rate 0.59 is under 60%" in text


def test_an_exchange_is_worded_as_an_exchange() -> None:
    record = _decide("rule swap: auto-approve exchanges\n", **{"request.kind": "exchange"})
    assert headline(record).startswith("Approved the exchange (rule swap): an exchange")
    assert headline(record, lang="zh").startswith("已自动同意换货（规则 swap）：换货")


def test_an_unknown_result_names_the_missing_field() -> None:
    record = _decide("rule late: when age(order.delivered_at) > 7d then reject\n")
    node = record["trace"][0]["condition"]
    node.update(result="unknown", missing=["order.delivered_at"])
    assert not list(Draft202012Validator(load_schema("decision")).iter_errors(record))
    assert "unknown: delivered is missing" in render(record, why_not="late")
    assert "无法判断：缺少签收" in render(record, why_not="late", lang="zh")


def test_a_version_1_record_renders_in_both_languages() -> None:
    record = json.loads((Path(__file__).parent / "fixtures" / "approved-sentence.json").read_text(encoding="utf-8"))
    assert "schema_version" not in record
    assert render(record, lang="zh").startswith("已自动同意退货（规则 off-hours）：reason is no_reason_7d")


def test_catalogs_have_the_same_ids_and_placeholders() -> None:
    en, zh = catalog("en"), catalog("zh")
    assert sorted(en) == sorted(zh)
    assert {k: placeholders(v) for k, v in en.items()} == {k: placeholders(v) for k, v in zh.items()}


@pytest.mark.parametrize("flag, header, environ, expected", [
    ("zh", "en", {"LANG": "en_US.UTF-8"}, "zh"),
    (None, "zh", {"LANG": "en_US.UTF-8"}, "zh"),
    (None, "中文", {}, "zh"),
    (None, None, {"LANG": "zh_CN.UTF-8"}, "zh"),
    (None, None, {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, None, {}, "en"),
    ("en", "zh", {"LANG": "zh_CN.UTF-8"}, "en"),
])
def test_resolve_follows_flag_then_policy_then_lang(flag, header, environ, expected) -> None:
    assert resolve(flag, header, environ) == expected


def test_a_yaml_block_rule_shows_only_its_own_source() -> None:
    name = "policies/express-refund.yaml"
    policy = aftersale.compile((ROOT / name).read_text(encoding="utf-8"), "yaml", name)
    event = json.loads((ROOT / "policies" / "events" / "EX-3002.json").read_text(encoding="utf-8"))
    guard, rule = policy.decide(event).to_json()["trace"]
    assert guard["text"] == "id: no-risky\nsentence: never auto-approve requests from high-risk buyers"
    assert rule["text"].splitlines()[-1] == "then: express_refund" and "#" not in rule["text"]
    assert rule["text"].splitlines()[3:5] == ["  all:", "    - request.kind == return_refund"]


def test_an_item_in_a_trace_is_typed_field_by_field() -> None:
    """A quantifier's collection is stored item by item with typed fields, never as Python's repr."""
    policy = aftersale.compile('policy "p"\nrule a: when any(order.items, item.price > ¥1000) then reject\n')
    event = json.loads((ROOT / "policies" / "events" / "AS-1001.json").read_text(encoding="utf-8"))
    record = json.loads(json.dumps(policy.decide(event).to_json()))
    assert not list(Draft202012Validator(load_schema("decision")).iter_errors(record))
    (shown,) = record["trace"][0]["condition"]["values"]
    items = shown["value"]["items"]
    assert len(items) == len(event["order"]["items"]) and all(i["type"] == "item" for i in items)
    first = event["order"]["items"][0]
    assert items[0]["fields"]["price"] == {"type": "money", "amount": first["price"], "currency": "CNY"}
    assert "Decimal(" not in json.dumps(record) and "{'" not in json.dumps(record)


def test_a_closest_rule_lacking_a_field_says_it_was_missing() -> None:
    """`closest rule inspected: warehouse status present` read as if it were there; say it was missing."""
    compiled = aftersale.load(str(ROOT / "policies" / "douyin-assistant.policy"))
    lines = (ROOT / "policies" / "events" / "history.jsonl").read_text(encoding="utf-8").splitlines()
    event = next(json.loads(l) for l in lines if json.loads(l)["id"] == "AS-2028")
    record = json.loads(json.dumps(compiled.decide(event).to_json()))
    assert headline(record, lang="en").endswith("closest rule inspected: warehouse status present (it was missing)")
    assert headline(record, lang="zh").endswith("最接近的规则 inspected：需有仓库验货状态")
