"""Event text: JSON, a JSON array or JSON Lines, decoded with the limits and refusals events need.

Numbers become Decimal (checked for length before conversion), NaN and
Infinity are refused, and so is an object with the same key twice (the JSON
path of the second one is named): JSON's "last one wins" would silently
drop a value the sender meant.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..limits import MAX_EVENT_BYTES, MAX_NUMBER_CHARS
from ..locale import Msg, msg
from ..source import Source, Span


@dataclass
class EventInput:
    """One event as read from a file: its object, or the error that kept it from parsing."""

    line: int
    obj: Any = None
    error: AftersaleError | None = None
    text: str | None = None  # the event's own text, for locating problems
    index: int | None = None  # its position in a JSON array, which prefixes its JSON paths


class Refused(ValueError):
    """JSON the decoder accepts but an event may not hold (a number too long, NaN, a huge event)."""


def _number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise Refused(msg("event.number_too_long", start=text[:20], limit=str(MAX_NUMBER_CHARS)))
    return text


def _no_constant(name: str):
    raise Refused(msg("event.nan", name=name))


class DuplicateKey(Refused):
    """An object holds the same key twice; `str()` names its JSON path once `locate` has found it."""


def _object(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey("an object holds the same key twice")
    return obj


class _Twice(dict):
    """An object decoded by `duplicate_path`: `twice` is its first repeated key."""

    twice: str


def _marking(pairs: list) -> dict:
    obj = _Twice(pairs)
    seen: set = set()
    obj.twice = next((k for k, _ in pairs if k in seen or seen.add(k)), None)  # type: ignore[func-returns-value]
    return obj


def duplicate_path(text: str) -> str:
    """The JSON path of the first key given twice in `text` (which `DECODER` refused for that)."""
    stack: list = [(json.loads(text, object_pairs_hook=_marking, parse_float=str, parse_int=str,
                               parse_constant=str), [])]
    while stack:
        value, path = stack.pop(0)
        if isinstance(value, dict):
            if getattr(value, "twice", None) is not None:
                return path_text(path + [value.twice])
            stack.extend((v, path + [k]) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, path + [i]) for i, v in enumerate(value))
    return path_text([])


def duplicate_message(text: str) -> Msg:
    return msg("event.twice", where=duplicate_path(text))


#: Python's JSON decoder's messages (`exc.msg`), as message ids: what people read instead.
JSON_PROBLEMS = {
    "Expecting value": "expecting_value",
    "Expecting property name enclosed in double quotes": "expecting_name",
    "Expecting ',' delimiter": "expecting_comma",
    "Expecting ':' delimiter": "expecting_colon",
    "Unterminated string starting at": "unterminated",
    "Invalid control character at": "control",
    "Invalid \\escape": "escape",
    "Invalid \\uXXXX escape": "escape",
    "Extra data": "extra",
    "Illegal trailing comma before end of object": "trailing_comma",
    "Illegal trailing comma before end of array": "trailing_comma",
}


def json_problem(problem: str) -> Msg:
    """`invalid JSON: ...` for a decoder message, in people's words where it is a known one."""
    known = JSON_PROBLEMS.get(problem)
    return msg("event.json", problem=msg(f"event.json_problem.{known}") if known else problem)


def path_text(path) -> str:
    """A JSON path as messages write it: `order.items[0].sku`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the event)"


#: JSON text that may hold a value `typed.shape_problem` refuses though JSON allows it (an unpaired
#: surrogate escape, a run of digits over MAX_NUMBER_CHARS, an exponent): where it finds nothing, the
#: decoded object needs no walk for such values.
SUSPECT = re.compile(r"\\u[dD][89a-fA-F]|[0-9]{%d}|[0-9.][eE]" % (MAX_NUMBER_CHARS + 1)).search


def _no_constant_value(name: str):
    raise ValueError(f"`{name}` is not valid JSON")


#: The decoder for event lines read in bulk (simulate): Decimal numbers, no NaN, no key twice.
#: Number lengths are left to the reader, which checks them where `SUSPECT` says it must.
DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant_value, object_pairs_hook=_object)


def json_loads(text: str):
    if len(text) > MAX_EVENT_BYTES // 4 and len(text.encode("utf-8")) > MAX_EVENT_BYTES:
        raise Refused(msg("event.too_large", limit=MAX_EVENT_BYTES))
    # Numbers are checked before they are converted: int() of 5,000 digits raises a Python
    # ValueError, and a short `1e-999999999` would print as a billion digits.
    try:
        return json.loads(text, parse_float=lambda t: Decimal(_number_text(t)),
                          parse_int=lambda t: int(_number_text(t)), parse_constant=_no_constant,
                          object_pairs_hook=_object)
    except DuplicateKey:
        raise DuplicateKey(duplicate_message(text)) from None


def syntax_error(exc: json.JSONDecodeError, source: str, line0: int) -> AftersaleError:
    span = Span(source, line0 + exc.lineno - 1, exc.colno, line0 + exc.lineno - 1, exc.colno + 1)
    return AftersaleError(Diagnostic("invalid-json", ERROR, json_problem(exc.msg), span))


def read_events(text: str, source: str = "<stdin>") -> Iterator[EventInput]:
    """Events from a JSON object, a JSON array, or JSON Lines; bad lines are yielded as errors.

    Nothing is dropped: every non-blank line of JSONL yields one EventInput.
    """
    stripped = text.lstrip()
    if not stripped:
        err = AftersaleError(Diagnostic("invalid-json", ERROR, msg("event.empty"),
                                        Span(source, 1, 1, 1, 1)))
        yield EventInput(1, error=err)
        return
    if stripped.startswith("["):
        try:
            data = json_loads(text)
        except (json.JSONDecodeError, RecursionError, Refused) as exc:
            # JSON Lines whose first line is a list (a bad event, reported as such), not one array
            first = stripped.split("\n", 1)[0].rstrip()
            if ("Extra data" in str(exc) and getattr(exc, "lineno", 1) > 1) or (
                    first != "[" and _looks_like_lines(text)):
                yield from _json_lines(text, source)
            elif isinstance(exc, json.JSONDecodeError):
                yield EventInput(exc.lineno, error=syntax_error(exc, source, 1))
            elif isinstance(exc, RecursionError):
                yield EventInput(1, error=too_deep(source, 1))
            else:
                yield EventInput(1, error=refused(exc, source, 1))
            return
        try:
            texts = list(_element_texts(text))
        except ValueError:  # cannot happen for text json.loads read; locating is best effort anyway
            texts = []
        if len(texts) != len(data):
            texts = [(1, None)] * len(data)
        for i, (obj, (line, own_text)) in enumerate(zip(data, texts)):
            yield EventInput(line, obj=obj, text=own_text, index=i)
        return
    # One object (possibly over several lines), or JSON Lines.
    # A bad first line must not hide the lines after it: when the text does not read as one
    # document and a later line is an object on its own, it is JSON Lines.
    try:
        obj = json_loads(text)
        yield EventInput(1, obj=obj, text=text)
        return
    except json.JSONDecodeError as exc:
        if "Extra data" not in exc.msg and not _looks_like_lines(text):
            yield EventInput(exc.lineno, error=syntax_error(exc, source, 1))
            return
    except RecursionError:
        if not _looks_like_lines(text):
            yield EventInput(1, error=too_deep(source, 1))
            return
    except Refused as exc:
        if not _looks_like_lines(text):
            yield EventInput(1, error=refused(exc, source, 1))
            return
    yield from _json_lines(text, source)


def _looks_like_lines(text: str) -> bool:
    """Whether some line after the first is a JSON object on its own (so the text is JSON Lines)."""
    for line in text.split("\n")[1:]:
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                if isinstance(json_loads(line), dict):
                    return True
            except Refused:  # an object line over a limit (a huge event) is still a line of its own
                return True
            except (ValueError, RecursionError):
                continue
    return False


def _json_lines(text: str, source: str) -> Iterator[EventInput]:
    """One EventInput per non-blank line. Lines end at `\n` only: JSON text may hold U+2028,
    U+0085 and other characters that `str.splitlines()` would wrongly split a line at."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield read_line(line, source, number)


def read_line(line: str, source: str, number: int) -> EventInput:
    """One non-blank line of JSON Lines, line `number` of `source`: its event, or why it is bad."""
    try:
        return EventInput(number, obj=json_loads(line), text=line)
    except json.JSONDecodeError as exc:
        return EventInput(number, error=syntax_error(exc, source, number))
    except RecursionError:
        return EventInput(number, error=too_deep(source, number))
    except Refused as exc:
        return EventInput(number, error=refused(exc, source, number))


def refused(exc: Refused, source: str, line: int) -> AftersaleError:
    return AftersaleError(Diagnostic("invalid-json", ERROR, exc.args[0], Span(source, line, 1, line, 1)))


_WS = re.compile(r"[ \t\n\r]*")


def _element_texts(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each element of a valid JSON array, so problems are located in the element
    alone: the text starts on the element's line, blanked up to its column, and runs to its end."""
    decoder = json.JSONDecoder()
    i = _WS.match(text, text.index("[") + 1).end()
    line = text.count("\n", 0, i) + 1
    while i < len(text) and text[i] != "]":
        _, end = decoder.raw_decode(text, i)
        line_start = text.rfind("\n", 0, i) + 1
        yield line, " " * (i - line_start) + text[i:end]
        line += text.count("\n", i, end)
        j = _WS.match(text, end).end()
        if text[j:j + 1] == ",":
            j = _WS.match(text, j + 1).end()
        line += text.count("\n", end, j)
        i = j


def too_deep(source: str, line: int) -> AftersaleError:
    return AftersaleError(Diagnostic("invalid-json", ERROR, msg("event.json_too_deep"),
                                     Span(source, line, 1, line, 1)))


def source_for(text: str, name: str) -> Source:
    return Source(text, name)
