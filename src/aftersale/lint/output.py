"""The four output formats, all from the same diagnostics: text, json, sarif, github.

- text: the finding, the source line with the span underlined, help, the example
  request in short, and the finding's documentation page;
- json: an array of the contract's finding objects;
- sarif: SARIF 2.1.0, one run, one reporting descriptor per finding name;
- github: workflow commands (`::error file=...::message`) that annotate a pull request.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..diagnostics import DOCS_URL, ERROR, INFO, WARNING, Diagnostic
from ..locale import message, plural
from .registry import TABLE

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {ERROR: "error", WARNING: "warning", INFO: "note"}
GITHUB_LEVELS = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def summary(findings: list[Diagnostic], files: int, hidden: int = 0, lang: str = "en") -> str:
    counts = {s: sum(1 for d in findings if d.severity == s) for s in (ERROR, WARNING, INFO)}
    files_text = plural(lang, "lint.summary.files", files)
    if not findings and not hidden:
        return message(lang, "lint.summary.clean", files=files_text)
    parts = [plural(lang, f"lint.summary.{s}", n) for s, n in counts.items() if n]
    shown = message(lang, "list.sep").join(parts) if parts else message(lang, "lint.summary.nothing")
    text = message(lang, "lint.summary.found", counts=shown, files=files_text)
    if hidden:
        text = message(lang, "lint.summary.hidden", summary=text, hidden=hidden)
    return text


def text(findings: list[Diagnostic], files: int, hidden: int = 0, color: bool = False, lang: str = "en") -> str:
    blocks = []
    for d in findings:
        block = d.render(lang) + "\n  = " + message(lang, "diagnostic.docs", url=DOCS_URL.format(name=d.name))
        if color:
            import click

            head, _, rest = block.partition("\n")
            style = {ERROR: "red", WARNING: "yellow", INFO: "cyan"}.get(d.severity, "white")
            block = click.style(head, fg=style, bold=True) + ("\n" + rest if rest else "")
        blocks.append(block)
    blocks.append(summary(findings, files, hidden, lang))
    return "\n\n".join(blocks)


def to_json(findings: list[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in findings], ensure_ascii=False, indent=2)


def _relative(path: str) -> Path:
    """The path relative to the working folder where it can be (else as it is)."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd())
        except ValueError:
            pass
    return p


def _uri(path: str) -> str:
    p = _relative(path)
    return p.as_uri() if p.is_absolute() else p.as_posix()


def sarif(findings: list[Diagnostic]) -> dict:
    from .. import __version__

    rules = [{
        "id": c.name,
        "name": "".join(w.title() for w in c.name.split("-")),
        "shortDescription": {"text": c.summary},
        "helpUri": c.docs,
        "defaultConfiguration": {"level": SARIF_LEVELS[c.severity]},
        "properties": {"family": c.family},
    } for c in TABLE]
    index = {c.name: i for i, c in enumerate(TABLE)}
    results = []
    for d in findings:
        result: dict = {
            "ruleId": d.name,
            "level": SARIF_LEVELS.get(d.severity, "warning"),
            "message": {"text": d.message + (f" ({d.help})" if d.help else "")},
        }
        if d.name in index:
            result["ruleIndex"] = index[d.name]
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": _uri(d.span.file)}}}
        if d.span.line > 0:
            region = {"startLine": d.span.line, "startColumn": max(1, d.span.column)}
            if d.span.end_line >= d.span.line:
                region["endLine"] = d.span.end_line
                if d.span.end_column > 0 and (d.span.end_line > d.span.line or d.span.end_column > d.span.column):
                    region["endColumn"] = d.span.end_column
            location["physicalLocation"]["region"] = region
        result["locations"] = [location]
        props: dict = {}
        if d.rule is not None:
            props["rule"] = d.rule
        if d.related:
            props["related"] = list(d.related)
        if d.example is not None:
            props["example"] = d.example
        if props:
            result["properties"] = props
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "aftersale",
                "version": __version__,
                "informationUri": "https://pypi.org/project/aftersale/",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Diagnostic], lang: str = "en") -> str:
    lines = []
    for d in findings:
        props = [f"file={_escape_property(_relative(d.span.file).as_posix())}"]
        if d.span.line > 0:
            props += [f"line={d.span.line}", f"col={max(1, d.span.column)}"]
            if d.span.end_line >= d.span.line:
                props += [f"endLine={d.span.end_line}", f"endColumn={max(1, d.span.end_column)}"]
        props.append(f"title={_escape_property('aftersale ' + d.name)}")
        help_ = d.help_in(lang)
        body = d.message_in(lang) + (f"\n{help_}" if help_ else "") + f"\n{DOCS_URL.format(name=d.name)}"
        lines.append(f"::{GITHUB_LEVELS.get(d.severity, 'warning')} {','.join(props)}::{_escape_data(body)}")
    return "\n".join(lines)


__all__ = ["text", "to_json", "sarif", "github", "summary"]
