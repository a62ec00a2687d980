"""`aftersale test`: a line per case, failures explained, coverage with reasons, JUnit, exit codes."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersale.runner.casefile import load_case_file
from aftersale.cli import cli
from aftersale.runner import coverage_of, run_paths

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"

POLICY = """policy "demo"
timezone Asia/Shanghai
service hours mon-fri 09:00-18:00
rule no-risky: never auto-approve requests from high-risk buyers
rule small: auto-approve no-reason returns under ¥300
rule night: auto-approve no-reason returns under ¥200 during off-hours
rule big: auto-approve quality returns over ¥5000
rule q: escalate quality returns
"""


def write(folder: Path, cases: str, policy: str = POLICY) -> Path:
    shutil.copy(POLICIES / "events" / "AS-1001.json", folder / "AS-1001.json")
    (folder / "p.policy").write_text(policy, encoding="utf-8")
    path = folder / "p.tests.yaml"
    path.write_text("policy: p.policy\nbase_event: AS-1001.json\ncases:\n" + cases, encoding="utf-8")
    return path


def invoke(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_the_shipped_policies_pass_with_full_coverage(tmp_path):
    junit = tmp_path / "junit.xml"
    result = invoke("test", str(POLICIES), "--min-coverage", "100", "--junit", str(junit))
    assert result.exit_code == 0, result.output
    assert "failed" not in result.output.splitlines()[-1]
    assert "rule coverage 100%" in result.output
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert int(root.get("tests")) > 100


def test_every_shipped_policy_has_a_test_file():
    tested = {p.resolve() for f in POLICIES.glob("*.tests.yaml") for p in load_case_file(f).policy_paths}
    policies = {p.resolve() for p in POLICIES.iterdir() if p.suffix in (".policy", ".yaml") and
                not p.name.endswith(".tests.yaml")}
    assert policies <= tested, sorted(str(p) for p in policies - tested)


def test_a_line_per_case_and_passing_exit_code(tmp_path):
    write(tmp_path, """  - name: small return
    expect: {action: approve_return, rule: small, guards: []}
  - name: quality
    set: {request.reason: quality}
    expect: {action: manual_review, rule: q}
""")
    result = invoke("test", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "  ✓ small return\n  ✓ quality\n" in result.output


def test_failure_shows_expected_actual_and_the_explanation(tmp_path):
    write(tmp_path, """  - name: small night return
    expect: {action: approve_return, rule: night}
""")
    result = invoke("test", str(tmp_path))
    assert result.exit_code == 1
    out = result.output
    assert "  ✗ small night return" in out
    assert "at " in out and "p.tests.yaml:4" in out
    assert "expected: approve_return by rule night" in out
    assert "actual:   approve_return by rule small, guards: none" in out
    assert "- rule: expected night, got small" in out
    assert "Approved the return (rule small)" in out          # the explanation of the actual record
    assert "Rules before it:" in out


def test_guards_and_decided_by_are_checked(tmp_path):
    write(tmp_path, """  - name: risky buyer
    set: {buyer.risk_level: high}
    expect: {action: manual_review, rule: small, guards: [no-risky], decided_by: forbidden}
  - name: wrong guards
    set: {buyer.risk_level: high}
    expect: {action: manual_review, guards: []}
""")
    result = invoke("test", str(tmp_path))
    assert result.exit_code == 1
    assert "  ✓ risky buyer" in result.output
    assert "- guards: expected [], got [no-risky]" in result.output


def test_coverage_says_why_rules_were_not_reached(tmp_path):
    write(tmp_path, """  - name: small night return
    expect: {action: approve_return, rule: night}
  - name: quality
    set: {request.reason: quality}
    expect: {action: manual_review, rule: q}
""")
    run = run_paths([str(tmp_path)])
    (cov,) = coverage_of(run)
    status = {r.rule: r.status for r in cov.rules}
    assert status == {"no-risky": "never-matched", "small": "failing-only", "night": "shadowed",
                      "big": "never-matched", "q": "covered"}
    why = {r.rule: r.why for r in cov.rules}
    assert "rule `small` decides first" in why["night"]
    assert "over ¥5000" in why["big"] and "(it was ¥129.00)" in why["big"]
    assert cov.percent == 20.0
    result = invoke("test", str(tmp_path), "--min-coverage", "10")
    assert "1 of 5 rules (20%)" in result.output
    assert "- rule night: shadowed" in result.output


def test_min_coverage_fails_below_the_bound(tmp_path):
    write(tmp_path, """  - name: quality
    set: {request.reason: quality}
    expect: {action: manual_review, rule: q}
""")
    assert invoke("test", str(tmp_path)).exit_code == 0
    result = invoke("test", str(tmp_path), "--min-coverage", "50")
    assert result.exit_code == 1
    assert "below --min-coverage 50%" in result.output
    assert invoke("test", str(tmp_path), "--min-coverage", "20").exit_code == 0


def test_invalid_event_and_unknown_rule_are_errors_with_locations(tmp_path):
    write(tmp_path, """  - name: bad amount
    set: {request.amount: "1.234"}
    expect: {action: manual_review}
  - name: typo
    expect: {action: manual_review, rule: smal}
""")
    result = invoke("test", str(tmp_path))
    assert result.exit_code == 2
    assert "p.tests.yaml:4:1: error[invalid-event]: `request.amount`" in result.output
    assert "did you mean `small`?" in result.output
    assert "2 errors" in result.output


@pytest.mark.parametrize("text, message", [
    ("policy: p.policy\ncases: []\n", "`cases`"),
    ("policy: p.policy\ncases:\n  - name: x\n    expect: {action: approve}\n", "`cases/0/expect/action`"),
    ("policy: [p.policy\n", "invalid YAML"),
    ("policy: missing.policy\ncases:\n  - name: x\n    event: {}\n    expect: {action: reject}\n", "does not compile"),
])
def test_bad_test_files_exit_2_and_the_others_still_run(tmp_path, text, message):
    write(tmp_path, """  - name: quality
    set: {request.reason: quality}
    expect: {action: manual_review, rule: q}
""")
    (tmp_path / "bad.tests.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert "  ✓ quality" in result.output
    assert "Traceback" not in result.output


def test_paths_that_hold_no_tests_are_input_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["test", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "no test files" in result.output
    result = CliRunner().invoke(cli, ["test", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_a_policy_path_runs_the_test_files_beside_it():
    result = invoke("test", str(POLICIES / "express-refund.yaml"))
    assert result.exit_code == 0
    assert "express-refund.tests.yaml" in result.output
    assert "kuaishou" not in result.output


def test_a_list_of_policies_runs_each_case_on_each(tmp_path):
    write(tmp_path, """  - name: quality
    set: {request.reason: quality}
    expect: {action: manual_review, rule: q}
""")
    (tmp_path / "twin.policy").write_text(POLICY, encoding="utf-8")
    text = (tmp_path / "p.tests.yaml").read_text().replace("policy: p.policy", "policy: [p.policy, twin.policy]")
    (tmp_path / "p.tests.yaml").write_text(text)
    result = invoke("test", str(tmp_path / "p.tests.yaml"))
    assert "  ✓ quality [p.policy]\n  ✓ quality [twin.policy]" in result.output
    assert "1 case (2 runs" in result.output


def test_junit_xml_is_well_formed_and_written_atomically(tmp_path):
    write(tmp_path, """  - name: small night <return> & "more"
    expect: {action: approve_return, rule: night}
  - name: quality
    set: {request.reason: quality}
    expect: {action: manual_review, rule: q}
""")
    junit = tmp_path / "out" / "junit.xml"
    junit.parent.mkdir()
    result = invoke("test", str(tmp_path), "--junit", str(junit), "--min-coverage", "90")
    assert result.exit_code == 1
    assert [p.name for p in junit.parent.iterdir()] == ["junit.xml"]   # no temporary file left behind
    root = ET.parse(junit).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites][-1] == "rule coverage"
    cases = suites[0].findall("testcase")
    assert cases[0].get("name") == 'small night <return> & "more"' and cases[0].get("line") == "4"
    failure = cases[0].find("failure")
    assert failure.get("message") == "expected approve_return by rule night, got approve_return by rule small"
    assert "Approved the return (rule small)" in failure.text
    assert cases[1].find("failure") is None
    assert root.get("tests") == "3" and root.get("failures") == "2"


def test_the_schema_accepts_the_new_fields_and_is_published():
    result = invoke("schema", "tests")
    schema = json.loads(result.output)
    assert "decided_by" in schema["properties"]["cases"]["items"]["properties"]["expect"]["properties"]
    assert schema["properties"]["policy"]["anyOf"][1]["type"] == "array"
