"""`aftersale platform add`: a store's app on Douyin or Kuaishou, so the service takes its pushes."""
from __future__ import annotations

import click

from ..decision import DEFAULT_DB

PLATFORMS = ("douyin", "kuaishou")
NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"


@click.group()
def platform():
    """Platform message pushes: each store's app key, secret and shop id (needs the `serve` extra)."""


@platform.command("add")
@click.option("--store", required=True, help="The store the shop's pushes are decided for.")
@click.option("--platform", "name", required=True, type=click.Choice(PLATFORMS), help="Whose pushes.")
@click.option("--app-key", required=True, help="The app's key (Douyin app key / Kuaishou appKey).")
@click.option("--app-secret-file", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="A file holding the app secret (Douyin) or the message key (Kuaishou, Base64); "
                   "read from a file so it never shows in the shell's history or the process list.")
@click.option("--shop-id", required=True, help="The shop's id as pushes carry it (Douyin shop_id, Kuaishou userId).")
@click.option("--db", default=DEFAULT_DB, show_default=True, metavar="URL", help="The same --db as `serve`.")
def add(store, name, app_key, app_secret_file, shop_id, db):
    """Register (or replace) a store's app on a platform. The secret is stored, never printed.

    \b
    aftersale platform add --store tea-house --platform douyin --app-key 7012345 \\
        --app-secret-file douyin.secret --shop-id 4463798
    """
    import re
    from datetime import datetime, timezone

    from ..service import require

    if not re.fullmatch(NAME, store):
        raise click.BadParameter("letters, digits, `_`, `.` and `-`, at most 100", param_hint="--store")
    for value, hint in ((app_key, "--app-key"), (shop_id, "--shop-id")):
        if not re.fullmatch(NAME, value):
            raise click.BadParameter("letters, digits, `_`, `.` and `-`, at most 100", param_hint=hint)
    secret = read_secret(app_secret_file)
    require()
    if name == "kuaishou":
        from ..service.platforms.kuaishou import message_key

        try:
            message_key(secret)
        except ValueError as err:
            raise click.BadParameter(f"`{app_secret_file}`: {err}", param_hint="--app-secret-file") from None
    from ..decision.log import DecisionLog, PlatformCredentials

    log = DecisionLog.open(db)
    new = log.add_platform_credentials(PlatformCredentials(name, app_key, shop_id, store, secret),
                                       datetime.now(timezone.utc))
    click.echo(f"aftersale: {name} app `{app_key}`, shop `{shop_id}` {'added' if new else 'replaced'} for store "
               f"{store!r}; pushes go to POST /v1/platforms/{name}/messages", err=True)


def read_secret(path: str) -> str:
    """The secret in `path`, stripped; a bad file is a usage error whose message never holds the secret."""
    from pathlib import Path

    def refuse(problem: str) -> click.BadParameter:
        return click.BadParameter(f"`{path}` {problem}", param_hint="--app-secret-file")

    try:
        data = Path(path).read_bytes()[:4097]
    except OSError as exc:
        raise refuse(f"cannot be read: {exc.strerror}") from None
    try:
        secret = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise refuse("is not UTF-8 text") from None
    if len(data) > 4096 or not secret or not secret.isprintable():
        raise refuse("should hold the secret alone, on one line (at most 4096 bytes)")
    return secret
