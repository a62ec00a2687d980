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
    unmet: str         # message id: what happens without it ("the order's paid amount is ¥300 or more")
    source: str


@dataclass(frozen=True)
class ActionFacts:
    platform: str
    action: str
    what: str          # message id: "an express refund"
    requirements: tuple[Requirement, ...]
    source: str        # for maintainers only: never shown in a message
    rule: str          # message id: the platform rule by its public name, as messages cite it


@dataclass(frozen=True)
class Timer:
    """The platform acts by itself once `start` is `limit` old while the request is in `statuses`."""

    platform: str
    step: str          # message id: "the merchant's answer"
    statuses: tuple[str, ...]
    start: str         # the timestamp field the timer runs from
    limit: timedelta
    outcome: str       # message id: "approves it automatically"
    source: str        # for maintainers only: never shown in a message
    rule: str          # message id: the platform rule by its public name, as messages cite it


#: The platforms with facts, each with the message id of its name (`Douyin` / `抖音`).
PLATFORM_NAMES = {"douyin": "platform.name.douyin", "kuaishou": "platform.name.kuaishou"}

ACTIONS: tuple[ActionFacts, ...] = (
    ActionFacts(
        "douyin", "express_refund", "platform.what.express_refund",
        (
            Requirement("store.express_refund_enabled", "platform.unmet.express_enabled",
                        "seed 000, §2.1.1 (1) 商家已开通发货后极速退款服务"),
            Requirement("request.kind == return_refund", "platform.unmet.return_refund",
                        "seed 000, §2.1.1 (2) 消费者以“退货退款”发起售后申请"),
            Requirement("request.reason == no_reason_7d", "platform.unmet.no_reason_7d",
                        "seed 000, §2.1.1 (3) 商品退款原因为“7天无理由退货”"),
            Requirement("request.tracking.verified",
                        "platform.unmet.tracking_verified",
                        "seed 000, §2.1.1 (4) 上传真实有效的退货物流单号,并通过平台校验"),
            Requirement("buyer.risk_passed", "platform.unmet.risk_passed",
                        "seed 000, §2.1.1 (5) 消费者的购物账号通过小店平台的消费者风控等级验证"),
            Requirement("order.paid_amount < ¥300", "platform.unmet.paid_under_300",
                        "seed 000, §2.1.1 (6) 售后订单的实际支付金额小于300元"),
        ),
        "seed 000, §2.1 发货后极速退款",
        "platform.rule.douyin_express_refund",
    ),
    ActionFacts(
        "douyin", "extend_receipt", "platform.what.extend_receipt",
        (
            Requirement("age(request.tracking.uploaded_at) >= 5d",
                        "platform.unmet.tracking_5d",
                        "seed 003, §一.1(2) 商家可在消费者上传运单号后5天后,使用【延长收货】功能"),
        ),
        "seed 003, §一.1(2) 延长收货",
        "platform.rule.douyin_extend_receipt",
    ),
)

TIMERS: tuple[Timer, ...] = (
    Timer("douyin", "platform.step.answer", ("pending_merchant",), "request.created_at",
          timedelta(hours=48), "platform.outcome.approves",
          "seed 001 商家须在48小时内处理用户申请,逾期未处理系统自动同意; seed 000 §2.3 (48 h, else refunded)",
          "platform.rule.douyin_answer_48h"),
    Timer("douyin", "platform.step.confirm_receipt", ("return_in_transit",),
          "request.tracking.uploaded_at", timedelta(days=7), "platform.outcome.confirms_and_refunds",
          "seed 001 商家须在用户上传物流信息的7日内确认收货; seed 003 §一.2 7天内未操作,则系统自动退款",
          "platform.rule.douyin_receipt_7d"),
    Timer("douyin", "platform.step.refund_after_return", ("returned",), "request.warehouse.at",
          timedelta(hours=48), "platform.outcome.refunds",
          "seed 003 §一.1(1) 收到退货后的48小时内点击【退款】,超时未处理由系统默认【退款】",
          "platform.rule.douyin_refund_48h"),
    Timer("kuaishou", "platform.step.answer", ("pending_merchant",), "request.created_at",
          timedelta(hours=48), "platform.outcome.approves",
          "seed 004 商户应在48小时内处理,逾期未处理的,系统将默认商户同意",
          "platform.rule.kuaishou_answer_48h"),
    Timer("kuaishou", "platform.step.confirm_receipt", ("return_in_transit",),
          "request.tracking.uploaded_at", timedelta(days=10), "platform.outcome.refunds",
          "seed 004 商户须在消费者上传退货快递单号10日内完成确认收货,如未及时处理,系统将自动退款",
          "platform.rule.kuaishou_receipt_10d"),
)

#: Why auto-rejecting a no-reason return is risky (a message id). Sources, for maintainers: seed 000 §2.3
#: 请勿随意拒绝售后; seed 003; seed 004 (Kuaishou refunds first on rejections without grounds).
REJECT_ADVICE = "platform.reject_advice"


def platforms_for(policy_platform: str | None) -> tuple[str, ...]:
    """The platforms whose facts apply: the policy's own, or every platform with facts."""
    if policy_platform in PLATFORM_NAMES:
        return (policy_platform,)
    if policy_platform is None:
        return tuple(PLATFORM_NAMES)
    return ()
