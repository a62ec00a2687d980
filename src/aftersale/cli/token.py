"""`aftersale token create`: a token for one store of the decision service (needs the `serve` extra)."""
from __future__ import annotations

import click

from ..decision import DEFAULT_DB

ROLES = ("decide", "read", "publish")


@click.group()
def token():
    """Tokens of the decision service: each belongs to one store and carries roles."""


@token.command("create")
@click.option("--store", required=True, help="The store the token speaks for.")
@click.option("--role", "roles", required=True, multiple=True, type=click.Choice(ROLES),
              help="decide (POST decisions), read (records, explanations, search, policies), "
                   "publish (publish and activate policies). Repeat for several.")
@click.option("--db", default=DEFAULT_DB, show_default=True, metavar="URL", help="The same --db as `serve`.")
def create(store, roles, db):
    """Create a token and print it once: only its hash is kept.

    \b
    aftersale token create --store tea-house --role decide --role read
    """
    import re
    from datetime import datetime, timezone

    from ..service import require

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", store):
        raise click.BadParameter("letters, digits, `_`, `.` and `-`, at most 100", param_hint="--store")
    require()
    from ..decision.log import DecisionLog

    log = DecisionLog.open(db)
    click.echo(log.create_token(store, list(roles), datetime.now(timezone.utc)))
    click.echo(f"aftersale: token for store {store!r} with roles {', '.join(sorted(set(roles)))}: "
               "shown once, keep it secret", err=True)
