"""The platforms' own after-sales message pushes: verified, turned into events, decided.

- `douyin.py`   抖店 pushes: a JSON array of `{tag, msg_id, data}`, signed with `event-sign`
- `kuaishou.py` 快手小店 pushes: an AES-encrypted envelope `{event, info, ...}`, no signature header
- `routes.py`   the two path functions, `POST /v1/platforms/{douyin,kuaishou}/messages`
- here          what both share: a push's facts, money in fen, platform times, and deciding

Facts come from `../platforms/after-sales-apis.md` (each mapping below cites its section there).
A push carries part of an event; the parts the event schema requires and the push lacks (the
order's paid amount always, Kuaishou's amount and reason) are taken from the request's newest
earlier event in the log. Without one the push is refused (422, nothing stored): a decision is
never made on an invented amount, and the platform sends the push again later.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

#: Both platforms keep time in Beijing time; events carry it as +08:00.
BEIJING = timezone(timedelta(hours=8))
#: Paths the event schema requires inside `request` and `order` (schema/event.json).
REQUIRED = (("request", "kind"), ("request", "reason"), ("request", "amount"), ("request", "created_at"),
            ("request", "status"), ("order", "paid_amount"))
#: Platform ids are 19-digit numbers: read as int (JSON) or digit strings, kept as strings.
MAX_ID_CHARS = 40


class PushError(Exception):
    """A push refused: the HTTP status, our error kind and a message with the JSON path."""

    def __init__(self, status: int, error: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra


def malformed(path: str, problem: str) -> PushError:
    return PushError(400, "invalid-push", f"`{path}`: {problem}")


@dataclass(frozen=True)
class Push:
    """One after-sales message as facts for one store's request at one moment.

    `facts` holds the event's parts the message carries, in the contract's format
    (`{"request": {...}, "order": {...}}`); `id`, `platform` and `at` are added by `event_of`.
    """

    store: str
    platform: str
    event_id: str
    at: datetime
    facts: dict[str, Any]


# -- reading platform values ---------------------------------------------------------

def integer(value: Any, path: str) -> int:
    """A JSON integer or a string of digits (platform ids and codes come as either)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise malformed(path, f"expected an integer, found {type(value).__name__}")
    if isinstance(value, str):
        if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > MAX_ID_CHARS:
            raise malformed(path, f"expected an integer, found `{value[:40]}`")
        return int(value)
    if abs(value) >= 10 ** MAX_ID_CHARS:
        raise malformed(path, "the number is too large")
    return value


def identifier(value: Any, path: str) -> str:
    """A platform id (int or digit string) as the string the log keeps."""
    return str(integer(value, path))


def yuan(fen: Any, path: str) -> str:
    """An amount in fen (分, an integer) as yuan with two decimals, exactly.

    >>> yuan(8900, "refund_amount"), yuan(1, "x"), yuan(14990, "x")
    ('89.00', '0.01', '149.90')
    """
    amount = integer(fen, path)
    if amount < 0:
        raise malformed(path, f"an amount cannot be negative ({amount} fen)")
    return f"{Decimal(amount).scaleb(-2):.2f}"


def from_epoch(value: Any, path: str, unit: int = 1) -> str:
    """Unix time (seconds; `unit=1000` for milliseconds) as ISO 8601 in +08:00.

    >>> from_epoch(1630022518, "apply_time"), from_epoch(1591274070333, "createTime", 1000)
    ('2021-08-27T08:01:58+08:00', '2020-06-04T20:34:30.333000+08:00')
    """
    number = integer(value, path)
    if not 0 < number < 10 ** 11 * unit:
        raise malformed(path, f"`{number}` is not a unix time in {'seconds' if unit == 1 else 'milliseconds'}")
    seconds, fraction = divmod(number, unit)  # exact: no float on the way
    moment = datetime.fromtimestamp(seconds, BEIJING) + timedelta(microseconds=fraction * 1_000_000 // unit)
    return moment.isoformat()


def from_rfc3339(value: Any, path: str) -> str:
    """An RFC 3339 time with its offset (Douyin's `update_time`) as ISO 8601 in +08:00."""
    if not isinstance(value, str):
        raise malformed(path, f"expected an RFC 3339 time, found {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(path, f"`{value[:40]}` is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise malformed(path, f"`{value[:40]}` has no UTC offset")
    return moment.astimezone(BEIJING).isoformat()


def json_in_string(value: Any, path: str) -> dict[str, Any]:
    """A JSON object sent as a string inside JSON (Douyin's `data`, Kuaishou's `info`)."""
    if not isinstance(value, str):
        raise malformed(path, f"expected a string holding JSON, found {type(value).__name__}")
    try:
        found = json.loads(value)
    except ValueError as err:
        raise malformed(path, f"not JSON: {err}") from None
    if not isinstance(found, dict):
        raise malformed(path, "expected a JSON object")
    return found


def mapped(table: dict[int, str], value: Any, path: str) -> str | None:
    """A platform code through one of the tables (None: a code we do not decide)."""
    return table.get(integer(value, path))


# -- deciding -------------------------------------------------------------------------

def event_of(push: Push, earlier: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """The event for `push`: its facts over the request's earlier event; and the required paths
    neither holds."""
    event = dict(earlier or {})  # (parts are replaced below, never changed in place)
    for part, values in push.facts.items():
        event[part] = {**(event.get(part) or {}), **values}
    event.update(id=push.event_id, platform=push.platform, at=push.at.isoformat())
    event.setdefault("order", {})
    missing = [".".join(p) for p in REQUIRED if (event.get(p[0]) or {}).get(p[1]) is None]
    return event, missing


def decide_all(service: Any, pushes: list[Push]) -> list[dict[str, Any]]:
    """Decide every push through `DecisionService.decide` (stored before this returns).

    Every push is turned into a valid event first, so a push with one bad message stores nothing.
    """
    from ...diagnostics import AftersaleError
    from ...events import parse_event
    from ..core import Conflict, dump_json

    ready = []
    for push in pushes:
        earlier = service.log.latest_event(push.store, push.event_id, push.at)
        # plain floats: numbers keep their JSON type (load_json's Decimals would be dumped as strings)
        event, missing = event_of(push, json.loads(earlier) if earlier else None)
        if missing:
            raise PushError(422, "missing-facts",
                            f"after-sales request `{push.event_id}`: the push does not carry "
                            f"{', '.join(f'`{m}`' for m in missing)} and no earlier event of the request does; "
                            "send the request's event to POST /v1/decisions first", missing=missing)
        text = dump_json(event)
        try:
            typed = parse_event(event, source=f"<{push.platform} push>")
        except AftersaleError as err:
            raise PushError(422, "invalid-event", err.diagnostics[0].message,
                            diagnostics=[d.to_json() for d in err.diagnostics]) from None
        ready.append((push, event, typed, text))
    stored = []
    for push, event, typed, text in ready:
        try:
            stored.append(service.decide(push.store, event, typed, text)[0])
        except Conflict as conflict:
            raise PushError(409, "conflict", f"after-sales request `{push.event_id}` at {push.at.isoformat()} "
                                             "was decided before with other facts",
                            stored_decision_id=conflict.stored["decision_id"]) from None
    return stored


__all__ = ["BEIJING", "Push", "PushError", "decide_all", "event_of", "from_epoch", "from_rfc3339", "identifier",
           "integer", "json_in_string", "malformed", "mapped", "yuan"]
