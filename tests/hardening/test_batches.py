"""Nothing lost in batches, and files written atomically.

`eval` on JSON Lines and `simulate`: one bad line never stops the rest; every
bad line is reported with its number and reason; the counts add up to the
lines read. Files the tools write (fmt -w, test --junit, simulate --out and
--rejects, generate --out) go through a temporary file renamed over the target,
so an interrupt leaves the old file whole and no temporary file behind.
"""
from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale import cli
from aftersale.files import atomic_write

from .strategies import event_json, events

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "tea-house.policy"
GOOD = {
    "id": "G", "platform": "douyin", "at": "2026-11-21T22:14:00+08:00",
    "request": {"kind": "return_refund", "reason": "no_reason_7d", "amount": "129.00",
                "created_at": "2026-11-21T22:14:00+08:00", "status": "pending_merchant"},
    "order": {"paid_amount": "129.00"},
    "buyer": {"risk_level": "low"},  # (an unknown risk level would make the no-risky guard forbid: version 2)
}


def good(i: int, **changes) -> str:
    event = json.loads(json.dumps(GOOD))
    event["id"] = f"G{i}"
    event.update(changes)
    return json.dumps(event, ensure_ascii=False)


#: (line, why it is bad) — each must be reported with its line number; None: a good line.
LINES = [
    (good(1), None),
    ('{"id": ', "invalid JSON"),
    ("42", "not a number"),
    (good(4, id="line\u2028separator\x85inside"), None),  # valid JSON that str.splitlines() would cut
    ('{"id": ' + "9" * 5_000 + "}", "more than 30 characters"),
    (good(6).replace('"129.00"}', "NaN}"), "NaN"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (good(8).replace('"G8"', '"\\ud800"'), "surrogate"),
    (good(9, id="x" * 1_100_000), "larger than 1,000,000 bytes"),
    ("", None),  # blank: counted as blank, never as an event
    (good(11).replace('"at": "2026-11-21T22:14:00+08:00"', '"at": "0001-01-01T00:00:00+14:00"'), "real date"),
    ('[{"id": "list"}]', "not an event"),
    (good(13), None),
]


def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(line for line, _ in LINES) + "\n", encoding="utf-8")
    return path


def test_eval_reports_every_bad_line_and_decides_the_rest(tmp_path):
    path = jsonl(tmp_path)
    result = CliRunner().invoke(cli.cli, ["eval", str(POLICY), str(path)])
    assert result.exit_code == 2, result.output
    records = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert [r["event_id"] for r in records] == ["G1", "G4", "G13"] or \
        [r["event_id"] for r in records] == ["G1", "line\u2028separator\x85inside", "G13"]
    for number, (line, why) in enumerate(LINES, start=1):
        if why is not None:
            reported = [e for e in result.stderr.splitlines() if e.startswith(f"{path}:{number}:")]
            assert reported, f"line {number} ({why}) is not reported:\n{result.stderr}"
    bad = sum(1 for _, why in LINES if why)
    assert f"{bad} events could not be decided" in result.stderr
    assert len(records) + bad == sum(1 for line, _ in LINES if line.strip())


@pytest.mark.parametrize("first", [
    '{"id": ', "[" * 100_000 + "]" * 100_000, '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", '[{"id": "list"}]',
    '{"id": ' + "9" * 5_000 + "}", good(0, id="x" * 1_100_000), "[1, 2",
], ids=["broken", "deep-list", "deep-object", "list", "long-number", "huge", "broken-list"])
def test_a_bad_first_line_never_hides_the_lines_after_it(first):
    from aftersale.events import parse_event, read_events

    def ok(item) -> bool:
        try:
            return item.error is None and parse_event(item.obj, line=item.line, text=item.text) is not None
        except aftersale.AftersaleError:
            return False

    text = "\n".join([first, good(2), "", good(4)]) + "\n"
    assert [(i.line, ok(i)) for i in read_events(text, "e.jsonl")] == [(1, False), (2, True), (4, True)]


def test_simulate_counts_add_up_and_names_every_bad_line(tmp_path):
    from aftersale.simulate import simulate

    path = jsonl(tmp_path)
    report = simulate(str(POLICY), str(path), jobs=1)
    counts = report["events"]
    assert counts["lines"] == len(LINES)
    assert counts["lines"] == counts["decided"] + counts["bad"] + counts["blank"]
    bad_lines = [n for n, (_, why) in enumerate(LINES, start=1) if why]
    assert counts["bad"] == len(bad_lines)
    assert [b["line"] for b in report["bad_lines"]["listed"]] == bad_lines
    assert counts["decided"] == sum(1 for line, why in LINES if line and why is None)


@settings(max_examples=25)
@given(st.lists(st.one_of(events().map(event_json), st.sampled_from([line for line, _ in LINES[1:9]])),
                min_size=1, max_size=8))
def test_eval_and_simulate_agree_on_any_mix_of_lines(tmp_path_factory, lines):
    """Whatever the mix, both tools decide the same lines and reject the same lines."""
    from aftersale.simulate import simulate

    path = tmp_path_factory.mktemp("mix") / "mix.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["eval", str(POLICY), str(path), "--no-trace"])
    decided = len([line for line in result.stdout.split("\n") if line])
    report = simulate(str(POLICY), str(path), jobs=1)
    assert report["events"]["decided"] == decided
    assert report["events"]["lines"] == len(lines)
    assert report["events"]["decided"] + report["events"]["bad"] + report["events"]["blank"] == len(lines)
    assert result.exit_code == (2 if report["events"]["bad"] else 0)


def test_records_with_line_separators_render_again(tmp_path):
    """`explain --record` reads back JSON Lines that `eval` wrote, whatever their text holds."""
    path = tmp_path / "e.jsonl"
    path.write_text(good(1, id="a\u2028b") + "\n" + good(2) + "\n", encoding="utf-8")
    out = CliRunner().invoke(cli.cli, ["eval", str(POLICY), str(path)])
    assert out.exit_code == 0, out.output
    records = tmp_path / "records.jsonl"
    records.write_text(out.stdout, encoding="utf-8")
    explained = CliRunner().invoke(cli.cli, ["explain", "--record", str(records)])
    assert explained.exit_code == 0, explained.output
    assert explained.stdout.count("Approved the return") == 2


# -- atomic writes ---------------------------------------------------------------------------------

def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "p.policy"
    target.write_text("old\n", encoding="utf-8")
    os.chmod(target, 0o640)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new\n" * 1000)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.policy"]  # no temporary file left behind
    monkeypatch.undo()
    atomic_write(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_fmt_write_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "p.policy"
    original = 'policy "p"\nrule a:   auto-refund refunds up to ¥30\n'
    target.write_text(original, encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    result = CliRunner().invoke(cli.cli, ["fmt", "-w", str(target)])
    assert result.exit_code != 0
    assert target.read_text(encoding="utf-8") == original
    assert [p.name for p in tmp_path.iterdir()] == ["p.policy"]
    monkeypatch.undo()
    assert CliRunner().invoke(cli.cli, ["fmt", "-w", str(target)]).exit_code == 0
    assert aftersale.load(target).rules[0].id == "a"


def test_simulate_out_is_atomic(tmp_path, monkeypatch):
    from aftersale.simulate import engine, simulate

    events = tmp_path / "e.jsonl"
    events.write_text("\n".join(good(i) for i in range(50)) + "\n", encoding="utf-8")
    out = tmp_path / "records.jsonl"
    out.write_text("old\n", encoding="utf-8")
    real = engine.replay

    def interrupted(*args, **kwargs):
        kwargs["on_records"]("half a line")
        raise KeyboardInterrupt

    monkeypatch.setattr("aftersale.simulate.replay", interrupted)
    with pytest.raises(KeyboardInterrupt):
        simulate(str(POLICY), str(events), out=str(out), jobs=1)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl", "records.jsonl"]
    monkeypatch.setattr("aftersale.simulate.replay", real)
    simulate(str(POLICY), str(events), out=str(out), jobs=1)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 50


#: Where files may be opened for writing: the one atomic writer.
WRITERS = {("files.py", "AtomicFile.__init__")}


def test_every_file_the_tools_write_goes_through_an_atomic_writer():
    """No module opens a file for writing, or calls write_text/write_bytes, outside the atomic writers."""
    package = ROOT / "src" / "aftersale"
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes: list[str] = []

        def visit(node, scopes=scopes, path=path):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                scopes.append(node.name)
                for child in ast.iter_child_nodes(node):
                    visit(child)
                scopes.pop()
                return
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                mode = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant)), None) or next(
                    (k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)),
                    None)
                writes = name in ("write_text", "write_bytes") or (
                    name == "open" and isinstance(mode, str) and any(c in mode for c in "wax+"))
                if writes:
                    where = (str(path.relative_to(package)), ".".join(scopes))
                    if where not in WRITERS:
                        found.append(f"{where[0]}:{node.lineno} in {where[1] or 'module'}")
            for child in ast.iter_child_nodes(node):
                visit(child)

        visit(tree)
    assert not found, "files written without files.AtomicFile:\n" + "\n".join(found)
