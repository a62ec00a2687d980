"""The formatter's soundness: re-parsing its output gives the same tree, and it is idempotent.

Checked on every shipped policy and every policy the test fixtures hold
(parse goldens, sentences, evaluation cases), in both directions (DSL and
YAML). Exact canonical output is pinned in `fixtures/fmt.yaml`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import aftersale
from aftersale import fmt
from aftersale.policy import format_for
from conftest import POLICIES, cases, read_cases

TESTS = Path(__file__).parent


def all_policies() -> list:
    """(id, text, format) of every policy in policies/ and in the fixtures."""
    out = []
    for path in sorted(POLICIES.glob("*.*")) + sorted((TESTS / "explain" / "fixtures").glob("*.policy")):
        if path.suffix in (".policy", ".yaml") and not path.name.endswith(".tests.yaml"):
            out.append(pytest.param(path.read_text(encoding="utf-8"), format_for(path), id=path.name))
    parse = TESTS / "syntax" / "fixtures" / "parse"
    for name in ("header.yaml", "blocks.yaml"):
        for i, case in enumerate(read_cases(parse / name), start=1):
            dsl = case["dsl"] if "policy " in case["dsl"] else 'policy "golden"\n' + case["dsl"]
            out.append(pytest.param(dsl, "dsl", id=f"{name}:{i}:dsl"))
            out.append(pytest.param(case["yaml"], "yaml", id=f"{name}:{i}:yaml"))
    sentences = [c["sentence"] for c in read_cases(parse / "sentences.yaml")]
    body = "".join(f"rule s{i}: {s}\n" for i, s in enumerate(sentences))
    out.append(pytest.param('policy "sentences"\n' + body, "dsl", id="sentences.yaml"))
    for path in sorted((TESTS / "evaluator" / "fixtures").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"], start=1):
            out.append(pytest.param(data["header"] + case["rules"], "dsl", id=f"{path.name}:{i}"))
    return out


@pytest.mark.parametrize("text, format", all_policies())
def test_formatted_policy_reparses_to_the_same_tree_and_is_stable(text, format):
    tree = aftersale.compile(text, format, "in." + ("policy" if format == "dsl" else "yaml")).tree
    as_dsl, as_yaml = fmt.to_dsl(tree), fmt.to_yaml(tree)
    from_dsl = aftersale.compile(as_dsl, "dsl", "out.policy").tree
    from_yaml = aftersale.compile(as_yaml, "yaml", "out.yaml").tree
    assert from_dsl == tree, as_dsl
    assert from_yaml == tree, as_yaml
    # idempotent, and the same text whichever format it came from
    # (YAML keys are English: the header's language is the one the DSL was written in)
    zh = fmt.written_language(tree) == "zh"
    assert fmt.to_dsl(from_dsl) == as_dsl == (fmt.to_dsl(from_yaml, "zh") if zh else fmt.to_dsl(from_yaml))
    assert fmt.to_yaml(from_yaml) == as_yaml == fmt.to_yaml(from_dsl)


@pytest.mark.parametrize("case", cases(TESTS / "fixtures" / "fmt.yaml"))
def test_canonical_output(case):
    tree = aftersale.compile(case["input"], case["format"]).tree
    assert fmt.to_dsl(tree) == case["dsl"]
    assert fmt.to_yaml(tree) == case["yaml"]
    assert aftersale.compile(case["dsl"], "dsl").tree == tree
    assert aftersale.compile(case["yaml"], "yaml").tree == tree
    if "fmt" in case:  # what `aftersale fmt` prints: the canonical DSL with the source's comments
        assert fmt.keep_comments(tree, fmt.to_dsl(tree)) == case["fmt"]


COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|(#[^\n]*)')


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.policy")), ids=lambda p: p.name)
def test_fmt_keeps_every_comment_in_order(path):
    text = path.read_text(encoding="utf-8")
    tree = aftersale.compile(text, "dsl", str(path)).tree
    out = fmt.keep_comments(tree, fmt.to_dsl(tree))
    again = aftersale.compile(out, "dsl", "out.policy").tree
    assert again == tree
    assert fmt.keep_comments(again, fmt.to_dsl(again)) == out
    def comments(t):
        return [m.group(1).rstrip() for m in COMMENT.finditer(t) if m.group(1)]
    assert comments(out) == comments(text)


def test_shipped_policies_are_canonical():
    """`aftersale fmt --check` passes on every shipped policy it can check (YAML with comments is skipped)."""
    import subprocess
    import sys

    files = [str(p) for p in sorted(POLICIES.glob("*.policy"))] + [str(POLICIES / "tea-house.yaml")]
    out = subprocess.run([sys.executable, "-m", "aftersale", "fmt", "--check", *files],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
