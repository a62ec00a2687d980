"""Decision records as JSON lines for simulate: `record.encode`, with the policy's part built once."""
from __future__ import annotations

import json

from ..decision.decision import Decision
from ..decision.record import encode, policy_info


class RecordLines:
    def __init__(self, policy, trace: bool = False):
        self.trace = trace
        self.info = policy_info(policy.tree)
        self._dumps = json.JSONEncoder(ensure_ascii=False).encode

    def record(self, d: Decision) -> dict:
        """The record as a dict (equal to `d.to_json()`)."""
        if self.trace:
            return d.to_json()
        return encode(d, self.info, [])

    def line(self, d: Decision) -> str:
        return self._dumps(self.record(d))
