"""Why diff could not decide a rule, in the reader's language (every word from the locale catalogs).

The reasons lint's exact reasoning gives for what it does not model (`Unsupported`) are messages of
`locale/*/reasons.toml`: the diff document keeps the English text under `reason` and the message under
`reason_id`/`reason_args`; text and markdown say it in English or Chinese, one line per reason.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import aftersale
from aftersale.cli import cli
from aftersale.diff import diff_files, diff_trees
from aftersale.diff.render import markdown, text as render_text
from aftersale.lint import lint_text
from aftersale.lint.terms import Unsupported
from aftersale.locale import catalog, message
from aftersale.schema import load_schema

DOUYIN = Path("policies/douyin-assistant.policy")
FIXTURES = Path(__file__).parents[1] / "lint" / "fixtures"
HEAD = 'policy "p"\nplatform douyin\ntimezone Asia/Shanghai\ncurrency CNY\nholidays cn\n'
_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z_\-]*[A-Za-z]")
_NAME = {"file": "p.policy", "name": "p", "sha256": "0" * 64}

#: A rule's condition diff cannot model, and the reason it gives (a guard is added in front of the rule).
CASES = [
    ("request.amount < ¥29.99 + 0.5%", "reason.money_with_number"),
    ("not (request.amount in [order.paid_amount, ¥5])", "reason.in_fields"),
    ("count(order.items, item.price > ¥10) > 1", "reason.count_condition"),
    ("order.items is missing", "reason.value_type"),
]


def _guarded(cond: str) -> dict:
    rest = f"rule w: when {cond} then approve_refund\notherwise manual_review\n"
    old = aftersale.compile(HEAD + rest).tree
    new = aftersale.compile(HEAD + "rule g: never auto-refund requests\n" + rest).tree
    return diff_trees(old, new, _NAME, _NAME)


def _ours(doc: dict) -> set[str]:
    """ASCII words a Chinese reader may see: what the document holds (ids, paths, actions), not our English."""
    words: set[str] = set()

    def walk(x):
        if isinstance(x, str):
            words.update(_ASCII_WORD.findall(x))
        elif isinstance(x, dict):
            for k, v in x.items():
                if k not in ("reason", "reason_id"):  # the English text and the message id
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return words


def _stray(text: str, doc: dict) -> list[str]:
    return sorted(set(_ASCII_WORD.findall(re.sub(r"`[^`]*`", "", text))) - _ours(doc))


@pytest.mark.parametrize("cond, reason", CASES, ids=[r for _, r in CASES])
def test_each_unmodelled_construct_gives_its_reason_in_both_languages(cond, reason):
    doc = _guarded(cond)
    jsonschema.validate(doc, load_schema("diff"))
    assert doc["undecided"] and {u["reason_id"] for u in doc["undecided"]} == {reason}
    u = doc["undecided"][0]
    for lang in ("en", "zh"):
        for out in (render_text(doc, lang), markdown(doc, lang)):
            assert message(lang, reason, **_args(u, lang)) in out
            if lang == "zh":
                assert _stray(out, doc) == []
    assert u["reason"] == message("en", reason, **_args(u, "en"))


def _args(u: dict, lang: str) -> dict:
    return {k: message(lang, v["message_id"], **v["args"]) if isinstance(v, dict) else v
            for k, v in u["reason_args"].items()}


def test_new_service_hours_leave_the_rules_undecided_in_one_chinese_line(tmp_path):
    new = tmp_path / "hours.policy"
    new.write_text(DOUYIN.read_text(encoding="utf-8").replace("mon-fri 09:00-18:00", "mon-fri 09:00-20:00"),
                   encoding="utf-8")
    doc = diff_files(str(DOUYIN), str(new))
    assert {u["reason_id"] for u in doc["undecided"]} == {"reason.calendar_changed"}
    out = CliRunner().invoke(cli, ["diff", str(DOUYIN), str(new), "--lang", "zh"])
    reason = catalog("zh")["reason.calendar_changed"]
    lines = [line for line in out.output.splitlines() if reason in line]
    assert len(lines) == 1 and "`off-hours`、`pending-40h`" in lines[0]  # rules listed the Chinese way too
    assert catalog("en")["reason.calendar_changed"] not in out.output
    assert _stray(out.output, doc) == []


def test_undecided_pairs_are_grouped_by_reason():
    rest = ("rule w1: when request.amount < ¥29.99 + 0.5% then approve_refund\n"
            "rule w2: when count(order.items, item.price > ¥10) > 1 then approve_refund\n"
            "otherwise manual_review\n")
    old = aftersale.compile(HEAD + rest).tree
    new = aftersale.compile(HEAD + "rule g: never auto-refund requests\n" + rest).tree
    doc = diff_trees(old, new, _NAME, _NAME)
    reasons = {(u["reason_id"], repr(u["reason_args"])) for u in doc["undecided"]}
    assert len(reasons) >= 2
    for lang in ("en", "zh"):
        head = message(lang, "diff.undecided_group", rules="", pairs=0, reason="").split("`")[0][:4]
        lines = [line for line in render_text(doc, lang).splitlines() if line.startswith(head)]
        assert len(lines) == len(reasons)


def test_a_document_written_before_reasons_had_ids_still_renders():
    doc = _guarded(CASES[0][0])
    for u in doc["undecided"]:
        del u["reason_id"], u["reason_args"]
    assert doc["undecided"][0]["reason"] in render_text(doc, "zh")


def test_an_unsupported_construct_says_why_in_either_language():
    e = Unsupported("reason.function", function="lower")
    assert str(e) == message("en", "reason.function", function="lower")
    assert e.reason.render("zh") == message("zh", "reason.function", function="lower")
    t = Unsupported.of_type(aftersale.values.LIST)
    assert message("zh", "error.type.list") in t.reason.render("zh")


def test_lint_says_undecided_rule_in_chinese():
    for name in ("undecided-rule.bad.policy", "undecided-rule.bad.yaml"):
        path = FIXTURES / name
        found = [d for d in lint_text(path.read_text(encoding="utf-8"), "yaml" if name.endswith("yaml") else "dsl",
                                      config={"solver-budget": 60_000}) if d.name == "undecided-rule"]
        assert found
        for d in found:
            zh = d.message_in("zh") + (d.help_in("zh") or "")
            assert zh.startswith(message("zh", "lint.undecided.message", rule=d.rule)[:6])
            assert set(_ASCII_WORD.findall(re.sub(r"`[^`]*`", "", zh))) <= {"lint"}  # the command's name


def test_every_reason_raised_is_a_message_of_both_catalogs():
    """`Unsupported(...)` in lint/ and diff/ names a `reason.*` id (words in code would reach the reader)."""
    src = Path(aftersale.__file__).parent
    named = []
    for path in sorted([*(src / "lint").rglob("*.py"), *(src / "diff").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Unsupported":
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant) and str(first.value).startswith("reason."), \
                    f"{path.name}:{node.lineno}"
                named.append(first.value)
    assert len(named) > 40
    for lang in ("en", "zh"):
        assert sorted(set(named) - set(catalog(lang))) == []
