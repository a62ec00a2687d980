"""The `aftersale` command: eval, explain, lint, test, fmt, schema, simulate.

Exit codes: 0 fine; 1 the policy or the data has findings or failures; 2 usage
or input errors. Bad input ends in a message naming file, line and column,
never a traceback.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .diagnostics import AftersaleError

EXIT_FINDINGS, EXIT_INPUT = 1, 2


def _color_wanted(flag: bool | None, stream=None) -> bool:
    if flag is not None:
        return flag
    stream = stream or sys.stdout
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def report(err: AftersaleError) -> None:
    """Print an error's diagnostics to stderr."""
    color = _color_wanted(None, sys.stderr)
    for d in err.diagnostics:
        text = d.render()
        if color:
            head, _, rest = text.partition("\n")
            text = click.style(head, fg="red" if d.severity == "error" else "yellow", bold=True) + (
                "\n" + rest if rest else "")
        click.echo(text, err=True)


class Group(click.Group):
    """Turns AftersaleError into a message and exit code 2, and keeps tracebacks for real bugs only."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AftersaleError as err:
            report(err)
            ctx.exit(EXIT_INPUT)
        except RecursionError:
            click.echo("aftersale: error: the input is nested too deeply to process", err=True)
            ctx.exit(EXIT_INPUT)
        except KeyboardInterrupt:
            click.echo("aftersale: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            ctx.exit(0)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="aftersale")
def cli():
    """After-sales auto-resolution policies: decide, explain, lint, test.

    \b
    aftersale eval policies/tea-house.policy policies/events/AS-1001.json
    aftersale explain policies/tea-house.policy policies/events/AS-1001.json
    aftersale lint policies/
    aftersale test policies/
    aftersale generate --count 10000 --out history.jsonl.gz
    aftersale simulate policies/tea-house.policy --events history.jsonl.gz
    """


# -- input helpers -----------------------------------------------------------------

def read_input(path: str) -> tuple[str, str]:
    """(text, display name) of a file or of stdin for `-`."""
    from .policy import read_text

    if path == "-":
        data = sys.stdin.buffer.read()
        try:
            return data.decode("utf-8-sig"), "<stdin>"
        except UnicodeDecodeError:
            from .diagnostics import Diagnostic, ERROR
            from .source import Span

            raise AftersaleError(Diagnostic("invalid-json", ERROR, "standard input is not valid UTF-8",
                                            Span("<stdin>", 1, 1, 1, 1))) from None
    return read_text(path), path


def iter_events(paths: tuple[str, ...]):
    """(EventInput, source name) for every event in the files (or stdin)."""
    from .events import read_events

    for path in paths or ("-",):
        text, name = read_input(path)
        for item in read_events(text, name):
            yield item, name


def parse_or_report(item, name):
    """The parsed Event, or None after reporting why it is bad."""
    from .events import parse_event

    if item.error is not None:
        report(item.error)
        return None
    try:
        return parse_event(item.obj, source=name, line=item.line, text=item.text, index=item.index)
    except AftersaleError as err:
        report(err)
        return None


def decide_all(pol, paths, counts: dict, trace: bool = True):
    """Decision records for every good event; bad ones are reported and counted in counts["bad"]."""
    for item, name in iter_events(paths):
        event = parse_or_report(item, name)
        if event is None:
            counts["bad"] += 1
            continue
        yield pol.decide(event, trace=trace).to_json()


# -- commands ------------------------------------------------------------------------

@cli.command("eval")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.argument("events", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True,
              help="json: one decision record per line; text: one line per event for people.")
@click.option("--no-trace", is_flag=True, help="Decide on the fast path; records carry an empty trace.")
@click.option("--pretty", is_flag=True, help="Indent JSON records.")
def eval_cmd(policy, events, fmt, no_trace, pretty):
    """Decide EVENTS (JSON object, array, or JSON Lines; stdin if none or `-`) with POLICY.

    Every event is validated first; a bad event is reported with its file, line
    and column, and the others are still decided (exit code 2 at the end).
    """
    from . import load
    from .explain.render import headline

    pol = load(policy)
    counts = {"bad": 0}
    for record in decide_all(pol, events, counts, trace=not no_trace):
        if fmt == "json":
            click.echo(json.dumps(record, ensure_ascii=False, indent=2 if pretty else None))
        else:
            click.echo(f"{record['event_id']}\t{record['action']}\t{record['rule'] or '-'}\t{headline(record)}")
    if counts["bad"]:
        bad = counts["bad"]
        click.echo(f"aftersale: {bad} event{'s' if bad != 1 else ''} could not be decided (see above)", err=True)
        sys.exit(EXIT_INPUT)


@cli.command()
@click.argument("policy", required=False, type=click.Path(dir_okay=False))
@click.argument("events", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--record", "record_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Render stored decision records (JSON or JSON Lines) instead of evaluating.")
@click.option("--full", is_flag=True, help="Show the whole rule tree with every value.")
@click.option("--why-not", "why_not", metavar="RULE", help="Say which conditions of RULE failed and what would pass.")
@click.option("--color/--no-color", default=None, help="Colour the output (default: on a terminal).")
def explain(policy, events, record_file, full, why_not, color):
    """Explain decisions for people: the answer first, then why.

    \b
    aftersale explain POLICY EVENT [--full] [--why-not RULE]
    aftersale explain --record decision.json
    """
    from .explain.render import render

    use_color = _color_wanted(color)
    records = []
    if record_file:
        records = list(_read_records(record_file))
    else:
        if policy is None:
            raise click.UsageError("give a POLICY and an EVENT, or --record FILE")
        from . import load

        pol = load(policy)
        if why_not is not None and pol.tree.rule(why_not) is None:
            from .diagnostics import did_you_mean

            ids = [r.id for r in pol.rules]
            hint = did_you_mean(why_not, ids)
            raise click.UsageError(f"no rule `{why_not}` in {policy}; "
                                   + (f"did you mean `{hint}`?" if hint else "its rules: " + ", ".join(ids)))
        counts = {"bad": 0}
        records = list(decide_all(pol, events, counts))
        if counts["bad"] and not records:
            sys.exit(EXIT_INPUT)
    for i, record in enumerate(records):
        if i:
            click.echo()
        click.echo(render(record, full=full, why_not=why_not, color=use_color), color=use_color)


def _read_records(path: str):
    from .diagnostics import Diagnostic, ERROR
    from .schema import validator
    from .source import Span

    text, name = read_input(path)
    # split at "\n" only: a record's text may hold U+2028, where str.splitlines() would cut it
    lines = text.rstrip("\n").split("\n") if not text.lstrip().startswith(("{\n", "[")) else [text]
    try:
        docs = [json.loads(text)] if len(lines) == 1 or text.lstrip().startswith("[") else \
            [json.loads(line) for line in lines if line.strip()]
    except ValueError:  # JSONDecodeError, or an integer too long for int()
        try:
            docs = [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise AftersaleError(Diagnostic("invalid-json", ERROR, f"invalid JSON: {exc.msg}",
                                            Span(name, exc.lineno, exc.colno, exc.lineno, exc.colno + 1))) from None
        except ValueError as exc:
            raise AftersaleError(Diagnostic("invalid-json", ERROR, f"invalid JSON: {str(exc)[:100]}",
                                            Span(name, 1, 1, 1, 1))) from None
    if len(docs) == 1 and isinstance(docs[0], list):
        docs = docs[0]
    for n, doc in enumerate(docs, start=1):
        errors = list(validator("decision").iter_errors(doc))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(record)"
            raise AftersaleError(Diagnostic("invalid-record", ERROR,
                                            f"record {n} is not a decision record: `{where}`: {e.message[:200]}",
                                            Span(name, 1, 1, 1, 1)))
        yield doc


@cli.command()
@click.argument("name", type=click.Choice(["event", "policy", "decision", "tests"]))
def schema(name):
    """Print a JSON Schema: event, policy (YAML), decision (record), tests (test files)."""
    from .schema import load_schema

    click.echo(json.dumps(load_schema(name), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=False, dir_okay=False, allow_dash=False))
@click.option("--to", "target", type=click.Choice(["dsl", "yaml"]), help="Convert to this format (default: keep).")
@click.option("--check", is_flag=True, help="Exit 1 if a file is not formatted canonically; change nothing.")
@click.option("--write", "-w", is_flag=True, help="Rewrite files in place (atomically).")
def fmt(paths, target, check, write):
    """Format policies canonically, or convert between DSL and YAML.

    Re-parsing the output always gives the same rule tree.
    """
    from . import fmt as formatter
    from .policy import format_for, load

    unformatted = []
    for path in paths:
        pol = load(path)
        to = target or format_for(path)
        out = formatter.to_yaml(pol.tree) if to == "yaml" else formatter.to_dsl(pol.tree)
        if to == "dsl" == format_for(path):
            out = formatter.keep_comments(pol.tree, out)
        _assert_round_trip(pol, out, to, path)
        drops_comments = to == "yaml" and _has_yaml_comments(pol)
        if drops_comments and (check or write):
            # fmt cannot keep a YAML file's comments: never drop them silently
            click.echo(f"{path}: has comments, which `fmt` does not keep in YAML; "
                       f"{'not checked' if check else 'not rewritten'}", err=True)
            if write:
                sys.exit(EXIT_INPUT)
            continue
        if check:
            if Path(path).read_text(encoding="utf-8") != out:
                unformatted.append(path)
                click.echo(f"{path}: not formatted (run `aftersale fmt -w {path}`)", err=True)
        elif write:
            if to != format_for(path):
                raise click.UsageError("--write keeps each file's format; use --to without --write to convert")
            atomic_write(Path(path), out)
        else:
            click.echo(out, nl=False)
    if unformatted:
        sys.exit(EXIT_FINDINGS)


def _has_yaml_comments(pol) -> bool:
    """Whether a YAML policy's source may hold a comment (a `#` at a line's start or after a space)."""
    source = pol.tree.source
    if source is None or pol.tree.spans.get("rules") is None:
        return False
    return any(line.lstrip().startswith("#") or " #" in line for line in source.text.splitlines())


def _assert_round_trip(pol, out: str, to: str, path: str) -> None:
    """The formatter's soundness check: its output must compile to the same tree."""
    from . import compile

    again = compile(out, to, f"{path} (formatted)")
    if again.tree != pol.tree:  # pragma: no cover - a formatter bug, never user error
        raise click.ClickException(f"formatting {path} would change its meaning; please report this")


def atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file beside `path`, flushed to disk, then renamed over it: after an
    interrupt or a failed write the old file is whole and no temporary file is left, never half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)  # keep the file's permissions
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def lint(paths, fmt, strict):
    """Check policies without any event: errors fail (exit 1), warnings too with --strict."""
    from .lint import cli_main

    sys.exit(cli_main(list(paths), fmt, strict))


@cli.command("test")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=False))
@click.option("--junit", type=click.Path(dir_okay=False), help="Write JUnit XML for CI (atomically).")
@click.option("--min-coverage", type=click.FloatRange(0, 100),
              help="Fail when a policy's rule coverage is below this percent.")
def test_cmd(paths, junit, min_coverage):
    """Run policy test files (*.tests.yaml under PATHS; default: the current folder).

    A line per case; a failure shows expected vs actual and the explanation of
    the actual decision. Then rule coverage: the rules no passing case
    reached, and why (shadowed, never matched, only reached by failing cases).
    A policy file as PATH runs the test files beside it that test it.

    Exit code 1 when a case fails or coverage is too low; 2 when a test file,
    its policy or an event in it is invalid.
    """
    from .runner import cli_main

    sys.exit(cli_main(list(paths) or ["."], junit, min_coverage))


@cli.command()
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
@click.option("--engine", type=click.Choice(["python", "duckdb", "spark"]), default="python", show_default=True,
              help="What decides: this process, the policy's SQL on embedded DuckDB, or on Spark.")
@click.option("--master", help="Spark master URL for --engine spark (default: local[2]).")
def simulate(policy, events_file, baseline, fmt, out, trace, rejects, jobs, progress, engine, master):
    """Replay history: counts and money per action and rule, and what a change would change.

    \b
    aftersale generate --count 100000 --seed 7 --out history.jsonl.gz
    aftersale simulate policies/douyin-assistant.policy --events history.jsonl.gz \\
        --baseline policies/tea-house.policy

    Bad lines are reported with their line number and counted; they never stop
    the run (exit code 2 when there were any, after the full report).
    """
    from .simulate import cli_main

    sys.exit(cli_main(policy, events_file, baseline, fmt, out, rejects=rejects, trace=trace, jobs=jobs,
                      progress=progress, engine=engine, master=master))


@cli.command("sql")
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--dialect", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--years", help="Years the holiday calendar covers, like 2024-2027 (default 2019-2030).")
def sql_cmd(policy, dialect, years):
    """Print the SQL query that decides a table of events (action, rule, forbidden_by, recheck_at)."""
    from .backends.sql.command import cli_main, parse_years

    try:
        span = parse_years(years)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--years") from None
    sys.exit(cli_main(policy, dialect, span))


@cli.command()
@click.option("--count", "-n", type=click.IntRange(0), default=10_000, show_default=True, help="Events to write.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same file.")
@click.option("--start", default="2026-09-01", show_default=True, help="First day of the history (YYYY-MM-DD).")
@click.option("--days", type=click.IntRange(1, 3660), default=120, show_default=True, help="Days of history.")
@click.option("--platform", type=click.Choice(["mixed", "douyin", "kuaishou"]), default="mixed", show_default=True)
@click.option("--bad-lines", "bad_rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of lines to spoil on purpose (broken JSON, invalid values), to try error handling.")
@click.option("--out", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="JSONL file (.gz compresses it), or `-` for stdout.")
def generate(count, seed, start, days, platform, bad_rate, out):
    """Write a realistic synthetic history of after-sales requests (seeded, reproducible).

    Kinds and reasons in the platforms' proportions, amounts by category,
    evenings and weekends busier, China's public holidays and make-up working
    days, Double 11 returns, delivery times, risk levels, tracking and
    warehouse states.
    """
    from .simulate.generate import cli_main

    sys.exit(cli_main(count, seed, start, days, platform, bad_rate, out))


def main() -> None:
    cli(prog_name="aftersale")


if __name__ == "__main__":  # pragma: no cover
    main()
