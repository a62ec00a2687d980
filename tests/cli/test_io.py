"""What the command line writes and prints: safe outputs, escaped untrusted text, exit codes.

In process (click's CliRunner) except where a real process is the point: a
closed standard input, stdout on /dev/full, a closed pipe, SIGTERM.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersale import files
from aftersale.cli import cli
from aftersale.terminal import printable
from conftest import POLICIES, ROOT, base_event

POLICY = POLICIES / "tea-house.policy"
HOSTILE = ("AS-\x1b]0;pwned\x07", "AS-\x1b[2J", "AS-\u202etxt.exe", "AS-\x9b31m")


def invoke(*args, stdin: str | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=stdin, catch_exceptions=False)


def event(event_id: str = "G1", **changes) -> dict:
    e = base_event()
    e["id"] = event_id
    e.update(changes)
    return e


def jsonl(*events: dict) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


def assert_no_raw_controls(text: str) -> None:
    bad = [hex(ord(c)) for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
           or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]
    assert not bad, f"raw control characters in output: {bad}"


def run_process(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "aftersale", *args], stderr=subprocess.PIPE, cwd=ROOT, env=env,
                          timeout=60, **kwargs)


# -- printable ------------------------------------------------------------------------------------

def test_printable_escapes_every_control_and_keeps_other_text():
    for code in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
        shown = printable(f"a{chr(code)}b")
        assert chr(code) not in shown and shown.startswith("a\\") and shown.endswith("b")
    assert printable("退货 ¥129.00 AS-1001 \\path") == "退货 ¥129.00 AS-1001 \\path"
    assert printable("a\nb\tc", lines=True) == "a\nb\tc"


# -- B: untrusted text in human-facing outputs ------------------------------------------------------

@pytest.mark.parametrize("hostile", HOSTILE)
def test_eval_text_escapes_event_ids_and_json_stays_exact(tmp_path, hostile):
    path = tmp_path / "e.jsonl"
    path.write_text(jsonl(event(hostile)), encoding="utf-8")
    text = invoke("eval", POLICY, path, "--format", "text")
    assert text.exit_code == 0, text.output
    assert_no_raw_controls(text.stdout)
    assert printable(hostile) in text.stdout
    exact = invoke("eval", POLICY, path)
    assert json.loads(exact.stdout)["event_id"] == hostile


@pytest.mark.parametrize("hostile", HOSTILE[:2])
def test_explain_and_explain_record_escape_event_ids(tmp_path, hostile):
    path = tmp_path / "e.json"
    path.write_text(json.dumps(event(hostile)), encoding="utf-8")
    for color in ("--no-color", "--color"):
        out = invoke("explain", POLICY, path, "--full", color)
        assert out.exit_code == 0, out.output
        assert hostile not in out.stdout and "\x07" not in out.stdout and "\x1b]" not in out.stdout
        assert "[2J" not in out.stdout.replace("\\x1b[2J", "")
    record = tmp_path / "r.json"
    record.write_text(invoke("eval", POLICY, path).stdout, encoding="utf-8")
    out = invoke("explain", "--record", record)
    assert out.exit_code == 0, out.output
    assert_no_raw_controls(out.stdout)
    assert printable(hostile) in out.stdout


def test_simulate_report_escapes_and_its_json_is_exact(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text(jsonl(*(event(h) for h in HOSTILE)), encoding="utf-8")
    base = tmp_path / "base.policy"  # decides otherwise than tea-house: every event is an example of a change
    base.write_text('policy "base"\notherwise reject\n', encoding="utf-8")
    for fmt in ("text", "markdown"):
        out = invoke("simulate", POLICY, "--events", path, "--baseline", base, "--format", fmt, "-j", "1")
        assert out.exit_code == 0, out.output
        assert_no_raw_controls(out.stdout)
        assert any(printable(h) in out.stdout for h in HOSTILE)
    out = invoke("simulate", POLICY, "--events", path, "--baseline", base, "--format", "json", "-j", "1")
    ids = []
    json.loads(out.stdout, object_hook=lambda o: ids.append(o["event_id"]) or o if "event_id" in o else o)
    assert ids and set(ids) <= set(HOSTILE)  # exact, not escaped


def _test_file(tmp_path: Path, name: str, event_id: str, action: str = "approve_return") -> Path:
    (tmp_path / "p.policy").write_text(POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    case = {"policy": "p.policy", "cases": [{"name": name, "event": event(event_id), "expect": {"action": action}}]}
    path = tmp_path / "p.tests.yaml"
    path.write_text(json.dumps(case), encoding="utf-8")  # JSON is YAML
    return path


@pytest.mark.parametrize("hostile", HOSTILE)
def test_test_report_and_junit_are_escaped_and_well_formed(tmp_path, hostile):
    tests = _test_file(tmp_path, f"case {hostile}", hostile, action="reject")  # fails: its details are shown
    junit = tmp_path / "junit.xml"
    out = invoke("test", tests, "--junit", junit)
    assert out.exit_code == 1, out.output
    assert_no_raw_controls(out.output)
    assert printable(hostile) in out.output
    xml = junit.read_text(encoding="utf-8")
    assert_no_raw_controls(xml)
    case = ET.fromstring(xml).find(".//testcase")  # well formed
    assert case.get("name") == f"case {printable(hostile)}"


# -- A: outputs ---------------------------------------------------------------------------------

def _history(tmp_path: Path) -> Path:
    path = tmp_path / "h.jsonl"
    path.write_text(jsonl(event("A"), event("B")), encoding="utf-8")
    return path


def test_simulate_refuses_an_output_that_is_an_input_or_another_output(tmp_path):
    history = _history(tmp_path)
    before = history.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(history)
    (tmp_path / "sub").mkdir()
    cases = [("--out", history), ("--out", link), ("--rejects", tmp_path / "sub" / ".." / "h.jsonl"),
             ("--out", POLICY)]
    for option, target in cases:
        out = invoke("simulate", POLICY, "--events", history, option, target, "-j", "1")
        assert out.exit_code == 2, out.output
        assert "is the same file as the input" in out.stderr and option in out.stderr
        assert history.read_bytes() == before
    out = invoke("simulate", POLICY, "--events", history, "--out", tmp_path / "x", "--rejects", tmp_path / "x")
    assert out.exit_code == 2 and "same file as the output --out" in out.stderr
    assert not (tmp_path / "x").exists()


def test_test_junit_may_not_overwrite_the_test_file(tmp_path):
    tests = _test_file(tmp_path, "ok", "A")
    before = tests.read_bytes()
    out = invoke("test", tests, "--junit", tests)
    assert out.exit_code == 2 and "same file" in out.stderr
    assert tests.read_bytes() == before


def test_fmt_write_through_a_symlink_formats_the_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.policy"
    real.write_text('policy "p"\nrule a:   auto-refund refunds up to ¥30\n', encoding="utf-8")
    link = tmp_path / "link.policy"
    link.symlink_to(real)
    out = invoke("fmt", "-w", link)
    assert out.exit_code == 0, out.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert invoke("fmt", "--check", real).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.policy", "real.policy"]


def test_a_symlink_planted_at_the_old_temporary_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    target = tmp_path / "out" / "records.jsonl"
    target.parent.mkdir()
    planted = target.with_name(f".{target.name}.tmp{os.getpid()}")  # the name the old writer used
    planted.symlink_to(victim)
    files.atomic_write(target, "new\n")
    out = invoke("simulate", POLICY, "--events", _history(tmp_path), "--out", target, "-j", "1")
    assert out.exit_code == 0, out.output
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert len(target.read_text(encoding="utf-8").splitlines()) == 2
    assert sorted(p.name for p in target.parent.iterdir()) == [planted.name, "records.jsonl"]


def test_a_new_output_gets_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        files.atomic_write(tmp_path / "new.txt", "x")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_output_that_cannot_be_written_is_exit_2_naming_it(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        out = invoke("simulate", POLICY, "--events", _history(tmp_path), "--out", folder / "r.jsonl", "-j", "1")
        assert out.exit_code == 2, out.output
        assert f"cannot write `{folder / 'r.jsonl'}`" in out.stderr and "Traceback" not in out.output
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_failed_write_leaves_no_temporary_file_and_says_what(tmp_path, monkeypatch):
    target = tmp_path / "junit.xml"
    tests = _test_file(tmp_path, "ok", "A")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = invoke("test", tests, "--junit", target)
    assert out.exit_code == 2, out.output
    assert f"cannot write `{target}`: No space left on device" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.policy", "p.tests.yaml"]


def test_sigterm_removes_the_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    old = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    files.handle_termination()
    try:
        writer = files.AtomicFile(target)
        with pytest.raises(files.Terminated) as caught:
            try:
                writer.write("half")
                os.kill(os.getpid(), signal.SIGTERM)
                signal.sigtimedwait([], 0) if hasattr(signal, "sigtimedwait") else None
            except BaseException:
                writer.abort()
                raise
    finally:
        signal.signal(signal.SIGTERM, old[0])
        signal.signal(signal.SIGHUP, old[1])
    assert caught.value.code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_simulate_killed_with_sigterm_leaves_no_temporary_file(tmp_path):
    """The history comes through a pipe this test holds open, so simulate is still running (waiting for
    more lines, its output file begun) when SIGTERM arrives: no race with a fast machine."""
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "aftersale", "simulate", str(POLICY), "--events", "-",
                             "--out", str(out), "-j", "1"], cwd=tmp_path, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write((json.dumps(event("A")) + "\n").encode("utf-8") * 1000)
    proc.stdin.flush()
    deadline = 600  # polls of 0.1 s: bounded, never a hang
    while not any(p.name.startswith(".out.jsonl.") for p in tmp_path.iterdir()):  # it started writing
        assert proc.poll() is None, f"simulate ended before it was stopped: {proc.communicate()}"
        deadline -= 1
        assert deadline > 0, "simulate never began its output file"
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)  # (closes the pipe after the signal)
    assert proc.returncode == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# -- C: test files read only what they should ------------------------------------------------------

SECRET = "AKIA-hunter2-do-not-print"


@pytest.mark.parametrize("policy_name,event_ref", [
    ("secrets.env", None), ("secrets.policy", None), ("secrets.yaml", None), ("p.policy", "secrets.env"),
])
def test_a_test_file_naming_a_secrets_file_never_prints_it(tmp_path, policy_name, event_ref):
    (tmp_path / "p.policy").write_text(POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    secret = f"AWS_SECRET_ACCESS_KEY={SECRET}\n" if not policy_name.endswith(".yaml") else f"token: {SECRET}\n"
    (tmp_path / policy_name).write_text(secret, encoding="utf-8")
    (tmp_path / "secrets.env").write_text(f"AWS_SECRET_ACCESS_KEY={SECRET}\n", encoding="utf-8")
    case = {"name": "a", "event": event_ref or event("A"), "expect": {"action": "reject"}}
    tests = tmp_path / "s.tests.yaml"
    tests.write_text(json.dumps({"policy": policy_name, "cases": [case]}), encoding="utf-8")
    junit = tmp_path / "junit.xml"
    out = invoke("test", tests, "--junit", junit)
    assert out.exit_code == 2, out.output
    assert SECRET not in out.output and SECRET not in junit.read_text(encoding="utf-8")
    assert "s.tests.yaml" in out.output


def test_a_policy_with_a_mistake_still_shows_its_errors(tmp_path):
    (tmp_path / "p.policy").write_text('policy "p"\nrule a: auto-refund refunds up to ¥30 frobnicate\n',
                                       encoding="utf-8")
    tests = tmp_path / "p.tests.yaml"
    tests.write_text(json.dumps({"policy": "p.policy", "cases": [{"name": "a", "event": event("A"),
                                                                  "expect": {"action": "reject"}}]}))
    out = invoke("test", tests)
    assert out.exit_code == 2
    assert "does not compile" in out.output and "frobnicate" in out.output


# -- E: exit codes, closed streams, generate's dates ----------------------------------------------

def test_explain_with_one_good_and_one_bad_event_exits_2_like_eval(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text(jsonl(event("A")) + '{"id": "B"}\n', encoding="utf-8")
    for cmd in ("eval", "explain"):
        out = invoke(cmd, POLICY, path)
        assert out.exit_code == 2, (cmd, out.output)
        assert "1 event could not be" in out.stderr
        assert "A" in out.stdout


@pytest.mark.parametrize("args", [["eval", str(POLICY)], ["explain", str(POLICY), "-"],
                                  ["simulate", str(POLICY), "--events", "-"]])
def test_closed_standard_input_is_a_clear_error(args):
    proc = run_process(args, stdin=None, preexec_fn=lambda: os.close(0))
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "standard input is closed" in err and "Traceback" not in err


def test_stdout_on_a_full_device_is_exit_2(tmp_path):
    with open("/dev/full", "wb") as full:
        for args in (["generate", "-n", "2000"], ["eval", str(POLICY), str(POLICIES / "events" / "AS-1001.json")],
                     ["schema", "event"]):
            proc = run_process(args, stdout=full)
            err = proc.stderr.decode()
            assert proc.returncode == 2, (args, err)
            assert "No space left on device" in err and "Traceback" not in err


def test_a_closed_pipe_does_not_hide_bad_input_later(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text(jsonl(*(event(f"E{i}") for i in range(3000))) + '{"id": "bad"}\n', encoding="utf-8")
    for bad_at_end, expected in ((True, 2), (False, 0)):
        if not bad_at_end:
            path.write_text(jsonl(*(event(f"E{i}") for i in range(3000))), encoding="utf-8")
        proc = subprocess.run(f'"{sys.executable}" -m aftersale eval "{POLICY}" "{path}" | head -1; '
                              'exit "${PIPESTATUS[0]}"', shell=True, executable="/bin/bash", cwd=ROOT,
                              capture_output=True, timeout=120)
        assert proc.stdout.decode().startswith('{"schema_version"') or proc.stdout.decode().startswith("{")
        assert proc.stdout.decode().count("\n") == 1
        assert proc.returncode == expected, proc.stderr.decode()
        assert "Traceback" not in proc.stderr.decode()


@pytest.mark.parametrize("start,days", [("0001-01-01", 120), ("9998-12-20", 10), ("0002-01-01", 5),
                                        ("9998-11-01", 30)])
def test_generate_refuses_dates_whose_events_eval_would_refuse(tmp_path, start, days):
    out = invoke("generate", "--start", start, "--days", days, "-n", "10", "--out", tmp_path / "h.jsonl")
    assert out.exit_code == 2, out.output
    assert "outside the years 2 to 9998" in out.stderr
    assert not (tmp_path / "h.jsonl").exists()


@pytest.mark.parametrize("start,days", [("0002-04-01", 30), ("9998-09-01", 30)])
def test_generate_at_the_edges_of_the_range_writes_events_eval_accepts(tmp_path, start, days):
    history = tmp_path / "h.jsonl"
    assert invoke("generate", "--start", start, "--days", days, "-n", "300", "--out", history).exit_code == 0
    out = invoke("eval", POLICY, history, "--no-trace")
    assert out.exit_code == 0, out.stderr[:2000]
    assert len(out.stdout.splitlines()) == 300
