"""Run a README example as written and check the console output it shows."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from aftersale.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def check_example(after: str, tmp_path: Path) -> None:
    """The first ```sh block after `after` in the README, run in tmp_path; the next ```console block's
    lines are printed by its last command (`...` skips lines; a line ending `e.g. …` is a prefix)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8").split(after, 1)[1]
    commands = re.search(r"```sh\n(.*?)```", text, flags=re.S).group(1).strip().splitlines()
    console = re.search(r"```console\n(.*?)```", text, flags=re.S).group(1).splitlines()
    out = ""
    for command in commands:
        args = []
        for a in shlex.split(command)[1:]:
            if a.startswith(("policies/", "profiles/")):
                a = str(ROOT / a)
            elif a.endswith(".jsonl.gz"):
                a = str(tmp_path / a)
            args.append(a)
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        out = result.output
    printed = out.splitlines()
    for line in console:
        if line.strip() == "...":
            continue
        if line.endswith("e.g. …"):
            assert any(p.startswith(line[:-1]) for p in printed), line
        else:
            assert line in printed, line
