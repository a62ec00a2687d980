"""Events: reading, validating against the event schema, typing the values.

Every event is validated against `schema/event.json` before it is decided.
Each problem becomes one diagnostic naming the JSON path, and, where the event
came from a file, the line and column of the offending value.

>>> e = parse_event({"id": "A", "platform": "douyin", "at": "2026-11-21T22:14:00+08:00",
...     "request": {"kind": "refund_only", "reason": "lost", "amount": "12.50",
...                 "created_at": "2026-11-21T22:00:00+08:00", "status": "pending_merchant"},
...     "order": {"paid_amount": 30}})
>>> e.get(("request", "amount")), e.get(("order", "delivered_at"))
(Decimal('12.50'), MISSING)
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from .diagnostics import AftersaleError, Diagnostic, ERROR
from .fields import FIELDS, ITEM_FIELDS
from .limits import MAX_EVENT_BYTES, MAX_EVENT_PROBLEMS, MAX_NUMBER_CHARS, MAX_YAML_DEPTH
from .schema import validator
from .source import Source, Span
from .values import MISSING, MONEY, NUMBER, TIMESTAMP, parse_timestamp

#: At most this many problems are reported per event (the limits live in aftersale/limits.py).
MAX_PROBLEMS = MAX_EVENT_PROBLEMS


class Event:
    """A validated event: typed values reached by path; absent ones are MISSING."""

    __slots__ = ("data", "raw", "id")

    def __init__(self, data: dict, raw: dict):
        self.data = data
        self.raw = raw
        self.id = data.get("id")

    def get(self, path: tuple[str, ...]):
        value: Any = self.data
        for key in path:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(key, MISSING)
            if value is MISSING or value is None:
                return MISSING
        return value


@dataclass
class EventInput:
    """One event as read from a file: its object, or the error that kept it from parsing."""

    line: int
    obj: Any = None
    error: AftersaleError | None = None
    text: str | None = None  # the event's own text, for locating problems
    index: int | None = None  # its position in a JSON array, which prefixes its JSON paths


class _Refused(ValueError):
    """JSON the decoder accepts but an event may not hold (a number too long, NaN, a huge event)."""


def _number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"number `{text[:20]}…` has more than {MAX_NUMBER_CHARS} characters "
                       f"(a number has at most {MAX_NUMBER_CHARS})")
    return text


def _no_constant(name: str):
    raise _Refused(f"`{name}` is not a number: JSON has no NaN or Infinity")


def _json_loads(text: str):
    if len(text) > MAX_EVENT_BYTES // 4 and len(text.encode("utf-8")) > MAX_EVENT_BYTES:
        raise _Refused(f"the event is larger than {MAX_EVENT_BYTES:,} bytes")
    # Numbers are checked before they are converted: int() of 5,000 digits raises a Python
    # ValueError, and a short `1e-999999999` would print as a billion digits.
    return json.loads(text, parse_float=lambda t: Decimal(_number_text(t)),
                      parse_int=lambda t: int(_number_text(t)), parse_constant=_no_constant)


def _plain_digits(value: Decimal) -> int:
    """How many characters `value` takes written out in full (1E+9 is 10 digits)."""
    t = value.as_tuple()
    exp = t.exponent if isinstance(t.exponent, int) else 0
    return max(len(t.digits) + exp, 1) + max(-exp, 0)


def _shape_problem(obj: Any) -> tuple[list, str] | None:
    """A value no JSON event can hold, from a Python caller (or a decoder): (path, message) or None.

    Keys that are not text, NaN and infinities, numbers over MAX_NUMBER_CHARS digits
    written out, unpaired surrogates in text, non-JSON types and deep nesting are
    refused here, before the schema and the evaluator see them. Iterative.
    """
    stack: list[tuple[Any, list]] = [(obj, [])]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_YAML_DEPTH:
            return path, "the event is nested too deeply"
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return path, f"`{_path_text(path)}` has a key {key!r} that is not text"
                stack.append((item, path + [key]))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, path + [i]) for i, item in enumerate(value))
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return path, f"`{_path_text(path)}` holds an unpaired surrogate, not text"
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, (int, float, Decimal)):
            number = value if isinstance(value, Decimal) else Decimal(str(value)) if isinstance(value, float) \
                else None
            if number is not None and not number.is_finite():
                return path, f"`{_path_text(path)}` is {value}, not a number"
            if _plain_digits(number) > MAX_NUMBER_CHARS if number is not None else abs(value) >= 10 ** MAX_NUMBER_CHARS:
                return path, (f"`{_path_text(path)}` has more than {MAX_NUMBER_CHARS} digits "
                              f"(a number has at most {MAX_NUMBER_CHARS})")
        else:
            return path, f"`{_path_text(path)}` is a Python {type(value).__name__}, not JSON data"
    return None


def _path_text(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the event)"


def json_type(value) -> str:
    """The JSON name of a decoded value's type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), "null")


def _owner(where: str) -> str:
    """An object named in a message: `request`, or the event itself."""
    return "the event" if where == "(the event)" else f"`{where}`"


def _problem_path(err) -> list:
    """Where a schema error is located: at the unknown field itself for an unknown field."""
    path = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        path += extra[:1]
    return path


def _describe(err, prefix: tuple = ()) -> str:
    """One line for a jsonschema error, in our words."""
    where = _path_text(list(prefix) + list(err.absolute_path))
    v = err.validator
    inst = err.instance
    shown = json.dumps(inst, default=str, ensure_ascii=False)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"{_owner(where)} lacks the required field `{missing}`"
    if v == "additionalProperties":
        extra = sorted(set(inst) - set(err.schema.get("properties", {})))
        from .diagnostics import did_you_mean

        hint = did_you_mean(extra[0], err.schema.get("properties", {})) if extra else None
        tail = f" (did you mean `{hint}`?)" if hint else ""
        return f"{_owner(where)} has an unknown field `{extra[0] if extra else '?'}`{tail}"
    if v == "enum":
        from .diagnostics import did_you_mean

        hint = did_you_mean(str(inst), [str(x) for x in err.validator_value])
        options = ", ".join(str(x) for x in err.validator_value)
        tail = f"; did you mean `{hint}`?" if hint else f"; expected one of {options}"
        return f"`{where}` is {shown}{tail}"
    ref = err.schema.get("description", "")
    if v in ("anyOf", "pattern") and ("money" in ref.lower() or "yuan" in ref.lower()):
        return f"`{where}` is {shown}, not an amount of money (a decimal with at most 2 places, e.g. \"129.00\")"
    if v == "pattern" and ("timestamp" in ref.lower() or "ISO 8601" in ref):
        return f"`{where}` is {shown}, not a timestamp with a UTC offset (e.g. 2026-11-21T22:14:00+08:00)"
    if v == "type":
        return f"`{where}` is {shown}, expected {err.validator_value}"
    return f"`{where}`: {err.message}"


@functools.lru_cache(maxsize=2)
def _compose(text: str):
    """The YAML node tree of a JSON text (JSON is YAML; PyYAML keeps positions), once per text."""
    import yaml

    return yaml.compose(text, Loader=yaml.SafeLoader)


def _locate(text: str | None, path, source_name: str, line0: int) -> Span:
    """The position of the value at `path` in the event's text (YAML's parser keeps marks)."""
    if not text:
        return Span(source_name, line0, 1, line0, 1)
    try:
        import yaml

        node = _compose(text)
        for part in path:
            if isinstance(node, yaml.MappingNode):
                node = next(v for k, v in node.value if k.value == part)
            elif isinstance(node, yaml.SequenceNode):
                node = node.value[part]
        s, e = node.start_mark, node.end_mark
        return Span(source_name, line0 + s.line, s.column + 1, line0 + e.line, e.column + 1)
    except Exception:  # noqa: BLE001 - locating is best effort; the path is in the message
        return Span(source_name, line0, 1, line0, 1)


def _convert(value, type_, path: str):
    if type_ is MONEY:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError(f"`{path}` is {value}: money has at most 2 decimal places (fen)")
        return amount
    if type_ is TIMESTAMP:
        try:
            return parse_timestamp(value)
        except ValueError:  # the schema checked the shape, so the date or time itself is impossible
            raise ValueError(f"`{path}` is \"{value}\", not a real date and time") from None
    if type_ is NUMBER and not isinstance(value, bool):
        # str() first: a float from a Python caller becomes its shortest decimal (0.6, not 0.5999…)
        return value if isinstance(value, Decimal) else Decimal(str(value))
    return value


def _typed(obj: dict, prefix: str, catalog, errors: list[tuple[list, str]], trail: list) -> dict:
    out: dict = {}
    for key, value in obj.items():
        path = f"{prefix}{key}"
        info = catalog.get(path)
        if isinstance(value, dict):
            out[key] = _typed(value, path + ".", catalog, errors, trail + [key])
        elif path == "order.items" and isinstance(value, list):
            out[key] = [_typed(item, "", ITEM_FIELDS, errors, trail + [key, i])
                        for i, item in enumerate(value) if isinstance(item, dict)]
        elif info is not None:
            try:
                out[key] = _convert(value, info.type, _path_text(trail + [key]))
            except ValueError as exc:
                errors.append((trail + [key], str(exc)))
        else:
            out[key] = value
    return out


def parse_event(obj: Any, *, source: str = "<event>", line: int = 1, text: str | None = None,
                index: int | None = None) -> Event:
    """Validate `obj` against the event schema and type its values.

    `text` is where `obj` was read from (to point at the offending value), and
    `index` its position when it is an element of a JSON array in that text.
    Raises AftersaleError with one `invalid-event` diagnostic per problem.
    """
    prefix = () if index is None else (index,)
    problems: list[tuple[list, str]] = []
    shape = _shape_problem(obj) if isinstance(obj, dict) else None
    if not isinstance(obj, dict):
        problems.append(([], f"`{_path_text(prefix)}` is {json_type(obj)}, not an event (a JSON object)"
                         if prefix else f"an event is a JSON object, not {json_type(obj)}"))
    elif shape is not None:
        problems.append((list(prefix) + shape[0], shape[1]))
    else:
        for err in validator("event").iter_errors(obj):
            problems.append((_problem_path(err), _describe(err, prefix)))
            if len(problems) >= MAX_PROBLEMS:
                break
    if not problems:
        typed = _typed(obj, "", FIELDS, problems, list(prefix))
        if not problems:
            return Event(typed, obj)
        problems = [(path[len(prefix):], msg) for path, msg in problems]
    diags = [Diagnostic("invalid-event", ERROR, msg, _locate(text, path, source, line))
             for path, msg in problems]
    raise AftersaleError(diags)


def _syntax_error(exc: json.JSONDecodeError, source: str, line0: int) -> AftersaleError:
    span = Span(source, line0 + exc.lineno - 1, exc.colno, line0 + exc.lineno - 1, exc.colno + 1)
    return AftersaleError(Diagnostic("invalid-json", ERROR, f"invalid JSON: {exc.msg}", span))


def read_events(text: str, source: str = "<stdin>") -> Iterator[EventInput]:
    """Events from a JSON object, a JSON array, or JSON Lines; bad lines are yielded as errors.

    Nothing is dropped: every non-blank line of JSONL yields one EventInput.
    """
    stripped = text.lstrip()
    if not stripped:
        err = AftersaleError(Diagnostic("invalid-json", ERROR, "no events: the input is empty",
                                        Span(source, 1, 1, 1, 1)))
        yield EventInput(1, error=err)
        return
    if stripped.startswith("["):
        try:
            data = _json_loads(text)
        except (json.JSONDecodeError, RecursionError, _Refused) as exc:
            # JSON Lines whose first line is a list (a bad event, reported as such), not one array
            first = stripped.split("\n", 1)[0].rstrip()
            if ("Extra data" in str(exc) and getattr(exc, "lineno", 1) > 1) or (
                    first != "[" and _looks_like_lines(text)):
                yield from _json_lines(text, source)
            elif isinstance(exc, json.JSONDecodeError):
                yield EventInput(exc.lineno, error=_syntax_error(exc, source, 1))
            elif isinstance(exc, RecursionError):
                yield EventInput(1, error=_too_deep(source, 1))
            else:
                yield EventInput(1, error=_refused(exc, source, 1))
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
        obj = _json_loads(text)
        yield EventInput(1, obj=obj, text=text)
        return
    except json.JSONDecodeError as exc:
        if "Extra data" not in exc.msg and not _looks_like_lines(text):
            yield EventInput(exc.lineno, error=_syntax_error(exc, source, 1))
            return
    except RecursionError:
        if not _looks_like_lines(text):
            yield EventInput(1, error=_too_deep(source, 1))
            return
    except _Refused as exc:
        if not _looks_like_lines(text):
            yield EventInput(1, error=_refused(exc, source, 1))
            return
    yield from _json_lines(text, source)


def _looks_like_lines(text: str) -> bool:
    """Whether some line after the first is a JSON object on its own (so the text is JSON Lines)."""
    for line in text.split("\n")[1:]:
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                if isinstance(_json_loads(line), dict):
                    return True
            except _Refused:  # an object line over a limit (a huge event) is still a line of its own
                return True
            except (ValueError, RecursionError):
                continue
    return False


def _json_lines(text: str, source: str) -> Iterator[EventInput]:
    """One EventInput per non-blank line. Lines end at `\n` only: JSON text may hold U+2028,
    U+0085 and other characters that `str.splitlines()` would wrongly split a line at."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield EventInput(number, obj=_json_loads(line), text=line)
        except json.JSONDecodeError as exc:
            yield EventInput(number, error=_syntax_error(exc, source, number))
        except RecursionError:
            yield EventInput(number, error=_too_deep(source, number))
        except _Refused as exc:
            yield EventInput(number, error=_refused(exc, source, number))


def _refused(exc: _Refused, source: str, line: int) -> AftersaleError:
    return AftersaleError(Diagnostic("invalid-json", ERROR, str(exc), Span(source, line, 1, line, 1)))


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


def _too_deep(source: str, line: int) -> AftersaleError:
    return AftersaleError(Diagnostic("invalid-json", ERROR, "the JSON is nested too deeply",
                                     Span(source, line, 1, line, 1)))


def source_for(text: str, name: str) -> Source:
    return Source(text, name)
