"""Concrete example requests for findings, built from solver models and checked by the evaluator.

An example starts from a plain, realistic base event for the policy's platform
and changes only what the finding needs: the solver is asked for an event in
the finding's region, preferring (in this order) a realistic event (amounts
not negative, the refund not above the amount paid, timestamps in the order
paid, shipped, delivered, opened, evaluated) and the base event's own values.
The event is then validated against the event schema and decided by the
evaluator; an example that does not show what the finding says is never
returned.
"""
from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Callable
from zoneinfo import ZoneInfo

import z3

from .. import rules as ir
from ..events.fields import FIELDS, ITEM_FIELDS
from ..values import BOOL, ENUM, MONEY, NUMBER, TEXT, TIMESTAMP
from .boxes import Box
from .event_paths import delete_path, get_path, set_path
from .smt import MAX_SLOTS, Encoder, item_conditions
from .terms import Unsupported
from .world import World, field_values, optional

BASE_EVENT = {
    "id": "LINT-EXAMPLE",
    "platform": "douyin",
    "at": "2026-11-18T11:00:00+08:00",
    "request": {
        "kind": "return_refund",
        "reason": "other",
        "amount": "129.00",
        "created_at": "2026-11-18T10:00:00+08:00",
        "status": "pending_merchant",
        "first_request": True,
    },
    "order": {
        "paid_amount": "129.00",
        "currency": "CNY",
        "payment": "online",
        "paid_at": "2026-11-01T20:05:00+08:00",
        "shipped_at": "2026-11-02T15:30:00+08:00",
        "delivered_at": "2026-11-04T14:20:00+08:00",
        "items": [{"sku": "SKU-1", "category": "tea", "price": "129.00", "quantity": 1}],
    },
    "buyer": {"risk_level": "low", "risk_passed": True, "return_rate": 0.05},
    "store": {"express_refund_enabled": False},
}

#: Realistic order of timestamps, when both are present.
TIME_ORDER = [("order.paid_at", "order.shipped_at"), ("order.shipped_at", "order.delivered_at"),
              ("order.delivered_at", "request.created_at"), ("order.paid_at", "request.created_at"),
              ("request.created_at", "at"), ("request.created_at", "request.tracking.uploaded_at"),
              ("request.tracking.uploaded_at", "at"), ("request.tracking.uploaded_at", "request.warehouse.at"),
              ("request.created_at", "request.warehouse.at"), ("request.warehouse.at", "at")]

LEAVES = [p for p, info in FIELDS.items() if info.type in (MONEY, NUMBER, TIMESTAMP, ENUM, BOOL, TEXT)]


def base_event(platform: str | None) -> dict:
    event = copy.deepcopy(BASE_EVENT)
    if platform in ("douyin", "kuaishou", "other"):
        event["platform"] = platform
    return event


def _money_text(fen: int):
    if abs(fen) > 99_999_999_999_999:
        return int(fen // 100)  # 1e12 only fits the schema as a number
    d = Decimal(fen) / 100
    return f"{d:.2f}"


def possible_request(event: dict) -> bool:
    """Whether an example is a request that can happen: no more is asked back than was paid."""
    amount = get_path(event, ("request", "amount"))
    paid = get_path(event, ("order", "paid_amount"))
    return amount is None or paid is None or Decimal(str(amount)) <= Decimal(str(paid))


class Builder:
    """Builds and checks examples for one policy."""

    def __init__(self, tree: ir.Policy, world: World, terms=None):
        from .smt import EXAMPLE_RLIMIT, Budget

        self.tree = tree
        self.world = world
        self.budget = Budget(EXAMPLE_RLIMIT)  # examples have their own units: a spent analysis still shows its findings
        self.direct = None
        if terms is not None:
            from .direct import Direct

            self.direct = Direct(world, terms, tree.timezone)
        self.zone = ZoneInfo(tree.timezone)
        self._policy = None

    @property
    def interpreter(self):
        """The reference evaluator: every example is proved by it, not by a faster backend."""
        if self._policy is None:
            from ..backends.interpreter import Interpreter

            self._policy = Interpreter(self.tree)
        return self._policy

    def _base_value(self, enc: Encoder, path: tuple, raw):
        v = enc.field(path)
        info = FIELDS[".".join(path)]
        if raw is None:
            return None
        if info.type is MONEY:
            return v.val == int(Decimal(str(raw)) * 100)
        if info.type is TIMESTAMP:
            from ..values import parse_timestamp

            return v.val == int(parse_timestamp(raw).timestamp())
        if info.type is ENUM:
            values = field_values(path)
            return v.val == values.index(raw) if raw in values else None
        if info.type is BOOL:
            return v.val == bool(raw)
        if info.type is NUMBER:
            return v.val == z3.RealVal(str(Decimal(str(raw))))
        if info.type is TEXT:
            return v.val == z3.StringVal(raw)
        return None

    def build(self, box: Box | None, expect: Callable, extra=None, exprs=(), prefer: dict | None = None) -> dict | None:
        """An event in `box` (and `extra(encoder)`), for which `expect(decision, event)` holds, or None."""
        conds = list(exprs) + ([t.expr for t in box] if box else [])
        quantified = item_conditions(conds)
        slots = min(2 ** len(quantified), MAX_SLOTS) if quantified else 0
        base = base_event(self.tree.platform)
        if prefer:
            for k, v in prefer.items():
                set_path(base, tuple(k.split(".")), v)
        if self.direct is not None and box is not None and extra is None:
            event = self.direct.build(box, base, self.tree.service_hours)
            if event is not None and self._check(event, expect):
                return event
        for attempt in range(2):
            try:
                event = self._solve(box, extra, slots, base, realistic=attempt == 0)
            except (Unsupported, z3.Z3Exception):
                return None
            if event is None:
                continue
            if self._check(event, expect):
                return event
        return None

    def _check(self, event: dict, expect: Callable) -> bool:
        from ..diagnostics import AftersaleError
        from ..events import parse_event

        if not possible_request(event):
            return False
        try:
            decision, _ = self.interpreter.verdict(parse_event(copy.deepcopy(event)), False)
        except AftersaleError:
            return False
        try:
            return bool(expect(decision, event))
        except Exception:  # noqa: BLE001 - a failing expectation means no example
            return False

    def _solve(self, box, extra, slots: int, base: dict, realistic: bool) -> dict | None:
        enc = Encoder(self.world, "example", slots, budget=self.budget)
        hard = [enc.box(box)] if box else []
        amount, paid = enc.field(("request", "amount")), enc.field(("order", "paid_amount"))
        hard.append(z3.Implies(z3.And(amount.present, paid.present), amount.val <= paid.val))  # a real request
        if extra is not None:
            hard.append(extra(enc))
        soft: list[tuple[z3.BoolRef, int]] = []  # (condition, priority: higher is kept longer)
        for dotted in LEAVES:
            path = tuple(dotted.split("."))
            v = enc.field(path)
            raw = get_path(base, path)
            if raw is None:
                if optional(path):
                    soft.append((z3.Not(v.present), 1))
                continue
            eq = self._base_value(enc, path, raw)
            if eq is not None:
                soft.append((z3.And(v.present, eq), 1))
        if realistic:
            for a, b in TIME_ORDER:
                va, vb = enc.field(tuple(a.split("."))), enc.field(tuple(b.split(".")))
                soft.append((z3.Implies(z3.And(va.present, vb.present), va.val <= vb.val), 3))
            amount, paid = enc.field(("request", "amount")), enc.field(("order", "paid_amount"))
            soft += [(amount.val >= 0, 3), (paid.val >= 0, 3)]
            if slots:
                soft.append((z3.Sum(enc.mult) <= 3, 2))
                for k in range(slots):
                    price = enc.field(("item", "price"), k)
                    soft.append((z3.Implies(price.present, price.val >= 0), 3))
        marks = [z3.Bool(f"soft{i}") for i in range(len(soft))]
        s2 = z3.Solver()
        s2.add(*hard)
        s2.add(*enc.facts)
        s2.add(*[z3.Implies(m, c) for m, (c, _) in zip(marks, soft)])
        active = list(range(len(soft)))
        for _ in range(25):
            result = self.budget.check(s2, *[marks[i] for i in active])
            if result == z3.sat:
                return self._event(enc, s2.model(), base, slots)
            if result != z3.unsat:
                return None
            core = {str(c) for c in s2.unsat_core()}
            in_core = [i for i in active if str(marks[i]) in core]
            if not in_core:
                return None
            low = min(soft[i][1] for i in in_core)
            drop = {i for i in in_core if soft[i][1] == low}
            active = [i for i in active if i not in drop]
        return None

    def _event(self, enc: Encoder, model: z3.ModelRef, base: dict, slots: int) -> dict:
        event = copy.deepcopy(base)
        for key, v in enc.fields.items():
            if key[0] == "items":
                continue
            path = key
            present = z3.is_true(model.eval(v.present, model_completion=True))
            if not present:
                delete_path(event, path)
                continue
            set_path(event, path, self._json_value(v, model, path))
        for parent in (("request", "tracking"), ("request", "warehouse")):
            if get_path(event, parent) == {}:
                delete_path(event, parent)
        if slots:
            if not z3.is_true(model.eval(enc.items_present, model_completion=True)):
                delete_path(event, ("order", "items"))
            else:
                items = []
                for k in range(slots):
                    n = model.eval(enc.mult[k], model_completion=True).as_long()
                    for j in range(min(n, 1000 - len(items))):
                        items.append(self._item(enc, model, k, len(items) + 1))
                set_path(event, ("order", "items"), items)
        return event

    def _item(self, enc: Encoder, model, k: int, n: int) -> dict:
        item: dict = {"sku": f"SKU-{n}"}
        for name, info in ITEM_FIELDS.items():
            key = ("items", k, name)
            v = enc.fields.get(key)
            if v is None:
                continue
            if not z3.is_true(model.eval(v.present, model_completion=True)):
                item.pop(name, None)
                continue
            item[name] = self._json_value(v, model, ("item", name))
        return item

    def _json_value(self, v, model, path: tuple):
        val = model.eval(v.val, model_completion=True)
        if v.kind == "fen":
            return _money_text(val.as_long())
        if v.kind == "ts":
            return datetime.fromtimestamp(val.as_long(), self.zone).isoformat()
        if v.kind == "enum":
            return v.info[val.as_long()]
        if v.kind == "bool":
            return z3.is_true(val)
        if v.kind == "str":
            return val.as_string()
        if v.kind == "num":
            if z3.is_int_value(val):
                return val.as_long()
            frac = val.as_fraction()
            d = Decimal(frac.numerator) / Decimal(frac.denominator)
            return float(d) if d != d.to_integral() else int(d)
        raise Unsupported("reason.not_modelled")
