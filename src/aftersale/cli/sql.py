"""`aftersale sql`: the SQL query that decides a table of events, for a data engine."""
from __future__ import annotations

import click


@click.command("sql")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--dialect", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--years", help="Years the holiday calendar covers, like 2024-2027 (default 2019-2030).")
def sql_cmd(policy, dialect, years):
    """Print the SQL query that decides a table of events (action, rule, forbidden_by, recheck_at)."""
    from ..backends.sql.command import cli_main, parse_years

    try:
        span = parse_years(years)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--years") from None
    raise SystemExit(cli_main(policy, dialect, span))
