"""`aftersale simulate`: replay history with a policy (and a baseline)."""
from __future__ import annotations

import click

from .language import lang_option, language


@click.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--events", "events_file", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="History as JSON Lines, plain or gzipped (.jsonl, .jsonl.gz); `-` for stdin.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="The policy in force now, to compare with.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write every decision record to this JSONL file (.gz compresses it), in input order.")
@click.option("--trace", is_flag=True, help="Put the full trace in the --out records (much slower).")
@click.option("--rejects", type=click.Path(dir_okay=False),
              help="Write every bad line (line, column, reason, text) to this JSONL file.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Worker processes (default: every core).")
@click.option("--progress/--no-progress", default=None, help="A progress bar on stderr (default: on a terminal).")
@lang_option
def simulate(policy, events_file, baseline, fmt, out, trace, rejects, jobs, progress):
    """Replay history: counts and money per action and rule, and what a change would change.

    \b
    aftersale generate --count 100000 --seed 7 --out history.jsonl.gz
    aftersale simulate policies/douyin-assistant.policy --events history.jsonl.gz \\
        --baseline policies/tea-house.policy

    Bad lines are reported with their line number and counted; they never stop
    the run (exit code 2 when there were any, after the full report). --out and
    --rejects may not name an input or each other.
    """
    from ..files import check_outputs
    from ..simulate import cli_main
    from .inputs import stdin_buffer

    check_outputs({"POLICY": policy, "--events": events_file, "--baseline": baseline},
                  {"--out": out, "--rejects": rejects})
    if events_file == "-":
        stdin_buffer()  # a closed standard input is an error before anything runs
    raise SystemExit(cli_main(policy, events_file, baseline, fmt, out, rejects=rejects, trace=trace, jobs=jobs,
                              progress=progress, lang=language()))
