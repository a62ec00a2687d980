"""What the commands read: files or standard input, events and stored decision records."""
from __future__ import annotations

import json
import sys

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..source import Span
from ..terminal import report

STDIN = "<stdin>"


def stdin_closed(name: str = "standard input") -> AftersaleError:
    return AftersaleError(Diagnostic("io-error", ERROR, f"{name} is closed: give a file, or pipe the input in",
                                     Span(STDIN, 1, 1, 1, 1)))


def stdin_buffer():
    """Standard input's byte stream, or an error when it is closed (`<&-`)."""
    if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
        raise stdin_closed()
    return sys.stdin.buffer


def read_input(path: str) -> tuple[str, str]:
    """(text, display name) of a file or of stdin for `-`."""
    from ..policy import read_text

    if path == "-":
        try:
            data = stdin_buffer().read()
        except (OSError, ValueError):  # a closed or unreadable descriptor
            raise stdin_closed() from None
        try:
            return data.decode("utf-8-sig"), STDIN
        except UnicodeDecodeError:
            raise AftersaleError(Diagnostic("invalid-json", ERROR, "standard input is not valid UTF-8",
                                            Span(STDIN, 1, 1, 1, 1))) from None
    return read_text(path), path


def iter_events(paths: tuple[str, ...]):
    """(EventInput, source name) for every event in the files (or stdin)."""
    from ..events import read_events

    for path in paths or ("-",):
        text, name = read_input(path)
        for item in read_events(text, name):
            yield item, name


def parse_or_report(item, name):
    """The parsed Event, or None after reporting why it is bad."""
    from ..events import parse_event

    if item.error is not None:
        report(item.error)
        return None
    try:
        return parse_event(item.obj, source=name, line=item.line, text=item.text, index=item.index)
    except AftersaleError as err:
        report(err)
        return None


def decide_all(pol, paths, counts: dict, trace: bool = True, wanted=lambda: True):
    """Decision records for every good event; bad ones are reported and counted in counts["bad"].

    When `wanted()` turns false (nobody reads the output any more) events are still validated, so
    bad input later in the files still counts, but no longer decided.
    """
    for item, name in iter_events(paths):
        event = parse_or_report(item, name)
        if event is None:
            counts["bad"] += 1
            continue
        if wanted():
            yield pol.decide(event, trace=trace).to_json()


def read_records(path: str):
    """Stored decision records (JSON, a JSON array or JSON Lines), each checked against the schema."""
    from ..schema import validator

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


def logged_records(db: str, event_id: str, store: str | None = None) -> list[dict]:
    """The newest decision record of a request in the decision log (needs the `serve` extra)."""
    from ..service import require

    require()
    from ..decision.log import DecisionLog

    found = DecisionLog.open(db, must_exist=True).records(store, event_id)
    if not found:
        raise AftersaleError(Diagnostic("not-found", ERROR, f"no decision for request `{event_id}` in the log",
                                        Span(db, 1, 1, 1, 1)))
    return [found[0]["record"]]
