"""What the service does, without HTTP: decide and store, recheck when time has come, publish policies.

The HTTP layer (`app.py`) only translates requests into calls of `DecisionService`,
so the same steps run in tests, in the background recheck loop and behind every endpoint.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from ..decision.log import DecisionLog, StoreTransaction, entry, to_micros
from ..diagnostics import AftersaleError, ERROR
from ..policy import Policy, compile as compile_policy

#: Actions whose money counts against `store.auto_refunded_today`.
REFUNDING = frozenset({"approve_refund", "express_refund"})
#: How far back `buyer.requests_30d` looks.
BUYER_WINDOW = timedelta(days=30)
EXTENSIONS = {"dsl": "policy", "yaml": "yaml"}
#: Versions whose lint findings are kept in memory (lint with the solver takes a while).
MAX_KEPT_FINDINGS = 64

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def content_sha256(obj: Any) -> str:
    """A fingerprint of an event's content: the same JSON, whatever its key order or spacing."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str, separators=(",", ":"))


def load_json(text: str) -> Any:
    """JSON as the event reader reads it: decimals stay Decimal."""
    return json.loads(text, parse_float=Decimal)


def recheck_time(decision: Any, event: dict) -> datetime | None:
    """When the decision should be taken again: the engine's `decision.recheck_at` (product.md, "recheck_at").

    Read with getattr, so the service runs on engines from before recheck_at (then nothing is rechecked).
    """
    return getattr(decision, "recheck_at", None)


class Conflict(Exception):
    """The same request and moment was decided before with different content."""

    def __init__(self, stored: dict[str, Any]):
        super().__init__("conflict")
        self.stored = stored


class Rejected(Exception):
    """A policy that was not published: why, and the findings or failed cases."""

    def __init__(self, reason: str, problems: list[dict[str, Any]]):
        super().__init__(reason)
        self.reason = reason
        self.problems = problems


def day_bounds(at: datetime, zone: str | None) -> tuple[datetime, datetime]:
    """The calendar day of `at` in `zone` (the policy's time zone), as [start, end)."""
    tz = ZoneInfo(zone) if zone else timezone.utc
    local = at.astimezone(tz).date()
    start = datetime(local.year, local.month, local.day, tzinfo=tz)
    following = local + timedelta(days=1)
    return start, datetime(following.year, following.month, following.day, tzinfo=tz)


class DecisionService:
    """Decides events for stores and keeps every decision in the log before it is answered."""

    def __init__(self, log: DecisionLog, policy_text: str, policy_format: str = "dsl",
                 policy_file: str = "<policy>", clock: Clock = utc_now, metrics: Any = None):
        self.log = log
        self.clock = clock
        self.metrics = metrics
        self.default_sha = hashlib.sha256(policy_text.encode("utf-8")).hexdigest()
        self.default = compile_policy(policy_text, policy_format, policy_file)
        self.default_text, self.default_format = policy_text, policy_format
        self._compiled: dict[tuple[str, str], Policy] = {}
        self._compile_lock = threading.Lock()
        self._findings: dict[str, list[dict[str, Any]]] = {}

    # -- policies ----------------------------------------------------------------

    def policy(self, store: str, sha256: str | None) -> Policy:
        """The compiled policy version `sha256` of `store` (None: the service's own policy)."""
        if sha256 is None or sha256 == self.default_sha:
            return self.default
        key = (store, sha256)
        found = self._compiled.get(key)
        if found is None:
            with self._compile_lock:
                found = self._compiled.get(key)
                if found is None:
                    fmt, text = self.log.policy_text(store, sha256) or (None, None)
                    if text is None:
                        raise LookupError(f"store {store!r} has no policy {sha256}")
                    found = self._compiled[key] = compile_policy(text, fmt, f"{store}/{sha256[:12]}.{EXTENSIONS[fmt]}")
        return found

    def versions(self, store: str) -> dict[str, Any]:
        active = self.log.active(store) or self.default_sha
        versions = [dict(v, active=v["sha256"] == active) for v in self.log.versions(store)]
        default = {"sha256": self.default_sha, "name": self.default.name, "service_default": True,
                   "active": active == self.default_sha}
        return {"active": active, "versions": versions, "service_default": default}

    def source(self, store: str, sha256: str) -> dict[str, Any] | None:
        """One of the store's versions (or the service's policy): name, format, text and its tests' YAML."""
        if sha256 == self.default_sha:
            return {"sha256": sha256, "name": self.default.name, "format": self.default_format,
                    "text": self.default_text, "tests": None, "service_default": True}
        found = self.log.policy_text(store, sha256)
        if found is None:
            return None
        fmt, text = found
        return {"sha256": sha256, "name": self.policy(store, sha256).name, "format": fmt, "text": text,
                "tests": self.log.policy_tests(store, sha256), "service_default": False}

    def findings(self, source: dict[str, Any]) -> list[dict[str, Any]]:
        """Lint's findings of a version from `source()`, each with its docs page; kept by sha256
        (lint reads nothing but the text)."""
        from ..diagnostics import DOCS_URL
        from ..lint import lint_text

        sha = source["sha256"]
        found = self._findings.get(sha)
        if found is None:
            filename = f"{sha[:12]}.{EXTENSIONS[source['format']]}"
            found = [dict(d.to_json(), docs=DOCS_URL.format(name=d.name))
                     for d in lint_text(source["text"], source["format"], filename)]
            if len(self._findings) >= MAX_KEPT_FINDINGS:
                self._findings.clear()
            self._findings[sha] = found
        return found

    def test_results(self, source: dict[str, Any]) -> dict[str, Any]:
        """The cases a version was published with, run again: each case's status, and errors that stopped them."""
        from .tests import run_cases

        if source["tests"] is None:
            return {"tested": False, "errors": [], "cases": []}
        errors, cases = run_cases(source["text"], source["format"], source["tests"])
        return {"tested": True, "errors": errors, "cases": cases}

    def simulate(self, store: str, events: str, sha256: str, baseline: str | None) -> dict[str, Any] | None:
        """`aftersale simulate`'s report of `events` (JSONL) by version `sha256` against `baseline`;
        None when the store has no such version."""
        from ..simulate.engine import PolicySpec
        from .history import simulate_text

        specs = []
        for sha in (sha256, baseline):
            found = self.source(store, sha) if sha is not None else None
            if sha is not None and found is None:
                return None
            specs.append(found and PolicySpec(found["text"], found["format"],
                                              f"{store}/{sha[:12]}.{EXTENSIONS[found['format']]}"))
        return simulate_text(specs[0], specs[1], events)

    def publish(self, store: str, text: str, fmt: str = "dsl", tests: str | None = None,
                activate: bool = True) -> dict[str, Any]:
        """Publish a policy version: only when it compiles, lint finds no error and its tests pass."""
        from ..lint import lint_text
        from .tests import run_tests

        if fmt not in EXTENSIONS:
            raise Rejected("invalid-request", [{"message": f"`format` is dsl or yaml, not `{fmt}`"}])
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        filename = f"{store}/{sha[:12]}.{EXTENSIONS[fmt]}"
        try:
            policy = compile_policy(text, fmt, filename)
        except AftersaleError as err:
            raise Rejected("invalid-policy", [d.to_json() for d in err.diagnostics]) from None
        errors = [d for d in lint_text(text, fmt, filename) if d.severity == ERROR]
        if errors:
            raise Rejected("lint-errors", [d.to_json() for d in errors])
        passed = 0
        if tests is not None:
            failures, passed = run_tests(text, fmt, tests)
            if failures:
                raise Rejected("tests-failed", failures)
        self.log.publish(store, sha, policy.name, fmt, text, tests, self.clock(), activate)
        return {"sha256": sha, "name": policy.name, "format": fmt, "active": activate, "tests_passed": passed}

    def activate(self, store: str, sha256: str) -> bool:
        """Make one of the store's versions (or the service's policy) active; False if it has no such version."""
        if sha256 == self.default_sha:
            self.log.activate(store, None, self.clock())
            return True
        if self.log.policy_text(store, sha256) is None:
            return False
        self.log.activate(store, sha256, self.clock())
        return True

    # -- decisions ---------------------------------------------------------------

    def decide(self, store: str, obj: dict, event: Any, text: str) -> tuple[dict[str, Any], bool]:
        """Decide a validated event for `store` and store it: (log entry, whether it is new).

        `obj` is the event as read from `text` (which is stored as sent), `event` as parse_event typed it.

        The same event again returns the stored entry; the same request and moment with other
        content raises Conflict. Ten copies at once give one decision: a store's decisions are
        made one at a time, and the unique constraint backs that up.
        """
        event_id, at = event.get(("id",)), event.get(("at",))
        digest = content_sha256(obj)
        started = time.perf_counter()
        try:
            with self.log.writing(store) as tx:
                stored = self._replay(tx.find(event_id, at), digest)
                if stored is not None:
                    return stored, False
                made = self._decide_in(tx, obj, text, event_id, at, "event", digest)
        except IntegrityError:
            stored = self._replay(self.log.find(store, event_id, at), digest)
            if stored is None:
                raise
            return stored, False
        if self.metrics is not None:
            self.metrics.decided(made, time.perf_counter() - started)
        return made, True

    def _replay(self, row: Any, digest: str) -> dict[str, Any] | None:
        if row is None:
            return None
        if row.content_sha256 != digest:
            raise Conflict(entry(row))
        return entry(row)

    def _decide_in(self, tx: StoreTransaction, obj: dict, text: str, event_id: str, at: datetime, trigger: str,
                   digest: str) -> dict[str, Any]:
        policy = self.policy(tx.store, tx.active())
        filled, buyer_id = self._with_counters(tx, obj, event_id, at, policy)
        decision = policy.decide(filled)
        record = decision.to_json()
        recheck_at = recheck_time(decision, filled)
        if recheck_at is not None and recheck_at <= at:
            recheck_at = None  # never again at the same moment: it would decide the same
        amount = (filled.get("request") or {}).get("amount")
        refunded = 0
        if decision.action in REFUNDING and amount is not None and not tx.was_refunded(event_id):
            refunded = to_micros(Decimal(str(amount)))
        return tx.insert(
            decision_id=str(uuid.uuid4()), event_id=event_id, at=at, trigger=trigger, content_sha256=digest,
            event=text, record=dump_json(record), action=decision.action, rule=decision.rule,
            policy_sha256=record["policy"]["sha256"], decided_at=self.clock(), refunded_micros=refunded,
            buyer_id=buyer_id, recheck_at=recheck_at, recheck_state=None)

    def _with_counters(self, tx: StoreTransaction, obj: dict, event_id: str, at: datetime,
                       policy: Policy) -> tuple[dict, str | None]:
        """The event with `store.auto_refunded_today` and `buyer.requests_30d` as the log counts them.

        The service's counts replace what the sender put there: a budget a sender could lower would be none.
        """
        start, end = day_bounds(at, policy.tree.timezone)
        filled = dict(obj)
        filled["store"] = dict(obj.get("store") or {}, auto_refunded_today=str(tx.refunded(start, end)))
        buyer = obj.get("buyer") or {}
        buyer_id = buyer.get("id") if isinstance(buyer.get("id"), str) else None
        if buyer_id is not None:
            filled["buyer"] = dict(buyer, requests_30d=tx.requests(buyer_id, at - BUYER_WINDOW, at, event_id))
        return filled, buyer_id

    # -- time --------------------------------------------------------------------

    def recheck_due(self, now: datetime | None = None, limit: int = 100) -> int:
        """Decide again every stored decision whose `recheck_at` has come; how many were rechecked.

        Each is the request's latest event evaluated at its `recheck_at`, stored with trigger `recheck`
        (its `event` column keeps the text as sent; the record's `at` is the recheck time).
        """
        now = now or self.clock()
        done = 0
        for seq, store in self.log.due(now, limit):
            with self.log.claim(seq, store) as claimed:
                if claimed is None:
                    continue  # another process took it
                tx, row = claimed
                obj = load_json(row.event)
                original = datetime.fromisoformat(str(obj["at"]).replace("Z", "+00:00"))
                obj["at"] = row.recheck_at.astimezone(original.tzinfo).isoformat()
                made = self._decide_in(tx, obj, row.event, row.event_id, row.recheck_at, "recheck", content_sha256(obj))
            done += 1
            if self.metrics is not None:
                self.metrics.rechecked(made)
        return done


__all__ = ["DecisionService", "Conflict", "Rejected", "REFUNDING", "content_sha256", "day_bounds", "utc_now"]
