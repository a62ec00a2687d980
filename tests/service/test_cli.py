"""The command line around the service: `aftersale log`, `explain --db --id`, and a plain install that
never imports the web stack."""
from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from aftersale.cli import cli
from aftersale.events import parse_event

from .conftest import event


def fill(service):
    for n, (event_id, risk) in enumerate([("AS-1001", "low"), ("AS-1002", "high"), ("AS-1003", "low")]):
        sent = event(event_id, at=f"2026-11-21T22:{14 + n}:00+08:00")
        sent["buyer"]["risk_level"] = risk
        service.decide("tea-house", sent, parse_event(sent), json.dumps(sent))


def test_log_searches_the_same_store_as_the_service(service, tmp_path, db_url):
    fill(service)
    run = CliRunner().invoke(cli, ["log", "--db", db_url, "--action", "approve_return", "--format", "json"])
    assert run.exit_code == 0, run.output
    entries = [json.loads(line) for line in run.stdout.splitlines()]
    assert [e["event_id"] for e in entries] == ["AS-1003", "AS-1001"]
    text = CliRunner().invoke(cli, ["log", "--db", db_url, "--since", "2026-11-21T22:15:00+08:00",
                                    "--until", "2026-11-21T22:16:00+08:00"])
    assert text.exit_code == 0 and text.stdout.count("\n") == 1
    assert text.stdout.startswith("tea-house\tAS-1002\t2026-11-21T22:15:00+08:00\tevent\tmanual_review")
    chinese = CliRunner().invoke(cli, ["log", "--db", db_url, "--id", "AS-1001", "--lang", "zh"])
    assert chinese.exit_code == 0 and any("\u4e00" <= ch <= "\u9fff" for ch in chinese.stdout)
    bad = CliRunner().invoke(cli, ["log", "--db", db_url, "--since", "yesterday"])
    assert bad.exit_code == 2 and "UTC offset" in bad.output


def test_explain_from_the_log_by_request_id(service, db_url):
    fill(service)
    run = CliRunner().invoke(cli, ["explain", "--db", db_url, "--id", "AS-1001"])
    assert run.exit_code == 0, run.output
    assert run.stdout.startswith("Approved the return (rule off-hours)")
    missing = CliRunner().invoke(cli, ["explain", "--db", db_url, "--id", "AS-9999"])
    assert missing.exit_code == 2 and "no decision for request `AS-9999`" in missing.output
    alone = CliRunner().invoke(cli, ["explain", "--db", db_url])
    assert alone.exit_code == 2 and "--db and --id go together" in alone.output


def test_bad_databases_are_exit_code_2_with_a_message(tmp_path):
    for args, words in [(["log", "--db", f"sqlite:///{tmp_path}/none.db"], "no decision log at"),
                        (["log", "--db", "mysql://x@y/z"], "SQLite or PostgreSQL"),
                        (["log", "--db", "::"], "not a database URL"),
                        (["token", "create", "--store", "s", "--role", "read", "--db",
                          "postgresql://nobody@127.0.0.1:1/none"], "cannot open the decision log")]:
        run = CliRunner().invoke(cli, args)
        assert run.exit_code == 2 and words in run.output and "Traceback" not in run.output, (args, run.output)


def test_the_plain_commands_never_import_the_web_stack():
    code = ("import sys; from aftersale.cli import cli; import aftersale.decision; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'sqlalchemy', 'alembic', 'prometheus_client') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_missing_extra_is_named(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a))
    run = CliRunner().invoke(cli, ["serve", "policies/tea-house.policy"])
    assert run.exit_code == 2 and "install aftersale[serve]" in run.output
