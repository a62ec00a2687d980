"""`aftersale explain`: stored records (JSON Lines, gzip, arrays, `--id`), records without a trace,
`--lang`, and the one-line answer when the output is not a terminal."""
from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

import aftersale
from aftersale.cli import cli
from aftersale.explain import headline
from conftest import POLICIES, base_event

POLICY = POLICIES / "tea-house.policy"
EVENT = POLICIES / "events" / "AS-1001.json"


def run(*args, env=None, stdin=None):
    return CliRunner(env=env).invoke(cli, [str(a) for a in args], input=stdin, catch_exceptions=False)


def records(trace: bool = True, **changes) -> dict:
    pol = aftersale.load(POLICY)
    event = json.loads(EVENT.read_text(encoding="utf-8"))
    event.update(changes)
    return pol.decide(event, trace=trace).to_json()


def jsonl(*docs) -> str:
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)


@pytest.fixture()
def history(tmp_path):
    """Three decisions of AS-1001 at different moments, one of another request, all in JSON Lines."""
    docs = [records(at="2026-11-21T22:14:00+08:00"), records(id="AS-9"),
            records(at="2026-11-22T22:14:00+08:00"), records(at="2026-11-20T22:14:00+08:00")]
    path = tmp_path / "decisions.jsonl"
    path.write_text(jsonl(*docs), encoding="utf-8")
    return path


def explained_ids_and_ats(output: str) -> list[tuple[str, str]]:
    return [tuple(line.removeprefix("Event ").split(",")[0].split(" at ")) for line in output.splitlines()
            if line.startswith("Event ")]


def test_id_picks_every_record_of_the_request_newest_first(history):
    result = run("explain", "--record", history, "--id", "AS-1001")
    assert result.exit_code == 0, result.output
    assert explained_ids_and_ats(result.output) == [
        ("AS-1001", "2026-11-22T22:14:00+08:00"), ("AS-1001", "2026-11-21T22:14:00+08:00"),
        ("AS-1001", "2026-11-20T22:14:00+08:00")]


def test_without_id_every_record_in_file_order(history):
    result = run("explain", "--record", history)
    assert [i for i, _ in explained_ids_and_ats(result.output)] == ["AS-1001", "AS-9", "AS-1001", "AS-1001"]


def test_gzip_and_json_array(tmp_path, history):
    packed = tmp_path / "decisions.jsonl.gz"
    packed.write_bytes(gzip.compress(history.read_bytes()))
    array = tmp_path / "decisions.json"
    array.write_text(json.dumps([json.loads(line) for line in history.read_text().splitlines()], indent=2))
    for path in (packed, array):
        result = run("explain", "--record", path, "--id", "AS-9")
        assert result.exit_code == 0 and explained_ids_and_ats(result.output) == [
            ("AS-9", "2026-11-21T22:14:00+08:00")], path


def test_id_not_found_exits_2(history):
    result = run("explain", "--record", history, "--id", "AS-404")
    assert result.exit_code == 2 and "no decision record of request `AS-404`" in result.stderr


def test_id_needs_record():
    result = run("explain", POLICY, EVENT, "--id", "AS-1001")
    assert result.exit_code == 2 and "--id selects records of --record FILE" in result.stderr


def test_a_bad_record_line_is_reported_and_the_others_explained(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(jsonl(records()) + '{"broken": \n' + jsonl({"action": "x"}) + jsonl(records(id="AS-3")))
    result = run("explain", "--record", path)
    assert [i for i, _ in explained_ids_and_ats(result.stdout)] == ["AS-1001", "AS-3"]
    assert result.exit_code == 2
    assert "d.jsonl:2:" in result.stderr and "d.jsonl:3:1:" in result.stderr
    assert "2 records could not be explained" in result.stderr


@pytest.mark.parametrize("lang, says, never", [
    ("en", ["This record holds no trace", "by which rule (off-hours)", "It cannot show"], ["Rules before it"]),
    ("zh", ["此记录没有轨迹", "（off-hours）", "它不能说明"], ["之前的规则", "This record"]),
])
def test_a_record_without_a_trace_says_what_it_cannot_show(tmp_path, lang, says, never):
    path = tmp_path / "d.jsonl"
    path.write_text(jsonl(records(trace=False)))
    result = run("explain", "--record", path, "--lang", lang)
    assert result.exit_code == 0
    for text in says:
        assert text in result.output
    for text in never:
        assert text not in result.output
    why = run("explain", "--record", path, "--why-not", "no-risky")
    assert "This record cannot say: it holds no trace" in why.output
    assert "aftersale explain POLICY EVENT --why-not no-risky" in why.output


def test_language_order(tmp_path):
    """--lang, then the policy's `language` line, then LANG, then English."""
    zh_policy = tmp_path / "zh.policy"
    zh_policy.write_text(POLICY.read_text(encoding="utf-8").replace("holidays cn\n", "holidays cn\nlanguage zh\n"))
    zh, en = "已自动同意退货", "Approved the return"
    assert run("explain", POLICY, EVENT, env={"LANG": "zh_CN.UTF-8", "LC_ALL": ""}).output.startswith(zh)
    assert run("explain", POLICY, EVENT, env={"LANG": "C", "LC_ALL": ""}).output.startswith(en)
    assert run("explain", zh_policy, EVENT, env={"LANG": "C", "LC_ALL": ""}).output.startswith(zh)
    assert run("explain", zh_policy, EVENT, "--lang", "en").output.startswith(en)
    stored = tmp_path / "d.json"
    stored.write_text(json.dumps(records()))
    assert run("explain", "--record", stored, env={"LANG": "zh_CN.UTF-8", "LC_ALL": ""}).output.startswith(zh)


def test_the_one_line_answer_is_one_line_when_piped():
    record = records()
    answer = headline(record)
    assert len(answer) > 100  # long enough that a terminal would wrap it
    first = run("explain", POLICY, EVENT).output.splitlines()[0]
    assert first == answer
    first = run("explain", POLICY, EVENT, "--lang", "zh").output.splitlines()[0]
    assert first == headline(record, "zh")
