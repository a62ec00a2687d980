"""The decision: what a policy decided for one event, and its record.

A `Decision` is immutable: its attributes are fixed when it is made, from
values captured then (the event's `id` and `at`, checked and typed by the
event reader), so changing the event dict afterwards changes nothing. It
pickles and deep-copies (multiprocessing, data engines): it holds no
generated code and no closures, only its `Outcome`, typed values and an
`Origin` that pickles as the policy's rule tree.

The compiled traced path hands its trace over as a log (captured at decision
time) that becomes the `trace` tree the first time it is read, so a decision
nobody inspects costs no trace objects. Likewise `recheck_at`, where a
clock-reading condition was looked at: the compiled path captures the event
(the parsed Event it was given, or a pickled copy of the dict, which nothing
the caller does afterwards can change) and the reference interpreter works
the moment out the first time it is read (decision/recheck.py), so a decision
nobody asks for its recheck time does not pay for deciding again at every
candidate moment.
"""
from __future__ import annotations

import pickle
from typing import Any, NamedTuple

from .. import rules as ir
from ..semantics import Verdict
from .trace import RuleTrace


class Origin:
    """The policy a decision came from: what renders its record and replays its trace log.

    Pickles (and deep-copies) as its rule tree; the record writer and the
    replay are made again from it when first needed.
    """

    __slots__ = ("tree", "_make_writer", "_writer", "_replay", "_make_interpreter", "_interpreter")

    def __init__(self, tree: ir.Policy, make_writer=None, make_interpreter=None):
        self.tree = tree
        self._make_writer = make_writer
        self._make_interpreter = make_interpreter
        self._writer = self._replay = self._interpreter = None

    @property
    def writer(self):
        if self._writer is None:
            if self._make_writer is not None:
                self._writer = self._make_writer()
            else:
                from ..backends.interpreter import Interpreter
                from .record import RecordWriter

                self._writer = RecordWriter(Interpreter(self.tree))
        return self._writer

    @property
    def replay(self):
        if self._replay is None:
            from ..backends.replay import Replay

            self._replay = Replay(self.tree)
        return self._replay

    @property
    def interpreter(self):
        """The reference interpreter for this policy (what works out a captured `recheck_at`)."""
        if self._interpreter is None:
            if self._make_interpreter is not None:
                self._interpreter = self._make_interpreter()
            else:
                from ..backends.interpreter import Interpreter

                self._interpreter = Interpreter(self.tree)
        return self._interpreter

    def recheck_at(self, decision: "Decision", captured) -> Any:
        """`recheck_at` of a decision from the event captured when it was made (a parsed Event, or
        the event dict pickled): the interpreter's (decision/recheck.py), on the event read and checked
        whole, so an event that breaks its schema where no condition looked raises AftersaleError here."""
        from ..events import Event, parse_event

        event = captured if isinstance(captured, Event) else parse_event(pickle.loads(captured))
        verdict = Verdict(decision.action, decision.rule, decision.guards, decision.forbidden_by,
                          decision.forbidden_action, decision.decided_by)
        return self.interpreter.recheck_at(event, verdict)

    def __reduce__(self):
        return Origin, (self.tree,)

    def __deepcopy__(self, memo):
        return self  # nothing in it changes after it is made


class Outcome(NamedTuple):
    """What the order of a decision gave, less the guards (which vary per event): one per place a
    decision is made, shared by every decision made there."""

    action: str
    rule: str | None
    forbidden_by: str | None
    forbidden_action: str | None
    decided_by: str
    origin: Origin

    @classmethod
    def of(cls, verdict: Verdict, origin: Origin) -> "Outcome":
        return cls(verdict.action, verdict.rule, verdict.forbidden_by, verdict.forbidden_action, verdict.decided_by,
                   origin)


_FIELDS = ("event_id", "at", "action", "rule", "guards", "forbidden_by", "forbidden_action", "decided_by",
           "recheck_at", "trace")
_NO_GUARDS: tuple[str, ...] = ()
_UNBUILT: Any = object()


class Decision:
    """One decision: `event_id, at, action, rule, guards, forbidden_by, forbidden_action, decided_by,
    recheck_at, trace` (the trace is None when decided with trace=False).

    Read-only. Compiled code makes one with `object.__new__` and stores only
    what varies (`_outcome`, `_event_id`, `_at`, and where they apply
    `_guards`, `_log`, and `_recheck`, the event captured for `recheck_at`);
    `Decision.make` is the constructor for everything else.
    """

    __slots__ = ("_outcome", "_event_id", "_at", "_guards", "_recheck_at", "_recheck", "_log", "_trace")

    @classmethod
    def make(cls, outcome: Outcome, event_id: str | None, at: Any, guards: tuple[str, ...] = (),
             recheck_at: Any = None, trace: list[RuleTrace] | None = None, log: list | None = None) -> "Decision":
        d = object.__new__(cls)
        d._outcome, d._event_id, d._at, d._guards, d._recheck_at = outcome, event_id, at, tuple(guards), recheck_at
        if log is not None:
            d._log = log
        else:
            d._trace = trace
        return d

    @property
    def event_id(self) -> str | None:
        return self._event_id

    @property
    def at(self) -> Any:
        """The event's evaluation moment (an aware datetime), as it was when the decision was made."""
        return self._at

    @property
    def action(self) -> str:
        return self._outcome.action

    @property
    def rule(self) -> str | None:
        return self._outcome.rule

    @property
    def forbidden_by(self) -> str | None:
        """The guard that turned the deciding rule's (or otherwise's) action into manual_review."""
        return self._outcome.forbidden_by

    @property
    def forbidden_action(self) -> str | None:
        return self._outcome.forbidden_action

    @property
    def decided_by(self) -> str:
        """`rule`, `forbidden`, `otherwise`, `not_applicable` or `closed` (semantics.Verdict)."""
        return self._outcome.decided_by

    @property
    def guards(self) -> tuple[str, ...]:
        try:
            return self._guards
        except AttributeError:
            return _NO_GUARDS

    @property
    def recheck_at(self) -> Any:
        """The earliest moment after `at` at which deciding the same event again could differ, or None."""
        try:
            return self._recheck_at
        except AttributeError:
            pass
        try:
            captured = self._recheck
        except AttributeError:
            return None
        # worked out once, from what was captured when decided (the same answer whenever it is asked)
        self._recheck_at = self._outcome.origin.recheck_at(self, captured)
        return self._recheck_at

    @property
    def trace(self) -> list[RuleTrace] | None:
        try:
            return self._trace
        except AttributeError:
            pass
        try:
            log = self._log
        except AttributeError:
            return None
        self._trace = self._outcome.origin.replay(log)  # built once, from the log captured when decided
        return self._trace

    def __reduce__(self):
        return _restore, (self._outcome, self._event_id, self._at, self.guards, self.recheck_at, self.trace)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELDS)

    __hash__ = None  # type: ignore[assignment] - equal decisions may hold unhashable traces

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS if name != "trace")
        return f"Decision({inner})"

    def to_json(self) -> dict[str, Any]:
        """The decision record (schema/decision.json); the trace is [] when decided with trace=False."""
        from .record import encode, policy_info

        writer = self._outcome.origin.writer
        trace = self.trace
        return encode(self, policy_info(writer.policy), [writer.rule(rt) for rt in trace] if trace is not None else [])


def _restore(outcome: Outcome, event_id, at, guards, recheck_at, trace) -> Decision:
    return Decision.make(outcome, event_id, at, guards, recheck_at, trace)


__all__ = ["Decision", "Outcome", "Origin"]
