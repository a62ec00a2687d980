"""`aftersale fmt`: format policies canonically, or convert between DSL and YAML."""
from __future__ import annotations

from pathlib import Path

import click

from ..files import atomic_write
from ..terminal import EXIT_FINDINGS, EXIT_INPUT


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
    from ..policy import format_for, load

    unformatted = []
    for path in paths:
        pol = load(path)
        to = target or format_for(path)
        out = formatter.to_yaml(pol.tree, lang) if to == "yaml" else formatter.to_dsl(pol.tree, lang)
        if to == "dsl" == format_for(path):
            out = formatter.keep_comments(pol.tree, out)
        _assert_round_trip(pol, out, to, path)
        drops_comments = to == "yaml" and _has_yaml_comments(pol)
        if drops_comments and (check or write):
            # fmt cannot keep a YAML file's comments: never drop them silently
            click.echo(f"{path}: has comments, which `fmt` does not keep in YAML; "
                       f"{'not checked' if check else 'not rewritten'}", err=True)
            if write:
                raise SystemExit(EXIT_INPUT)
            continue
        if check:
            if Path(path).read_text(encoding="utf-8") != out:
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


def _has_yaml_comments(pol) -> bool:
    """Whether a YAML policy's source may hold a comment (a `#` at a line's start or after a space)."""
    source = pol.tree.source
    if source is None or pol.tree.spans.get("rules") is None:
        return False
    return any(line.lstrip().startswith("#") or " #" in line for line in source.text.splitlines())


def _assert_round_trip(pol, out: str, to: str, path: str) -> None:
    """The formatter's soundness check: its output must compile to the same tree."""
    from .. import compile

    from ..fmt import meaning

    again = compile(out, to, f"{path} (formatted)")
    if meaning(again.tree) != meaning(pol.tree):  # pragma: no cover - a formatter bug, never user error
        raise click.ClickException(f"formatting {path} would change its meaning; please report this")
