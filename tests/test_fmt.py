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
from aftersale.syntax import fmt
from aftersale.syntax.comments import LostComment, comment_texts, find_comments
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
    for path in sorted((TESTS / "backends" / "fixtures").glob("*.yaml")):
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
    if "fmt" in case:  # what `aftersale fmt` prints: the canonical DSL and YAML with the source's comments
        assert fmt.keep_comments(tree, fmt.to_dsl(tree), "dsl") == case["fmt"]
        assert fmt.keep_comments(tree, fmt.to_yaml(tree), "yaml") == case["fmt_yaml"]
        for text, form in ((case["fmt"], "dsl"), (case["fmt_yaml"], "yaml")):  # every direction, and stable
            again = aftersale.compile(text, form).tree
            assert fmt.keep_comments(again, fmt.to_dsl(again), "dsl") == case["fmt"]
            assert fmt.keep_comments(again, fmt.to_yaml(again), "yaml") == case["fmt_yaml"]
        # to Chinese and back: every comment stays where it was
        zh = fmt.keep_comments(tree, fmt.to_dsl(tree, "zh"), "dsl")
        assert comment_texts(zh, "dsl") == comment_texts(case["fmt"], "dsl")
        back = aftersale.compile(zh, "dsl").tree
        english = fmt.keep_comments(tree, fmt.to_dsl(fmt.meaning(tree)), "dsl")  # sentences in canonical words
        assert fmt.keep_comments(back, fmt.to_dsl(back, "en"), "dsl") == english


def shipped_policies() -> list[Path]:
    return [p for p in sorted(POLICIES.glob("*.*"))
            if p.suffix in (".policy", ".yaml") and not p.name.endswith(".tests.yaml")]


@pytest.mark.parametrize("path", shipped_policies(), ids=lambda p: p.name)
def test_fmt_keeps_every_comment_across_formats(path):
    """Every shipped policy converts DSL ↔ YAML (and to the other language) with all its comments,
    and DSL → YAML → DSL gives what DSL → DSL gives."""
    text = path.read_text(encoding="utf-8")
    source = format_for(path)
    tree = aftersale.compile(text, source, str(path)).tree
    expected = comment_texts(text, source)
    lang = fmt.written_language(tree)  # YAML keys are English: back to DSL in the language it was written in
    texts = {to: fmt.keep_comments(tree, fmt.to_dsl(tree, lang) if to == "dsl" else fmt.to_yaml(tree), to)
             for to in ("dsl", "yaml")}
    for to, out in texts.items():
        assert comment_texts(out, to) == expected, out
        again = aftersale.compile(out, to, "out").tree
        assert again == tree
        for back in ("dsl", "yaml"):  # from the converted text to either format: the same text
            formatted = fmt.to_dsl(again, lang) if back == "dsl" else fmt.to_yaml(again)
            assert fmt.keep_comments(again, formatted, back) == texts[back]
    other = "en" if lang == "zh" else "zh"
    assert comment_texts(fmt.keep_comments(tree, fmt.to_dsl(tree, other), "dsl"), "dsl") == expected


def test_a_comment_with_no_place_is_refused_naming_its_line():
    text = 'policy "p"\nrule a: escalate requests\n# why b\nrule b: escalate requests  # b\n'
    tree = aftersale.compile(text, "dsl").tree
    without_b = fmt.to_dsl(aftersale.compile('policy "p"\nrule a: escalate requests\n', "dsl").tree)
    with pytest.raises(LostComment, match="line 3: the comment `# why b`"):
        fmt.keep_comments(tree, without_b, "dsl")


def test_yaml_comments_are_found_exactly():
    text = 'name: "a # b"  # one\nrules:\n  - id: x\n    sentence: |-  # two\n      escalate requests\n' \
           '    # three\notherwise: reject # four\n'
    assert [(c.line, c.text, c.own_line) for c in find_comments(text, "yaml")] == [
        (1, "# one", False), (4, "# two", False), (6, "# three", True), (7, "# four", False)]


def fmt_cli(*args):
    from click.testing import CliRunner

    from aftersale.cli import cli

    return CliRunner().invoke(cli, ["fmt", *map(str, args)])


def test_check_really_checks_commented_yaml(tmp_path):
    canonical = yaml.safe_load((TESTS / "fixtures" / "fmt.yaml").read_text(encoding="utf-8"))["cases"][4]
    good, messy = tmp_path / "good.yaml", tmp_path / "messy.yaml"
    good.write_text(canonical["fmt_yaml"], encoding="utf-8")
    messy.write_text(canonical["input"], encoding="utf-8")
    assert fmt_cli("--check", good).exit_code == 0
    result = fmt_cli("--check", messy)
    assert result.exit_code == 1 and "messy.yaml: not formatted" in result.output
    assert fmt_cli("-w", messy).exit_code == 0
    assert messy.read_text(encoding="utf-8") == canonical["fmt_yaml"]


def test_check_skips_test_files_with_a_note():
    result = fmt_cli("--check", *sorted(POLICIES.glob("*.yaml")))
    assert result.exit_code == 0, result.output
    assert "tea-house.tests.yaml: a test file (*.tests.yaml), not a policy; skipped" in result.output


def test_crlf_files_keep_their_line_endings(tmp_path):
    """--check and -w agree: a canonical file with CRLF passes and -w keeps CRLF; a mixed one is rewritten."""
    canonical = (POLICIES / "tea-house.policy").read_bytes()
    crlf = tmp_path / "crlf.policy"
    crlf.write_bytes(canonical.replace(b"\n", b"\r\n"))
    assert fmt_cli("--check", crlf).exit_code == 0
    assert fmt_cli("-w", crlf).exit_code == 0 and crlf.read_bytes() == canonical.replace(b"\n", b"\r\n")
    mixed = tmp_path / "mixed.policy"
    mixed.write_bytes(canonical.replace(b"\n", b"\r\n", 1))
    assert fmt_cli("--check", mixed).exit_code == 1
    assert fmt_cli("-w", mixed).exit_code == 0 and mixed.read_bytes() == canonical.replace(b"\n", b"\r\n")
    assert fmt_cli("--check", mixed).exit_code == 0


def test_shipped_policies_are_canonical():
    """`aftersale fmt --check` passes on every shipped policy, comments and all."""
    from conftest import run_cli

    files = [str(p) for p in shipped_policies()]
    out = run_cli("fmt", "--check", *files)
    assert out.returncode == 0, out.stderr
