"""`aftersale simulate`: counts that add up, money in Decimal, the baseline matrix, bad lines, records, parallelism."""
from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersale import load
from aftersale.cli import cli
from aftersale.simulate import simulate
from aftersale.simulate import engine
from aftersale.simulate.generate import events

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "douyin-assistant.policy")
BASELINE = str(ROOT / "policies" / "tea-house.policy")


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """2,000 generated events with a few bad lines, a blank line and a CRLF line mixed in."""
    path = tmp_path_factory.mktemp("hist") / "history.jsonl"
    lines = list(events(2000, seed=4))
    lines[10] = lines[10][:40]                                    # truncated JSON
    lines[20] = lines[20].replace('"amount":"', '"amount":"9', 1).replace('.', '.00', 1)
    lines.insert(30, "")                                         # blank
    lines[40] = lines[40] + "\r"                                 # CRLF
    lines[50] = '{"id": "X", "amount": NaN}'
    lines[60] = "[1, 2]"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_counts_add_up_and_money_is_exact(history):
    report = simulate(POLICY, str(history), jobs=1)
    ev = report["events"]
    assert ev["lines"] == 2001
    assert ev["lines"] == ev["decided"] + ev["bad"] + ev["blank"]
    assert ev["blank"] == 1 and ev["bad"] == 4
    assert sum(a["count"] for a in report["actions"]) == ev["decided"]
    assert sum(Decimal(a["money"]) for a in report["actions"]) == Decimal(ev["money"])
    rules = report["rules"]
    decided = sum(r.get("decided", 0) + r.get("forbidden", 0) for r in rules if r["kind"] != "guard")
    assert decided == ev["decided"]
    # the money is the sum of the requested amounts of the decided lines, to the fen
    total = Decimal(0)
    for n, line in enumerate(history.read_text(encoding="utf-8").splitlines(), start=1):
        if n not in (11, 21, 31, 51, 61):
            total += Decimal(json.loads(line)["request"]["amount"])
    assert Decimal(ev["money"]) == total


def test_counting_kinds_of_decision_tallies_as_adding_each_event(history):
    """Without a baseline or records a chunk adds each kind of decision once: the same tally, tables in the
    same order, as adding every decision (the path records take)."""
    spec = engine.PolicySpec.load(POLICY)
    data = history.read_bytes()
    grouped = engine.Decider(spec, None, str(history)).chunk(1, data).tally
    each = engine.Decider(spec, None, str(history), records=True).chunk(1, data).tally
    assert grouped.decided == each.decided > 1900
    for table in ("actions", "rules", "guards"):
        assert list(getattr(grouped, table).items()) == list(getattr(each, table).items())
    assert grouped == each


def test_bad_lines_are_reported_with_their_numbers(history):
    report = simulate(POLICY, str(history), jobs=1)
    listed = {b["line"]: b for b in report["bad_lines"]["listed"]}
    assert sorted(listed) == [11, 21, 51, 61]
    assert listed[11]["name"] == "invalid-json"
    assert "request.amount" in listed[21]["message"]
    assert "NaN" in listed[51]["message"]
    assert listed[61]["message"].startswith("an event is a JSON object")


def test_the_same_report_in_parallel_and_from_gzip(history, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_BYTES", 50_000)           # many chunks, so the pool is used
    one = simulate(POLICY, str(history), BASELINE, jobs=1)
    gz = tmp_path / "history.jsonl.gz"
    gz.write_bytes(gzip.compress(history.read_bytes()))
    two = simulate(POLICY, str(gz), BASELINE, jobs=2)
    two["events"]["file"] = one["events"]["file"]
    assert one == two


def test_baseline_matrix_counts_money_and_examples(history):
    report = simulate(POLICY, str(history), BASELINE, jobs=1)
    changes = report["changes"]
    matrix = changes["matrix"]
    assert sum(t["count"] for t in matrix) == report["events"]["decided"]
    moved = [t for t in matrix if t["from"] != t["to"]]
    assert changes["count"] == sum(t["count"] for t in moved) > 0
    assert Decimal(changes["money"]) == sum(Decimal(t["money"]) for t in moved)
    tea, douyin = load(BASELINE), load(POLICY)
    lines = history.read_text(encoding="utf-8").splitlines()
    for t in moved:
        assert 1 <= len(t["examples"]) <= 5
        for ex in t["examples"]:
            event = json.loads(lines[ex["line"] - 1])
            assert event["id"] == ex["event_id"]
            assert tea.decide(event, trace=False).action == t["from"]
            assert douyin.decide(event, trace=False).action == t["to"]
    for t in matrix:
        if t["from"] == t["to"]:
            assert t["examples"] == []
    assert sum(a["count"] for a in report["baseline"]["actions"]) == report["events"]["decided"]


def test_out_writes_every_record_in_order_atomically(history, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_BYTES", 50_000)
    out = tmp_path / "records.jsonl"
    report = simulate(POLICY, str(history), out=str(out), jobs=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.jsonl"]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == report["events"]["decided"]
    policy = load(POLICY)
    good = [json.loads(line) for n, line in enumerate(history.read_text(encoding="utf-8").splitlines(), start=1)
            if n not in (11, 21, 31, 51, 61)]
    assert [r["event_id"] for r in records] == [e["id"] for e in good]
    from aftersale.schema import validator

    for event, record in list(zip(good, records))[:300]:
        assert record == policy.decide(event, trace=False).to_json()
        validator("decision").validate(record)


def test_out_with_traces_and_gzip(history, tmp_path):
    out = tmp_path / "records.jsonl.gz"
    simulate(POLICY, str(history), out=str(out), trace=True, jobs=1)
    with gzip.open(out, "rt", encoding="utf-8") as f:
        first = json.loads(f.readline())
    event = json.loads(history.read_text(encoding="utf-8").splitlines()[0])
    assert first == load(POLICY).decide(event).to_json()
    assert first["trace"]


def test_rejects_lists_every_bad_line(history, tmp_path):
    rejects = tmp_path / "bad.jsonl"
    simulate(POLICY, str(history), rejects=str(rejects), jobs=1)
    rows = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == [11, 21, 51, 61]
    assert rows[0]["text"] == history.read_text(encoding="utf-8").splitlines()[10]


@pytest.mark.parametrize("fmt, needle", [("text", "By action:"), ("markdown", "### By rule"),
                                         ("json", '"transitions"')])
def test_formats_and_exit_code(history, fmt, needle):
    result = invoke("simulate", POLICY, "--events", str(history), "--baseline", BASELINE, "--format", fmt,
                    "--jobs", "1")
    assert result.exit_code == 2            # bad lines: the report is complete, the exit code says so
    if fmt == "json":
        report = json.loads(result.output)
        assert report["events"]["bad"] == 4
    else:
        assert needle in result.output
        assert "line 11" in result.output
        assert "manual_review" in result.output and "→" in result.output


def test_a_clean_file_exits_0_and_no_progress_bar_off_a_terminal(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(events(50, seed=9)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["simulate", POLICY, "--events", str(path)])
    assert result.exit_code == 0
    assert result.stderr == ""
    forced = CliRunner().invoke(cli, ["simulate", POLICY, "--events", str(path), "--progress"])
    assert forced.exit_code == 0


def test_progress_bar_draws_and_finishes():
    import io

    from aftersale.simulate.progress import Progress

    stream = io.StringIO()
    bar = Progress(1000, stream)
    bar.update(10, 500)
    bar.done(20)
    out = stream.getvalue()
    assert "50%" in out and "simulated 20 lines" in out


def test_input_errors_are_messages_not_tracebacks(tmp_path):
    result = invoke("simulate", POLICY, "--events", str(tmp_path / "none.jsonl"))
    assert result.exit_code == 2 and "cannot read" in result.output
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:-20])
    result = invoke("simulate", POLICY, "--events", str(broken))
    # a truncated gzip file: its lines are read, and the cut is a bad input (issue 11 item 29)
    assert result.exit_code == 2 and "truncated-input" in result.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = invoke("simulate", POLICY, "--events", str(empty), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["events"]["lines"] == 0


def test_stdin_and_overlong_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "MAX_EVENT_BYTES", 5000)
    monkeypatch.setattr(engine, "MAX_LINE", 20_000)
    monkeypatch.setattr(engine, "CHUNK_BYTES", 4096)
    lines = list(events(20, seed=3))
    lines[5] = '{"id": "' + "x" * 50_000 + '"}'
    data = ("\n".join(lines) + "\n").encode()
    result = CliRunner().invoke(cli, ["simulate", POLICY, "--events", "-", "--format", "json"],
                                                input=data)
    report = json.loads(result.stdout)
    assert report["events"]["lines"] == 20 and report["events"]["decided"] == 19
    assert report["bad_lines"]["listed"][0]["line"] == 6
    assert report["bad_lines"]["listed"][0]["name"] == "too-large"
