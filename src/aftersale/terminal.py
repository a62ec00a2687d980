"""What the tools print for people: exit codes, colour, error reports and escaped untrusted text.

Event ids, case names and other strings from policies, events and test files
can hold control characters. Every human-facing output passes them through
`printable` (or `printable_data` for a record before it is rendered), so an
id holding `ESC ] 0 ; ... BEL` shows as text instead of retitling the window.
JSON outputs are never escaped this way: they stay exact.

>>> printable("AS-1\\x1b]0;pwned\\x07")
'AS-1\\\\x1b]0;pwned\\\\x07'
>>> printable("a\\nb"), printable("a\\nb", lines=True)
('a\\\\nb', 'a\\nb')
>>> printable("\\u202eabc")
'\\\\u202eabc'
"""
from __future__ import annotations

import os
import sys

import click

from .diagnostics import AftersaleError
from .locale import Msg, message as _message, resolve, say

#: The exit code table (README, "Exit codes").
EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
EXIT_INTERNAL = 3  # a bug in aftersale itself (e.g. generated code that raised): reported as such
EXIT_INTERRUPTED = 130

#: Bidirectional controls (Trojan Source) and line/paragraph separators, shown escaped like C0/C1 controls.
_INVISIBLE = {0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def _escape(ch: str) -> str:
    if ch in "\n\t\r":
        return repr(ch)[1:-1]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _needs_escape(code: int) -> bool:
    return code < 0x20 or 0x7F <= code <= 0x9F or code in _INVISIBLE


#: str.translate table: every character that needs escaping, mapped to its visible escape.
_TABLE = {c: _escape(chr(c)) for c in [*range(0x20), *range(0x7F, 0xA0), *_INVISIBLE]}
_LINES_TABLE = {k: v for k, v in _TABLE.items() if k not in (0x0A, 0x09)}


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with control characters (C0, DEL, C1, bidi controls) shown as `\\x1b` / `\\u202e` escapes.

    With `lines=True`, newlines and tabs are kept (for whole blocks of rendered text).
    """
    return text.translate(_LINES_TABLE if lines else _TABLE)


def printable_data(value):
    """A copy of JSON-like data with every string (and key) passed through `printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(k) if isinstance(k, str) else k: printable_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable_data(v) for v in value]
    return value


def color_wanted(flag: bool | None, stream=None) -> bool:
    """Colour when asked (--color/--no-color), else only on a terminal without NO_COLOR or TERM=dumb."""
    if flag is not None:
        return flag
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


#: Where the command's `--lang` and its policy's language line are kept (the click context's meta).
FLAG, POLICY = "aftersale.lang", "aftersale.policy_lang"


def policy_language(value: str | None) -> None:
    """The language line of the policy the command has loaded (it counts after `--lang`)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and value:
        ctx.meta[POLICY] = value


def language(ctx=None) -> str:
    """The language of the current command's text output."""
    ctx = ctx or click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    return resolve(meta.get(FLAG), meta.get(POLICY), os.environ)


def report(err: AftersaleError, lang: str | None = None) -> None:
    """Print an error's diagnostics to stderr in `lang` (default: the command's), escaped, coloured on a terminal."""
    color = color_wanted(None, sys.stderr)
    lang = lang or language()
    for d in err.diagnostics:
        text = printable(d.render(lang), lines=True)
        if color:
            head, _, rest = text.partition("\n")
            text = click.style(head, fg="red" if d.severity == "error" else "yellow", bold=True) + (
                "\n" + rest if rest else "")
        click.echo(text, err=True)


def fail(message: str | Msg) -> None:
    """Print `aftersale: error: MESSAGE` to stderr in the command's language (escaped)."""
    lang = language()
    click.echo(_message(lang, "cli.fail", message=printable(say(message, lang), lines=True)), err=True)


def note(message: str | Msg) -> None:
    """Print `aftersale: MESSAGE` to stderr in the command's language (escaped)."""
    click.echo(_message(language(), "cli.note", message=printable(str(say(message, language())), lines=True)),
               err=True)


class Stdout:
    """Lines for standard output that survive a closed pipe: after `| head -1` stops reading, writing
    stops (`closed` turns true) and the command goes on reading its input, so bad input later in it
    still sets the exit code."""

    def __init__(self) -> None:
        self.closed = False

    def echo(self, text: str = "", **kwargs) -> None:
        if self.closed:
            return
        try:
            click.echo(text, **kwargs)
        except BrokenPipeError:
            self.closed = True
            silence_stdout()


def silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (in-process runs)
        pass


__all__ = ["EXIT_OK", "EXIT_FINDINGS", "EXIT_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "printable", "printable_data",
           "color_wanted", "report", "fail", "note", "Stdout", "silence_stdout"]
