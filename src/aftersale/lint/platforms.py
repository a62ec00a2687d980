"""The platforms' own published rules, as data: the one place the domain checks read.

Each fact names the platform rule it follows by its public name (`rule`, the
only citation messages show), and, for maintainers, where it comes from
(`source`): the seed articles summarised in the project's `domain.md` (seed 000: Douyin's express refund and after-sales
assistant; 001 and 003: Douyin's return lifecycle and its timers; 004:
Kuaishou's). Conditions are written in the policy language itself and parsed
by the same grammar, so a fact reads like a rule.

To add a platform or a timer, add a row here; the checks need no change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Requirement:
    """One condition the platform needs before it performs an action."""

    condition: str     # an expression of the policy language
    unmet: str         # says what happens without it: "the order's paid amount is ¥300 or more"
    source: str


@dataclass(frozen=True)
class ActionFacts:
    platform: str
    action: str
    what: str          # "an express refund"
    requirements: tuple[Requirement, ...]
    source: str        # for maintainers only: never shown in a message
    rule: str          # the platform rule by its public name, as messages cite it


@dataclass(frozen=True)
class Timer:
    """The platform acts by itself once `start` is `limit` old while the request is in `statuses`."""

    platform: str
    step: str          # "the merchant's answer"
    statuses: tuple[str, ...]
    start: str         # the timestamp field the timer runs from
    limit: timedelta
    outcome: str       # "approves it automatically"
    source: str        # for maintainers only: never shown in a message
    rule: str          # the platform rule by its public name, as messages cite it


PLATFORM_NAMES = {"douyin": "Douyin", "kuaishou": "Kuaishou"}

ACTIONS: tuple[ActionFacts, ...] = (
    ActionFacts(
        "douyin", "express_refund", "an express refund",
        (
            Requirement("store.express_refund_enabled", "the store has not switched express refund on",
                        "seed 000, §2.1.1 (1) 商家已开通发货后极速退款服务"),
            Requirement("request.kind == return_refund", "the request is not a return and refund",
                        "seed 000, §2.1.1 (2) 消费者以“退货退款”发起售后申请"),
            Requirement("request.reason == no_reason_7d", "the reason is not the 7-day no-reason return",
                        "seed 000, §2.1.1 (3) 商品退款原因为“7天无理由退货”"),
            Requirement("request.tracking.verified",
                        "the return tracking number has not passed the platform's check",
                        "seed 000, §2.1.1 (4) 上传真实有效的退货物流单号,并通过平台校验"),
            Requirement("buyer.risk_passed", "the buyer has not passed the platform's risk check",
                        "seed 000, §2.1.1 (5) 消费者的购物账号通过小店平台的消费者风控等级验证"),
            Requirement("order.paid_amount < ¥300", "the order's actual paid amount is ¥300 or more",
                        "seed 000, §2.1.1 (6) 售后订单的实际支付金额小于300元"),
        ),
        "seed 000, §2.1 发货后极速退款",
        "Douyin's 发货后极速退款 (express refund after shipment) service conditions",
    ),
    ActionFacts(
        "douyin", "extend_receipt", "extending the receipt period (延长收货)",
        (
            Requirement("age(request.tracking.uploaded_at) >= 5d",
                        "the buyer uploaded the return tracking number less than 5 days ago (or not at all)",
                        "seed 003, §一.1(2) 商家可在消费者上传运单号后5天后,使用【延长收货】功能"),
        ),
        "seed 003, §一.1(2) 延长收货",
        "Douyin's 延长收货 (extend receipt) rule",
    ),
)

TIMERS: tuple[Timer, ...] = (
    Timer("douyin", "the merchant's answer", ("pending_merchant",), "request.created_at",
          timedelta(hours=48), "approves it automatically",
          "seed 001 商家须在48小时内处理用户申请,逾期未处理系统自动同意; seed 000 §2.3 (48 h, else refunded)",
          "Douyin's after-sales time limit: requests not handled in 48 hours are approved (超时自动同意)"),
    Timer("douyin", "the merchant to confirm receipt of the returned parcel", ("return_in_transit",),
          "request.tracking.uploaded_at", timedelta(days=7), "confirms receipt and refunds automatically",
          "seed 001 商家须在用户上传物流信息的7日内确认收货; seed 003 §一.2 7天内未操作,则系统自动退款",
          "Douyin's return receipt time limit: 7 days after the tracking number, it refunds (超时自动退款)"),
    Timer("douyin", "the merchant's refund after receiving the return", ("returned",), "request.warehouse.at",
          timedelta(hours=48), "refunds automatically",
          "seed 003 §一.1(1) 收到退货后的48小时内点击【退款】,超时未处理由系统默认【退款】",
          "Douyin's refund time limit: 48 hours after receiving the return, it refunds (超时自动退款)"),
    Timer("kuaishou", "the merchant's answer", ("pending_merchant",), "request.created_at",
          timedelta(hours=48), "approves it automatically",
          "seed 004 商户应在48小时内处理,逾期未处理的,系统将默认商户同意",
          "Kuaishou's after-sales time limit: requests not handled in 48 hours are approved (逾期默认同意)"),
    Timer("kuaishou", "the merchant to confirm receipt of the returned parcel", ("return_in_transit",),
          "request.tracking.uploaded_at", timedelta(days=10), "refunds automatically",
          "seed 004 商户须在消费者上传退货快递单号10日内完成确认收货,如未及时处理,系统将自动退款",
          "Kuaishou's return receipt time limit: 10 days after the tracking number, it refunds (逾期自动退款)"),
)

#: Why auto-rejecting a no-reason return is risky. Sources, for maintainers: seed 000 §2.3 请勿随意拒绝售后;
#: seed 003; seed 004 (Kuaishou refunds first on rejections without grounds).
REJECT_ADVICE = ("the platforms tell merchants not to reject 7-day no-reason returns lightly: the buyer can "
                 "ask the platform to step in, and a ruling against the store hurts its dispute rate and "
                 "experience score (Douyin's 七天无理由退货 rules; Kuaishou refunds first when a rejection "
                 "has no grounds)")


def platforms_for(policy_platform: str | None) -> tuple[str, ...]:
    """The platforms whose facts apply: the policy's own, or every platform with facts."""
    if policy_platform in PLATFORM_NAMES:
        return (policy_platform,)
    if policy_platform is None:
        return tuple(PLATFORM_NAMES)
    return ()
