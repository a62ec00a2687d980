"""The `aftersale` command as a user runs it: in-process through click's CliRunner (fast), and a few
end-to-end checks in real subprocesses (`python -m aftersale`, exit codes through `main`).

Table cases live in `fixtures/commands.yaml` (its header says how); they run
once per session, then each is checked on its own. Flows that need several
steps (a stored record rendered after its policy is deleted, fmt -w) are
written out below.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from aftersale.schema import load_schema
from conftest import POLICIES, ROOT, read_cases
from conftest import run_cli as run

FIXTURE = Path(__file__).parent / "fixtures" / "commands.yaml"
CASES = read_cases(FIXTURE)
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"}


def run_process(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python -m aftersale ARGS` in a real process, for the end-to-end checks."""
    proc = subprocess.run([sys.executable, "-m", "aftersale", *args], input=(stdin or "").encode("utf-8"),
                          capture_output=True, cwd=cwd, env=ENV, timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8"),
                                       proc.stderr.decode("utf-8"))


def event_text(spec: dict) -> str:
    def item(x: str) -> str:
        return x if x.lstrip().startswith("{") else (POLICIES / "events" / x).read_text(encoding="utf-8")

    if "object" in spec:
        return item(spec["object"])
    if "array" in spec:
        return json.dumps([json.loads(item(x)) for x in spec["array"]], indent=2, ensure_ascii=False) + "\n"
    return "".join((x if x.lstrip().startswith("{") else json.dumps(json.loads(item(x)), ensure_ascii=False))
                   + "\n" for x in spec["jsonl"])


def prepare(case: dict, folder: Path) -> tuple[list[str], str | None, dict]:
    """(args, stdin, placeholders) of a case, with its files written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    subst = {"{tmp}": str(folder)}
    for name, text in (case.get("files") or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    stdin = case.get("stdin") if isinstance(case.get("stdin"), str) else None
    if stdin is not None:
        stdin *= case.get("repeat_stdin", 1)
    if "events" in case:
        text = event_text(case["events"])
        if case.get("stdin") is True:
            stdin = text
        else:
            path = folder / ("events.jsonl" if "jsonl" in case["events"] else "events.json")
            path.write_text(text, encoding="utf-8")
            subst["{events}"] = str(path)
    args = [str(a) for a in case["args"]]
    for key, value in subst.items():
        args = [a.replace(key, value) for a in args]
    return args, stdin, subst


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> list:
    """Every table case run once, in this process: (completed process, placeholders)."""
    base = tmp_path_factory.mktemp("cli")
    prepared = [prepare(case, base / f"case{i}") for i, case in enumerate(CASES)]
    return [(run(*args, stdin=stdin), subst) for args, stdin, subst in prepared]


def fill(text: str, subst: dict) -> str:
    for key, value in subst.items():
        text = text.replace(key, value)
    return text


def has_in_order(text: str, parts: list[str]) -> bool:
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


@pytest.fixture(scope="session")
def record_validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema("decision"))


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{i + 1}:{c['note'][:60]}" for i, c in enumerate(CASES)])
def test_command(index, results, record_validator):
    case = CASES[index]
    proc, subst = results[index]
    shown = f"\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert "Traceback" not in proc.stdout + proc.stderr, shown
    assert "\x1b[" not in proc.stdout + proc.stderr, "colour when piped" + shown
    assert proc.returncode == case["exit"], shown
    for stream in ("stdout", "stderr"):
        got = getattr(proc, stream)
        if stream in case:
            assert got == fill(case[stream], subst), shown
        if f"{stream}_has" in case:
            assert has_in_order(got, [fill(p, subst) for p in case[f"{stream}_has"]]), shown
    if "schema_of" in case:  # the published schema itself, and a valid one
        schema = json.loads(proc.stdout)
        Draft202012Validator.check_schema(schema)
        assert schema == load_schema(case["schema_of"])
    if "first_line" in case:
        assert proc.stdout.split("\n")[0].startswith(case["first_line"]), shown
    if "records" in case:
        records = [json.loads(line) for line in proc.stdout.splitlines()]
        for record in records:
            assert not list(record_validator.iter_errors(record))
        assert [[r["event_id"], r["action"], r["rule"]] for r in records] == case["records"], shown


# -- flows of several steps ------------------------------------------------------------------

def test_a_stored_record_renders_after_its_policy_is_deleted(tmp_path):
    policy = tmp_path / "shop.policy"
    policy.write_text((POLICIES / "douyin-assistant.policy").read_text(encoding="utf-8"), encoding="utf-8")
    event = str(POLICIES / "events" / "AS-1009.json")
    decided = run("eval", str(policy), event)
    assert decided.returncode == 0, decided.stderr
    (tmp_path / "record.json").write_text(decided.stdout, encoding="utf-8")
    live = run("explain", str(policy), event, "--full")
    policy.unlink()
    stored = run("explain", "--record", str(tmp_path / "record.json"), "--full")
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout == live.stdout


def test_fmt_write_rewrites_in_place_and_then_checks_clean(tmp_path):
    messy = tmp_path / "messy.policy"
    messy.write_text('# small refunds\npolicy "m"\nrule a:   auto-refund refunds   up to 30 CNY  # fast\n',
                     encoding="utf-8")
    yml = tmp_path / "shop.yaml"
    commented = (POLICIES / "express-refund.yaml").read_text(encoding="utf-8")
    yml.write_text("\n".join(line for line in commented.splitlines() if not line.lstrip().startswith("#")),
                   encoding="utf-8")
    assert run("fmt", "--check", str(messy), str(yml)).returncode == 1
    wrote = run("fmt", "-w", str(messy), str(yml))
    assert wrote.returncode == 0 and wrote.stdout == "", wrote.stderr
    assert run("fmt", "--check", str(messy), str(yml)).returncode == 0
    written = messy.read_text(encoding="utf-8")
    assert written.startswith('# small refunds\npolicy "m"\ntimezone Asia/Shanghai\n')  # comments are kept
    assert "\nrule a: auto-refund refunds up to 30 CNY  # fast\n" in written
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def test_fmt_never_drops_a_yaml_files_comments(tmp_path):
    yml = tmp_path / "commented.yaml"
    text = (POLICIES / "express-refund.yaml").read_text(encoding="utf-8")
    yml.write_text(text.replace("otherwise: ", "otherwise:    "), encoding="utf-8")  # not canonical
    assert run("fmt", "--check", str(yml)).returncode == 1
    wrote = run("fmt", "-w", str(yml))
    assert wrote.returncode == 0, wrote.stderr
    assert yml.read_text(encoding="utf-8") == text  # canonical again, every comment in place


def test_fmt_converts_both_ways_to_the_same_decisions(tmp_path):
    import aftersale
    from aftersale.events import parse_event, read_events

    as_yaml = run("fmt", "--to", "yaml", str(POLICIES / "kuaishou-store.policy"))
    (tmp_path / "k.yaml").write_text(as_yaml.stdout, encoding="utf-8")
    back = run("fmt", "--to", "dsl", str(tmp_path / "k.yaml"))
    (tmp_path / "k.policy").write_text(back.stdout, encoding="utf-8")
    events = POLICIES / "events" / "history.jsonl"
    again = run("eval", str(tmp_path / "k.policy"), str(events), "--no-trace")
    original = aftersale.load(POLICIES / "kuaishou-store.policy")
    expected = [original.decide(parse_event(item.obj), trace=False)
                for item in read_events(events.read_text(encoding="utf-8"))]
    assert [(r["action"], r["rule"]) for r in map(json.loads, again.stdout.splitlines())] == \
        [(d.action, d.rule) for d in expected]


def test_colour_on_request_even_when_piped():
    args = ["explain", str(POLICIES / "tea-house.policy"), str(POLICIES / "events" / "AS-1001.json")]
    env = {k: v for k, v in ENV.items() if k != "NO_COLOR"}
    assert "\x1b[" in run(*args, "--color", env=env).stdout  # every table case checks plain when piped


def test_end_to_end_in_a_real_process():
    """The table runs in-process; these run `python -m aftersale` for real: output, stderr and exit codes
    through `main` (bad input 2, a good decision 0)."""
    good = run_process("eval", str(POLICIES / "tea-house.policy"), str(POLICIES / "events" / "AS-1001.json"),
                       "--format", "text")
    assert good.returncode == 0 and good.stdout.startswith("AS-1001\tapprove_return\toff-hours"), good
    bad = run_process("eval", str(POLICIES / "tea-house.policy"), "-", stdin="{not json\n")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "<stdin>" in bad.stderr
    assert run_process("eval", str(POLICIES / "tea-house.policy"), "-", stdin=(POLICIES / "events" / "AS-1001.json")
                       .read_text(encoding="utf-8")).stdout == run("eval", str(POLICIES / "tea-house.policy"), "-",
                                                                  stdin=(POLICIES / "events" / "AS-1001.json")
                                                                  .read_text(encoding="utf-8")).stdout
