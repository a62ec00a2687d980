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

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from .diagnostics import AftersaleError, Diagnostic, ERROR
from .fields import FIELDS, ITEM_FIELDS
from .schema import validator
from .source import Source, Span
from .values import MISSING, MONEY, NUMBER, TIMESTAMP, parse_timestamp

#: Events larger than this are refused before parsing.
MAX_EVENT_BYTES = 1_000_000
#: At most this many problems are reported per event.
MAX_PROBLEMS = 20


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


def _json_loads(text: str):
    return json.loads(text, parse_float=Decimal)


def _path_text(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the event)"


def _describe(err) -> str:
    """One line for a jsonschema error, in our words."""
    where = _path_text(err.absolute_path)
    v = err.validator
    inst = err.instance
    shown = json.dumps(inst, default=str, ensure_ascii=False)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"`{where}` lacks the required field `{missing}`"
    if v == "additionalProperties":
        extra = sorted(set(inst) - set(err.schema.get("properties", {})))
        from .diagnostics import did_you_mean

        hint = did_you_mean(extra[0], err.schema.get("properties", {})) if extra else None
        tail = f" (did you mean `{hint}`?)" if hint else ""
        return f"`{where}` has an unknown field `{extra[0] if extra else '?'}`{tail}"
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


def _locate(text: str | None, path, source_name: str, line0: int) -> Span:
    """The position of the value at `path` in the event's text (YAML's parser keeps marks)."""
    if not text:
        return Span(source_name, line0, 1, line0, 1)
    try:
        import yaml

        node = yaml.compose(text, Loader=yaml.SafeLoader)
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
        return parse_timestamp(value)
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


def parse_event(obj: Any, *, source: str = "<event>", line: int = 1, text: str | None = None) -> Event:
    """Validate `obj` against the event schema and type its values.

    Raises AftersaleError with one `invalid-event` diagnostic per problem.
    """
    problems: list[tuple[list, str]] = []
    if not isinstance(obj, dict):
        problems.append(([], f"an event is a JSON object, not {type(obj).__name__}"))
    else:
        for err in validator("event").iter_errors(obj):
            problems.append((list(err.absolute_path), _describe(err)))
            if len(problems) >= MAX_PROBLEMS:
                break
    if not problems:
        typed = _typed(obj, "", FIELDS, problems, [])
        if not problems:
            return Event(typed, obj)
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
        except json.JSONDecodeError as exc:
            yield EventInput(exc.lineno, error=_syntax_error(exc, source, 1))
            return
        except RecursionError:
            yield EventInput(1, error=_too_deep(source, 1))
            return
        for obj in data:
            yield EventInput(1, obj=obj)
        return
    # One object (possibly over several lines), or JSON Lines.
    try:
        obj = _json_loads(text)
        yield EventInput(1, obj=obj, text=text)
        return
    except json.JSONDecodeError as exc:
        if "Extra data" not in exc.msg:
            yield EventInput(exc.lineno, error=_syntax_error(exc, source, 1))
            return
    except RecursionError:
        yield EventInput(1, error=_too_deep(source, 1))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield EventInput(number, obj=_json_loads(line), text=line)
        except json.JSONDecodeError as exc:
            yield EventInput(number, error=_syntax_error(exc, source, number))
        except RecursionError:
            yield EventInput(number, error=_too_deep(source, number))


def _too_deep(source: str, line: int) -> AftersaleError:
    return AftersaleError(Diagnostic("invalid-json", ERROR, "the JSON is nested too deeply",
                                     Span(source, line, 1, line, 1)))


def source_for(text: str, name: str) -> Source:
    return Source(text, name)
