"""Facts and needs: short phrases for people about one evaluated condition.

A fact says what was found ("amount ¥129.00 is under ¥300"); a need says,
for a condition that failed, what would have passed ("amount under ¥300 (it
was ¥350.00)"). Both are written into the decision record, so a stored record
explains itself after the policy changed.
"""
from __future__ import annotations

from .. import rules as ir
from ..fields import FIELDS, ITEM_FIELDS
from ..fmt import expr_text
from ..values import MISSING, Type, format_timestamp, format_value

IS = {"<": "is under", "<=": "is at most", ">": "is over", ">=": "is at least", "==": "is", "!=": "is not"}
IS_NOT = {"<": "is not under", "<=": "is over", ">": "is not over", ">=": "is under", "==": "is", "!=": "is"}
NEED = {"<": "under", "<=": "at most", ">": "over", ">=": "at least", "==": "", "!=": "not"}


def label(e: ir.Expr) -> str:
    """How a fact names an operand."""
    if isinstance(e, ir.Field):
        if e.path[0] == "item":
            return "item " + ".".join(e.path[1:]).replace("_", " ")
        info = FIELDS.get(e.dotted)
        return info.label if info else e.dotted
    if isinstance(e, ir.Call) and e.function == "age" and e.args:
        return f"time since {label(e.args[0])}"
    if isinstance(e, ir.Arith) and e.op == "-" and e.type is Type.DURATION:
        return f"time from {label(e.right)} to {label(e.left)}"
    return expr_text(e)


def type_of(e: ir.Expr) -> Type:
    from ..syntax.lower import static_type

    if isinstance(e, ir.Field) and e.path[0] == "item":
        info = ITEM_FIELDS.get(".".join(e.path[1:]))
        return info.type if info else Type.ANY
    return static_type(e)


class Phrasing:
    """Writes facts and needs for one policy (its zone and hours judge times)."""

    def __init__(self, interpreter):
        self.tz = interpreter.tz
        self.hours = interpreter.policy.service_hours
        self.calendar = interpreter.calendar

    def show(self, e: ir.Expr, v) -> str:
        if isinstance(e, ir.Literal):
            from ..fmt import literal_text

            return literal_text(e)
        return format_value(v, type_of(e), self.tz)

    def phrases(self, e: ir.Expr, values: list, result: bool, missing: list[str]) -> tuple[str, str | None]:
        vals = [v for _, v in values]
        shown = [self.show(x, v) for x, v in values]
        if not missing and any(v is MISSING for v in vals) and not isinstance(e, ir.Presence):
            missing = ["a computed value"]  # e.g. a timestamp moved past year 9998 by `+`
        if missing and not isinstance(e, ir.Presence):
            what = ", ".join(missing)
            return f"{what} is missing", f"{what} present" + (f" and {self._need_text(e, shown)}" if self._need_text(e, shown) else "")
        if isinstance(e, ir.Compare):
            lhs = label(e.left)
            if e.op in ("==", "!=") and type_of(e.left) in (Type.ENUM, Type.TEXT, Type.BOOL):
                if result:
                    return f"{lhs} {IS[e.op]} {shown[1]}", None
                return (f"{lhs} is {shown[0]}" + (f", not {shown[1]}" if e.op == "==" else "")), \
                    f"{lhs} {NEED[e.op]} {shown[1]}".replace("  ", " ") + f" (it was {shown[0]})"
            words = IS if result else IS_NOT
            fact = f"{lhs} {shown[0]} {words[e.op]} {shown[1]}"
            return fact, None if result else f"{lhs} {NEED[e.op]} {shown[1]} (it was {shown[0]})"
        if isinstance(e, ir.Between):
            lhs = label(e.subject)
            fact = f"{lhs} {shown[0]} is {'' if result else 'not '}between {shown[1]} and {shown[2]}"
            return fact, None if result else f"{lhs} between {shown[1]} and {shown[2]} (it was {shown[0]})"
        if isinstance(e, ir.InList):
            lhs = label(e.subject)
            options = ", ".join(shown[1:])
            inside = vals[0] in vals[1:]
            fact = f"{lhs} is {shown[0]}" + ("" if inside else f", not one of {options}") if not e.negated \
                else f"{lhs} is {shown[0]}" + (f", one of {options}" if inside else "")
            need = None if result else (f"{lhs} one of {options} (it was {shown[0]})" if not e.negated
                                        else f"{lhs} none of {options} (it was {shown[0]})")
            return fact, need
        if isinstance(e, ir.Presence):
            lhs = label(e.subject)
            state = "present" if vals[0] is not MISSING else "missing"
            want = "present" if e.present else "missing"
            return f"{lhs} is {state}", None if result else f"{lhs} {want} (it was {state})"
        if isinstance(e, ir.Call):
            return self._call(e, vals, result)
        if isinstance(e, ir.Quantifier):
            cond = expr_text(e.condition) if e.condition is not None else ""
            if e.kind == "any":
                return (f"an item has {cond}" if result else f"no item has {cond}"), \
                    None if result else f"an item with {cond}"
            return (f"every item has {cond}" if result else f"not every item has {cond}"), \
                None if result else f"every item with {cond}"
        if isinstance(e, ir.Field):
            lhs = label(e)
            return f"{lhs} is {shown[0]}", None if result else f"{lhs} true (it was {shown[0]})"
        text = expr_text(e)
        return f"{text} is {'true' if result else 'false'}", None if result else f"{text} true"

    def _need_text(self, e, shown) -> str:
        if isinstance(e, ir.Compare) and e.op in NEED and isinstance(e.right, ir.Literal):
            return f"{label(e.left)} {NEED[e.op]} {shown[-1]}".replace("  ", " ")
        return ""

    def _call(self, e: ir.Call, vals, result: bool) -> tuple[str, str | None]:
        from ..hours import open_reason

        if e.function in ("in_service_hours", "outside_service_hours") and vals:
            ts = vals[0]
            local = ts.astimezone(self.tz)
            reason = open_reason(self.hours, self.calendar, local)
            fact = f"{label(e.args[0])} {format_timestamp(ts, self.tz, short=True)}, {reason}"
            want = "inside" if e.function == "in_service_hours" else "outside"
            hours = self.hours.describe() if self.hours is not None else "(none set)"
            return fact, None if result else f"{label(e.args[0])} {want} service hours {hours}"
        if e.function in ("is_weekend", "is_holiday") and vals:
            ts = vals[0]
            what = "on a weekend" if e.function == "is_weekend" else "on a public holiday"
            if e.function == "is_holiday" and result:
                name = self.calendar.holiday_name(ts.astimezone(self.tz).date())
                what += f" ({name})" if name else ""
            when = format_timestamp(ts, self.tz)
            fact = f"{label(e.args[0])} {when} is {'' if result else 'not '}{what}"
            return fact, None if result else f"{label(e.args[0])} {what} (it was {when})"
        text = expr_text(e)
        return f"{text} is {'true' if result else 'false'}", None if result else f"{text} true"
