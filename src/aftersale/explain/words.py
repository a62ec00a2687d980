"""Fact codes and typed values → words, in one language (messages from `aftersale.locale`).

Version-1 records carry their facts as English sentences; those are shown as stored.

>>> w = Words("zh", {"policy": {"currency": "CNY"}})
>>> w.fact({"result": True, "fact": {"code": "compare", "op": "<", "measure": {"kind": "field", "field": "request.amount"},
...   "subject": {"type": "money", "amount": "129.00", "currency": "CNY"},
...   "bound": {"type": "money", "amount": "300", "currency": "CNY"}}})
'金额 ¥129.00（低于 ¥300）'
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..locale import formats, has, message

Node = dict[str, Any]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _precision_key(v: dict) -> Any:
    t = v.get("type")
    if t == "duration":
        return Decimal(v["seconds"])
    return v.get("value")


class Words:
    def __init__(self, lang: str, record: dict[str, Any] | None = None):
        self.lang = lang
        policy = (record or {}).get("policy") or {}
        self.hours_spec = policy.get("service_hours")

    def m(self, msgid: str, **values) -> str:
        return message(self.lang, msgid, **values)

    # -- lists, actions, names --------------------------------------------

    def options(self, fact: dict) -> str:
        """The options of an `in` fact: each one, or a named or long list by its name and size."""
        if fact.get("size") is None:
            return self.join([self.value(o) for o in fact["options"]], "or")
        if fact.get("list"):
            return self.m("list.named", name=fact["list"], n=f"{fact['size']:,}")
        return self.m("list.values", n=f"{fact['size']:,}")

    def join(self, items: list[str], last: str = "and") -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return self.m(f"list.{last}", head=self.m("list.sep").join(items[:-1]), last=items[-1])

    def done(self, action: str | None, kind: str | None = None) -> str:
        key = self._action_key(action, kind)
        return self.m(f"action.done.{key}", action=action) if key != "other" else self.m("action.done.other", action=action)

    def would(self, action: str | None, kind: str | None = None) -> str:
        return self.m(f"action.would.{self._action_key(action, kind)}", action=action)

    def _action_key(self, action: str | None, kind: str | None) -> str:
        if action == "approve_return" and kind == "exchange":
            return "approve_exchange"
        return action if action and has(self.lang, f"action.done.{action}") else "other"

    def field(self, path: str) -> str:
        return self.m(f"field.{path}") if has(self.lang, f"field.{path}") else path

    def what(self, measure: dict | None) -> str:
        measure = measure or {}
        kind = measure.get("kind")
        if kind == "field":
            return self.field(measure["field"])
        if kind == "age":
            return self.m("measure.age", field=self.field(measure["field"]))
        if kind == "span":
            return self.m("measure.span", **{"from": self.field(measure["from"]), "to": self.field(measure["to"])})
        if kind == "count":
            return self.m("measure.count", collection=self.field(measure["collection"]))
        if kind == "call":
            return self.m("measure.call", function=measure["function"], field=self.field(measure["field"]))
        return measure.get("text", "")

    # -- values -----------------------------------------------------------

    def value(self, v: dict | Any, digits: int = 0) -> str:
        if not isinstance(v, dict):
            return str(v)
        t = v.get("type")
        if t == "money":
            return formats.money(v, self.lang)
        if t == "duration":
            return formats.duration(v, self.lang, digits)
        if t == "timestamp":
            return formats.timestamp(v, self.lang, digits)
        if t == "time":
            return formats.time_of_day(v, self.lang, digits)
        if t == "date":
            return formats.day(v, self.lang)
        if t == "number":
            return formats.number(v, self.lang)
        if t == "bool":
            return self.m("value.true" if v["value"] else "value.false")
        if t == "enum":
            key = f"enum.{v.get('field')}.{v['value']}"
            return self.m(key) if has(self.lang, key) else str(v["value"])
        if t == "missing":
            return self.m("value.missing")
        if t == "list":
            return self.m("list.sep").join(self.value(x) for x in v.get("items", []))
        if t == "item":  # one item of order.items: `sku SKU-9, price ¥129.00, …`
            return self.m("list.sep").join(f"{k} {self.value(x, digits)}" for k, x in v.get("fields", {}).items())
        return str(v.get("value", ""))

    def values(self, *vals: dict) -> list[str]:
        """Values shown precisely enough that different values never read the same (issue: 7d vs 7d 1s)."""
        for digits in (0, 1, 2):
            shown = [self.value(v, digits) for v in vals]
            clash = any(shown[i] == shown[j] and _precision_key(vals[i]) != _precision_key(vals[j])
                        for i in range(len(vals)) for j in range(i + 1, len(vals)))
            if not clash:
                return shown
        return shown

    def compared(self, f: dict) -> tuple[str, str]:
        """A comparison's subject and bound in words; a scaled bound says what it came from:
        `¥38.70 (30% of ¥129.00)`, `¥64.50 (¥129.00 ÷ 2)`."""
        s, b = self.values(f["subject"], f["bound"])
        how = f.get("bound_from")
        if not how:
            return s, b
        left, right = how["left"], how["right"]
        amount, factor = (right, left) if left.get("type") != "money" else (left, right)
        key = "percent" if how["op"] == "*" and factor.get("percent") else {"*": "mul", "/": "div"}[how["op"]]
        return s, self.m(f"scaled.{key}", bound=b, amount=self.value(amount), factor=self.value(factor))

    def hours(self, spec: dict | None = None) -> str:
        spec = spec if spec is not None else self.hours_spec
        if not spec:
            return self.m("hours.none")
        parts = []
        for days, ranges in spec.items():
            ranges = ranges if isinstance(ranges, list) else [ranges]
            if days == "daily":
                label = self.m("hours.daily")
            elif "-" in days:
                a, b = days.split("-")
                label = self.m("hours.range", first=formats.weekday(_DAYS.index(a), self.lang),
                               last=formats.weekday(_DAYS.index(b), self.lang))
            else:
                label = formats.weekday(_DAYS.index(days), self.lang)
            parts.append(f"{label} " + " ".join(r.replace("-", "–") for r in ranges))
        return self.m("list.facts").join(parts)

    # -- facts ------------------------------------------------------------

    def fact(self, node: Node) -> str:
        """What was found at a leaf."""
        fact = node.get("fact")
        missing = node.get("missing") or []
        if isinstance(fact, str) or fact is None:  # version 1: stored words
            if missing and not fact:
                return self.m("fact.missing", fields=self.join(list(dict.fromkeys(p.removeprefix("request.") for p in missing))))
            return fact or ""
        if missing and fact.get("code") != "presence":
            fields = self.join([self.field(p) for p in missing])
            return self.m("fact.unknown" if node.get("result") == "unknown" else "fact.missing", fields=fields)
        return self._fact(fact, node.get("result") is True)

    def _fact(self, f: dict, ok: bool) -> str:
        code = f.get("code")
        if code in ("compare", "between", "in"):
            what = self.what(f.get("measure"))
            if code == "compare":
                s, b = self.compared(f)
                if f["op"] in ("==", "!=") and f["subject"].get("type") in ("enum", "text", "bool"):
                    equal = (f["op"] == "==") == ok
                    return self.m("fact.is" if equal else "fact.is_not", what=what, subject=s, bound=b)
                op = self.m(f"op.{f['op']}") if ok else self.m(f"op_not.{f['op']}")
                return self.m("fact.compare_true" if ok else "fact.compare_false", what=what, subject=s,
                              bound=b, op=op, op_not=op)
            if code == "between":
                s, lo, hi = self.values(f["subject"], f["low"], f["high"])
                word = "within" if _from_zero(f) else "between"
                return self.m(f"fact.{word}_{str(ok).lower()}", what=what, subject=s, low=lo, high=hi)
            s = self.value(f["subject"])
            options = self.options(f)
            inside = ok != bool(f.get("negated"))
            msg = ("fact.not_in_inside" if inside else "fact.in_inside") if f.get("negated") \
                else ("fact.in_inside" if inside else "fact.in_outside")
            return self.m(msg, what=what, subject=s, options=options)
        if code == "presence":
            return self.m("fact.present" if f["found"] == "present" else "fact.absent", what=self.field(f["field"]))
        if code == "service_hours":
            when = self.when(f)
            why = f.get("why")
            if why == "holiday":
                return self.m("fact.hours_holiday", when=when, holiday=self.holiday(f.get("holiday")))
            if why == "makeup_day":
                return self.m("fact.hours_makeup_open" if f.get("open") else "fact.hours_makeup_closed", when=when)
            if why == "no_hours":
                return self.m("fact.hours_none", when=when)
            return self.m("fact.hours_open" if f.get("open") else "fact.hours_closed", when=when,
                          hours=self.hours(f.get("hours")))
        if code in ("weekend", "day_off", "holiday"):
            return self.m(f"fact.{code}_{str(ok).lower()}", when=self.when(f), holiday=self.holiday(f.get("holiday")))
        if code == "quantifier":
            return self.m(f"fact.{f['kind']}_{str(ok).lower()}", condition=f"`{f.get('condition', '')}`")
        if code == "text":
            s, a = self.value(f["subject"]), self.value(f["argument"])
            return self.m(f"fact.{f['function']}_{str(ok).lower()}", subject=s, argument=a)
        if code == "always":
            return self.m("fact.always")
        return self.m("fact.flag", what=self.what(f.get("measure")),
                      subject=self.value(f.get("subject") or {"type": "bool", "value": ok}))

    def holiday(self, name: str | None) -> str:
        """A holiday's name in this language: the calendar's English name with "(observed)" and substituted days kept to the holiday."""
        if not name:
            return ""
        base = name.removesuffix(" (observed)")
        return self.m(f"holiday.{base}") if has(self.lang, f"holiday.{base}") else name

    def when(self, f: dict) -> str:
        what = self.what(f.get("measure"))
        return self.m("fact.when", what=what, at=self.value(f.get("at") or {"type": "missing"}))

    def need(self, node: Node) -> str:
        """What would have passed at a failed leaf."""
        fact = node.get("fact")
        if fact is None or isinstance(fact, str):
            return node.get("need") or self.m("need.text", text=node.get("text", ""))
        missing = node.get("missing") or []
        if missing and fact.get("code") != "presence":
            return self.m("need.missing", fields=self.join([self.field(p) for p in missing]))
        code = fact.get("code")
        what = self.what(fact.get("measure"))
        if code == "compare":
            s, b = self.compared(fact)
            if fact["op"] in ("==", "!=") and fact["subject"].get("type") in ("enum", "text", "bool"):
                return self.m("need.is" if fact["op"] == "==" else "need.is_not", what=what, subject=s, bound=b)
            return self.m("need.compare", what=what, subject=s, bound=b, op=self.m(f"op.{fact['op']}"))
        if code == "between":
            s, lo, hi = self.values(fact["subject"], fact["low"], fact["high"])
            return self.m("need.within" if _from_zero(fact) else "need.between", what=what, subject=s, low=lo,
                          high=hi)
        if code == "in":
            options = self.options(fact)
            return self.m("need.not_in" if fact.get("negated") else "need.in", what=what,
                          subject=self.value(fact["subject"]), options=options)
        if code == "presence":
            return self.m("need.present" if fact["want"] == "present" else "need.absent", what=self.field(fact["field"]))
        if code == "service_hours":
            return self.m(f"need.hours_{fact['want']}", what=what, hours=self.hours(fact.get("hours")))
        if code in ("weekend", "day_off", "holiday"):
            return self.m(f"need.{code}", what=what, at=self.value(fact.get("at") or {"type": "missing"}))
        if code == "quantifier":
            return self.m(f"need.{fact['kind']}", condition=f"`{fact.get('condition', '')}`")
        if code == "flag":
            return self.m("need.flag", what=what, want=self.m("value.true"),
                          subject=self.value(fact.get("subject") or {"type": "missing"}))
        return self.m("need.text", text=node.get("text", ""))

    def lack(self, node: Node) -> str:
        """The found value and what was needed, for the closest rule: `金额 ¥312.00，需低于 ¥300`."""
        fact = node.get("fact")
        if isinstance(fact, dict) and not node.get("missing"):
            what = self.what(fact.get("measure"))
            if fact.get("code") == "compare" and fact["op"] in ("<", "<=", ">", ">="):
                s, b = self.compared(fact)
                return self.m("lack.compare", what=what, subject=s, bound=b, op=self.m(f"op.{fact['op']}"))
            if fact.get("code") == "between":
                s, lo, hi = self.values(fact["subject"], fact["low"], fact["high"])
                return self.m("lack.within" if _from_zero(fact) else "lack.between", what=what, subject=s, low=lo,
                              high=hi)
        return self.need(node)

    def values_phrase(self, node: Node) -> str:
        parts = []
        for v in node.get("values") or []:
            text, value = v.get("text", ""), v.get("value", "")
            shown = self.value(value) if isinstance(value, dict) else str(value)
            parts.append(text if text == shown else f"{text} = {shown}")
        return "; ".join(parts)


def _from_zero(fact: dict) -> bool:
    """A `between` of a duration from zero (`within 7 days of delivery`): worded "within 7d", not "between 0m
    and 7d"."""
    low = fact.get("low") or {}
    return low.get("type") == "duration" and str(low.get("seconds", "")).strip("0.") == ""
