"""Decision records as JSON lines, fast: what `Decision.to_json()` gives, without redoing the constant parts.

Without a trace a record differs from another only in a few fields, so the
policy's part is serialised once and the summary (the headline, which then
depends only on the action, rule and guards) is cached.
"""
from __future__ import annotations

import json

from ..evaluator.decision import Decision
from ..values import to_json_value


class RecordLines:
    def __init__(self, policy, trace: bool = False):
        from ..evaluator.record import policy_info

        self.trace = trace
        self.policy_json = json.dumps(policy_info(policy.tree), ensure_ascii=False)
        self.info = policy_info(policy.tree)
        self.summaries: dict = {}

    def record(self, d: Decision) -> dict:
        """The record as a dict (equal to `d.to_json()`)."""
        if self.trace:
            return d.to_json()
        from ..explain.render import summary

        rec = {"event_id": d.event_id, "at": to_json_value(d.at), "action": d.action, "rule": d.rule,
               "guards": list(d.guards), "decided_by": d.decided_by, "forbidden_action": d.forbidden_action,
               "policy": self.info, "trace": []}
        key = (d.action, d.rule, d.guards, d.forbidden_action)
        text = self.summaries.get(key)
        if text is None:
            text = self.summaries[key] = summary(rec)
        rec["summary"] = text
        return rec

    def line(self, d: Decision) -> str:
        if self.trace:
            return json.dumps(d.to_json(), ensure_ascii=False)
        key = (d.action, d.rule, d.guards, d.forbidden_action)
        text = self.summaries.get(key)
        if text is None:
            self.record(d)
            text = self.summaries[key]
        dumps = json.dumps
        return (f'{{"event_id": {dumps(d.event_id, ensure_ascii=False)}, "at": {dumps(to_json_value(d.at))}, '
                f'"action": "{d.action}", "rule": {dumps(d.rule, ensure_ascii=False)}, '
                f'"guards": {dumps(list(d.guards), ensure_ascii=False)}, "decided_by": "{d.decided_by}", '
                f'"forbidden_action": {dumps(d.forbidden_action)}, "policy": {self.policy_json}, "trace": [], '
                f'"summary": {dumps(text, ensure_ascii=False)}}}')
