"""Each finding name has a documentation page (bad example, good example, why), and its examples lint as it says."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftersale.diagnostics import DOCS_URL
from aftersale.lint import lint_text
from aftersale.lint.registry import CHECKS

from .test_fixtures import CONFIG

DOCS = Path(__file__).parent.parent.parent / "docs" / "lint"
ROOT = DOCS.parent.parent
BLOCK = re.compile(r"^## (Bad|Good) \((DSL|YAML)\)\n.*?```(?:text|yaml)\n(.*?)```", re.S | re.M)


def check_examples(name: str, blocks: list[tuple[bool, str, str]], filename: str) -> None:
    """Each (bad?, DSL|YAML, text) example of finding `name` lints as its page says: a bad one reports the
    finding, a good one reports nothing but information."""
    assert {bad for bad, _, _ in blocks} == {True, False}
    for bad, fmt, body in blocks:
        found = lint_text(body, "yaml" if fmt == "YAML" else "dsl", filename, config=CONFIG.get(name))
        names = {d.name for d in found}
        if bad:
            assert name in names, (fmt, [(d.name, d.message) for d in found])
        else:
            assert not [d for d in found if d.severity != "info" or d.name == name], (fmt, found)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_finding_has_a_page_whose_examples_lint_as_it_says(name):
    page = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# `{name}`")
    assert "## Bad" in page and "## Good" in page and "## Why it matters" in page
    check_examples(name, [(kind == "Bad", fmt, body) for kind, fmt, body in BLOCK.findall(page)], f"{name}.md")
    assert DOCS_URL.format(name=name) == f"docs/lint/{name}.md" and (ROOT / DOCS_URL.format(name=name)).is_file()


def test_index_lists_every_finding():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for name, check in CHECKS.items():
        assert f"| [`{name}`]({name}.md) | {check.severity} |" in index


def test_contract_names_and_severities():
    errors = {"syntax-error", "unknown-field", "type-mismatch", "unknown-value", "unknown-action", "duplicate-rule-id",
              "invalid-timezone", "invalid-hours", "ambiguous-sentence"}
    warnings = {"shadowed-rule", "unsatisfiable-rule", "redundant-condition", "missing-service-hours"}
    domain = {"platform-cap-exceeded", "after-platform-deadline", "risky-auto-reject", "uncapped-auto-refund"}
    assert all(CHECKS[n].severity == "error" for n in errors)
    assert all(CHECKS[n].severity == "warning" for n in warnings | domain)
    assert CHECKS["conflicting-rules"].severity == "info"
    assert errors | warnings | domain | {"conflicting-rules"} <= set(CHECKS)
