"""`aftersale eval`: decide events with a policy, one record (or line) per event."""
from __future__ import annotations

import json

import click

from ..locale import msg, plural_id
from ..terminal import EXIT_INPUT, Stdout, note, printable
from .language import lang_option, language, policy_language
from .inputs import decide_all


@click.command("eval")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.argument("events", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True,
              help="json: one decision record per line; text: one line per event for people.")
@click.option("--no-trace", is_flag=True, help="Decide on the fast path; records carry an empty trace.")
@click.option("--pretty", is_flag=True, help="Indent JSON records.")
@lang_option
def eval_cmd(policy, events, fmt, no_trace, pretty):
    """Decide EVENTS (JSON object, array, or JSON Lines; stdin if none or `-`) with POLICY.

    Every event is validated first; a bad event is reported with its file, line
    and column, and the others are still decided (exit code 2 at the end).
    """
    from .. import load
    from ..explain.render import headline

    pol = load(policy)
    policy_language(pol.tree.language)
    lang = language()
    counts = {"bad": 0}
    out = Stdout()
    for record in decide_all(pol, events, counts, trace=not no_trace, wanted=lambda: not out.closed):
        if fmt == "json":
            out.echo(json.dumps(record, ensure_ascii=False, indent=2 if pretty else None))
        else:
            fields = (record["event_id"], record["action"], record["rule"] or "-", headline(record, lang))
            out.echo("\t".join(printable(f) for f in fields))
    if counts["bad"]:
        bad = counts["bad"]
        note(msg(plural_id("cli.undecided", bad), n=bad))
        raise SystemExit(EXIT_INPUT)
