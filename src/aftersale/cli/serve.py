"""`aftersale serve`: the decision service (needs the `serve` extra)."""
from __future__ import annotations

import click

from ..decision import DEFAULT_DB


@click.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--db", default=DEFAULT_DB, show_default=True, metavar="URL",
              help="The decision log: sqlite:///FILE or postgresql://USER@HOST:PORT/DB.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--recheck-every", default=1.0, show_default=True, type=click.FloatRange(0.05, 3600),
              metavar="SECONDS", help="How often due rechecks are looked for.")
def serve(policy, db, host, port, recheck_every):
    """Decide after-sales requests over HTTP and keep every decision in a log.

    POLICY is the active policy of every store that has not published its own.
    Tokens: `aftersale token create --store S --role decide --db URL`.

    \b
    aftersale serve policies/tea-house.policy
    aftersale serve policies/tea-house.policy --db postgresql://aftersale@127.0.0.1:5432/aftersale
    """
    from ..service import require

    require()
    import uvicorn

    from ..decision.log import DecisionLog
    from ..policy import format_for, read_text
    from ..limits import MAX_SOURCE_CHARS
    from ..service.app import create_app
    from ..service.core import DecisionService

    text = read_text(policy, max_bytes=4 * MAX_SOURCE_CHARS)
    log = DecisionLog.open(db)
    service = DecisionService(log, text, format_for(policy), policy)
    app = create_app(service, recheck_every=recheck_every)
    click.echo(f"aftersale serve: policy {service.default.name!r} ({service.default_sha[:12]}), "
               f"log {log.engine.url.render_as_string(hide_password=True)}, http://{host}:{port}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
