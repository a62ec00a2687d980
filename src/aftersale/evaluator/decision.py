"""The decision: what a policy decided for one event, and its record."""
from __future__ import annotations

from typing import Any

from ..values import to_json_value
from .trace import RuleTrace

_FIELDS = ("event_id", "action", "rule", "guards", "forbidden_action", "trace", "at")


class Decision:
    """One decision: action, deciding rule, matched guards, and the trace when traced.

    The compiled paths keep a reference to the event dict and read, check and
    type its `id` and `at` the first time they are asked for (an invalid one
    raises AftersaleError then, with the event's diagnostics); their traced
    path hands its trace over
    as a log (`_log`, read by the `_replay` callable) that becomes the `trace`
    tree the first time it is read. So a decision nobody inspects costs no
    trace objects and no timestamp parsing. Attributes a decision does not set
    keep the class's defaults (the compiled backend sets only what varies).
    """

    guards: tuple[str, ...] = ()
    forbidden_action: str | None = None   # set when a guard turned the rule's action into manual_review
    _event: Any = None        # the event dict, until `_event_id` and `_at` are read from it
    _event_id: Any = None
    _at: Any = None
    _trace: list[RuleTrace] | None = None
    _writer: Any = None
    _replay: Any = None
    _log: list | None = None

    def __init__(self, event_id: str | None, action: str, rule: str | None, guards: tuple[str, ...],
                 forbidden_action: str | None = None, trace: list[RuleTrace] | None = None, at: Any = None,
                 _writer: Any = None, _replay: Any = None, _log: list | None = None):
        self._event_id = event_id
        self.action = action
        self.rule = rule
        self.guards = guards
        self.forbidden_action = forbidden_action
        self._trace = trace
        self._at = at
        self._writer = _writer
        if _log is not None:
            self._replay, self._log = _replay, _log

    def _settle(self) -> None:
        """Check and type the raw `id` and `at` (AftersaleError, as parse_event says, if invalid)."""
        from .readers import read_field

        from ..values import MISSING

        event, self._event = self._event, None
        self._event_id = read_field(("id",), event.get("id", MISSING), event)
        self._at = read_field(("at",), event.get("at", MISSING), event)

    @property
    def event_id(self) -> str | None:
        if self._event is not None:
            self._settle()
        return self._event_id

    @event_id.setter
    def event_id(self, value: str | None) -> None:
        if self._event is not None:
            self._settle()
        self._event_id = value

    @property
    def at(self) -> Any:
        """The event's evaluation moment (an aware datetime)."""
        if self._event is not None:
            self._settle()
        return self._at

    @at.setter
    def at(self, value: Any) -> None:
        if self._event is not None:
            self._settle()
        self._at = value

    @property
    def trace(self) -> list[RuleTrace] | None:
        if self._log is not None:
            self._trace, self._log = self._replay(self._log), None
        return self._trace

    @trace.setter
    def trace(self, value: list[RuleTrace] | None) -> None:
        self._trace, self._log = value, None

    def __eq__(self, other) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELDS)

    __hash__ = None  # type: ignore[assignment] - mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"Decision({inner})"

    @property
    def decided_by(self) -> str:
        if self.forbidden_action:
            return "forbidden"
        return "rule" if self.rule else "otherwise"

    def to_json(self) -> dict[str, Any]:
        """The decision record (schema/decision.json); the trace is [] when decided with trace=False."""
        from .record import encode, policy_info

        writer = self._writer
        trace = self.trace
        return encode(self, policy_info(writer.policy), [writer.rule(rt) for rt in trace] if trace is not None else [])


def decision_classes(writer: Any, replay: Any) -> tuple[Any, Any]:
    """Factories of Decision subclasses for one compiled policy: (fast, traced).

    `factory(action, rule, forbidden_action)` gives a class with those (and the
    policy's writer, and replay for the traced one) as class attributes, one
    class per place a generated decide function returns. Compiled code makes
    a decision with `object.__new__(cls)` and sets only `_event` (and guards,
    and the log): no __init__ call and a few stores on the hot path.
    """

    class FastDecision(Decision):
        _writer = writer

    class TracedDecision(Decision):
        _writer = writer
        _replay = replay

    def factory(base: type) -> Any:
        def outcome(action: str, rule: str | None, forbidden_action: str | None = None) -> type:
            cls = type("Decision", (base,), {"action": action, "rule": rule, "forbidden_action": forbidden_action,
                                             "__module__": __name__})
            cls.__qualname__ = "Decision"
            return cls
        return outcome

    return factory(FastDecision), factory(TracedDecision)
