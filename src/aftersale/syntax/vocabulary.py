"""The sentence vocabulary: every word and phrase a sentence rule may use.

This table is the one place where sentence words live. A phrase maps to an
expression template in the block-rule language, parsed by the same grammar,
so adding a phrase (or a Chinese one) is adding a row here, not grammar.

Placeholders in patterns: {money} (¥300, 300 CNY, 300元, 300), {count} (a whole
number), {duration} (48h, 7d, 30m), {word} (one word), {words} (words joined by
commas or "or"), {expr} (the rest of the sentence, an expression).
"""
from __future__ import annotations

from dataclasses import dataclass

APPROVALS = ("approve_return", "approve_refund", "express_refund")


@dataclass(frozen=True)
class Verb:
    word: str
    # action by noun kind; None means the noun decides (see NOUN_ACTIONS)
    action: str | None
    forbids: tuple[str, ...]  # what `never <verb>` forbids
    doc: str


VERBS: dict[str, Verb] = {v.word: v for v in (
    Verb("auto-approve", None, APPROVALS,
         "approve: returns and exchanges → approve_return, refunds → approve_refund"),
    Verb("auto-refund", "approve_refund", ("approve_refund", "express_refund"), "approve the refund"),
    Verb("express-refund", "express_refund", ("express_refund",), "grant an express refund"),
    Verb("escalate", "manual_review", (), "hand to a person (manual_review)"),
    Verb("auto-reject", "reject", ("reject",), "reject the request"),
    Verb("extend-receipt", "extend_receipt", ("extend_receipt",),
         "extend the receipt period of the return (延长收货)"),
)}

GUARD_WORD = "never"

#: Reason qualifiers: sentence word → request.reason value.
QUALIFIERS: dict[str, str] = {
    "no-reason": "no_reason_7d",
    "quality": "quality",
    "not-as-described": "not_as_described",
    "wrong-item": "wrong_item",
    "missing-parts": "missing_parts",
    "damaged": "damaged",
    "lost": "lost",
    "late-delivery": "late_delivery",
    "other-reason": "other",
}

#: Nouns: sentence word → request.kind value (None: any kind).
NOUNS: dict[str, str | None] = {
    "returns": "return_refund",
    "refunds": "refund_only",
    "exchanges": "exchange",
    "requests": None,
}

#: What `auto-approve` means for each kind.
NOUN_ACTIONS = {"return_refund": "approve_return", "exchange": "approve_return",
                "refund_only": "approve_refund"}


@dataclass(frozen=True)
class Phrase:
    pattern: str     # words and placeholders
    template: str    # an expression of the block-rule language
    doc: str = ""

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.pattern.split())


MODIFIERS: tuple[Phrase, ...] = (
    Phrase("under {money}", "request.amount < {money}", "requested amount strictly below X"),
    Phrase("up to {money}", "request.amount <= {money}", "requested amount at most X"),
    Phrase("over {money}", "request.amount > {money}", "requested amount strictly above X"),
    Phrase("between {money} and {money}", "request.amount between {money} and {money2}",
           "requested amount from X to Y, both included"),
    Phrase("on orders under {money}", "order.paid_amount < {money}", "order's paid amount below X"),
    Phrase("on orders up to {money}", "order.paid_amount <= {money}", "order's paid amount at most X"),
    Phrase("on orders over {money}", "order.paid_amount > {money}", "order's paid amount above X"),
    Phrase("on orders not yet delivered", "order.delivered_at is missing",
           "the order has no delivery (sign-for) time"),
    Phrase("during off-hours", "outside_service_hours(request.created_at)",
           "opened outside the policy's service hours (holidays count as off)"),
    Phrase("during service hours", "in_service_hours(request.created_at)",
           "opened inside the policy's service hours"),
    Phrase("on weekends", "is_weekend(request.created_at)", "opened on a Saturday or Sunday"),
    Phrase("on holidays", "is_holiday(request.created_at)", "opened on a public holiday"),
    Phrase("on days off", "is_day_off(request.created_at)",
           "opened on a weekend day or public holiday, except make-up working days (调休)"),
    Phrase("within {count} days of delivery",
           "request.created_at - order.delivered_at between 0d and {count}d",
           "opened between 0 and N×24 h after the parcel was signed for"),
    Phrase("with verified tracking", "request.tracking.verified",
           "the return tracking number passed the platform's check"),
    Phrase("once inspected", "request.warehouse.status == inspected_ok",
           "the warehouse inspected the returned goods and accepted them"),
    Phrase("from low-risk buyers", "buyer.risk_level == low", "buyer's risk level is low"),
    Phrase("from medium-risk buyers", "buyer.risk_level == medium", "buyer's risk level is medium"),
    Phrase("from high-risk buyers", "buyer.risk_level == high", "buyer's risk level is high"),
    Phrase("from risk-checked buyers", "buyer.risk_passed", "buyer passed the platform's risk check"),
    Phrase("pending for over {duration}",
           "request.status == pending_merchant and age(request.created_at) > {duration}",
           "waiting for the merchant for longer than D"),
    Phrase("in category {word}", "any(order.items, item.category == {word})",
           "some item of the order is in the category"),
    Phrase("in categories {words}", "any(order.items, item.category in [{words}])",
           "some item of the order is in one of the categories"),
    Phrase("on first requests", "request.first_request", "the buyer's first request on the order"),
    Phrase("while pending", "request.status == pending_merchant",
           "the request still waits for the merchant's answer"),
    Phrase("where {expr}", "{expr}", "any expression of the block-rule language"),
)

#: Words that may join modifiers; they add nothing ("under ¥300 and during off-hours").
JOINERS = ("and",)
