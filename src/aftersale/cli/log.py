"""`aftersale log`: search the decision log from the command line (needs the `serve` extra)."""
from __future__ import annotations

import json

import click

from ..decision import DEFAULT_DB
from ..terminal import Stdout, printable


def _moment(ctx, param, value):
    from ..values import parse_timestamp

    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (a time with a UTC offset, such as 2026-11-21T00:00:00+08:00)") from None


@click.command("log")
@click.option("--db", default=DEFAULT_DB, show_default=True, metavar="URL", help="The same --db as `serve`.")
@click.option("--store", help="Only this store's decisions (default: every store).")
@click.option("--id", "event_id", help="Only this request's decisions.")
@click.option("--action", help="Only decisions with this action.")
@click.option("--rule", help="Only decisions by this rule.")
@click.option("--since", callback=_moment, help="Decisions whose `at` is at or after this time.")
@click.option("--until", callback=_moment, help="Decisions whose `at` is before this time.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one line per decision; json: one log entry (with its record) per line.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="The language of each text line's answer.")
def log_cmd(db, store, event_id, action, rule, since, until, limit, fmt, lang):
    """Search the decision log, newest first.

    \b
    aftersale log --db sqlite:///aftersale.db --action approve_refund --since 2026-11-21T00:00:00+08:00
    aftersale log --id AS-1001 --format json
    """
    from ..service import require

    require()
    from ..decision.log import DecisionLog
    from ..explain import headline

    log = DecisionLog.open(db, must_exist=True)
    found, _ = log.search(store, event_id=event_id, action=action, rule=rule, since=since, until=until,
                          limit=limit)
    out = Stdout()
    for e in found:
        if fmt == "json":
            out.echo(json.dumps(e, ensure_ascii=False))
        else:
            fields = (e["store"], e["event_id"], e["at"], e["trigger"], e["record"]["action"],
                      e["record"]["rule"] or "-", headline(e["record"], lang))
            out.echo("\t".join(printable(str(f)) for f in fields))

