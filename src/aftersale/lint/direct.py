"""Building an example event from a witness box without the solver, for the usual shapes.

Plain fields keep the base event's value when it is in their set and take the
nearest value of the set otherwise; a timestamp seen through the calendar
(service hours, weekday, local time, holiday) is found by trying moments near
the base one; ages and differences of timestamps then place the other
timestamps; `any`/`all` over one item field get one item per need. Anything
else returns None and the solver builds the example (`examples.py`); either
way the evaluator checks the result.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from .. import rules as ir
from ..hours import Calendar, is_open
from ..values import WEEKDAYS, parse_timestamp
from .event_paths import delete_path, get_path, set_path
from .exact import CALENDAR_KEYS, item_atoms, item_choice, present_part
from .terms import Term, Terms
from .valuesets import MISSING_LABEL, Finite, Numbers, Texts
from .world import DAY, EPOCH, World, day_number, seconds_of

_TIMES = [time(h, m) for h, m in ((10, 0), (22, 0), (9, 0), (18, 0), (8, 59), (0, 0), (12, 0), (17, 59), (20, 0),
                                  (23, 59), (6, 0), (15, 0), (16, 0), (21, 0), (9, 30))]


class _Fail(Exception):
    pass


def _in_interval(value, lo, lc, hi, hc) -> bool:
    return (lo is None or value > lo or (value == lo and lc)) and (hi is None or value < hi or (value == hi and hc))


def _pick_number(s: Numbers, near, integral: bool):
    """A value of the set near `near` (a number or None)."""
    if not s.ivs:
        raise _Fail()
    best = None
    for lo, lc, hi, hc in s.ivs:
        if near is not None and _in_interval(near, lo, lc, hi, hc):
            return near
        cands = []
        if lo is not None:
            cands.append(lo if lc else (lo + 1 if integral else lo + Fraction(1, 100)))
        if hi is not None:
            cands.append(hi if hc else (hi - 1 if integral else hi - Fraction(1, 100)))
        if lo is None and hi is None:
            cands.append(near if near is not None else 0)
        for c in cands:
            if lo is not None and hi is not None and not integral and not (lo < c < hi or (c == lo and lc) or
                                                                            (c == hi and hc)):
                c = (lo + hi) / 2
            d = abs(c - near) if near is not None else 0
            if best is None or d < best[0]:
                best = (d, c)
    return best[1]


def _pick_text(s: Texts, first: str, more: str) -> str | None:
    """A string of the set: `first`, with `more` added until it is one, when the set has all strings but a few;
    else the least of its strings; None when it has none (only "missing" fits)."""
    if s.cofinite:
        value = first
        while value in s.strings:
            value += more
        return value
    return min(s.strings) if s.strings else None


def _money(fen) -> str:
    return f"{Decimal(int(fen)) / 100:.2f}"


class Direct:
    def __init__(self, world: World, terms: Terms, zone: str):
        self.world, self.terms = world, terms
        self.tz = ZoneInfo(zone)
        self.calendar = Calendar(world.calendar)
        self.policy_hours = None

    def build(self, box: dict, base: dict, policy_hours) -> dict | None:
        self.policy_hours = policy_hours
        try:
            return self._build(box, base)
        except (_Fail, ValueError, TypeError, KeyError, IndexError, OverflowError):
            return None

    # -- timestamps as seconds ---------------------------------------------------------------
    def _ts(self, event, dotted) -> int | None:
        raw = get_path(event, tuple(dotted.split(".")))
        return None if raw is None else int(parse_timestamp(raw).timestamp())

    def _put_ts(self, event, dotted, secs: int):
        set_path(event, tuple(dotted.split(".")), datetime.fromtimestamp(secs, self.tz).isoformat())

    def _calendar_value(self, key: str, secs: int):
        local = datetime.fromtimestamp(secs, self.tz)
        if key in ("open", "outside"):
            o = is_open(self.policy_hours, self.calendar, local.replace(tzinfo=None))
            return o if key == "open" else not o
        if key == "weekday":
            return WEEKDAYS[local.weekday()]
        if key == "is_weekend":
            return local.weekday() >= 5
        if key == "is_holiday":
            return self.calendar.is_holiday(local.date())
        if key == "is_day_off":
            return self.calendar.is_day_off(local.date())
        if key == "local_time":
            return seconds_of(local.time())
        return day_number(local.date())

    @staticmethod
    def _in(s, value) -> bool:
        if isinstance(s, Finite):
            return value in s.members()
        if isinstance(s, Numbers):
            return any(_in_interval(value, *iv) for iv in s.ivs)
        return False

    def _find_moment(self, group: list[Term], box, start: int) -> int:
        local0 = datetime.fromtimestamp(start, self.tz)
        extra = []
        for t in group:
            s = box[t]
            if t.key[0] == "local_time" and isinstance(s, Numbers):
                for lo, lc, hi, hc in s.ivs:
                    for b in (lo, hi):
                        if b is not None and 0 <= b < DAY:
                            b = int(b)
                            extra.append(time(b // 3600, b // 60 % 60, b % 60))
            if t.key[0] == "local_date" and isinstance(s, Numbers) and s.ivs:
                lo = s.ivs[0][0] if s.ivs[0][0] is not None else s.ivs[0][2]
                if lo is not None:
                    local0 = datetime.combine(EPOCH + timedelta(days=int(lo)), local0.time())
        times = [local0.time()] + extra + _TIMES
        for day in range(0, 400):
            for sign in ((1,) if day == 0 else (-1, 1)):
                d = (local0 + sign * timedelta(days=day)).date()
                for tm in times:
                    for sec in (0, 1):
                        cand = datetime.combine(d, tm, self.tz) + timedelta(seconds=sec)
                        secs = int(cand.timestamp())
                        if all(self._in(box[t], self._calendar_value(t.key[0], secs)) for t in group):
                            return secs
        raise _Fail()

    # -- the build ---------------------------------------------------------------------------
    def _build(self, box: dict, base: dict) -> dict:
        import copy

        event = copy.deepcopy(base)
        calendar: dict[str, list[Term]] = {}
        edges = []
        items = []
        for t, s in box.items():
            k = t.key[0]
            if k in ("field",):
                self._plain(event, t, s)
            elif k in CALENDAR_KEYS:
                calendar.setdefault(".".join(t.key[1]), []).append(t)
            elif k in ("age", "diff"):
                edges.append((t, s))
            elif t.kind == "atom" and isinstance(t.expr, ir.Quantifier):
                items.append((t, s))
            else:
                raise _Fail()
        fixed: set[str] = set()
        for dotted, group in calendar.items():
            if all(present_part(box[t]) == (False, True) for t in group):  # only "missing" fits
                delete_path(event, tuple(dotted.split(".")))
                fixed.add(dotted)
                continue
            start = self._ts(event, dotted) or self._ts(event, "request.created_at")
            self._put_ts(event, dotted, self._find_moment(group, box, start))
            fixed.add(dotted)
        self._edges(event, edges, fixed)
        if items:
            self._items(event, items, box)
        self._realism(event, box)
        return event

    def _plain(self, event, t: Term, s) -> None:
        path = t.key[1]
        raw = get_path(event, path)
        if isinstance(s, Finite):
            members = s.members()
            if raw is not None and raw in members:
                return
            present = [m for m in members if m != MISSING_LABEL]
            if raw is None and MISSING_LABEL in members:
                return
            if not present:
                delete_path(event, path)
                return
            set_path(event, path, present[0])
            return
        if isinstance(s, Texts):
            if raw is None and s.missing:
                return
            if raw is not None and ((raw in s.strings) != s.cofinite):
                return
            value = _pick_text(s, "x", "x")
            if value is None:
                delete_path(event, path)
            else:
                set_path(event, path, value)
            return
        if not s.ivs:
            delete_path(event, path)
            return
        if t.unit == "fen":
            near = None if raw is None else Fraction(Decimal(str(raw)) * 100)
            set_path(event, path, _money(_pick_number(s, near, True)))
        elif t.unit == "ts":
            near = None if raw is None else self._ts(event, ".".join(path))
            secs = _pick_number(s, near, True)
            self._put_ts(event, ".".join(path), int(secs))
        elif t.unit == "num":
            near = None if raw is None else Fraction(Decimal(str(raw)))
            v = _pick_number(s, near, t.integral)
            set_path(event, path, int(v) if t.integral or v == int(v) else float(Decimal(v.numerator) / v.denominator))
        else:
            raise _Fail()

    def _edges(self, event, edges, fixed: set[str]) -> None:
        """Ages (at − x) and differences (x − y): place one end from the other."""
        known = set(fixed) | {"at"}
        pending = list(edges)
        for _ in range(len(pending) + 1):
            rest = []
            for t, s in pending:
                if t.key[0] == "age":
                    a, b = "at", ".".join(t.key[1])
                else:
                    a, b = ".".join(t.key[1]), ".".join(t.key[2])
                if isinstance(s, Numbers) and not s.ivs:  # only missing: drop one end that may be missing
                    delete_path(event, tuple(b.split(".")))
                    continue
                if a not in known and b not in known:
                    rest.append((t, s))
                    continue
                ta, tb = self._ts(event, a), self._ts(event, b)
                near = (ta - tb) if ta is not None and tb is not None else None
                v = int(_pick_number(s, near, True))
                if a in known and ta is not None:
                    self._put_ts(event, b, ta - v)
                    known.add(b)
                elif tb is not None:
                    self._put_ts(event, a, tb + v)
                    known.add(a)
                else:
                    raise _Fail()
            if not rest:
                return
            pending = rest
            known.add(".".join(pending[0][0].key[-1]) if pending[0][0].key[0] == "diff" else "at")
        raise _Fail()

    def _items(self, event, atoms, box) -> None:
        found = item_atoms(atoms, self.terms)
        if found is None:
            raise _Fail()
        item_term, parsed = found
        needs = item_choice(item_term, parsed)
        name = item_term.key[1][1]
        if needs is None:
            raise _Fail()
        if needs == "missing":
            delete_path(event, ("order", "items"))
            return
        if not needs:
            set_path(event, ("order", "items"), [])
            return
        out = []
        for n, need in enumerate(needs, start=1):
            item = {"sku": f"SKU-{n}", "quantity": 1}
            if isinstance(need, Texts):
                value = _pick_text(need, "other", "-x")
                if value is not None:
                    item[name] = value
            elif isinstance(need, Numbers):
                if not need.ivs:
                    pass
                elif item_term.unit == "fen":
                    item[name] = _money(_pick_number(need, Fraction(12900), True))
                else:
                    item[name] = int(_pick_number(need, Fraction(1), True))
            else:
                raise _Fail()
            out.append(item)
        set_path(event, ("order", "items"), out)

    def _realism(self, event, box) -> None:
        """Unconstrained fields follow the constrained ones: paid at least the refund, timestamps in order."""
        touched = {".".join(map(str, t.key[1])) for t in box if t.key[0] == "field"}
        for t in box:
            touched |= set(t.vars)
        amount, paid = get_path(event, ("request", "amount")), get_path(event, ("order", "paid_amount"))
        if amount is not None and paid is not None and Decimal(str(amount)) > Decimal(str(paid)) \
                and "order.paid_amount" not in touched:
            set_path(event, ("order", "paid_amount"), amount)
        created = self._ts(event, "request.created_at")
        chain = ["order.delivered_at", "order.shipped_at", "order.paid_at"]
        limit = created
        for dotted in chain:
            v = self._ts(event, dotted)
            if v is None or limit is None:
                continue
            if v > limit and dotted not in touched:
                v = limit - 3600 * 24
                self._put_ts(event, dotted, v)
            limit = v
        at = self._ts(event, "at")
        if created is not None and at is not None and at < created and "at" not in touched:
            self._put_ts(event, "at", created + 3600)


__all__ = ["Direct"]
