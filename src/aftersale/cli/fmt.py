"""`aftersale fmt`: format policies canonically, or convert between DSL and YAML."""
from __future__ import annotations

from pathlib import Path

import click

from ..files import atomic_write
from ..runner.casefile import TEST_SUFFIXES
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

    Re-parsing the output always gives the same rule tree. `--lang` is also the language of its messages.
    """
    from ..syntax import fmt as formatter
    from ..syntax.comments import LostComment
    from ..policy import format_for, load
    from .language import FLAG

    click.get_current_context().meta[FLAG] = lang

    unformatted = []
    for path in paths:
        if Path(path).name.lower().endswith(TEST_SUFFIXES):
            # a test file is not a policy (lint skips it too): `aftersale test` reads it
            _note("cli.fmt.test_file", path=path)
            continue
        pol = load(path)
        to = target or format_for(path)
        out = formatter.to_yaml(pol.tree, lang) if to == "yaml" else formatter.to_dsl(pol.tree, lang)
        try:
            out = formatter.keep_comments(pol.tree, out, to)
        except LostComment as exc:  # never drop a comment silently
            _note("cli.fmt.lost_comment", path=path, where=str(exc))
            raise SystemExit(EXIT_FINDINGS) from None
        _assert_round_trip(pol, out, to, path)
        if check or write:
            # The canonical form uses LF; a file written with CRLF (its first line's ending) keeps it.
            current = _read_as_is(path)
            out = out.replace("\n", "\r\n") if current.partition("\n")[0].endswith("\r") else out
        if check:
            if current != out:
                unformatted.append(path)
                _note("cli.fmt.unformatted", path=path)
        elif write:
            if to != format_for(path):
                raise click.UsageError(_text("cli.fmt.write_keeps"))
            atomic_write(path, out)
        else:
            click.echo(out, nl=False)
    if unformatted:
        raise SystemExit(EXIT_FINDINGS)


def _text(msgid: str, **values) -> str:
    from ..locale import message
    from .language import language

    return message(language(), msgid, **values)


def _note(msgid: str, **values) -> None:
    click.echo(_text(msgid, **values), err=True)


def _read_as_is(path: str) -> str:
    """The file's text with its line endings (`load` has already read it: it is UTF-8)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def _assert_round_trip(pol, out: str, to: str, path: str) -> None:
    """The formatter's soundness check: its output must compile to the same tree."""
    from .. import compile

    from ..syntax.fmt import meaning

    again = compile(out, to, f"{path} (formatted)")
    if meaning(again.tree) != meaning(pol.tree):  # pragma: no cover - a formatter bug, never user error
        raise click.ClickException(f"formatting {path} would change its meaning; please report this")
