"""`aftersale diff` on the shipped Douyin policy: regions, proven examples, formats, exit codes."""
import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

import aftersale
from aftersale.cli import cli
from aftersale.diff import diff_files
from aftersale.diff.compare import Decider
from aftersale.schema import load_schema

DOUYIN = Path("policies/douyin-assistant.policy")


def _edit(tmp_path, name, old, new):
    text = DOUYIN.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _moved(tmp_path):
    """The inspected-refund rule moved below the no-reason rule."""
    lines = DOUYIN.read_text(encoding="utf-8").splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("rule inspected"))
    j = next(k for k, line in enumerate(lines) if line.startswith("rule no-reason-7d"))
    path = tmp_path / "moved.policy"
    path.write_text("\n".join(lines[:i] + lines[i + 1:j + 1] + [lines[i]] + lines[j + 1:]) + "\n", encoding="utf-8")
    return path


def _proven(doc, old, new, rename=None):
    a, b = Decider(aftersale.load(old).tree, rename or {}), Decider(aftersale.load(new).tree, {})
    for r in doc["regions"]:
        want = lambda o: (o["action"], o["rule"], o["forbidden_by"])  # noqa: E731
        assert a.key(r["example"]) == want(r["old"])
        assert b.key(r["example"]) == want(r["new"])


def test_raising_the_off_hours_cap_gives_a_few_regions_in_the_policys_terms(tmp_path):
    new = _edit(tmp_path, "cap.policy", "under ¥300 during off-hours", "under ¥500 during off-hours")
    doc = diff_files(str(DOUYIN), str(new))
    jsonschema.validate(doc, load_schema("diff"))
    _proven(doc, DOUYIN, new)
    pairs = {(r["old"]["action"], r["old"]["rule"], r["new"]["action"], r["new"]["rule"]) for r in doc["regions"]}
    assert ("manual_review", None, "approve_return", "off-hours") in pairs
    assert ("manual_review", "pending-40h", "approve_return", "off-hours") in pairs
    assert len(doc["regions"]) <= 4 and not doc["undecided"]
    for r in doc["regions"]:
        amount = next(c for c in r["where"][0] if c["subject"] == {"field": "request.amount"})
        assert amount["ranges"] == [{"low": "300.00", "low_closed": True, "high": "499.99", "high_closed": True}]


def test_words_in_both_languages(tmp_path):
    new = _edit(tmp_path, "cap.policy", "under ¥300 during off-hours", "under ¥500 during off-hours")
    runner = CliRunner()
    en = runner.invoke(cli, ["diff", str(DOUYIN), str(new), "--lang", "en"])
    zh = runner.invoke(cli, ["diff", str(DOUYIN), str(new), "--lang", "zh"])
    assert en.exit_code == 0 and zh.exit_code == 0
    assert "amount ¥300.00–¥499.99" in en.output and "approve_return (off-hours)" in en.output
    assert "金额¥300.00至¥499.99" in zh.output and "（否则）" in zh.output


def test_moving_the_inspected_rule_below_no_reason_changes_nothing(tmp_path):
    # inspected refunds (approve_refund) apply to returns in transit or returned; the approve_return rules
    # only to pending requests: the two never meet, so the move is proved harmless
    doc = diff_files(str(DOUYIN), str(_moved(tmp_path)))
    assert doc["changed"] is False and doc["regions"] == [] and doc["undecided"] == []


def test_moving_a_rule_that_overlaps_is_a_region(tmp_path):
    lines = DOUYIN.read_text(encoding="utf-8").splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("rule off-hours"))
    j = next(k for k, line in enumerate(lines) if line.startswith("rule chosen-reasons"))
    path = tmp_path / "first.policy"
    path.write_text("\n".join(lines[:j] + [lines[i]] + lines[j:i] + lines[i + 1:]) + "\n", encoding="utf-8")
    doc = diff_files(str(DOUYIN), str(path))
    _proven(doc, DOUYIN, path)
    assert {(r["old"]["rule"], r["new"]["rule"]) for r in doc["regions"]} == {("no-reason-7d", "off-hours")}


def test_yaml_and_dsl_of_one_policy_have_no_diff(tmp_path):
    yaml_path = tmp_path / "same.yaml"
    result = CliRunner().invoke(cli, ["fmt", "--to", "yaml", str(DOUYIN)])
    assert result.exit_code == 0
    yaml_path.write_text(result.output, encoding="utf-8")
    out = CliRunner().invoke(cli, ["diff", str(DOUYIN), str(yaml_path), "--exit-code"])
    assert out.exit_code == 0, out.output
    assert "No request is decided differently" in out.output


def test_rename_maps_ids(tmp_path):
    new = _edit(tmp_path, "renamed.policy", "rule off-hours:", "rule after-hours:")
    runner = CliRunner()
    plain = runner.invoke(cli, ["diff", str(DOUYIN), str(new), "--exit-code", "--format", "json"])
    assert plain.exit_code == 1  # the deciding rule's id changes
    renamed = runner.invoke(cli, ["diff", str(DOUYIN), str(new), "--exit-code", "--rename", "off-hours=after-hours"])
    assert renamed.exit_code == 0, renamed.output


def test_exit_code_and_markdown(tmp_path):
    new = _edit(tmp_path, "cap.policy", "under ¥300 during off-hours", "under ¥500 during off-hours")
    out = CliRunner().invoke(cli, ["diff", str(DOUYIN), str(new), "--exit-code", "--format", "markdown"])
    assert out.exit_code == 1
    assert out.output.startswith("### Policy diff") and "| # |" in out.output and "```json" in out.output


def test_bad_input_is_exit_2(tmp_path):
    bad = tmp_path / "bad.policy"
    bad.write_text("rule a: when request.amount < then reject\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["diff", str(DOUYIN), str(bad)])
    assert out.exit_code == 2 and "Traceback" not in out.output
    out = CliRunner().invoke(cli, ["diff", str(DOUYIN), str(DOUYIN), "--rename", "nonsense"])
    assert out.exit_code == 2


def test_events_count_requests_and_money_per_region(tmp_path):
    from aftersale.simulate.generate import events

    history = tmp_path / "history.jsonl"
    history.write_text("".join(line + "\n" for line in events(600, seed=7)), encoding="utf-8")
    new = _edit(tmp_path, "cap.policy", "under ¥300 during off-hours", "under ¥500 during off-hours")
    doc = diff_files(str(DOUYIN), str(new), events=str(history))
    h = doc["history"]
    assert h["outside_regions"] == 0 and h["bad"] == 0
    assert sum(r["history"]["requests"] for r in doc["regions"]) == h["changed"]
    a, b = Decider(aftersale.load(DOUYIN).tree, {}), Decider(aftersale.load(new).tree, {})
    changed = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    changed = [e for e in changed if a.key(e) != b.key(e)]
    assert len(changed) == h["changed"]


def test_new_service_hours_leave_the_rules_on_them_undecided_in_one_line(tmp_path):
    new = _edit(tmp_path, "hours.policy", "mon-fri 09:00-18:00", "mon-fri 09:00-20:00")
    doc = diff_files(str(DOUYIN), str(new))
    assert doc["changed"] and doc["regions"] == []
    assert {r for u in doc["undecided"] for r in u["rules"]} == {"off-hours", "pending-40h"}
    out = CliRunner().invoke(cli, ["diff", str(DOUYIN), str(new), "--exit-code", "--lang", "en"])
    assert out.exit_code == 1
    lines = [line for line in out.output.splitlines() if line.startswith("could not decide")]
    assert len(lines) == 1 and "`off-hours`" in lines[0] and f"({len(doc['undecided'])} pairs" in lines[0]
