"""`aftersale eval` streams JSON Lines: each line is decided and printed as it is read.

Streaming is asserted by order, not by time: the first decision must come out
of the pipe while the test still holds back every later line.
"""
from __future__ import annotations

import gzip
import json
import os
import select
import subprocess
import sys

from click.testing import CliRunner

from aftersale.cli import cli
from conftest import POLICIES, ROOT, base_event

POLICY = str(POLICIES / "tea-house.policy")


def event(event_id: str) -> dict:
    e = base_event()
    e["id"] = event_id
    return e


def line(event_id: str) -> bytes:
    return (json.dumps(event(event_id)) + "\n").encode()


def read_line_or_fail(stream, what: str) -> bytes:
    # a guard against a hang only (eval waiting for the end of its input): never reached when it streams
    ready, _, _ = select.select([stream], [], [], 120)
    assert ready, f"no output yet: {what}"
    return stream.readline()


def test_each_decision_is_printed_before_the_next_line_is_written():
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen([sys.executable, "-m", "aftersale", "eval", POLICY, "--format", "text", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    try:
        written = 0
        for n in range(3):
            proc.stdin.write(line(f"S{n}"))
            proc.stdin.flush()
            written += 1
            out = read_line_or_fail(proc.stdout, f"after line {n + 1}")
            # the decision of line n came out while lines after it were not written yet
            assert out.split(b"\t")[0] == f"S{n}".encode() and written == n + 1
        proc.stdin.write(b"{not json\n")
        proc.stdin.close()
        rest, err = proc.stdout.read(), proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill() if proc.poll() is None else None
    assert rest == b""
    assert proc.returncode == 2 and b"<stdin>:4:" in err


def invoke(*args, stdin=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=stdin, catch_exceptions=False)


def test_gzip_json_lines(tmp_path):
    path = tmp_path / "h.jsonl.gz"
    path.write_bytes(gzip.compress(line("G1") + b"\n" + line("G2")))
    result = invoke("eval", POLICY, path)
    assert result.exit_code == 0
    assert [json.loads(x)["event_id"] for x in result.output.splitlines()] == ["G1", "G2"]


def test_truncated_gzip_decides_what_it_holds_then_reports_the_cut(tmp_path):
    data = gzip.compress(b"".join(line(f"T{n}") for n in range(200)))
    path = tmp_path / "h.jsonl.gz"
    path.write_bytes(data[: len(data) * 3 // 4])
    result = CliRunner().invoke(cli, ["eval", POLICY, str(path)])
    decided = [json.loads(x)["event_id"] for x in result.stdout.splitlines()]
    assert result.exit_code == 2 and 0 < len(decided) < 200
    assert decided == [f"T{n}" for n in range(len(decided))]
    assert f"h.jsonl.gz:{len(decided) + 1}:1:" in result.stderr and "truncated" in result.stderr


def test_a_line_that_is_not_utf8_is_one_bad_line(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_bytes(line("U1") + b'{"id": "\xff"}\n' + line("U3"))
    result = CliRunner().invoke(cli, ["eval", POLICY, str(path)])
    assert [json.loads(x)["event_id"] for x in result.stdout.splitlines()] == ["U1", "U3"]
    assert result.exit_code == 2 and "h.jsonl:2:9:" in result.stderr and "not valid UTF-8" in result.stderr


def test_documents_over_several_lines_are_read_whole(tmp_path):
    """A pretty-printed event or a JSON array is one document, not lines."""
    one = tmp_path / "one.json"
    one.write_text(json.dumps(event("P1"), indent=2))
    many = tmp_path / "many.json"
    many.write_text(json.dumps([event("A1"), event("A2")], indent=2))
    result = invoke("eval", POLICY, one, many)
    assert result.exit_code == 0
    assert [json.loads(x)["event_id"] for x in result.output.splitlines()] == ["P1", "A1", "A2"]


def test_first_line_bad_later_lines_still_decided(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_bytes(b'{"id": "x",, }\n' + line("B2"))
    result = CliRunner().invoke(cli, ["eval", POLICY, str(path)])
    assert [json.loads(x)["event_id"] for x in result.stdout.splitlines()] == ["B2"]
    assert result.exit_code == 2 and "h.jsonl:1:" in result.stderr
