"""Shared helpers for the golden, table-driven tests.

Fixture files are YAML: a header comment saying what they test, then
`cases:`, each case with a `note:` saying what it shows. `cases(path)` reads
them as pytest parameters named by their notes.
"""
from __future__ import annotations

import json
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
