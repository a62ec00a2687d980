"""`aftersale sql POLICY --dialect duckdb|spark`: print the query that decides a table of events."""
from __future__ import annotations

import sys

import click

_NOTES = {
    "duckdb": "-- DuckDB: run with SET TimeZone = 'UTC' (the query converts to the policy's zone itself)",
    "spark": "-- Spark SQL: run with spark.sql.session.timeZone=UTC (from_utc_timestamp reads wall clocks in UTC)",
}


def parse_years(text: str | None) -> tuple[int, int] | None:
    """`2024-2027` → (2024, 2027); ValueError with a message otherwise."""
    if text is None:
        return None
    first, sep, last = text.partition("-")
    if not sep or not first.isdigit() or not last.isdigit() or int(first) > int(last):
        raise ValueError(f"`{text}` is not a range of years like 2024-2027")
    return int(first), int(last)


def cli_main(policy_path: str, dialect: str, years: tuple[int, int] | None) -> int:
    from ..backends.sql import TABLE, compile_query
    from ..backends.sql.schema import column_types
    from ..policy import load

    tree = load(policy_path).tree
    query = compile_query(tree, dialect, years)
    columns = ", ".join(f"{name} {sql}" for name, sql in column_types(dialect).items())
    sys.stdout.write(f"-- aftersale: {tree.name}\n{_NOTES[dialect]}\n"
                     f"-- reads the table `{TABLE}` ({columns})\n"
                     f"-- holiday calendar built for {query.years[0]}-{query.years[1]}\n"
                     f"{query.sql()};\n")
    return 0


@click.command("sql")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--dialect", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--years", help="Years the holiday calendar covers, like 2024-2027 (default 2019-2030).")
def sql_cmd(policy, dialect, years):
    """Print the SQL query that decides a table of events (action, rule, forbidden_by, recheck_at)."""
    try:
        span = parse_years(years)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--years") from None
    raise SystemExit(cli_main(policy, dialect, span))
