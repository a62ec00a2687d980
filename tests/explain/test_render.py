"""The explain renderers and the decision record schema.

Golden cases live in `fixtures/`: a hand-written decision record (`NAME.json`)
and, beside it, one `NAME*.expected.txt` per way of rendering it. Each expected
file starts with a header (`note:`, `record:`, and the `render` options
`full`, `why_not`, `width`), then `---`, then the exact output. Adding a case
is adding a file.
"""
from __future__ import annotations

import copy
import importlib
import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import aftersale.explain as explain
from aftersale.explain import headline, layout, phrases, render, summary
from aftersale.explain.words import Words
render_module = importlib.import_module("aftersale.explain.render")

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA_PATH = Path(explain.__file__).parent.parent / "schema" / "decision.json"
RECORDS = sorted(FIXTURES.glob("*.json"))
EXPECTED = sorted(FIXTURES.glob("*.expected.txt"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse_expected(path: Path) -> tuple[dict, str]:
    head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    assert sep, f"{path.name}: no `---` line after the header"
    header = dict(line.split(": ", 1) for line in head.splitlines())
    assert header.get("note"), f"{path.name}: the header needs a `note:` saying what the case tests"
    return header, body.removesuffix("\n")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


# --- golden outputs --------------------------------------------------------

@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.txt"))
def test_golden(path: Path) -> None:
    header, expected = parse_expected(path)
    options: dict = {}
    if "full" in header:
        options["full"] = json.loads(header["full"])
    if "why_not" in header:
        options["why_not"] = header["why_not"]
    if "width" in header:
        options["width"] = json.loads(header["width"])
    assert render(load(header["record"]), **options) == expected


def test_every_record_has_a_plain_full_and_why_not_case() -> None:
    for record in RECORDS:
        stem = record.name.removesuffix(".json")
        names = [p.name for p in EXPECTED if p.name.startswith(stem + ".")]
        assert f"{stem}.expected.txt" in names
        assert f"{stem}.full.expected.txt" in names
        assert any(".why-not-" in n for n in names), stem


# --- the schema ------------------------------------------------------------

@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_fixture_records_are_valid(path: Path, validator: Draft202012Validator) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(load(path.name))]
    assert errors == []


def test_record_without_action_is_invalid(validator: Draft202012Validator) -> None:
    record = load("approved-sentence.json")
    del record["action"]
    messages = [e.message for e in validator.iter_errors(record)]
    assert "'action' is a required property" in messages


@pytest.mark.parametrize(
    "change, path",
    [
        (lambda r: r.update(action="refund_everything"), ["action"]),
        (lambda r: r.update(decided_by="forbidden", forbidden_action="approve_return"), ["action"]),
        (lambda r: r.update(forbidden_action="approve_return"), ["forbidden_action"]),
        (lambda r: r.update(decided_by="otherwise"), ["rule"]),
        (lambda r: r["policy"].update(sha256="abc"), ["policy", "sha256"]),
        (lambda r: r["trace"][1]["condition"]["children"][2].update(result=True),
         ["trace", 1, "condition", "children", 2, "result"]),
        (lambda r: r["trace"][0].update(action="approve_return"), ["trace", 0, "action"]),
        (lambda r: r["trace"][2]["condition"]["children"][0]["values"][0].pop("value"),
         ["trace", 2, "condition", "children", 0, "values", 0]),
        (lambda r: r.update(verdict="yes"), []),
    ],
    ids=["unknown-action", "forbidden-but-not-manual-review", "forbidden-action-without-forbidden",
         "otherwise-with-rule", "bad-sha256", "skipped-with-result", "guard-with-action",
         "value-without-value", "unknown-property"],
)
def test_schema_rejects(change, path, validator: Draft202012Validator) -> None:
    record = load("approved-sentence.json")
    change(record)
    assert [list(e.absolute_path) for e in validator.iter_errors(record)] == [path]


def test_schema_describes_every_property() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    undocumented = []

    def walk(node, path):
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if "description" not in sub:
                    undocumented.append(f"{path}/properties/{name}")
            for key, sub in node.items():
                if key != "allOf":  # if/then constraints restate documented properties
                    walk(sub, f"{path}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}/{i}")

    walk(schema, "#")
    assert undocumented == []


# --- the headline ----------------------------------------------------------

@pytest.mark.parametrize(
    "record, expected",
    [
        ("approved-sentence.json",
         "Approved the return (rule off-hours): reason is no_reason_7d, kind is return_refund, "
         "amount ¥129.00 is under ¥300, opened Saturday 22:14 Asia/Shanghai, outside service hours "
         "Mon–Fri 09:00–18:00"),
        ("forbidden-by-guard.json",
         "Sent to manual review: rule off-hours would approve the return, but guard no-risky "
         "forbids it (buyer risk level is high)"),
        ("otherwise-several-failed.json",
         "Sent to manual review: no rule applied (otherwise); closest rule express “Express refund, as the "
         "platform offers it”: paid amount under ¥300 (it was ¥350.00)"),
        ("skipped-or-branch.json",
         "Sent to manual review (rule stale “Escalate before the platform's 48h timer”): status is pending_merchant, reason is quality, "
         "pending for 1d 17h 10m, over 40h"),
    ],
)
def test_headline(record: str, expected: str) -> None:
    assert headline(load(record)) == expected
    assert summary(load(record)) == expected


@pytest.mark.parametrize(
    "action, phrase",
    [
        ("approve_return", "Approved the return"),
        ("approve_refund", "Approved the refund"),
        ("express_refund", "Granted an express refund"),
        ("extend_receipt", "Extended the receipt period"),
        ("reject", "Rejected the request"),
        ("manual_review", "Sent to manual review"),
    ],
)
def test_action_phrases(action: str, phrase: str) -> None:
    record = load("approved-sentence.json")
    record["action"] = record["trace"][-1]["action"] = action
    assert headline(record).startswith(f"{phrase} (rule off-hours): ")
    otherwise = {"action": action, "rule": None, "decided_by": "otherwise", "trace": []}
    assert headline(otherwise) == f"{phrase}: no rule applied (otherwise)"


def test_forbidden_by_two_guards() -> None:
    record = load("forbidden-by-guard.json")
    second = copy.deepcopy(record["trace"][0])
    second["rule"] = "no-express"
    second["forbids"] = ["approve_return"]
    record["trace"].insert(1, second)
    record["guards"] = ["no-risky", "no-express"]
    assert headline(record) == (
        "Sent to manual review: rule off-hours would approve the return, but guards no-risky and "
        "no-express forbid it (buyer risk level is high, buyer risk level is high)"
    )


def test_rule_without_conditions_has_no_facts() -> None:
    record = load("approved-sentence.json")
    record["trace"][-1]["condition"] = {
        "node": "always", "text": "", "span": record["trace"][-1]["span"], "result": True, "skipped": False,
    }
    assert headline(record) == "Approved the return (rule off-hours)"


def _leaf(text: str, result, **extra) -> dict:
    span = {"file": "p.policy", "line": 3, "column": 8, "end_line": 3, "end_column": 8 + len(text)}
    return {"node": "compare", "text": text, "span": span, "result": result, "skipped": False, **extra}


def test_failed_not_and_or_give_their_reasons() -> None:
    held = _leaf("request.first_request", True, fact="first request is true")
    negated = {**_leaf("not request.first_request", False), "node": "not", "children": [held]}
    assert phrases.reason(negated, Words("en")) == "first request is true → `not request.first_request` ✗"
    a = _leaf("request.reason == damaged", False, fact="reason is quality", need="reason damaged (it was quality)")
    b = _leaf("request.reason == lost", False, fact="reason is quality", need="reason lost (it was quality)")
    either = {**_leaf("a or b", False), "node": "or", "children": [a, b]}
    assert phrases.failing(either) == [a, b]
    assert phrases.unchecked(either) == []


# --- rendering from the record alone --------------------------------------

@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_render_leaves_the_record_alone(path: Path) -> None:
    record = load(path.name)
    before = copy.deepcopy(record)
    render(record, full=True)
    render(record, why_not="express", full=True)
    assert record == before


def test_width_none_never_wraps() -> None:
    text = render(load("approved-sentence.json"), width=None)
    assert text.splitlines()[0] == headline(load("approved-sentence.json"))


def test_minimal_record_renders() -> None:
    """An older or partial record (only what `eval` must print) still renders."""
    record = {"event_id": "AS-9", "action": "reject", "rule": "r1", "guards": [], "trace": []}
    assert render(record).splitlines()[0] == "Rejected the request (rule r1)"


def test_wide_characters_take_two_cells() -> None:
    line = layout.Line([("茶馆 售后 政策 茶馆 售后 政策", None)])
    assert layout.to_text([line], width=10).splitlines() == ["茶馆 售后", "政策 茶馆", "售后 政策"]


# --- colour ----------------------------------------------------------------

def test_color_paints_the_plain_text() -> None:
    record = load("otherwise-several-failed.json")
    for options in ({}, {"full": True}, {"why_not": "express"}):
        plain = render(record, **options)
        colored = render(record, color=True, **options)
        assert ANSI.sub("", colored) == plain
    colored = render(record, color=True, full=True)
    assert f"\x1b[1m{headline(record)}\x1b[0m" in colored
    assert "\x1b[32m✓\x1b[0m" in colored
    assert "\x1b[31m✗\x1b[0m" in colored
    assert "\x1b[" not in render(record, full=True)


def test_color_ignores_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[31m✗" in render(load("otherwise-several-failed.json"), color=True)


def test_importing_explain_does_not_import_rich() -> None:
    code = "import sys, aftersale.explain; print('rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("module", [layout, phrases, render_module, importlib.import_module("aftersale.explain.words"),
                                    importlib.import_module("aftersale.locale"),
                                    importlib.import_module("aftersale.locale.formats")], ids=lambda m: m.__name__)
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0
