"""A realistic, seeded synthetic history of after-sales requests (see shared/domain.md).

The same arguments always give the same bytes (gzip output too). What it
models, with the figures it uses:

- **When**: requests per day follow the week (Sunday and Monday busiest) and
  the year: China's public holidays are quieter, the three days after one
  busier, and the weeks after the shopping festivals (618, Double 11, 12.12)
  bring the return waves. Within a day, evenings 20:00-23:00 peak and
  03:00-05:00 is nearly empty. Make-up working days (调休) count as weekdays.
- **What**: kinds and reasons in the mix the platforms report (no-reason
  returns the largest group; food and medicine rarely returned without a
  reason; lost and late parcels refund-only), categories per platform, prices
  by category, 1-3 items, coupons, cash on delivery now and then.
- **The lifecycle**: paid → shipped (hours to 3 days) → delivered (1-4 days,
  or never for lost parcels) → request (no-reason returns mostly within the
  7-day window) → the state at the evaluation moment: pending (minutes to
  48 h), awaiting the return, in transit with tracking (verified or not),
  returned with the warehouse's verdict, or closed.
- **Who**: buyers mostly low-risk, some medium and high, with return rates to
  match; stores with express refund switched on or not.

>>> lines = list(events(3, seed=7))
>>> lines == list(events(3, seed=7)), len(lines)
(True, 3)
"""
from __future__ import annotations

import bisect
import json
import random
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterator

from .profile import Profile

CST = timezone(timedelta(hours=8))

HOURLY = [3, 2, 1, .6, .4, .4, .8, 1.5, 2.5, 4, 5, 5, 5, 5, 5, 5, 5, 4.5, 4.5, 5, 6, 7, 6.5, 4.5]
WEEKDAY = [1.1, 1.0, 1.0, 1.0, 0.95, 1.1, 1.15]
#: (month, day) of shopping festivals and the size of the return wave after them.
FESTIVALS = [((6, 18), 1.8), ((11, 11), 2.6), ((12, 12), 1.4)]

CATEGORIES = {
    "douyin": [("apparel", .35), ("tea", .15), ("beauty", .15), ("food", .10), ("home", .10),
               ("electronics", .10), ("medicine", .05)],
    "kuaishou": [("food", .30), ("home", .25), ("apparel", .20), ("beauty", .10), ("electronics", .10),
                 ("tea", .05)],
}
#: Median price (yuan) and spread of each category's prices (a log-normal).
PRICES = {"apparel": (129, .6), "tea": (88, .7), "beauty": (159, .6), "food": (49, .6), "home": (69, .7),
          "electronics": (299, .9), "medicine": (59, .5)}
#: The spread of a category a profile adds.
SPREAD = .6
TAGS = {"tea": ["gift-box"], "food": ["fresh", "perishable"], "home": ["fragile", "bulky"],
        "electronics": ["fragile", "warranty"], "apparel": ["size-chart"], "beauty": ["sealed"], "medicine": ["otc"]}

REASONS = [("no_reason_7d", 38), ("quality", 14), ("not_as_described", 9), ("wrong_item", 4), ("missing_parts", 4),
           ("damaged", 6), ("lost", 3), ("late_delivery", 6), ("other", 16)]
#: Reasons for goods that are rarely returnable without one (food, medicine).
REASONS_PERISHABLE = [("no_reason_7d", 5), ("quality", 30), ("not_as_described", 10), ("wrong_item", 5),
                      ("missing_parts", 6), ("damaged", 14), ("lost", 5), ("late_delivery", 10), ("other", 15)]
KIND_NAMES = ("return_refund", "refund_only", "exchange")
KINDS = {  # reason -> weights of KIND_NAMES
    "no_reason_7d": (85, 5, 10), "quality": (60, 25, 15), "not_as_described": (60, 35, 5),
    "wrong_item": (50, 10, 40), "missing_parts": (35, 60, 5), "damaged": (45, 45, 10), "lost": (0, 100, 0),
    "late_delivery": (15, 85, 0), "other": (55, 40, 5),
}
RISK = [("low", 86), ("medium", 10), ("high", 4)]
RISK_PASSED = {"low": .99, "medium": .85, "high": .4}
RETURN_RATE = {"low": (2, 14), "medium": (3, 7), "high": (4, 5)}   # beta(a, b)


def _cumulative(weights) -> tuple[list, list[float]]:
    items, acc, total = [], [], 0.0
    for item, w in weights:
        total += w
        items.append(item)
        acc.append(total)
    return items, acc


class _Pick:
    """Weighted choice by bisection on cumulative weights (fast for repeated draws)."""

    def __init__(self, weights):
        self.items, self.acc = _cumulative(weights)
        self.total = self.acc[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.acc, rng.random() * self.total)]

    def sample(self, rng: random.Random, k: int) -> list[int]:
        """Indexes of `k` draws (for counting draws per item)."""
        return rng.choices(range(len(self.items)), cum_weights=self.acc, k=k)


def day_weights(start: date, days: int) -> list[tuple[date, float]]:
    """Requests expected per day, relative: week, holidays, make-up days, festival return waves."""
    from ..hours import Calendar

    cal = Calendar("cn")
    out = []
    for i in range(days):
        d = start + timedelta(days=i)
        makeup = cal.is_makeup_workday(d)
        w = WEEKDAY[2] if makeup else WEEKDAY[d.weekday()]
        if cal.is_holiday(d):
            w *= 0.8
        elif any(cal.is_holiday(d - timedelta(days=k)) for k in (1, 2, 3)):
            w *= 1.3
        for (month, day), size in FESTIVALS:
            for year in (d.year - 1, d.year):
                after = (d - date(year, month, day)).days
                if 2 <= after <= 20:
                    w *= 1 + (size - 1) * (1 - (after - 2) / 19)
        out.append((d, w))
    return out


def _fen(value: float) -> Decimal:
    return Decimal(str(round(max(value, 0.01), 2))).quantize(Decimal("0.01"))


def hourly(profile: Profile) -> list[float]:
    """Requests per hour of the day: the built-in shape, rescaled to the profile's off-hours share."""
    if profile.service_hours is None:
        return HOURLY
    start, end = profile.service_hours
    inside = [start <= h < end for h in range(24)]
    within = sum(w for w, i in zip(HOURLY, inside) if i)
    outside = sum(w for w, i in zip(HOURLY, inside) if not i)
    share = profile.off_hours_share
    return [w * (1 - share) / within if i else w * share / outside for w, i in zip(HOURLY, inside)]


def kind_weights(reason: str, profile: Profile) -> list[float]:
    """A reason's mix of kinds, times the profile's kind weights (the profile's alone if nothing is left)."""
    own = KINDS[reason]
    if profile.kinds is None:
        return list(own)
    scale = dict(profile.kinds)
    mixed = [w * scale.get(k, 0) for k, w in zip(KIND_NAMES, own)]
    return mixed if any(mixed) else [scale.get(k, 0) for k in KIND_NAMES]


class Generator:
    def __init__(self, seed: int, start: date, days: int, platform: str = "mixed", profile: Profile | None = None):
        profile = profile or Profile()
        self.rng = random.Random(seed)
        self.days = _Pick(day_weights(start, days))   # draws of dates
        self.hours = _Pick(list(enumerate(hourly(profile))))
        self.platform = profile.platform if profile.platform and platform == "mixed" else platform
        self.categories = {p: _Pick(profile.categories or c) for p, c in CATEGORIES.items()}
        self.reasons = _Pick(profile.reasons or REASONS)
        self.reasons_perishable = _Pick(profile.reasons or REASONS_PERISHABLE)
        self.kinds = {r: _Pick(zip(KIND_NAMES, kind_weights(r, profile))) for r in KINDS}
        self.risk = _Pick(profile.risk or RISK)
        self.prices = {**{c: (median, sigma, None, None) for c, (median, sigma) in PRICES.items()},
                       **{c: (float(p.typical), PRICES.get(c, (0, SPREAD))[1], p.low, p.high)
                          for c, p in profile.prices}}
        #: Chance that an optional field is present: first_request, buyer.return_rate, store.
        present = None if profile.missing is None else 1 - profile.missing
        self.present = (.97, .9, .95) if present is None else (present,) * 3
        self.express = profile.express_refund

    # -- pieces ---------------------------------------------------------------------

    def _ts(self, t: datetime) -> str:
        t = t.replace(microsecond=0)
        if self.rng.random() < 0.02:   # a few systems send UTC
            return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        return t.isoformat()

    def _price(self, category: str) -> Decimal:
        median, sigma, low, high = self.prices[category]
        p = max(1, round(self.rng.lognormvariate(0, sigma) * median))
        ending = self.rng.random()
        if ending < .2:
            price = Decimal(p - 1) + Decimal("0.90") if p > 1 else Decimal("0.90")
        elif ending < .3:
            price = Decimal(p - 1) + Decimal("0.99") if p > 1 else Decimal("0.99")
        else:
            price = Decimal(p).quantize(Decimal("0.01"))
        if low is not None and price < low:
            return low
        if high is not None and price > high:
            return high
        return price

    def _items(self, platform: str) -> tuple[str, list[dict], Decimal]:
        rng = self.rng
        category = self.categories[platform](rng)
        n = 1 if rng.random() < .85 else (2 if rng.random() < .8 else 3)
        items, total = [], Decimal(0)
        for k in range(n):
            cat = category if k == 0 or rng.random() < .7 else self.categories[platform](rng)
            price = self._price(cat)
            qty = 1 if rng.random() < .8 else (2 if rng.random() < .75 else 3)
            tags = [t for t in TAGS.get(cat, []) if rng.random() < .25]
            if rng.random() < .05:
                tags.append("clearance")
            items.append({"sku": f"{cat[:3].upper()}-{rng.randrange(1, 400):03d}", "category": cat,
                          "price": str(price), "quantity": qty, "tags": tags})
            total += price * qty
        return category, items, total

    def _local(self, d: date, hour: int) -> datetime:
        return datetime(d.year, d.month, d.day, hour, self.rng.randrange(60), self.rng.randrange(60), tzinfo=CST)

    def _work_time(self, t: datetime) -> datetime:
        """Moved into a courier's or warehouse's working day (08:00-20:00)."""
        if t.hour < 8:
            return t.replace(hour=8 + self.rng.randrange(3))
        if t.hour >= 20:
            return (t + timedelta(days=1)).replace(hour=8 + self.rng.randrange(3))
        return t

    # -- one event ------------------------------------------------------------------

    def event(self, day: date) -> tuple[datetime, dict]:
        """(request time, event) for a request opened on `day`; the id is set by the caller."""
        rng = self.rng
        platform = self.platform if self.platform != "mixed" else ("douyin" if rng.random() < .65 else "kuaishou")
        created = self._local(day, self.hours(rng))
        category, items, total = self._items(platform)
        perishable = category in ("food", "medicine")
        reason = (self.reasons_perishable if perishable else self.reasons)(rng)
        kind = self.kinds[reason](rng)
        if kind == "exchange" and category not in ("apparel", "electronics", "home") and rng.random() < .7:
            kind = "return_refund"

        # the order's timeline, backwards from the request
        delivered: datetime | None
        if reason == "lost" or (reason == "late_delivery" and rng.random() < .7):
            delivered = None
            shipped = self._work_time(created - timedelta(days=rng.uniform(3, 15)))
        else:
            if reason == "no_reason_7d":
                after = rng.expovariate(1 / 2.5) if rng.random() < .9 else rng.uniform(7, 15)
            else:
                after = rng.expovariate(1 / 4) if rng.random() < .85 else rng.uniform(10, 30)
            delivered = self._work_time(created - timedelta(days=after))
            if delivered > created:
                delivered = created - timedelta(minutes=rng.randrange(5, 600))
            shipped = self._work_time(delivered - timedelta(days=rng.choice((1, 1, 2, 2, 2, 3, 3, 4)),
                                                            hours=rng.uniform(0, 10)))
        paid = shipped - timedelta(hours=rng.uniform(2, 72))
        discount = Decimal(str(round(rng.uniform(.05, .15), 2))) if rng.random() < .3 else Decimal(0)
        paid_amount = max(_fen(float(total * (1 - discount))), Decimal("0.01"))
        amount = paid_amount
        if (reason == "missing_parts" and rng.random() < .8) or \
                (reason in ("not_as_described", "other", "damaged") and rng.random() < .2):
            amount = _fen(float(paid_amount) * rng.uniform(.1, .7))

        request: dict = {"kind": kind, "reason": reason, "amount": str(amount), "created_at": "",
                         "status": "pending_merchant"}
        if rng.random() < self.present[0]:
            request["first_request"] = rng.random() < .92
        at = self._state(request, kind, created)
        request["created_at"] = self._ts(created)

        order: dict = {"paid_amount": str(paid_amount), "currency": "CNY",
                       "payment": "online" if rng.random() < .97 else "cash_on_delivery",
                       "paid_at": self._ts(paid), "shipped_at": self._ts(shipped)}
        if delivered is not None:
            order["delivered_at"] = self._ts(delivered)
        order["items"] = items

        level = self.risk(rng)
        buyer: dict = {"risk_level": level, "risk_passed": rng.random() < RISK_PASSED[level]}
        if rng.random() < self.present[1]:
            a, b = RETURN_RATE[level]
            buyer["return_rate"] = round(rng.betavariate(a, b), 2)
        event = {"id": "", "platform": platform, "at": self._ts(at), "request": request,
                 "order": order, "buyer": buyer}
        if rng.random() < self.present[2]:
            express = platform == "douyin" and rng.random() < .55 if self.express is None \
                else rng.random() < self.express
            event["store"] = {"express_refund_enabled": express}
        return created, event

    def _state(self, request: dict, kind: str, created: datetime) -> datetime:
        """Where the request stands at the evaluation moment; fills tracking and warehouse."""
        rng = self.rng
        r = rng.random()
        if kind == "refund_only":
            if r < .85:
                return created + self._pending()
            request["status"] = "refunded" if r < .93 else ("rejected" if r < .97 else "closed")
            return created + timedelta(hours=rng.uniform(1, 96))
        if r < .70:
            return created + self._pending()
        if r < .78:
            request["status"] = "awaiting_return"
            return created + timedelta(hours=rng.uniform(2, 72))
        uploaded = created + timedelta(hours=rng.uniform(6, 96))
        request["tracking"] = {"number": f"{rng.choice(('SF', 'YT', 'ZTO', 'JD'))}{rng.randrange(10**9, 10**10)}",
                               "verified": rng.random() < .92, "uploaded_at": self._ts(uploaded)}
        if r < .88:
            request["status"] = "return_in_transit"
            if rng.random() < .3:
                request["warehouse"] = {"status": "none"}
            return uploaded + timedelta(hours=rng.uniform(1, 9 * 24))
        if r < .96:
            request["status"] = "returned"
            seen = self._work_time(uploaded + timedelta(days=rng.uniform(1.5, 6)))
            verdict = rng.random()
            status = "received" if verdict < .3 else ("inspected_ok" if verdict < .9 else "inspected_failed")
            request["warehouse"] = {"status": status, "at": self._ts(seen)}
            return seen + timedelta(minutes=rng.randrange(1, 240))
        request["status"] = rng.choice(("refunded", "refunded", "rejected", "closed"))
        return uploaded + timedelta(days=rng.uniform(1, 10))

    def _pending(self) -> timedelta:
        r = self.rng.random()
        if r < .7:
            return timedelta(minutes=self.rng.uniform(1, 30))
        if r < .9:
            return timedelta(hours=self.rng.uniform(1, 24))
        return timedelta(hours=self.rng.uniform(24, 48))


BAD_KINDS = ("truncated", "amount", "reason", "no-at", "naive-time", "not-object")


def spoil(line: str, rng: random.Random) -> str:
    """A line broken the way real exports break."""
    kind = rng.choice(BAD_KINDS)
    if kind == "truncated":
        return line[: rng.randrange(10, len(line) - 5)]
    if kind == "not-object":
        return "[" + line + "]"
    event = json.loads(line)
    if kind == "amount":
        event["request"]["amount"] = event["request"]["amount"] + "5"   # three decimal places
    elif kind == "reason":
        event["request"]["reason"] = "changed_mind"
    elif kind == "no-at":
        del event["at"]
    else:
        event["request"]["created_at"] = event["request"]["created_at"][:19]
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def events(count: int, seed: int = 1, start: date = date(2026, 9, 1), days: int = 120, platform: str = "mixed",
           bad_rate: float = 0.0, profile: Profile | None = None) -> Iterator[str]:
    """`count` JSON lines (without newlines), in the order of their request times; ids follow that order.

    A `profile` shapes the mix to one store; its platform applies when `platform` is "mixed".
    """
    gen = Generator(seed, start, days, platform, profile)
    spoiler = random.Random(seed ^ 0x5EED)
    per_day = [0] * days
    for i in gen.days.sample(gen.rng, count):
        per_day[i] += 1
    serial = 0
    for i, n in enumerate(per_day):
        d = start + timedelta(days=i)
        made = sorted((gen.event(d) for _ in range(n)), key=lambda pair: pair[0])
        for _, e in made:
            serial += 1
            e["id"] = f"{'DY' if e['platform'] == 'douyin' else 'KS'}{serial:010d}"
            line = json.dumps(e, ensure_ascii=False, separators=(",", ":"))
            if bad_rate and spoiler.random() < bad_rate:
                line = spoil(line, spoiler)
            yield line


#: How far an event's timestamps reach before its day (payment, shipping) and after it (tracking, checks).
_REACH = timedelta(days=90)


def _outside_years(first: date, days: int) -> str | None:
    """Why a history from `first` for `days` days would hold timestamps `eval` refuses, or None."""
    from ..limits import MAX_YEAR, MIN_YEAR

    earliest, latest = date(MIN_YEAR, 1, 1) + _REACH, date(MAX_YEAR, 12, 31) - _REACH
    if first < earliest or first + timedelta(days=days - 1) > latest:
        return (f"--start {first.isoformat()} with --days {days} would write timestamps outside the years "
                f"{MIN_YEAR} to {MAX_YEAR} that events may hold; the history must lie between "
                f"{earliest.isoformat()} and {latest.isoformat()}")
    return None


def cli_main(count: int, seed: int, start: str, days: int, platform: str, bad_rate: float, out: str,
             profile: str | None = None) -> int:
    from ..terminal import report
    from ..diagnostics import AftersaleError, Diagnostic, ERROR
    from ..source import Span

    try:
        first = date.fromisoformat(start)
    except ValueError:
        report(AftersaleError(Diagnostic("usage", ERROR, f"--start `{start}` is not a date (YYYY-MM-DD)",
                                         Span("<args>", 1, 1, 1, 1))))
        return 2
    problem = _outside_years(first, days)
    if problem is not None:
        report(AftersaleError(Diagnostic("usage", ERROR, problem, Span("<args>", 1, 1, 1, 1))))
        return 2
    from .profile import load

    shape = load(profile) if profile else None
    lines = events(count, seed, first, days, platform, bad_rate, shape)
    if out == "-":
        write = sys.stdout.write
        for line in lines:
            write(line + "\n")
        return 0
    from ..files import AtomicFile

    target = AtomicFile(out, compress=True)
    try:
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= 10_000:
                target.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            target.write("\n".join(buf) + "\n")
        target.finish()
    except BaseException:
        target.abort()
        raise
    return 0
