"""Diagnostics: one object per problem, fed to every output format.

Every front end, the event validator and the linter report problems as
`Diagnostic` values with a stable kebab-case name. Errors that stop a command
are raised as `AftersaleError`, which carries the diagnostics.

Words at the edges: a diagnostic's message and help may be given as a `Msg`
(a message id with arguments); `render(lang)` says it in English or Chinese.
`message` and `help` always hold the English text, which JSON keeps (stable for
machines), next to `message_id`/`args` (and `help_id`/`help_args`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .locale import Msg, message as _message, say
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
    notes: tuple[str, ...] = ()  # (English; `Msg`s given here are kept in `notes_text`)
    #: The message and help as ids with arguments (set from a `Msg` given as `message` / `help`).
    text: Msg | None = field(default=None, compare=False, repr=False)
    help_text: Msg | None = field(default=None, compare=False, repr=False)
    notes_text: tuple[str | Msg, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.message, Msg):
            object.__setattr__(self, "text", self.message)
            object.__setattr__(self, "message", str(self.message))
        if isinstance(self.help, Msg):
            object.__setattr__(self, "help_text", self.help)
            object.__setattr__(self, "help", str(self.help))
        if any(isinstance(n, Msg) for n in self.notes):
            object.__setattr__(self, "notes_text", self.notes)
            object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))

    def message_in(self, lang: str) -> str:
        return self.text.render(lang) if self.text is not None else self.message

    def help_in(self, lang: str) -> str | None:
        return self.help_text.render(lang) if self.help_text is not None else self.help

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
        if self.text is not None:
            data.update(self.text.to_json())
        if self.help:
            data["help"] = self.help
            if self.help_text is not None:
                help_json = self.help_text.to_json()
                data["help_id"], data["help_args"] = help_json["message_id"], help_json["args"]
        if self.related:
            data["related"] = list(self.related)
        if self.example is not None:
            data["example"] = self.example
        return data

    def render(self, lang: str = "en") -> str:
        """Text for people, in `lang`: location, message, the underlined source, help."""
        severity = _message(lang, f"severity.{self.severity}")
        parts = [_message(lang, "diagnostic.head", at=str(self.span), severity=severity, name=self.name,
                          message=self.message_in(lang))]
        if self.source is not None and self.span.line > 0:
            parts.append(highlight(self.source, self.span))
        if self.help:
            parts.append("  = " + _message(lang, "diagnostic.help", help=self.help_in(lang)))
        parts.extend(f"  = {say(note, lang)}" for note in (self.notes_text or self.notes))
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

    def render(self, lang: str = "en") -> str:
        return "\n".join(d.render(lang) for d in self.diagnostics)


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
        return self.render("en")

    def render(self, lang: str) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return _message(lang, "diagnostic.internal", where=self.where, detail=detail)


def error(name: str, message: str | Msg, span: Span, *, source: Source | None = None,
          help: str | Msg | None = None, rule: str | None = None) -> Diagnostic:
    return Diagnostic(name, ERROR, message, span, rule=rule, help=help, source=source)


def did_you_mean(word: str, choices) -> str | None:
    """A close match among choices, for "did you mean" help."""
    import difflib

    choices = list(choices)
    match = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    # a word cut short (`buyer.risk`) means the field it starts, when that is among the close ones
    started = [m for m in match if m.startswith(word)]
    return (started or match or [None])[0]


def did_you_mean_msg(hint: str):
    """The help "did you mean `hint`?" as a message."""
    from .locale import msg

    return msg("error.did_you_mean", hint=hint)
