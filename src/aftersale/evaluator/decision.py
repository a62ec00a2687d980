"""The decision: what a policy decided for one event, and its record."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..values import to_json_value
from .trace import RuleTrace


@dataclass
class Decision:
    event_id: str | None
    action: str
    rule: str | None
    guards: tuple[str, ...]
    forbidden_action: str | None = None      # set when a guard turned the rule's action into manual_review
    trace: list[RuleTrace] | None = None
    at: Any = None
    _writer: Any = field(default=None, repr=False, compare=False)

    @property
    def decided_by(self) -> str:
        if self.forbidden_action:
            return "forbidden"
        return "rule" if self.rule else "otherwise"

    def to_json(self) -> dict[str, Any]:
        """The decision record (schema/decision.json); the trace is [] when decided with trace=False."""
        from ..explain.render import summary
        from .record import policy_info

        writer = self._writer
        record: dict[str, Any] = {
            "event_id": self.event_id,
            "at": to_json_value(self.at),
            "action": self.action,
            "rule": self.rule,
            "guards": list(self.guards),
            "decided_by": self.decided_by,
            "forbidden_action": self.forbidden_action,
            "policy": policy_info(writer.policy),
            "trace": [writer.rule(rt) for rt in self.trace] if self.trace is not None else [],
        }
        record["summary"] = summary(record)
        return record
