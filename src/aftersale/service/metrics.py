"""The service's Prometheus metrics, in a registry of its own (one per app: no global state)."""
from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.decisions = Counter("aftersale_decisions", "Decisions stored, by action, rule and trigger",
                                 ["action", "rule", "trigger"], registry=self.registry)
        self.latency = Histogram("aftersale_decision_seconds", "Time to decide and store one new decision",
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5),
                                 registry=self.registry)
        self.rechecks = Counter("aftersale_rechecks", "Decisions made again because their recheck time came",
                                registry=self.registry)
        self.errors = Counter("aftersale_errors", "Requests answered with an error, by kind",
                              ["kind"], registry=self.registry)

    def decided(self, entry: dict[str, Any], seconds: float) -> None:
        self._count(entry)
        self.latency.observe(seconds)

    def rechecked(self, entry: dict[str, Any]) -> None:
        self._count(entry)
        self.rechecks.inc()

    def _count(self, entry: dict[str, Any]) -> None:
        record = entry["record"]
        self.decisions.labels(record["action"], record.get("rule") or "", entry["trigger"]).inc()

    def error(self, kind: str) -> None:
        self.errors.labels(kind).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
