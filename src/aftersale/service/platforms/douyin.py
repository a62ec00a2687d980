"""Douyin shop (抖店) message pushes (after-sales-apis.md §1.1, §1.4).

The body is a JSON array of `{"tag", "msg_id", "data"}` where `data` is a string holding JSON.
The `event-sign` header is MD5(app_key + raw body + app_secret) in hex [OFFICIAL-SDK]; the
`app-id` header names the app [UNOFFICIAL ×2] (without it, every registered app's key is tried).
The answer is `{"code":0,"msg":"success"}` [OFFICIAL-SDK]; the test message sent when the URL is
saved is `[{"tag":"0","msg_id":"0","data":"<a time>"}]` [UNOFFICIAL ×2].
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, Mapping

from . import Push, PushError, from_epoch, from_rfc3339, identifier, integer, json_in_string, malformed, mapped, yuan

PLATFORM = "douyin"
ACK = {"code": 0, "msg": "success"}
TEST_TAG = "0"

#: After-sales tags decided, and the field holding the moment of each (§1.1 "Message data fields").
#: `update_time` (RFC 3339) comes first where the message has it.
MOMENTS = {"200": "apply_time", "201": "agree_time", "202": "agree_time", "203": "return_time",
           "204": "refuse_time", "205": "refuse_time", "206": "success_time", "207": "close_time",
           "208": "modify_time"}
#: `aftersale_type` in pushes: "0: 退货 1: 售后仅退款 2: 发货前退款 3：换货" [OFFICIAL-SDK].
KINDS = {0: "return_refund", 1: "refund_only", 2: "refund_only", 3: "exchange"}
#: `aftersale_status` (§1.4, Detail and List texts). 8, 13 and 14 (exchange, resend and repair
#: shipping) have no status of ours: such pushes are answered and not decided.
STATUSES = {6: "pending_merchant", 7: "awaiting_return", 11: "return_in_transit", 12: "refunded",
            27: "rejected", 28: "closed", 29: "rejected", 51: "closed", 53: "closed"}
#: `reason_code`: only the codes of the old (2021) partial list whose meaning is one of our reasons
#: [SINGLE-SOURCE: bububa refundCreate.go]. Any other code is `other`; `platform_reason` keeps it.
REASONS = {1: "no_reason_7d", 2: "late_delivery", 3: "lost", 7: "quality", 8: "quality", 9: "not_as_described"}


def signature(app_key: str, body: bytes, app_secret: str) -> str:
    """`event-sign` as the official SDK computes it.

    >>> signature("k", b"[]", "s")
    '0539ecd43d2e7c8acc87f20dfd98c916'
    """
    return hashlib.md5(app_key.encode("utf-8") + body + app_secret.encode("utf-8")).hexdigest()


def verify(headers: Mapping[str, str], body: bytes, apps: list[Any]) -> str:
    """The app key whose secret signed `body`; PushError 401 when none did or there is no signature."""
    sent = (headers.get("event-sign") or "").strip().lower()
    if not sent:
        raise PushError(401, "unauthorized", "the push has no `event-sign` header")
    for app in apps:
        if hmac.compare_digest(signature(app.app_key, body, app.app_secret), sent):
            return app.app_key
    raise PushError(401, "unauthorized", "the `event-sign` header does not match any registered Douyin app")


def records(text: str) -> list[dict[str, Any]]:
    """The push's records, each `{tag, msg_id, data}` with `data` still a string."""
    try:
        found = json.loads(text)
    except ValueError as err:
        raise malformed("$", f"not JSON: {err}") from None
    if not isinstance(found, list) or not found:
        raise malformed("$", "expected a non-empty JSON array of {tag, msg_id, data}")
    for i, item in enumerate(found):
        if not isinstance(item, dict):
            raise malformed(f"$[{i}]", "expected an object {tag, msg_id, data}")
        for key in ("tag", "data"):
            if key not in item:
                raise malformed(f"$[{i}]", f"lacks `{key}`")
        if not isinstance(item["tag"], str):
            raise malformed(f"$[{i}].tag", "expected a string")
    return found


def is_test(items: list[dict[str, Any]]) -> bool:
    return all(item["tag"] == TEST_TAG for item in items)


def shop_of(item: dict[str, Any], i: int) -> tuple[str, dict[str, Any]] | None:
    """(shop id, decoded data) of an after-sales record we decide; None for other tags."""
    if item["tag"] not in MOMENTS:
        return None
    data = json_in_string(item["data"], f"$[{i}].data")
    if "shop_id" not in data:
        raise malformed(f"$[{i}].data", "lacks `shop_id`")
    return identifier(data["shop_id"], f"$[{i}].data.shop_id"), data


def push_of(store: str, tag: str, data: dict[str, Any], i: int) -> Push | None:
    """The facts of one after-sales record (None: a kind or status we do not decide)."""
    where = f"$[{i}].data"

    def need(key: str) -> Any:
        if data.get(key) is None:
            raise malformed(where, f"lacks `{key}`")
        return data[key]

    kind = mapped(KINDS, need("aftersale_type"), f"{where}.aftersale_type")
    status = mapped(STATUSES, need("aftersale_status"), f"{where}.aftersale_status")
    if kind is None or status is None:
        return None
    if data.get("update_time") is not None:
        at = from_rfc3339(data["update_time"], f"{where}.update_time")
    else:
        at = from_epoch(need(MOMENTS[tag]), f"{where}.{MOMENTS[tag]}")
    request: dict[str, Any] = {"kind": kind, "status": status,
                               "amount": yuan(need("refund_amount"), f"{where}.refund_amount")}
    if data.get("reason_code") is not None:
        code = integer(data["reason_code"], f"{where}.reason_code")
        request.update(reason=REASONS.get(code, "other"), platform_reason=str(code))
    if tag == "200":
        request["created_at"] = from_epoch(need("apply_time"), f"{where}.apply_time")
    return Push(store, PLATFORM, identifier(need("aftersale_id"), f"{where}.aftersale_id"),
                datetime.fromisoformat(at), {"request": request})


__all__ = ["ACK", "KINDS", "MOMENTS", "PLATFORM", "REASONS", "STATUSES", "is_test", "push_of", "records", "shop_of",
           "signature", "verify"]
