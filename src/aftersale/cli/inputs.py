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


def decode(data: bytes, name: str) -> str:
    """Input bytes as text (a byte order mark dropped), or an error at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        what = "standard input is" if name == STDIN else "the file is"
        raise AftersaleError(Diagnostic("invalid-json", ERROR, f"{what} not valid UTF-8",
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
    for path in paths or ("-",):
        if path == "-":
            stdin_buffer()  # a closed standard input is an error before anything is read
        for item, name in _stream(path):
            yield item, name


def _stream(path: str):
    from ..events import read_events
    from ..simulate.engine import Input

    source = Input(path)
    name = STDIN if path == "-" else path
    try:
        chunks = source.chunks(partial=True)
        head: list[tuple[int, bytes]] = []
        lines = False
        for chunk in chunks:
            head.append(chunk)
            kind = _first_line_kind(chunk[1])
            if kind is not None:
                lines = kind
                break
        if not lines:
            data = b"".join(c for _, c in head) + b"".join(c for _, c in chunks)
            text = decode(data, name) if (path == "-" or source.gzip) else read_input(path)[0]
            for item in read_events(text, name):
                yield item, name
        else:
            for first, data in head:
                yield from _lines(first, data, name)
            for first, data in chunks:
                yield from _lines(first, data, name)
        if source.truncated:
            line, message = source.truncated
            yield _bad("io-error", message, Span(name, line, 1, line, 1)), name
    finally:
        source.close()


def _bad(code: str, message: str, span: Span):
    from ..events import EventInput

    return EventInput(span.line, error=AftersaleError(Diagnostic(code, ERROR, message, span)))


def _first_line_kind(data: bytes) -> bool | None:
    """Whether the first non-blank line in `data` starts JSON Lines (True), or a document to read whole
    (False: a JSON array, or a line that ends before its value does); None when `data` is all blank."""
    for raw in data.split(b"\n"):
        line = raw.decode("utf-8", "replace").lstrip("\ufeff").strip()
        if not line:
            continue
        if line.startswith("["):
            return False
        try:
            json.loads(line)
        except json.JSONDecodeError as exc:
            return exc.pos < len(line)  # an error inside the line: a bad line of JSON Lines
        except (ValueError, RecursionError):
            return True
        return True
    return None


def _lines(first: int, data: bytes, name: str):
    """(EventInput, name) for each non-blank line of a block of whole lines that starts at line `first`."""
    from ..events.text import read_line

    for number, raw in enumerate(data.split(b"\n"), start=first):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            span = Span(name, number, exc.start + 1, number, exc.start + 2)
            yield _bad("invalid-json", "the line is not valid UTF-8", span), name
            continue
        yield read_line(text.removeprefix("\ufeff") if number == 1 else text, name, number), name


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
