"""`aftersale explain`: decisions for people, the answer first, then why."""
from __future__ import annotations

import shutil
import sys

import click

from ..terminal import EXIT_INPUT, Stdout, color_wanted, printable, printable_data
from .inputs import decide_all, read_records


@click.command()
@click.argument("policy", required=False, type=click.Path(dir_okay=False))
@click.argument("events", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--record", "record_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Render stored decision records (JSON or JSON Lines) instead of evaluating.")
@click.option("--full", is_flag=True, help="Show the whole rule tree with every value.")
@click.option("--why-not", "why_not", metavar="RULE", help="Say which conditions of RULE failed and what would pass.")
@click.option("--color/--no-color", default=None, help="Colour the output (default: on a terminal).")
def explain(policy, events, record_file, full, why_not, color):
    """Explain decisions for people: the answer first, then why.

    \b
    aftersale explain POLICY EVENT [--full] [--why-not RULE]
    aftersale explain --record decision.json

    Exit code 2 when an event could not be decided (the others are explained).
    """
    from ..explain.render import render

    use_color = color_wanted(color)
    counts = {"bad": 0}
    out = Stdout()
    if record_file:
        records = read_records(record_file)
    else:
        if policy is None:
            raise click.UsageError("give a POLICY and an EVENT, or --record FILE")
        from .. import load

        pol = load(policy)
        if why_not is not None and pol.tree.rule(why_not) is None:
            from ..diagnostics import did_you_mean

            ids = [r.id for r in pol.rules]
            hint = did_you_mean(why_not, ids)
            raise click.UsageError(printable(f"no rule `{why_not}` in {policy}; " + (
                f"did you mean `{hint}`?" if hint else "its rules: " + ", ".join(ids))))
        records = decide_all(pol, events, counts, wanted=lambda: not out.closed)
    for i, record in enumerate(records):
        if i:
            out.echo()
        # escape what came from events and policies before styling adds escapes of its own
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None  # wrap only on a terminal
        text = render(printable_data(record), full=full, why_not=why_not, color=use_color, width=width)
        out.echo(text if use_color else printable(text, lines=True), color=use_color)
    if counts["bad"]:
        bad = counts["bad"]
        click.echo(f"aftersale: {bad} event{'s' if bad != 1 else ''} could not be explained (see above)", err=True)
        raise SystemExit(EXIT_INPUT)
