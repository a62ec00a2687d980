"""`aftersale fmt`: format policies canonically, or convert between DSL and YAML."""
from __future__ import annotations

from pathlib import Path

import click

from ..files import atomic_write
from ..casefile import TEST_SUFFIXES
from ..terminal import EXIT_FINDINGS


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=False, dir_okay=False, allow_dash=False))
@click.option("--to", "target", type=click.Choice(["dsl", "yaml"]), help="Convert to this format (default: keep).")
@click.option("--check", is_flag=True, help="Exit 1 if a file is not formatted canonically; change nothing.")
@click.option("--write", "-w", is_flag=True,
              help="Rewrite files in place (atomically; a symlink's target is rewritten, the link stays).")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Write the header and sentence rules in this language.")
def fmt(paths, target, check, write, lang):
    """Format policies canonically, or convert between DSL and YAML.

    Re-parsing the output always gives the same rule tree.
    """
    from .. import fmt as formatter
    from ..comments import LostComment
    from ..policy import format_for, load

    unformatted = []
    for path in paths:
        if Path(path).name.lower().endswith(TEST_SUFFIXES):
            # a test file is not a policy (lint skips it too): `aftersale test` reads it
            click.echo(f"{path}: a test file (*.tests.yaml), not a policy; skipped", err=True)
            continue
        pol = load(path)
        to = target or format_for(path)
        out = formatter.to_yaml(pol.tree, lang) if to == "yaml" else formatter.to_dsl(pol.tree, lang)
        try:
            out = formatter.keep_comments(pol.tree, out, to)
        except LostComment as exc:  # never drop a comment silently
            click.echo(f"{path}:{exc}; not formatted (move or remove the comment)", err=True)
            raise SystemExit(EXIT_FINDINGS) from None
        _assert_round_trip(pol, out, to, path)
        if check or write:
            # The canonical form uses LF; a file written with CRLF (its first line's ending) keeps it.
            current = _read_as_is(path)
            out = out.replace("\n", "\r\n") if current.partition("\n")[0].endswith("\r") else out
        if check:
            if current != out:
                unformatted.append(path)
                click.echo(f"{path}: not formatted (run `aftersale fmt -w {path}`)", err=True)
        elif write:
            if to != format_for(path):
                raise click.UsageError("--write keeps each file's format; use --to without --write to convert")
            atomic_write(path, out)
        else:
            click.echo(out, nl=False)
    if unformatted:
        raise SystemExit(EXIT_FINDINGS)


def _read_as_is(path: str) -> str:
    """The file's text with its line endings (`load` has already read it: it is UTF-8)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def _assert_round_trip(pol, out: str, to: str, path: str) -> None:
    """The formatter's soundness check: its output must compile to the same tree."""
    from .. import compile

    from ..fmt import meaning

    again = compile(out, to, f"{path} (formatted)")
    if meaning(again.tree) != meaning(pol.tree):  # pragma: no cover - a formatter bug, never user error
        raise click.ClickException(f"formatting {path} would change its meaning; please report this")
