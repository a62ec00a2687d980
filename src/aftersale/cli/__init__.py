"""The `aftersale` command: one module per command, this group, and `main`.

Exit codes (README, "Exit codes"): 0 fine; 1 the command ran and found
problems in what it checks (lint findings, failing test cases, `fmt --check`);
2 usage or input errors, and outputs that could not be written. Bad input ends
in a message naming file, line and column, never a traceback.
"""
from __future__ import annotations

import sys

import click

from ..diagnostics import AftersaleError, InternalError
from ..files import handle_termination
from ..locale import msg
from .language import language
from ..terminal import (EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, fail, note, printable, report,
                        silence_stdout)
from .diff import diff
from .eval import eval_cmd
from .explain import explain
from .fmt import fmt
from .generate import generate
from .lint import lint
from .log import log_cmd
from .platform import platform
from .schema import schema
from .serve import serve
from .simulate import simulate
from .sql import sql_cmd
from .test import test_cmd
from .token import token


class Group(click.Group):
    """Turns bad input and failed writes into a message and exit code 2; tracebacks are for real bugs only."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AftersaleError as err:
            report(err)
            ctx.exit(EXIT_INPUT)
        except RecursionError:
            fail(msg("cli.too_deep"))
            ctx.exit(EXIT_INPUT)
        except InternalError as err:  # a bug in aftersale (e.g. generated code that raised): say so
            note(err.render(language()))
            ctx.exit(EXIT_INTERNAL)
        except KeyboardInterrupt:
            note(msg("cli.interrupted"))
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            silence_stdout()  # nobody reads the output; the input was read as far as it was
            ctx.exit(EXIT_OK)
        except OSError as exc:  # a write that failed (disk full, /dev/full, permission denied)
            reason = str(exc.strerror or exc)
            fail(msg("error.cannot_write", path=str(exc.filename), reason=reason) if exc.filename
                 else msg("cli.cannot_write_output", reason=reason))
            ctx.exit(EXIT_INPUT)


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


for command in (eval_cmd, explain, schema, fmt, lint, test_cmd, simulate, generate, sql_cmd, diff):
    cli.add_command(command)
for command in (serve, token, log_cmd, platform):  # the decision service (the `serve` extra)
    cli.add_command(command)


def finish_stdout(code):
    """Flush standard output; a failure there (stdout is /dev/full) is exit code 2 with a message."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as exc:
        silence_stdout()
        click.echo(f"aftersale: error: cannot write to standard output: {printable(exc.strerror or str(exc))}",
                   err=True)
        return EXIT_INPUT
    return code


def main() -> None:
    handle_termination()
    try:
        cli(prog_name="aftersale")
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - click always exits
        code = EXIT_OK
    sys.exit(finish_stdout(code))


__all__ = ["cli", "main", "Group"]
