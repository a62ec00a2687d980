"""Shared helpers for the golden, table-driven tests.

Fixture files are YAML: a header comment saying what they test, then
`cases:`, each case with a `note:` saying what it shows. `cases(path)` reads
them as pytest parameters named by their notes.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"


def read_cases(path: Path) -> list[dict]:
    """The cases of a fixture file; each must have a `note`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = data["cases"]
    for i, case in enumerate(found):
        assert case.get("note"), f"{path.name}: case {i + 1} has no `note:` saying what it tests"
    return found


def cases(*paths: Path) -> list:
    """pytest params for every case of the files, with ids `file:number:note`."""
    out = []
    for path in paths:
        for i, case in enumerate(read_cases(path), start=1):
            out.append(pytest.param(case, id=f"{path.stem}:{i}:{case['note'][:60]}"))
    return out


def base_event(name: str = "base-douyin.json") -> dict:
    return json.loads((POLICIES / "events" / name).read_text(encoding="utf-8"))


def run_cli(*args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """`aftersale ARGS` in this process (click's CliRunner), output captured as text.

    A real `python -m aftersale` costs a cold start (~0.3 s) per call; the end-to-end checks that need a
    process of their own (entry point, signals, closed stdin, broken pipes, /dev/full) start one
    themselves. Exceptions other than SystemExit are raised, so a traceback fails the test loudly.
    """
    from click.testing import CliRunner

    from aftersale.cli import cli

    overrides = {"NO_COLOR": "1", "COLUMNS": "100", **{k: v for k, v in (env or {}).items() if os.environ.get(k) != v}}
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(cli, list(args), input=stdin, env=overrides, prog_name="aftersale")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["aftersale", *args], result.exit_code, result.stdout, result.stderr)


#: `AFTERSALE_EXAMPLES=full pytest` runs every property with the examples its test names (before a
#: release, or after changing a generator); the default run takes a third of them. The `slow` tests
#: (`pytest -m slow`) run their thousands either way, and hypothesis replays failures it found first.
FULL_EXAMPLES = os.environ.get("AFTERSALE_EXAMPLES", "") == "full"


def examples(n: int) -> int:
    """How many examples a property named `n` runs in this run: `n` with AFTERSALE_EXAMPLES=full, else n // 3."""
    return n if FULL_EXAMPLES else max(10, n // 3)


def count_calls(fn):
    """(fn(), how many Python and C function calls it made in this thread), counted with sys.setprofile.

    The tests that once said "answered in under a second" count work instead of timing it: a busy machine
    cannot fail them, and input that makes a parser or loader work past its limit cannot pass them.
    """
    import sys

    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(count)
    try:
        result = fn()
    finally:
        sys.setprofile(previous if callable(previous) else None)  # cProfile's C profiler cannot be set back
    return result, calls
