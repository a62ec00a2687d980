"""`aftersale explain`: decisions for people, the answer first, then why."""
from __future__ import annotations

import os
import shutil
import sys

import click

from ..terminal import EXIT_INPUT, Stdout, color_wanted, printable
from .inputs import decided, logged_records, read_records


@click.command()
@click.argument("policy", required=False, type=click.Path(dir_okay=False))
@click.argument("events", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--record", "record_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Render stored decision records (JSON, a JSON array or JSON Lines; .gz too) instead of evaluating.")
@click.option("--db", metavar="URL", help="Explain from the decision service's log (with --id).")
@click.option("--id", "event_id", metavar="REQUEST",
              help="With --record: that request's records, newest first; with --db: its newest logged decision.")
@click.option("--store", help="With --db: the store the request belongs to (default: any store).")
@click.option("--full", is_flag=True, help="Show the whole rule tree with every value.")
@click.option("--why-not", "why_not", metavar="RULE",
              help="Say which conditions of RULE fail and what would pass (evaluated even after the deciding rule).")
@click.option("--lang", type=click.Choice(["en", "zh"]),
              help="Language of the explanation (default: the policy's `language` line, then LANG, then English).")
@click.option("--color/--no-color", default=None, help="Colour the output (default: on a terminal).")
def explain(policy, events, record_file, db, event_id, store, full, why_not, lang, color):
    """Explain decisions for people: the answer first, then why.

    \b
    aftersale explain POLICY EVENT [--full] [--why-not RULE] [--lang zh]
    aftersale explain --record decisions.jsonl.gz [--id AS-1001]
    aftersale explain --db sqlite:///aftersale.db --id AS-1001

    Exit code 2 when an event or a record could not be read (the others are explained).
    """
    from ..explain.render import render
    from ..locale import resolve

    use_color = color_wanted(color)
    counts = {"bad": 0}
    out = Stdout()
    if db is not None and event_id is None:
        raise click.UsageError("--db and --id go together")
    if event_id is not None and db is None and not record_file:
        raise click.UsageError("--id selects records of --record FILE (or of --db URL)")
    if db is not None or record_file:
        if policy is not None or events:
            raise click.UsageError("give either --record FILE (or --db URL) or a POLICY and EVENTS, not both")
        language = resolve(lang, None, os.environ)
        found = logged_records(db, event_id, store) if db is not None else read_records(record_file, counts, event_id)
        pairs = ((record, None) for record in found)
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
        language = resolve(lang, pol.tree.language, os.environ)
        pairs = _explained(pol, events, counts, why_not, wanted=lambda: not out.closed)
    # wrap only on a terminal: piped, the one-line answer stays one line (`| head -1` gives all of it)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for i, (record, probe) in enumerate(pairs):
        if i:
            out.echo()
        # escape what came from events and policies before styling adds escapes of its own
        text = render(_escaped(record), full=full, why_not=why_not, probe=_escaped(probe) if probe is not None else None,
                      color=use_color, width=width, lang=language)
        out.echo(text if use_color else printable(text, lines=True), color=use_color)
    if counts["bad"]:
        bad = counts["bad"]
        what = "record" if record_file else "event"
        click.echo(f"aftersale: {bad} {what}{'s' if bad != 1 else ''} could not be explained (see above)", err=True)
        raise SystemExit(EXIT_INPUT)


def _explained(pol, events, counts, why_not, wanted):
    """(record, probe) per good event: the probe is RULE evaluated against the event on its own."""
    from ..explain.whynot import why_not as probe_rule

    for event, decision in decided(pol, events, counts, wanted=wanted):
        yield decision.to_json(), probe_rule(pol.tree, event, why_not) if why_not is not None else None


def _escaped(value, key: str | None = None):
    """A copy of a record with control characters escaped (`terminal.printable`), keeping the line
    breaks of source texts (`text`: a block rule's source spans lines; it comes from the policy)."""
    if isinstance(value, str):
        return printable(value, lines=key == "text")
    if isinstance(value, dict):
        return {printable(k) if isinstance(k, str) else k: _escaped(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(v) for v in value]
    return value
