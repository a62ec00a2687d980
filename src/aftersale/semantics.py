"""What the language means, written down once.

Every backend (the interpreter, the compiled Python code, SQL) and every
analysis (lint, diff) takes its meaning from here:

- three-valued conditions, as SQL has them: a condition is True, False or
  UNKNOWN (`None`); a comparison, `in`, `between`, arithmetic or function that
  reads a missing value is UNKNOWN; `is missing` / `is present` never are;
- which action applies to which request (product.md, "Where an action applies");
- the order of a decision: closed requests first, then guards, rules, otherwise.

>>> compare(Op.LT, Decimal("129"), Decimal("300"))
True
>>> compare(Op.LT, MISSING, Decimal("300")) is UNKNOWN
True
>>> and3([True, UNKNOWN, False]), or3([False, UNKNOWN]), not3(UNKNOWN)
(False, None, None)
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from decimal import Context as DecimalContext
from typing import Any, Callable, Iterable

from .functions import FUNCTIONS, Context
from .rules import NO_ACTION, Op, Rule
from .values import MISSING, in_range

#: The third truth value. `None`, so that compiled code can test it with `is None`.
UNKNOWN = None
Truth = bool | None

_OPS: dict[Op, Callable[[Any, Any], Any]] = {
    Op.EQ: operator.eq, Op.NE: operator.ne, Op.LT: operator.lt, Op.LE: operator.le,
    Op.GT: operator.gt, Op.GE: operator.ge, Op.ADD: operator.add, Op.SUB: operator.sub,
}


# -- truth -------------------------------------------------------------------------

def not3(x: Truth) -> Truth:
    """`not`: unknown stays unknown."""
    return UNKNOWN if x is UNKNOWN else not x


def and3(values: Iterable[Truth]) -> Truth:
    """`and`: false if any part is false (stops there), otherwise unknown if any part is unknown."""
    out: Truth = True
    for v in values:
        if v is False:
            return False
        if v is UNKNOWN:
            out = UNKNOWN
    return out


def or3(values: Iterable[Truth]) -> Truth:
    """`or`: true if any part is true (stops there), otherwise unknown if any part is unknown."""
    out: Truth = False
    for v in values:
        if v is True:
            return True
        if v is UNKNOWN:
            out = UNKNOWN
    return out


def truth(value: Any) -> Truth:
    """A value used as a condition (a yes/no field, a function's answer): missing is unknown."""
    if value is MISSING:
        return UNKNOWN
    return value is True


# -- operators ---------------------------------------------------------------------

def compare(op: Op, a: Any, b: Any) -> Truth:
    """`a op b`; unknown when either side is missing or the two cannot be compared."""
    if a is MISSING or b is MISSING:
        return UNKNOWN
    try:
        return bool(_OPS[op](a, b))
    except TypeError:  # values of another type than the field's (the checker prevents it in policies)
        return UNKNOWN


def between(a: Any, low: Any, high: Any) -> Truth:
    """`a between low and high`, both ends included."""
    return and3((compare(Op.LE, low, a), compare(Op.LE, a, high)))


def member(a: Any, options: Iterable[Any], negated: bool = False) -> Truth:
    """`a in [...]` (SQL's IN: found is true; not found with a missing option is unknown); `not in` negates."""
    if a is MISSING:
        return UNKNOWN
    found: Truth = False
    for o in options:
        if o is MISSING:
            found = UNKNOWN
        elif a == o:
            found = True
            break
    return not3(found) if negated else found


def member_set(a: Any, options: frozenset, negated: bool = False) -> Truth:
    """`member` for a list of constants (no option can be missing): one set lookup."""
    if a is MISSING:
        return UNKNOWN
    return (a in options) is not negated


def present(value: Any, want_present: bool) -> bool:
    """`is present` / `is missing`: never unknown."""
    return (value is not MISSING) is want_present


#: Digits `scale` computes with: every product and quotient of event values is exact before its one rounding.
_EXACT = DecimalContext(prec=80)
CENT = Decimal("0.01")


def scale(op: Op, a: Decimal, b: Decimal) -> Any:
    """`a * b` or `a / b` where one side is money (the checker allows nothing else): the exact result
    rounded once to the cent, halves away from zero (ROUND_HALF_UP, as the platforms round refunds);
    MISSING when dividing by zero or for a value that is not a number.

    >>> scale(Op.MUL, Decimal("129.00"), Decimal("0.30")), scale(Op.DIV, Decimal("100.01"), Decimal("2"))
    (Decimal('38.70'), Decimal('50.01'))
    >>> scale(Op.DIV, Decimal("100"), Decimal("3")), scale(Op.DIV, Decimal("1"), Decimal("0")) is MISSING
    (Decimal('33.33'), True)
    """
    try:
        if op == Op.MUL:  # generated code passes the operator's text
            return _EXACT.multiply(a, b).quantize(CENT, ROUND_HALF_UP, _EXACT)
        if not b:
            return MISSING
        # in whole cents: the integer quotient and remainder are exact, the half is decided by the remainder
        q, r = _EXACT.divmod(_EXACT.multiply(a, 100), b)
        if 2 * abs(r) >= abs(b):
            q += 1 if (a < 0) == (b < 0) else -1
        return _EXACT.multiply(q, CENT)
    except (TypeError, DecimalException):
        return MISSING


def arith(op: Op, a: Any, b: Any) -> Any:
    """`a + b` / `a - b` on money, numbers, durations and timestamps; MISSING when a side is missing,
    the two do not add up, or a timestamp leaves the years events may hold (limits.MIN_YEAR..MAX_YEAR).
    `a * b` / `a / b` scale money (`scale`)."""
    if a is MISSING or b is MISSING:
        return MISSING
    if op == "*" or op == "/":  # plain str comparisons: `op in (Op.MUL, Op.DIV)` costs + and - 0.5 µs
        return scale(op, a, b)
    try:
        out = _OPS[op](a, b)
    except (TypeError, OverflowError):
        return MISSING
    return MISSING if isinstance(out, datetime) and not in_range(out) else out


def call(function: str, ctx: Context, args: Iterable[Any]) -> Any:
    """A built-in function; MISSING when an argument is missing or a date leaves the calendar."""
    args = tuple(args)
    if any(a is MISSING for a in args):
        return MISSING
    try:
        return FUNCTIONS[function].impl(ctx, *args)
    except OverflowError:
        return MISSING


def quantify_any(results: Iterable[Truth]) -> Truth:
    """`any(items, cond)`: true if some item satisfies it, else unknown if some item is unknown."""
    return or3(results)


def quantify_all(results: Iterable[Truth]) -> Truth:
    """`all(items, cond)`: false if some item fails it, else unknown if some item is unknown (true for none)."""
    return and3(results)


def quantify_count(results: Iterable[Truth]) -> Any:
    """`count(items, cond)`: how many items satisfy it; MISSING when some item's answer is unknown."""
    n = 0
    for r in results:
        if r is UNKNOWN:
            return MISSING
        n += r is True
    return Decimal(n)


# -- where an action applies ---------------------------------------------------------

#: The open statuses in the order a request passes through them (messages list them in this order).
OPEN_STATUS_ORDER = ("pending_merchant", "awaiting_return", "return_in_transit", "returned")
OPEN_STATUSES = frozenset(OPEN_STATUS_ORDER)
CLOSED_STATUSES = frozenset({"refunded", "rejected", "closed"})
ANY_KIND = None

#: (kind or ANY_KIND, status) pairs each action applies to (product.md, "Where an action applies").
APPLIES: dict[str, frozenset[tuple[str | None, str]]] = {
    "approve_return": frozenset({("return_refund", "pending_merchant"), ("exchange", "pending_merchant")}),
    "approve_refund": frozenset({("refund_only", "pending_merchant"), ("return_refund", "return_in_transit"),
                                 ("return_refund", "returned")}),
    "express_refund": frozenset({("return_refund", "awaiting_return"), ("return_refund", "return_in_transit")}),
    "extend_receipt": frozenset({(ANY_KIND, "return_in_transit")}),
    "reject": frozenset({(ANY_KIND, "pending_merchant"), (ANY_KIND, "returned")}),
    "manual_review": frozenset((ANY_KIND, s) for s in OPEN_STATUSES),
}


def applies(action: str, kind: Any, status: Any) -> bool:
    """Whether a merchant can take `action` on a request of this kind in this status."""
    allowed = APPLIES.get(action, frozenset())
    return (kind, status) in allowed or (ANY_KIND, status) in allowed


def applicable_states(action: str) -> frozenset[tuple[str | None, str]]:
    """The (kind, status) pairs an action applies to (ANY_KIND: every kind)."""
    return APPLIES.get(action, frozenset())


# -- the order of a decision ---------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """What the order of a decision gives: the action, the deciding rule, guards in force, and
    `forbidden_by` (the guard that turned the deciding rule's or otherwise's action into manual_review).

    `decided_by` says how: `rule`, `forbidden`, `otherwise`, `not_applicable` (otherwise's action does
    not apply to this request, so a person decides) or `closed` (a closed request: no_action).
    """

    action: str
    rule: str | None
    guards: tuple[str, ...]
    forbidden_by: str | None = None
    forbidden_action: str | None = None
    decided_by: str = "rule"


def closed(status: Any) -> bool:
    return status in CLOSED_STATUSES


def decide(guards: Iterable[Rule], rules: Iterable[Rule], otherwise: str, kind: Any, status: Any,
           holds: Callable[[Rule], Truth], inapplicable: Callable[[Rule], None] = lambda rule: None) -> Verdict:
    """The order of a decision (product.md, "Decision order"), the same for every backend.

    `holds(rule)` evaluates a rule's condition (a backend traces it there); `inapplicable(rule)` is told of
    each rule skipped because its action does not apply to the request's kind and status.

    1. a closed request (refunded, rejected, closed) is `no_action`, before any rule runs;
    2. every guard whose condition is true, or unknown (when in doubt a person decides), forbids its actions;
    3. the first rule whose action applies and whose condition is true decides; a forbidden action becomes
       manual_review, naming the guard;
    4. otherwise: the policy's `otherwise` action, guarded the same way; where it does not apply to the
       request, manual_review.
    """
    if closed(status):
        return Verdict(NO_ACTION, None, (), decided_by="closed")
    in_force: list[str] = []
    forbidden: dict[str, str] = {}
    for guard in guards:
        if holds(guard) is not False:
            in_force.append(guard.id)
            for action in guard.forbids:
                forbidden.setdefault(action, guard.id)
    for rule in rules:
        if not applies(rule.action, kind, status):
            inapplicable(rule)
            continue
        if holds(rule) is True:
            if rule.action in forbidden:
                return Verdict("manual_review", rule.id, tuple(in_force), forbidden[rule.action], rule.action,
                               "forbidden")
            return Verdict(rule.action, rule.id, tuple(in_force))
    if not applies(otherwise, kind, status):
        return Verdict("manual_review", None, tuple(in_force), decided_by="not_applicable")
    if otherwise in forbidden:
        return Verdict("manual_review", None, tuple(in_force), forbidden[otherwise], otherwise, "forbidden")
    return Verdict(otherwise, None, tuple(in_force), decided_by="otherwise")


__all__ = [
    "scale", "CENT",
    "UNKNOWN", "Truth", "OPEN_STATUS_ORDER", "not3", "and3", "or3", "truth", "compare", "between", "member", "member_set", "present",
    "arith", "call", "quantify_any", "quantify_all", "quantify_count", "OPEN_STATUSES", "CLOSED_STATUSES",
    "APPLIES", "applies", "applicable_states", "Verdict", "decide", "closed",
]
