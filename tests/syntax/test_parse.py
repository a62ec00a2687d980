"""Parsing goldens: DSL and YAML twins compile to equal trees with the expected dump.

Cases live in `fixtures/parse/*.yaml` (sentences.yaml has its own harness in
test_vocabulary.py). Each case's header says what it pins down; adding a case
is adding an entry.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from aftersale import rules as ir
from aftersale.policy import lower
from conftest import POLICIES, cases

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def compile_clean(text: str, fmt: str) -> ir.Policy:
    """The tree of `text`, asserting there is one and no diagnostic at all."""
    name = "golden.policy" if fmt == "dsl" else "golden.yaml"
    tree, diagnostics = lower(text, fmt, name)
    assert not diagnostics, "\n".join(d.render() for d in diagnostics)
    assert tree is not None
    return tree


def dump_of(policy: ir.Policy, expected: str) -> str:
    if expected.startswith("Policy("):
        return ir.dump(policy)
    return "\n".join(ir.dump(rule) for rule in policy.rules)


@pytest.mark.parametrize("case", cases(FIXTURES / "header.yaml", FIXTURES / "blocks.yaml"))
def test_dsl_and_yaml_give_the_expected_tree(case):
    dsl = case["dsl"]
    if not any(line.startswith("policy ") for line in dsl.splitlines()) and case["tree"].startswith("Rule("):
        dsl = 'policy "golden"\n' + dsl
    from_dsl = compile_clean(dsl, "dsl")
    from_yaml = compile_clean(case["yaml"], "yaml")
    assert dump_of(from_dsl, case["tree"]) == case["tree"].rstrip("\n")
    assert from_dsl == from_yaml
    assert dump_of(from_yaml, case["tree"]) == dump_of(from_dsl, case["tree"])


def test_tea_house_dsl_and_yaml_are_the_same_policy():
    dsl = (POLICIES / "tea-house.policy").read_text(encoding="utf-8")
    yml = (POLICIES / "tea-house.yaml").read_text(encoding="utf-8")
    a = compile_clean(dsl, "dsl")
    b = compile_clean(yml, "yaml")
    assert a == b
    assert ir.dump(a) == ir.dump(b)


SHIPPED = sorted(p for p in POLICIES.glob("*.*") if p.suffix in (".policy", ".yaml")
                 and not p.name.endswith(".tests.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_policy_compiles_cleanly(path):
    fmt = "yaml" if path.suffix == ".yaml" else "dsl"
    tree, diagnostics = lower(path.read_text(encoding="utf-8"), fmt, str(path))
    assert tree is not None and not diagnostics, "\n".join(d.render() for d in diagnostics)


def test_every_node_carries_a_span_into_its_own_file():
    """Each node of a lowered tree points at the text that says it (what traces and lint show)."""
    for path in (POLICIES / "tea-house.policy", POLICIES / "tea-house.yaml", POLICIES / "kuaishou-store.policy",
                 POLICIES / "express-refund.yaml"):
        fmt = "yaml" if path.suffix == ".yaml" else "dsl"
        text = path.read_text(encoding="utf-8")
        tree, _ = lower(text, fmt, str(path))
        for rule in tree.rules:
            assert tree.source.text_of(rule.id_span) == rule.id
            for node in ir.walk(rule):
                span = node.span
                assert span.file == str(path), (rule.id, node)
                assert 1 <= span.line <= span.end_line, (rule.id, node)
                assert span.end > span.start, (rule.id, ir.dump(node))


def test_yaml_expression_spans_point_into_the_yaml_file():
    text = 'rules:\n  - id: a\n    when: "request.amount < ¥300"\n    then: approve_refund\n'
    tree = compile_clean(text, "yaml")
    when = tree.rules[0].when
    assert (when.span.line, when.span.column) == (3, 12)
    assert tree.source.text_of(when.span) == "request.amount < ¥300"
    assert tree.source.text_of(when.right.span) == "¥300"
