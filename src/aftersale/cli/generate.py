"""`aftersale generate`: a realistic synthetic history of after-sales requests."""
from __future__ import annotations

import click

from .language import lang_option


@click.command()
@click.option("--count", "-n", type=click.IntRange(0), default=10_000, show_default=True, help="Events to write.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same file.")
@click.option("--start", default="2026-09-01", show_default=True, help="First day of the history (YYYY-MM-DD).")
@click.option("--days", type=click.IntRange(1, 3660), default=120, show_default=True, help="Days of history.")
@click.option("--platform", type=click.Choice(["mixed", "douyin", "kuaishou"]), default="mixed", show_default=True)
@click.option("--bad-lines", "bad_rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of lines to spoil on purpose (broken JSON, invalid values), to try error handling.")
@click.option("--out", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="JSONL file (.gz compresses it), or `-` for stdout.")
@click.option("--profile", type=click.Path(dir_okay=False), help="A store profile (YAML) that shapes the mix.")
@lang_option
def generate(count, seed, start, days, platform, bad_rate, out, profile):
    """Write a realistic synthetic history of after-sales requests (seeded, reproducible).

    Kinds and reasons in the platforms' proportions, amounts by category,
    evenings and weekends busier, China's public holidays and make-up working
    days, Double 11 returns, delivery times, risk levels, tracking and
    warehouse states.
    """
    from ..simulate.generate import cli_main

    raise SystemExit(cli_main(count, seed, start, days, platform, bad_rate, out, profile))
