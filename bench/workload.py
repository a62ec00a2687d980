"""The benchmark's workload: a seven-rule after-sales policy and a seeded event generator.

The events are in the contract's format (ISO timestamps with offsets, decimal
strings for money) and hit every rule, with a fair share of near misses on
each boundary: ¥300, ¥200 and ¥30 exactly and one fen either side, 60% return
rate exactly and just above, 7 days after delivery exactly and one second
later, 09:00 and 18:00 in Shanghai exactly and one second before, and clocks
in other zones that land on either side of those.

>>> events = generate(50, seed=1)
>>> events == generate(50, seed=1), len(events)
(True, 50)
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

POLICY = '''\
# The benchmark policy: the issue's seven rules (r0..r5 and otherwise).
policy "Bench: after-sales, seven rules"
platform douyin
timezone Asia/Shanghai
currency CNY
service hours mon-fri 09:00-18:00

rule r0: escalate requests where not buyer.risk_passed or buyer.return_rate > 60%
rule r1 "Express refund, as the platform offers it":
  when request.kind == return_refund
   and request.reason == no_reason_7d
   and request.tracking.verified
   and buyer.risk_passed
   and order.paid_amount < ¥300
   and store.express_refund_enabled
  then express_refund
rule r2: auto-refund returns once inspected
rule r3: auto-approve no-reason returns within 7 days of delivery
rule r4: auto-approve no-reason or quality or wrong-item or damaged returns under ¥200 during off-hours
rule r5: auto-approve refunds up to ¥30 on orders not yet delivered

otherwise manual_review
'''

SEED = 20261121
REASONS = ("no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts", "damaged", "lost",
           "late_delivery", "other")
OFF_HOURS_REASONS = ("no_reason_7d", "quality", "wrong_item", "damaged")
KINDS = ("refund_only", "return_refund", "exchange")
ZONES = [timezone(timedelta(hours=8))] * 6 + [timezone.utc, timezone(timedelta(hours=9)),
                                              timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
SHANGHAI = timezone(timedelta(hours=8))  # Asia/Shanghai has had no DST since 1991
START = datetime(2026, 1, 5, tzinfo=SHANGHAI)  # a Monday


def _ts(moment: datetime, rnd: random.Random) -> str:
    """A timestamp in a random zone (mostly +08:00), written as ISO 8601 with an offset."""
    zone = rnd.choice(ZONES)
    text = moment.astimezone(zone).isoformat()
    return text[:-6] + "Z" if zone is timezone.utc and rnd.random() < 0.5 else text


def _money(rnd: random.Random, near: tuple[str, ...] = (), low: int = 1, high: int = 2000) -> str:
    if near and rnd.random() < 0.5:
        return rnd.choice(near)
    return f"{rnd.randint(low * 100, high * 100) / 100:.2f}"


def _created(rnd: random.Random) -> datetime:
    """When the request was opened: often right at a service-hours edge, in Shanghai local time."""
    day = START + timedelta(days=rnd.randrange(330))
    if rnd.random() < 0.4:
        edge = rnd.choice(((9, 0, 0), (18, 0, 0)))
        local = day.replace(hour=edge[0], minute=edge[1])
        return local - timedelta(seconds=rnd.choice((0, 1, 0, 60)))
    return day + timedelta(seconds=rnd.randrange(86400))


def _delivery_gap(rnd: random.Random) -> timedelta | None:
    """created_at - delivered_at: the 7-day boundary exactly, one second either side, or anywhere."""
    pick = rnd.random()
    if pick < 0.15:
        return None  # not delivered yet
    if pick < 0.45:
        return rnd.choice((timedelta(days=7), timedelta(days=7, seconds=1), timedelta(days=7, seconds=-1),
                           timedelta(0), timedelta(seconds=-1)))
    return timedelta(seconds=rnd.randrange(-86400, 20 * 86400))


def _target(rnd: random.Random) -> str:
    return rnd.choices(("r0", "r1", "r2", "r3", "r4", "r5", "none"), (6, 20, 12, 15, 28, 17, 2))[0]


def event(i: int, rnd: random.Random) -> dict:
    """One event, shaped to nearly match a randomly chosen rule."""
    target = _target(rnd)
    created = _created(rnd)
    kind = rnd.choice(KINDS)
    reason = rnd.choice(REASONS)
    if target in ("r1", "r2", "r3", "r4"):
        kind = "return_refund" if rnd.random() < 0.9 else rnd.choice(KINDS)
    if target in ("r1", "r3"):
        reason = "no_reason_7d" if rnd.random() < 0.9 else rnd.choice(REASONS)
    elif target == "r4":
        reason = rnd.choice(OFF_HOURS_REASONS) if rnd.random() < 0.9 else rnd.choice(REASONS)
    elif target == "r5":
        kind = "refund_only" if rnd.random() < 0.9 else rnd.choice(KINDS)
    amount = _money(rnd, ("199.99", "200.00", "200.01") if target == "r4" else
                    ("29.99", "30.00", "30.01") if target == "r5" else (), high=250 if target in ("r4", "r5") else 2000)
    if target == "r5" and rnd.random() < 0.6:
        amount = _money(rnd, ("29.99", "30.00", "30.01"), high=40)
    paid = _money(rnd, high=600)
    if target == "r1":
        paid = rnd.choice(("299.99", "300.00", "300.01")) if rnd.random() < 0.3 else _money(rnd, high=299)
    if Decimal(str(amount)) > Decimal(str(paid)):
        amount = paid   # an event never asks back more than was paid (the reader refuses it)

    request: dict = {"kind": kind, "reason": reason, "amount": amount, "created_at": _ts(created, rnd),
                     "status": rnd.choice(("pending_merchant", "pending_merchant", "awaiting_return",
                                           "return_in_transit", "returned"))}
    if rnd.random() < 0.8:
        request["first_request"] = rnd.random() < 0.85
    if rnd.random() < (0.95 if target == "r1" else 0.5):
        tracking: dict = {"number": f"SF{rnd.randrange(10**9):09d}"}
        if rnd.random() < 0.9:
            tracking["verified"] = rnd.random() < (0.9 if target == "r1" else 0.5)
        tracking["uploaded_at"] = _ts(created + timedelta(hours=rnd.randrange(1, 48)), rnd)
        request["tracking"] = tracking
    if rnd.random() < (0.9 if target == "r2" else 0.35):
        status = rnd.choice(("inspected_ok", "inspected_ok", "inspected_failed", "received", "none")) \
            if target == "r2" else rnd.choice(("inspected_failed", "received", "none", "inspected_ok"))
        request["warehouse"] = {"status": status, "at": _ts(created + timedelta(days=rnd.randrange(1, 6)), rnd)}

    paid_at = created - timedelta(days=rnd.randrange(3, 30), seconds=rnd.randrange(86400))
    order: dict = {"paid_amount": paid, "currency": "CNY", "payment": "online", "paid_at": _ts(paid_at, rnd),
                   "shipped_at": _ts(paid_at + timedelta(hours=rnd.randrange(2, 48)), rnd)}
    gap = _delivery_gap(rnd)
    if target == "r5" and rnd.random() < 0.7:
        gap = None
    if target == "r3" and gap is None and rnd.random() < 0.8:
        gap = timedelta(days=rnd.choice((7, 6, 1)), seconds=rnd.choice((0, 1, -1)))
    if gap is not None:
        order["delivered_at"] = _ts(created - gap, rnd)
    order["items"] = [{"sku": f"SKU-{rnd.randrange(1000):03d}",
                       "category": rnd.choice(("apparel", "tea", "food", "home")),
                       "price": _money(rnd, high=300), "quantity": rnd.randint(1, 3), "tags": []}
                      for _ in range(rnd.randint(1, 3))]

    out: dict = {"id": f"BX-{i:06d}", "platform": "douyin",
                 "at": _ts(created + timedelta(minutes=rnd.randrange(1, 3000)), rnd),
                 "request": request, "order": order}
    if rnd.random() < 0.99:
        buyer: dict = {"risk_level": rnd.choice(("low", "low", "medium", "high"))}
        risky = target == "r0"
        if rnd.random() < 0.99:
            buyer["risk_passed"] = not (risky and rnd.random() < 0.5) and rnd.random() < 0.99
        if rnd.random() < 0.95:
            buyer["return_rate"] = rnd.choice((0.6, 0.61, 0.6000001, 0.59, 0.95)) if risky or rnd.random() < 0.05 \
                else round(rnd.random() * 0.55, 2)
        out["buyer"] = buyer
    if rnd.random() < 0.95:
        out["store"] = {"express_refund_enabled": rnd.random() < (0.9 if target == "r1" else 0.5)}
    return out


def generate(n: int = 100_000, seed: int = SEED) -> list[dict]:
    """`n` events from `seed`: the same list every time for the same arguments."""
    rnd = random.Random(seed)
    return [event(i, rnd) for i in range(n)]


if __name__ == "__main__":  # write the events as JSON Lines: python bench/workload.py N > events.jsonl
    import json
    import sys

    for e in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000):
        sys.stdout.write(json.dumps(e, separators=(",", ":")) + "\n")


# -- a large policy, for compile time ------------------------------------------------

_SENTENCE_REASONS = ("no-reason", "quality", "wrong-item", "damaged", "missing-parts", "not-as-described",
                     "lost", "late-delivery")
_CATEGORIES = ("tea", "apparel", "food", "home", "toys", "books", "shoes", "beauty")


def big_policy(n: int = 500, seed: int = 7) -> str:
    """A policy of `n` rules in every form the language has (sentences, blocks, guards), from `seed`."""
    rnd = random.Random(seed)
    lines = ['policy "Bench: a big shop"', "platform douyin", "timezone Asia/Shanghai", "currency CNY",
             "service hours mon-fri 09:00-18:00, sat 10:00-16:00", "holidays cn", ""]
    for i in range(n):
        kind = i % 10
        money = f"¥{rnd.randint(1, 3000)}"
        reasons = " or ".join(rnd.sample(_SENTENCE_REASONS, rnd.randint(1, 3)))
        if kind == 0 and i % 50 == 0:
            lines.append(f"rule g{i}: never auto-approve requests from high-risk buyers where buyer.return_rate > "
                         f"{rnd.randint(40, 90)}%")
        elif kind in (0, 1):
            lines.append(f"rule s{i}: auto-approve {reasons} returns under {money} during off-hours")
        elif kind == 2:
            lines.append(f"rule s{i}: auto-approve {reasons} returns within {rnd.randint(1, 15)} days of delivery")
        elif kind == 3:
            lines.append(f"rule s{i}: auto-refund refunds up to {money} on orders not yet delivered")
        elif kind == 4:
            lines.append(f"rule s{i}: escalate requests pending for over {rnd.randint(24, 47)}h")
        elif kind == 5:
            cats = ", ".join(rnd.sample(_CATEGORIES, 2))
            lines.append(f"rule s{i}: auto-refund returns between ¥{rnd.randint(1, 99)} and {money} once inspected "
                         f"in categories {cats}")
        elif kind == 6:
            lines += [f"rule b{i} \"Block rule {i}\":",
                      f"  when request.kind in [return_refund, exchange] and request.reason == "
                      f"{rnd.choice(('quality', 'damaged', 'wrong_item'))}",
                      f"   and (request.amount <= {money} or buyer.risk_level == low)",
                      f"   and not (request.status in [rejected, closed])",
                      "  then approve_return"]
        elif kind == 7:
            lines += [f"rule b{i}:",
                      f"  when request.status == return_in_transit and age(request.tracking.uploaded_at) >= "
                      f"{rnd.randint(2, 9)}d",
                      "   and (request.warehouse.status is missing or request.warehouse.status == none)",
                      "  then extend_receipt"]
        elif kind == 8:
            lines += [f"rule b{i}:",
                      f"  when any(order.items, item.category == \"{rnd.choice(_CATEGORIES)}\")",
                      f"   and count(order.items) <= {rnd.randint(1, 5)} and order.paid_amount < {money}",
                      f"   and weekday(request.created_at) in [sat, sun]",
                      "  then manual_review"]
        else:
            lines += [f"rule b{i}:",
                      f"  when request.kind == refund_only and request.reason in [lost, late_delivery]",
                      f"   and order.delivered_at is missing and age(order.shipped_at) > {rnd.randint(3, 12)}d",
                      f"   and order.paid_amount <= {money} and local_time(request.created_at) >= 20:00",
                      "  then approve_refund"]
    lines += ["", "otherwise manual_review", ""]
    return "\n".join(lines)
