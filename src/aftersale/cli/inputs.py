"""What the commands read: files or standard input, events and stored decision records."""
from __future__ import annotations

import json
import sys

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..events.text import json_problem
from ..locale import Msg, msg
from ..source import Span
from ..terminal import report

STDIN = "<stdin>"


def stdin_closed() -> AftersaleError:
    return AftersaleError(Diagnostic("io-error", ERROR, msg("cli.stdin_closed"),
                                     Span(STDIN, 1, 1, 1, 1)))


def stdin_buffer():
    """Standard input's byte stream, or an error when it is closed (`<&-`)."""
    if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
        raise stdin_closed()
    return sys.stdin.buffer


def decode(data: bytes, name: str) -> str:
    """Input bytes as text (a byte order mark dropped), or an error at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise AftersaleError(Diagnostic("invalid-json", ERROR,
                                        msg("cli.stdin_not_utf8" if name == STDIN else "error.not_utf8"),
                                        Span(name, line, column, line, column + 1))) from None


def read_input(path: str) -> tuple[str, str]:
    """(text, display name) of a file or of stdin for `-`."""
    from ..policy import read_text

    if path == "-":
        try:
            data = stdin_buffer().read()
        except (OSError, ValueError):  # a closed or unreadable descriptor
            raise stdin_closed() from None
        return decode(data, STDIN), STDIN
    return read_text(path), path


def iter_events(paths: tuple[str, ...]):
    """(EventInput, source name) for every event in the files (or stdin), as they are read.

    JSON Lines (plain or gzip) are read line by line, so memory stays flat and each event is decided
    as soon as its line arrives; a JSON array, or one event over several lines, is read whole.
    """
    from ..events import read_events
    from ..events.text import read_line

    for path in paths or ("-",):
        yield from iter_json(path, read_events, read_line)


def iter_json(path: str, whole, line):
    """(item, source name) for each JSON value in a file or stdin (`-`), plain or gzip.

    JSON Lines are read in blocks of whole lines and each line handed to `line(text, name, number)` as
    it arrives; a JSON array, or one value over several lines, is read whole and given to
    `whole(text, name)`, which yields the items. A truncated gzip input ends with an `io-error` item.
    """
    from ..simulate.engine import Input

    if path == "-":
        stdin_buffer()  # a closed standard input is an error before anything is read
    source = Input(path)
    name = STDIN if path == "-" else path
    try:
        chunks = source.chunks(partial=True)
        head: list[tuple[int, bytes]] = []
        lines = None
        for chunk in chunks:
            head.append(chunk)
            lines = _first_line_kind(chunk[1])
            if lines is not None:
                break
        if not lines:
            data = b"".join(c for _, c in head) + b"".join(c for _, c in chunks)
            text = decode(data, name) if (path == "-" or source.gzip) else read_input(path)[0]
            for item in whole(text, name):
                yield item, name
        else:
            for first, data in head:
                yield from _lines(first, data, name, line)
            for first, data in chunks:
                yield from _lines(first, data, name, line)
        if source.truncated:
            number, message = source.truncated
            yield _bad("io-error", message, Span(name, number, 1, number, 1)), name
    finally:
        source.close()


def _bad(code: str, message: Msg, span: Span):
    from ..events import EventInput

    return EventInput(span.line, error=AftersaleError(Diagnostic(code, ERROR, message, span)))


def _first_line_kind(data: bytes) -> bool | None:
    """Whether the first non-blank line in `data` starts JSON Lines (True), or a document to read whole
    (False: a JSON array, or a line that ends before its value does); None when `data` is all blank."""
    for raw in data.split(b"\n"):
        text = raw.decode("utf-8", "replace").lstrip("\ufeff").strip()
        if not text:
            continue
        if text.startswith("["):
            return False
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return exc.pos < len(text)  # an error inside the line: a bad line of JSON Lines
        except (ValueError, RecursionError):
            return True
        return True
    return None


def _lines(first: int, data: bytes, name: str, line):
    """(item, name) for each non-blank line of a block of whole lines that starts at line `first`."""
    for number, raw in enumerate(data.split(b"\n"), start=first):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _bad("invalid-json", msg("sim.reason.not_utf8"),
                       Span(name, number, exc.start + 1, number, exc.start + 2)), name
            continue
        yield line(text.removeprefix("\ufeff") if number == 1 else text, name, number), name


def parse_or_report(item, name):
    """The parsed Event, or None after reporting why it is bad."""
    from ..events import parse_event
    from ..events.structs import fast_event

    if item.error is not None:
        report(item.error)
        return None
    # an event on its own (a line of JSON Lines, or a whole file): checked in C first
    event = fast_event(item.text) if item.index is None and item.text is not None else None
    if event is not None:
        return event
    try:
        return parse_event(item.obj, source=name, line=item.line, text=item.text, index=item.index)
    except AftersaleError as err:
        report(err)
        return None


def decided(pol, paths, counts: dict, trace: bool = True, wanted=lambda: True):
    """(Event, Decision) for every good event; bad ones are reported and counted in counts["bad"].

    When `wanted()` turns false (nobody reads the output any more) events are still validated, so
    bad input later in the files still counts, but no longer decided.
    """
    for item, name in iter_events(paths):
        event = parse_or_report(item, name)
        if event is None:
            counts["bad"] += 1
            continue
        if wanted():
            yield event, pol.decide(event, trace=trace)


def decide_all(pol, paths, counts: dict, trace: bool = True, wanted=lambda: True):
    """Decision records for every good event (see `decided`)."""
    for _, decision in decided(pol, paths, counts, trace, wanted):
        yield decision.to_json()


# -- stored decision records ----------------------------------------------------------

def _record_line(text: str, name: str, number: int):
    from ..events import EventInput

    try:
        return EventInput(number, obj=json.loads(text))
    except json.JSONDecodeError as exc:
        return _bad("invalid-json", json_problem(exc.msg), Span(name, number, exc.colno, number, exc.colno + 1))
    except (ValueError, RecursionError) as exc:  # an integer too long for int(), nesting too deep
        return _bad("invalid-json", json_problem(str(exc)[:100]), Span(name, number, 1, number, 1))


def _record_document(text: str, name: str):
    """The records of a document read whole: one record, a JSON array of them, or JSON Lines after all."""
    from ..events import EventInput

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and exc.lineno > 1:  # JSON Lines whose first line is cut short
            for number, line in enumerate(text.split("\n"), start=1):
                if line.strip():
                    yield _record_line(line, name, number)
            return
        yield _bad("invalid-json", json_problem(exc.msg), Span(name, exc.lineno, exc.colno, exc.lineno, exc.colno + 1))
        return
    except (ValueError, RecursionError) as exc:
        yield _bad("invalid-json", json_problem(str(exc)[:100]), Span(name, 1, 1, 1, 1))
        return
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            yield EventInput(1, obj=item, index=i)
    else:
        yield EventInput(1, obj=doc)


def read_records(path: str, counts: dict, event_id: str | None = None):
    """Stored decision records (a JSON object, a JSON array or JSON Lines, plain or gzip), each checked
    against the schema; bad ones are reported and counted in counts["bad"], the others yielded as read.

    With `event_id`, only that request's records, newest first (by `at`, then the later in the file);
    none is an error.
    """
    from ..schema import validator

    check = validator("decision")
    found: list[tuple[tuple, dict]] = []
    name = STDIN if path == "-" else path
    for n, (item, name) in enumerate(iter_json(path, _record_document, _record_line), start=1):
        if item.error is not None:
            report(item.error)
            counts["bad"] += 1
            continue
        doc = item.obj
        if event_id is not None and not (isinstance(doc, dict) and doc.get("event_id") == event_id):
            continue
        errors = list(check.iter_errors(doc))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(record)"
            which = msg("cli.record", n=str(n)) if item.index is None else \
                msg("cli.record_of_array", n=str(item.index + 1))
            report(AftersaleError(Diagnostic("invalid-record", ERROR,
                                             msg("cli.not_a_record", which=which, where=where,
                                                 problem=e.message[:200]),
                                             Span(name, item.line, 1, item.line, 1))))
            counts["bad"] += 1
            continue
        if event_id is None:
            yield doc
        else:
            found.append(((_moment(doc.get("at")), n), doc))
    if event_id is not None:
        if not found:
            raise AftersaleError(Diagnostic("not-found", ERROR, msg("cli.no_record", event=event_id, file=name),
                                            Span(name, 1, 1, 1, 1)))
        found.sort(key=lambda pair: pair[0], reverse=True)
        yield from (doc for _, doc in found)


def _moment(at) -> tuple:
    """A record's `at` as a sort key: aware timestamps in time order, records without one last."""
    from datetime import datetime

    try:
        return (1, datetime.fromisoformat(at).timestamp())
    except (TypeError, ValueError):
        return (0, 0.0)


def logged_records(db: str, event_id: str, store: str | None = None) -> list[dict]:
    """The newest decision record of a request in the decision log (needs the `serve` extra)."""
    from ..service import require

    require()
    from ..decision.log import DecisionLog

    found = DecisionLog.open(db, must_exist=True).records(store, event_id)
    if not found:
        raise AftersaleError(Diagnostic("not-found", ERROR, msg("cli.no_decision", event=event_id),
                                        Span(db, 1, 1, 1, 1)))
    return [found[0]["record"]]
