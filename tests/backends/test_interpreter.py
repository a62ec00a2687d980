"""Evaluation goldens: policy snippet + event → decision and trace, on both paths.

Cases live in `fixtures/*.yaml` (operators.yaml's header says how). Every
case is decided with `decide(trace=True)` and `decide(trace=False)`, which
must agree (and agree with the tree-walking interpreter), and both records
are validated against schema/decision.json.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

import aftersale
from aftersale.runner.casefile import apply_overrides
from aftersale.backends.interpreter import Interpreter
from aftersale.events import parse_event
from aftersale.explain.words import Words
from aftersale.schema import load_schema
from conftest import base_event, cases

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(FIXTURES.glob("*.yaml"))

#: What the fixture may say about a condition, and where the record keeps it.
NODE_KEYS = ("result", "skipped", "missing", "fact", "need", "values")


@lru_cache(maxsize=None)
def file_header(path: Path) -> tuple[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data["header"], data["base_event"]


@lru_cache(maxsize=1)
def record_validator() -> Draft202012Validator:
    schema = load_schema("decision")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def all_cases() -> list:
    out = []
    for path in FILES:
        for param in cases(path):
            out.append(pytest.param((path, param.values[0]), id=param.id))
    return out


def find_node(node: dict, text: str) -> dict | None:
    """The first condition (depth first) whose source text is `text`."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.get("text") == text:
            return current
        stack.extend(reversed(current.get("children", [])))
    return None


def shown(node: dict, key: str):
    """What an English reader is shown for `key` of a record's node (records hold facts, words come at render)."""
    words = Words("en")
    if key == "values":
        return [words.value(v["value"]) for v in node.get("values", [])]
    if key in ("missing",):
        return node.get(key, [])
    if key == "fact":
        return words.fact(node) if node.get("fact") else None
    if key == "need":
        return words.need(node) if node.get("fact") and node.get("result") is False else None
    return node.get(key)


def decide_case(path: Path, case: dict):
    """(traced decision, fast decision, what the tree-walking interpreter says) for a case."""
    header, base = file_header(path)
    policy = aftersale.compile(header + case["rules"], "dsl", path.stem + ".policy")
    event = apply_overrides(base_event(base), case.get("set") or {}, path, 1)
    interpreted = Interpreter(policy.tree).run(parse_event(event), True)
    return policy.decide(event), policy.decide(event, trace=False), interpreted[:4]


def check_record(record: dict) -> None:
    errors = sorted(record_validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    assert not errors, f"{list(errors[0].absolute_path)}: {errors[0].message}"


@pytest.mark.parametrize("item", all_cases())
def test_evaluation_golden(item):
    path, case = item
    traced, fast, interpreted = decide_case(path, case)
    expected = (case["expect"]["action"], case["expect"]["rule"], case["expect"]["guards"])
    for d in (traced, fast):
        assert (d.action, d.rule, list(d.guards)) == expected
    assert (interpreted[0], interpreted[1], list(interpreted[2])) == expected
    assert interpreted[3] == traced.forbidden_action
    assert (fast.forbidden_action, fast.decided_by) == (traced.forbidden_action, traced.decided_by)
    record, fast_record = traced.to_json(), fast.to_json()
    check_record(record)
    check_record(fast_record)
    assert fast_record["trace"] == [] and fast.trace is None
    assert {k: v for k, v in fast_record.items() if k not in ("trace", "summary")} == \
        {k: v for k, v in record.items() if k not in ("trace", "summary")}
    for key in ("decided_by", "forbidden_action"):
        if key in case["expect"]:
            assert record[key] == case["expect"][key]
    entries = {e["rule"]: e for e in record["trace"]}
    if "looked_at" in case:
        assert [e["rule"] for e in record["trace"]] == case["looked_at"]
    for rule_id, want in (case.get("trace") or {}).items():
        assert rule_id in entries, f"rule {rule_id} is not in the trace"
        entry = entries[rule_id]
        if "matched" in want:
            assert entry["matched"] is want["matched"]
        for node_want in want.get("nodes", []):
            node = find_node(entry["condition"], node_want["text"])
            assert node is not None, f"no condition `{node_want['text']}` in rule {rule_id}"
            got = {k: shown(node, k) for k in NODE_KEYS if k in node_want}
            assert got == {k: node_want[k] for k in NODE_KEYS if k in node_want}, node_want["text"]


def test_the_trace_lists_every_guard_then_rules_up_to_the_decider():
    policy = aftersale.load(Path(__file__).parents[2] / "policies" / "douyin-assistant.policy")
    guards = [r.id for r in policy.rules if r.is_guard]
    rules = [r.id for r in policy.rules if not r.is_guard]
    for name, overrides in [("decided", {"request.reason": "quality"}), ("otherwise", {"request.kind": "exchange"})]:
        event = apply_overrides(base_event(), overrides, Path(name), 1)
        record = policy.decide(event).to_json()
        looked_at = [e["rule"] for e in record["trace"]]
        upto = rules[:rules.index(record["rule"]) + 1] if record["rule"] else rules
        assert looked_at == guards + upto, name
    assert record["rule"] is None  # the second event reached otherwise


def test_every_condition_in_a_record_carries_its_source_position():
    path = Path(__file__).parents[2] / "policies" / "kuaishou-store.policy"
    policy = aftersale.load(path)
    record = policy.decide(base_event("base-kuaishou.json")).to_json()
    text = path.read_text(encoding="utf-8").splitlines()
    seen = 0
    for entry in record["trace"]:
        stack = [entry["condition"]]
        while stack:
            node = stack.pop()
            span = node["span"]
            assert span["file"] == str(path)
            if span["line"] == span["end_line"]:
                written = text[span["line"] - 1][span["column"] - 1:span["end_column"] - 1]
                assert " ".join(written.split()) == node["text"]
            seen += 1
            stack.extend(node.get("children", []))
    assert seen > 20


def test_a_stored_record_is_json_and_self_contained():
    """A record survives a JSON round trip and renders without its policy."""
    from aftersale.explain import render

    policy = aftersale.compile('policy "p"\nrule a: auto-approve returns under ¥300\n', "dsl", "p.policy")
    record = json.loads(json.dumps(policy.decide(base_event()).to_json(), ensure_ascii=False))
    check_record(record)
    assert render(record).startswith("Approved the return (rule a)")
