"""`aftersale test`: run policy test files."""
from __future__ import annotations

import click

from .language import lang_option, language


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=False))
@click.option("--junit", type=click.Path(dir_okay=False), help="Write JUnit XML for CI (atomically).")
@click.option("--min-coverage", type=click.FloatRange(0, 100),
              help="Fail when a policy's rule coverage is below this percent.")
@lang_option
def test_cmd(paths, junit, min_coverage):
    """Run policy test files (*.tests.yaml under PATHS; default: the current folder).

    A line per case; a failure shows expected vs actual and the explanation of
    the actual decision. Then rule coverage: the rules no passing case
    reached, and why (shadowed, never matched, only reached by failing cases).
    A policy file as PATH runs the test files beside it that test it.

    Exit code 1 when a case fails or coverage is too low; 2 when a test file,
    its policy or an event in it is invalid, or the JUnit file cannot be written.
    """
    from ..files import check_outputs
    from ..runner import cli_main

    check_outputs({f"PATH {i + 1}": p for i, p in enumerate(paths)}, {"--junit": junit})
    raise SystemExit(cli_main(list(paths) or ["."], junit, min_coverage, lang=language()))
