"""The hand-written baseline: the workload policy as plain if/else over the event dicts.

This is what an engineer would write by hand for `workload.POLICY`: it reads
the raw dicts, parses the timestamps and decimals it needs itself, compares
the return rate (a JSON number, a float in the dict) as a float, and returns
(action, rule id), following version 2 (closed requests, where each action
applies, missing values deciding nothing). It does not validate the event. `bench/run.py` checks that
it agrees with the policy engine on every generated event.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS, CLOSES = time(9), time(18)
EXPRESS_CAP, OFF_HOURS_CAP, SMALL_REFUND = Decimal("300"), Decimal("200"), Decimal("30")
NO_TIME, SEVEN_DAYS = timedelta(0), timedelta(days=7)
OFF_HOURS_REASONS = frozenset(("no_reason_7d", "quality", "wrong_item", "damaged"))
CLOSED = frozenset(("refunded", "rejected", "closed"))
EXPRESS_STATUSES = frozenset(("awaiting_return", "return_in_transit"))
RETURN_REFUND_STATUSES = frozenset(("return_in_transit", "returned"))
ts = datetime.fromisoformat  # Python 3.11 reads `Z` and `+08:00`


def decide(event: dict) -> tuple[str, str | None]:
    request = event["request"]
    status = request["status"]
    if status in CLOSED:  # version 2: a closed request is no_action before any rule
        return "no_action", None
    buyer = event.get("buyer") or {}
    # r0: escalate requests where not buyer.risk_passed or buyer.return_rate > 60% (a missing value acts on neither)
    risk_passed = buyer.get("risk_passed")
    if risk_passed is False or buyer.get("return_rate", 0) > 0.6:
        return "manual_review", "r0"
    kind, reason = request["kind"], request["reason"]
    if kind == "return_refund":
        # r1: express refund (offered while the return is awaited or in transit)
        if status in EXPRESS_STATUSES and reason == "no_reason_7d" and risk_passed is True \
                and (request.get("tracking") or {}).get("verified") is True \
                and Decimal(event["order"]["paid_amount"]) < EXPRESS_CAP \
                and (event.get("store") or {}).get("express_refund_enabled") is True:
            return "express_refund", "r1"
        # r2: auto-refund returns once inspected (a return's refund: in transit or returned)
        if status in RETURN_REFUND_STATUSES and (request.get("warehouse") or {}).get("status") == "inspected_ok":
            return "approve_refund", "r2"
        if status == "pending_merchant":  # where approve_return applies
            created = ts(request["created_at"])
            # r3: auto-approve no-reason returns within 7 days of delivery
            if reason == "no_reason_7d":
                delivered = event["order"].get("delivered_at")
                if delivered is not None and NO_TIME <= created - ts(delivered) <= SEVEN_DAYS:
                    return "approve_return", "r3"
            # r4: ... under ¥200 during off-hours (Mon-Fri 09:00-18:00 Shanghai are service hours)
            if reason in OFF_HOURS_REASONS and Decimal(request["amount"]) < OFF_HOURS_CAP:
                local = created.astimezone(SHANGHAI)
                if local.weekday() >= 5 or not OPENS <= local.time() < CLOSES:
                    return "approve_return", "r4"
    # r5: auto-approve refunds up to ¥30 on orders not yet delivered (a refund's approval: while pending)
    elif kind == "refund_only" and status == "pending_merchant" and "delivered_at" not in event["order"] \
            and Decimal(request["amount"]) <= SMALL_REFUND:
        return "approve_refund", "r5"
    return "manual_review", None
