"""`aftersale explain`: decisions for people, the answer first, then why."""
from __future__ import annotations

import shutil
import sys

import click

from ..terminal import EXIT_INPUT, Stdout, color_wanted, printable, printable_data
from .inputs import decide_all, logged_records, read_records


@click.command()
@click.argument("policy", required=False, type=click.Path(dir_okay=False))
@click.argument("events", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--record", "record_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Render stored decision records (JSON or JSON Lines) instead of evaluating.")
@click.option("--db", metavar="URL", help="Explain from the decision service's log (with --id).")
@click.option("--id", "event_id", metavar="REQUEST", help="The request whose newest logged decision to explain.")
@click.option("--store", help="With --db: the store the request belongs to (default: any store).")
@click.option("--full", is_flag=True, help="Show the whole rule tree with every value.")
@click.option("--why-not", "why_not", metavar="RULE", help="Say which conditions of RULE failed and what would pass.")
@click.option("--color/--no-color", default=None, help="Colour the output (default: on a terminal).")
def explain(policy, events, record_file, db, event_id, store, full, why_not, color):
    """Explain decisions for people: the answer first, then why.

    \b
    aftersale explain POLICY EVENT [--full] [--why-not RULE]
    aftersale explain --record decision.json
    aftersale explain --db sqlite:///aftersale.db --id AS-1001

    Exit code 2 when an event could not be decided (the others are explained).
    """
    from ..explain.render import render

    use_color = color_wanted(color)
    counts = {"bad": 0}
    out = Stdout()
    if (db is None) != (event_id is None):
        raise click.UsageError("--db and --id go together")
    if db is not None:
        records = logged_records(db, event_id, store)
    elif record_file:
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
