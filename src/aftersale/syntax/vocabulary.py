"""The sentence vocabulary: every word and phrase a policy may use, in every language.

This table is the one place where sentence words live: one row per meaning,
one column per language (`en`, `zh`; the first word of a column is the
canonical one, `fmt` prints it, the others are accepted variants). A phrase
maps to an expression template in the block-rule language, parsed by the same
grammar, so adding a phrase (or its Chinese words) is adding a row here, not
grammar.

Placeholders in patterns: {money} (¥300, ￥1,000, 300 CNY, 300元, 500 yuan, 300),
{count} (a whole number), {duration} (48h, 36 hours, 40小时, 7天), {word} (one
word), {words} (words joined by commas or "or"), {risks} (two or more risk
levels joined by "or"), {expr} (the rest of the sentence, an expression).
"""
from __future__ import annotations

from dataclasses import dataclass, field

APPROVALS = ("approve_return", "approve_refund", "express_refund")
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Verb:
    key: str                  # the English word, the row's name
    zh: tuple[str, ...]
    # action by noun kind; None means the noun decides (see NOUN_ACTIONS)
    action: str | None
    forbids: tuple[str, ...]  # what `never <verb>` forbids
    doc: str
    zh_last: bool = False     # Chinese puts this verb after the noun (待处理超过40小时的申请转人工)

    @property
    def word(self) -> str:
        return self.key

    def words(self, lang: str) -> tuple[str, ...]:
        return (self.key,) if lang == "en" else self.zh


_VERB_ROWS = (
    Verb("auto-approve", ("自动同意",), None, APPROVALS,
         "approve: returns and exchanges → approve_return, refunds → approve_refund"),
    Verb("auto-refund", ("自动退款",), "approve_refund", ("approve_refund", "express_refund"), "approve the refund"),
    Verb("express-refund", ("极速退款",), "express_refund", ("express_refund",), "grant an express refund"),
    Verb("escalate", ("转人工",), "manual_review", (), "hand to a person (manual_review)", zh_last=True),
    Verb("auto-reject", ("自动拒绝",), "reject", ("reject",), "reject the request"),
    Verb("extend-receipt", ("延长收货",), "extend_receipt", ("extend_receipt",),
         "extend the receipt period of the return (延长收货)"),
)
VERBS: dict[str, Verb] = {v.key: v for v in _VERB_ROWS}

#: `never` in each language.
GUARD = {"en": ("never",), "zh": ("禁止",)}
GUARD_WORD = GUARD["en"][0]


@dataclass(frozen=True)
class Word:
    """One value's words: `value` is what the rule tree holds."""

    value: str | None
    en: tuple[str, ...]
    zh: tuple[str, ...]

    def words(self, lang: str) -> tuple[str, ...]:
        return self.en if lang == "en" else self.zh


#: Reason qualifiers (request.reason).
REASON_ROWS = (
    Word("no_reason_7d", ("no-reason",), ("七天无理由",)),
    Word("quality", ("quality",), ("质量问题",)),
    Word("not_as_described", ("not-as-described",), ("描述不符",)),
    Word("wrong_item", ("wrong-item",), ("错发",)),
    Word("missing_parts", ("missing-parts",), ("少件",)),
    Word("damaged", ("damaged",), ("破损",)),
    Word("lost", ("lost",), ("丢件",)),
    Word("late_delivery", ("late-delivery",), ("延迟发货",)),
    Word("other", ("other-reason",), ("其他原因",)),
)
QUALIFIERS: dict[str, str] = {r.en[0]: r.value for r in REASON_ROWS}

#: Nouns (request.kind; None: any kind).
NOUN_ROWS = (
    Word("return_refund", ("returns",), ("退货",)),
    Word("refund_only", ("refunds",), ("仅退款", "退款")),
    Word("exchange", ("exchanges",), ("换货",)),
    Word(None, ("requests",), ("申请",)),
)
NOUNS: dict[str, str | None] = {r.en[0]: r.value for r in NOUN_ROWS}

#: What `auto-approve` means for each kind.
NOUN_ACTIONS = {"return_refund": "approve_return", "exchange": "approve_return",
                "refund_only": "approve_refund"}

#: Words that join reasons (`quality or damaged`) and risk levels.
OR_WORDS = {"en": ("or", ","), "zh": ("或", "、", ",")}

#: Risk levels in {risks}.
RISK_ROWS = (
    Word("low", ("low-risk",), ("低风险",)),
    Word("medium", ("medium-risk",), ("中风险",)),
    Word("high", ("high-risk",), ("高风险",)),
)

#: Categories with a Chinese word (item.category holds the English value); any other word is itself.
CATEGORY_ROWS = (
    Word("apparel", ("apparel",), ("服饰",)),
    Word("tea", ("tea",), ("茶叶",)),
    Word("beauty", ("beauty",), ("美妆",)),
    Word("food", ("food",), ("食品",)),
    Word("fresh", ("fresh",), ("生鲜",)),
    Word("home", ("home",), ("家居",)),
    Word("electronics", ("electronics",), ("数码",)),
    Word("medicine", ("medicine",), ("药品",)),
)

#: Actions, platforms and the other enum values (block rules, `then`, `otherwise`, the header).
ACTION_ROWS = (
    Word("approve_return", ("approve_return",), ("同意退货",)),
    Word("approve_refund", ("approve_refund",), ("同意退款",)),
    Word("express_refund", ("express_refund",), ("极速退款",)),
    Word("extend_receipt", ("extend_receipt",), ("延长收货",)),
    Word("reject", ("reject",), ("拒绝",)),
    Word("manual_review", ("manual_review",), ("人工审核",)),
    Word("no_action", ("no_action",), ("不处理",)),
)
PLATFORM_ROWS = (
    Word("douyin", ("douyin",), ("抖音",)),
    Word("kuaishou", ("kuaishou",), ("快手",)),
    Word("other", ("other",), ("其他平台",)),
)
CURRENCY_ROWS = (Word("CNY", ("CNY",), ("人民币",)),)
HOLIDAY_ROWS = (Word("cn", ("cn",), ("中国",)),)
LANGUAGE_ROWS = (Word("zh", ("zh",), ("中文",)), Word("en", ("en",), ("英文",)))
VALUE_ROWS = (
    Word("return_refund", ("return_refund",), ("退货退款",)),
    Word("refund_only", ("refund_only",), ("仅退款",)),
    Word("exchange", ("exchange",), ("换货",)),
    Word("pending_merchant", ("pending_merchant",), ("待商家处理",)),
    Word("awaiting_return", ("awaiting_return",), ("待买家退货",)),
    Word("return_in_transit", ("return_in_transit",), ("退货运输中",)),
    Word("returned", ("returned",), ("已退回",)),
    Word("refunded", ("refunded",), ("已退款",)),
    Word("rejected", ("rejected",), ("已拒绝",)),
    Word("closed", ("closed",), ("已关闭",)),
    Word("none", ("none",), ("未收货",)),
    Word("received", ("received",), ("已收货",)),
    Word("inspected_ok", ("inspected_ok",), ("验货通过",)),
    Word("inspected_failed", ("inspected_failed",), ("验货不通过",)),
) + REASON_ROWS + RISK_ROWS


def _index(rows) -> dict[str, str]:
    return {w: r.value for r in rows for w in r.zh}


#: A Chinese word → the value it names, by kind of value.
ZH_ACTIONS = _index(ACTION_ROWS)
ZH_PLATFORMS = _index(PLATFORM_ROWS)
ZH_CURRENCIES = _index(CURRENCY_ROWS)
ZH_HOLIDAYS = _index(HOLIDAY_ROWS)
ZH_LANGUAGES = _index(LANGUAGE_ROWS)
ZH_CATEGORIES = _index(CATEGORY_ROWS)
#: Chinese words of enum values and categories in block-rule expressions (`item.category == 生鲜`).
ZH_VALUES = {**_index(VALUE_ROWS), **ZH_CATEGORIES}


def zh_word(rows, value: str) -> str:
    """The canonical Chinese word of `value` in `rows`, or the value itself."""
    return next((r.zh[0] for r in rows if r.value == value), value)


#: Header keywords: statement → words per language (the grammar accepts each).
HEADER = {
    "policy_name": {"en": "policy", "zh": "策略"},
    "platform": {"en": "platform", "zh": "平台"},
    "timezone": {"en": "timezone", "zh": "时区"},
    "currency": {"en": "currency", "zh": "币种"},
    "service_hours": {"en": "service hours", "zh": "客服时间"},
    "holidays": {"en": "holidays", "zh": "节假日"},
    "language": {"en": "language", "zh": "语言"},
    "rule": {"en": "rule", "zh": "规则"},
    "otherwise": {"en": "otherwise", "zh": "否则"},
    "named_list": {"en": "list", "zh": "名单"},
    "list_from": {"en": "from", "zh": "来自"},
}

#: Weekday words of service hours, and the range word: Chinese → the English the hours parser reads.
ZH_HOURS = {"周一": "mon", "周二": "tue", "周三": "wed", "周四": "thu", "周五": "fri", "周六": "sat",
            "周日": "sun", "周天": "sun", "星期一": "mon", "星期二": "tue", "星期三": "wed", "星期四": "thu",
            "星期五": "fri", "星期六": "sat", "星期日": "sun", "星期天": "sun", "至": "-", "到": "-", "、": ","}
EN_HOURS_ZH = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六",
               "sun": "周日", "-": "至", ",": "，"}


@dataclass(frozen=True)
class Phrase:
    pattern: str     # the canonical English words and placeholders
    template: str    # an expression of the block-rule language
    doc: str = ""
    zh: tuple[str, ...] = ()        # Chinese patterns, canonical first (placeholders as in English)
    en_more: tuple[str, ...] = ()   # English variants accepted as well
    zh_before_verb: bool = False    # Chinese says it before the verb (非客服时间自动同意…)
    key: str = field(default="", compare=False)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.pattern.split())

    def patterns(self, lang: str) -> tuple[str, ...]:
        return (self.pattern,) + self.en_more if lang == "en" else self.zh


_WITHIN = "request.created_at - order.delivered_at between 0d and "

MODIFIERS: tuple[Phrase, ...] = (
    Phrase("under {money}", "request.amount < {money}", "requested amount strictly below X",
           zh=("低于{money}", "不满{money}"), en_more=("less than {money}", "below {money}")),
    Phrase("up to {money}", "request.amount <= {money}", "requested amount at most X",
           zh=("{money}以内", "{money}以下", "不超过{money}")),
    Phrase("over {money}", "request.amount > {money}", "requested amount strictly above X",
           zh=("超过{money}", "高于{money}"), en_more=("more than {money}", "above {money}")),
    Phrase("at least {money}", "request.amount >= {money}", "requested amount X or more",
           zh=("{money}以上", "不低于{money}")),
    Phrase("between {money} and {money}", "request.amount between {money} and {money2}",
           "requested amount from X to Y, both included", zh=("{money}至{money}",)),
    Phrase("on orders under {money}", "order.paid_amount < {money}", "order's paid amount below X",
           zh=("订单金额低于{money}", "订单金额不满{money}")),
    Phrase("on orders up to {money}", "order.paid_amount <= {money}", "order's paid amount at most X",
           zh=("订单金额{money}以内", "订单金额{money}以下")),
    Phrase("on orders over {money}", "order.paid_amount > {money}", "order's paid amount above X",
           zh=("订单金额超过{money}", "订单金额高于{money}")),
    Phrase("on orders of at least {money}", "order.paid_amount >= {money}", "order's paid amount X or more",
           zh=("订单金额{money}以上",)),
    Phrase("on orders not yet delivered", "order.delivered_at is missing",
           "the order has no delivery (sign-for) time", zh=("订单未签收",)),
    Phrase("on orders not yet shipped", "order.shipped_at is missing",
           "the order has no shipping time", zh=("订单未发货",)),
    Phrase("during off-hours", "outside_service_hours(request.created_at)",
           "opened outside the policy's service hours (holidays count as off)",
           zh=("非客服时间", "客服时间外"), zh_before_verb=True),
    Phrase("during service hours", "in_service_hours(request.created_at)",
           "opened inside the policy's service hours", zh=("客服时间内",), zh_before_verb=True),
    Phrase("on weekends", "is_weekend(request.created_at)", "opened on a Saturday or Sunday",
           zh=("周末",), zh_before_verb=True),
    Phrase("on holidays", "is_holiday(request.created_at)", "opened on a public holiday",
           zh=("节假日",), zh_before_verb=True),
    Phrase("on days off", "is_day_off(request.created_at)",
           "opened on a weekend day or public holiday, except make-up working days (调休)",
           zh=("休息日",), zh_before_verb=True),
    Phrase("within {count} days of delivery", _WITHIN + "{count}d",
           "opened between 0 and N×24 h after the parcel was signed for",
           zh=("签收后{count}天内", "签收后{count}天以内"), en_more=("within {count} days after delivery",)),
    Phrase("within {duration} of delivery", _WITHIN + "{duration}",
           "opened between 0 and D after the parcel was signed for",
           zh=("签收后{duration}内",), en_more=("within {duration} after delivery",)),
    Phrase("with verified tracking", "request.tracking.verified",
           "the return tracking number passed the platform's check", zh=("退货物流已核验",)),
    Phrase("once inspected", "request.warehouse.status == inspected_ok",
           "the warehouse inspected the returned goods and accepted them",
           zh=("仓库验货通过后",), zh_before_verb=True),
    Phrase("from low-risk buyers", "buyer.risk_level == low", "buyer's risk level is low", zh=("低风险买家",)),
    Phrase("from medium-risk buyers", "buyer.risk_level == medium", "buyer's risk level is medium",
           zh=("中风险买家",)),
    Phrase("from high-risk buyers", "buyer.risk_level == high", "buyer's risk level is high", zh=("高风险买家",)),
    Phrase("from {risks} buyers", "buyer.risk_level in [{risks}]",
           "buyer's risk level is one of those named", zh=("{risks}买家",)),
    Phrase("from risk-checked buyers", "buyer.risk_passed", "buyer passed the platform's risk check",
           zh=("风控通过的买家",)),
    Phrase("pending for over {duration}",
           "request.status == pending_merchant and age(request.created_at) > {duration}",
           "waiting for the merchant for longer than D", zh=("待处理超过{duration}",),
           en_more=("pending for more than {duration}", "pending over {duration}")),
    Phrase("in category {word}", "any(order.items, item.category == {word})",
           "some item of the order is in the category", zh=("类目为{word}",)),
    Phrase("in categories {words}", "any(order.items, item.category in [{words}])",
           "some item of the order is in one of the categories", zh=("类目属于{words}",)),
    Phrase("on first requests", "request.first_request", "the buyer's first request on the order",
           zh=("买家首次申请",)),
    Phrase("while pending", "request.status == pending_merchant",
           "the request still waits for the merchant's answer", zh=("待商家处理",)),
    Phrase("where {expr}", "{expr}", "any expression of the block-rule language", zh=("条件",)),
)

#: Words that may join modifiers; they add nothing ("under ¥300 and during off-hours").
JOINERS = ("and",)
ZH_JOINERS = ("并且", "而且", "且", "和", "并", "、", ",", "的")

#: What a placeholder takes, for messages and for help that shows a phrase.
PLACEHOLDERS = {
    "{money}": ("an amount such as ¥300", "¥300", "300元"),
    "{count}": ("a whole number such as 7", "7", "7"),
    "{duration}": ("a duration such as 36h", "36h", "36小时"),
    "{word}": ("a word such as apparel", "apparel", "服饰"),
    "{words}": ("words such as food, medicine", "food, medicine", "食品、药品"),
    "{risks}": ("risk levels such as low-risk or medium-risk", "low-risk or medium-risk", "低风险或中风险"),
    "{expr}": ("a condition such as request.first_request", "CONDITION", "CONDITION"),
}


def example(pattern: str, lang: str = "en") -> str:
    """A phrase pattern with each placeholder filled by an example (`in category apparel`)."""
    for slot, (_, en, zh) in PLACEHOLDERS.items():
        pattern = pattern.replace(slot, en if lang == "en" else zh)
    return pattern
