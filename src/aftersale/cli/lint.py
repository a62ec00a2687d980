"""`aftersale lint`: check policies without any event."""
from __future__ import annotations

import click

from .language import lang_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@lang_option
def lint(paths, fmt, strict):
    """Check policies without any event: errors fail (exit 1), warnings too with --strict.

    A policy that does not compile is a finding (exit 1): finding that is lint's
    job. Exit 2 only when a path cannot be read or holds no policy.
    """
    from ..lint import cli_main
    from .language import FLAG

    raise SystemExit(cli_main(list(paths), fmt, strict, click.get_current_context().meta.get(FLAG)))
