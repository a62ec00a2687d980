"""Each finding has a Chinese page beside its English one (bad example, good example, why), whose examples lint
as it says, and the Chinese index lists every finding."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftersale.locale import message
from aftersale.lint.registry import CHECKS

from .test_docs import check_examples

DOCS = Path(__file__).parent.parent.parent / "docs" / "lint"
BLOCK = re.compile(r"^## (错误|正确)示例（(DSL|YAML)）\n.*?```(?:text|yaml)\n(.*?)```", re.S | re.M)
SEVERITY = {sev: message("zh", f"severity.{sev}") for sev in ("error", "warning", "info")}  # as lint prints them


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_finding_has_a_chinese_page_whose_examples_lint_as_it_says(name):
    page = (DOCS / f"{name}.zh.md").read_text(encoding="utf-8")
    assert page.startswith(f"# `{name}`")
    assert f"[English]({name}.md)" in page
    assert f"**级别：**{SEVERITY[CHECKS[name].severity]}" in page
    assert "## 错误示例" in page and "## 正确示例" in page and "## 为什么重要" in page
    check_examples(name, [(kind == "错误", fmt, body) for kind, fmt, body in BLOCK.findall(page)], f"{name}.zh.md")


def test_every_english_page_has_a_chinese_page_and_the_index_lists_them():
    index = (DOCS / "README.zh.md").read_text(encoding="utf-8")
    for name, check in CHECKS.items():
        assert f"| [`{name}`]({name}.zh.md) | {SEVERITY[check.severity]} |" in index
    english = {p.name[:-3] for p in DOCS.glob("*.md") if not p.name.endswith(".zh.md")}
    chinese = {p.name[:-6] for p in DOCS.glob("*.zh.md")}
    assert english <= chinese  # a Chinese page may come first for a finding that is landing (action-never-applies)
    assert "README" in chinese and "[English](README.md)" in index
