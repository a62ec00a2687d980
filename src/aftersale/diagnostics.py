"""Diagnostics: one object per problem, fed to every output format.

Every front end, the event validator and the linter report problems as
`Diagnostic` values with a stable kebab-case name. Errors that stop a command
are raised as `AftersaleError`, which carries the diagnostics.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .source import Source, Span, highlight

ERROR, WARNING, INFO = "error", "warning", "info"

#: Where the documentation of each finding lives, by name.
DOCS_URL = "docs/lint/{name}.md"  # in this repository


@dataclass(frozen=True)
class Diagnostic:
    name: str
    severity: str
    message: str
    span: Span
    rule: str | None = None
    help: str | None = None
    example: dict | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    #: Ids of other rules the finding is about (the earlier rule that shadows this one, ...).
    related: tuple[str, ...] = ()
    #: Extra lines for people, after the help (e.g. the example request in short).
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "rule": self.rule,
        }
        if self.help:
            data["help"] = self.help
        if self.related:
            data["related"] = list(self.related)
        if self.example is not None:
            data["example"] = self.example
        return data

    def render(self) -> str:
        """Text for people: location, message, the underlined source, help."""
        head = f"{self.span}: {self.severity}[{self.name}]: {self.message}"
        parts = [head]
        if self.source is not None and self.span.line > 0:
            parts.append(highlight(self.source, self.span))
        if self.help:
            parts.append(f"  = help: {self.help}")
        parts.extend(f"  = {note}" for note in self.notes)
        return "\n".join(parts)


def sort_key(d: Diagnostic):
    return (d.span.file, d.span.line, d.span.column, d.name)


class AftersaleError(Exception):
    """The one error type the package raises for bad input (policies, events, files)."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(diagnostics, key=sort_key)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class InternalError(Exception):
    """A bug in aftersale itself, not in its input (e.g. in the compiled backend's generated code).

    The CLI prints `aftersale: <message>` and exits with code 3; the message asks for a report.
    Built from plain strings, so it crosses process boundaries (simulate's workers) unchanged.
    """

    def __init__(self, where: str, cause: BaseException | str | None = None):
        detail = f"{type(cause).__name__}: {cause}" if isinstance(cause, BaseException) else (cause or "")
        super().__init__(where, detail)
        self.where, self.detail = where, detail

    def __str__(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return (f"internal error in {self.where}{detail} (this is a bug in aftersale, not in your policy "
                f"or events: please report it with the policy and the event)")


def error(name: str, message: str, span: Span, *, source: Source | None = None,
          help: str | None = None, rule: str | None = None) -> Diagnostic:
    return Diagnostic(name, ERROR, message, span, rule=rule, help=help, source=source)


def did_you_mean(word: str, choices) -> str | None:
    """A close match among choices, for "did you mean" help."""
    import difflib

    choices = list(choices)
    match = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    # a word cut short (`buyer.risk`) means the field it starts, when that is among the close ones
    started = [m for m in match if m.startswith(word)]
    return (started or match or [None])[0]
