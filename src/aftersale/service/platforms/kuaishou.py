"""Kuaishou shop (快手小店) message pushes (after-sales-apis.md §2.1, §2.4).

The body is Base64 of AES/CBC/PKCS5Padding ciphertext under the app's message key (Base64 in the
app's console), IV 16 zero bytes [OFFICIAL-DOC-COPY]. There is no signature header: a body that
decrypts under a registered key to an envelope naming that app is authentic. The envelope is
`{eventId, bizId, userId, openId, appKey, event, info, createTime, test}` with `info` a string
holding JSON; the answer is `{"result": 1}`. The heartbeat is `{"test": true}`.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from . import Push, PushError, from_epoch, identifier, json_in_string, malformed, mapped

PLATFORM = "kuaishou"
ACK = {"result": 1}
#: After-sales events decided [UNOFFICIAL ×2: zsmhub/ks-sdk, seeease].
EVENTS = ("kwaishop_aftersales_addRefund", "kwaishop_aftersales_updateRefund")
#: `handlingWay`: [1 退货退款] [10 仅退款] [3 换货]; 4 补寄 and 5 维修 have no kind of ours.
KINDS = {1: "return_refund", 10: "refund_only", 3: "exchange"}
#: Refund `status` in the message and detail vocabulary (§2.4). 20-23 (the platform has stepped
#: in) and 45 (exchange shipped) leave the merchant nothing to decide: answered, not decided.
STATUSES = {10: "pending_merchant", 11: "pending_merchant", 30: "awaiting_return", 40: "return_in_transit",
            50: "refunded", 60: "refunded", 70: "closed"}


def message_key(text: str) -> bytes:
    """The app's message key as AES key bytes; ValueError unless it is Base64 of 16, 24 or 32 bytes."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the Kuaishou message key is Base64 (as the app's console shows it)") from None
    if len(key) not in (16, 24, 32):
        raise ValueError(f"the Kuaishou message key decodes to {len(key)} bytes, not 16, 24 or 32")
    return key


def encrypt(plain: bytes, key_text: str) -> str:
    """What the platform sends: Base64(AES-CBC(PKCS7(plain))) with a zero IV (for tests and tools)."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(message_key(key_text)), modes.CBC(bytes(16))).encryptor()
    data = padder.update(plain) + padder.finalize()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def decrypt(body: str, key_text: str) -> dict[str, Any] | None:
    """The envelope if `body` decrypts under the key to a JSON object; None otherwise."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    try:
        data = base64.b64decode(body.strip(), validate=True)
        key = message_key(key_text)
    except (binascii.Error, ValueError):
        return None
    if not data or len(data) % 16:
        return None
    decryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
        found = json.loads(plain.decode("utf-8"))
    except ValueError:  # bad padding, not UTF-8, not JSON: not this key
        return None
    return found if isinstance(found, dict) else None


def is_plain_test(body: str) -> bool:
    """The heartbeat sent as plain JSON: the doc copy does not say whether it is encrypted too."""
    try:
        return json.loads(body) == {"test": True}
    except ValueError:
        return False


def verify(body: str, apps: list[Any]) -> tuple[str, dict[str, Any]]:
    """(app key, envelope) of the registered app whose key decrypts `body`; PushError 401 otherwise."""
    tried = set()
    for app in apps:
        if app.app_secret in tried:
            continue
        tried.add(app.app_secret)
        envelope = decrypt(body, app.app_secret)
        if envelope is not None and str(envelope.get("appKey", app.app_key)) == app.app_key:
            return app.app_key, envelope
    raise PushError(401, "unauthorized", "the push does not decrypt under any registered Kuaishou app's message key")


def shop_of(envelope: dict[str, Any]) -> str | None:
    """The merchant id (`userId`) of an after-sales message; None for the heartbeat and other events."""
    if envelope.get("test") is True or envelope.get("event") not in EVENTS:
        return None
    if envelope.get("userId") is None:
        raise malformed("$", "lacks `userId`")
    return identifier(envelope["userId"], "$.userId")


def push_of(store: str, envelope: dict[str, Any]) -> Push | None:
    """The facts of one after-sales message (None: a kind or status we do not decide).

    The message carries no amount and no reason (§2.1): both come from an earlier event.
    """
    info = json_in_string(envelope.get("info"), "$.info")

    def need(key: str) -> Any:
        if info.get(key) is None:
            raise malformed("$.info", f"lacks `{key}`")
        return info[key]

    kind = mapped(KINDS, need("handlingWay"), "$.info.handlingWay")
    status = mapped(STATUSES, need("status"), "$.info.status")
    if kind is None or status is None:
        return None
    request: dict[str, Any] = {"kind": kind, "status": status}
    if envelope["event"] == EVENTS[0]:
        request["created_at"] = from_epoch(need("createTime"), "$.info.createTime", 1000)
        at = request["created_at"]
    else:
        at = from_epoch(need("updateTime"), "$.info.updateTime", 1000)
    return Push(store, PLATFORM, identifier(need("refundId"), "$.info.refundId"), datetime.fromisoformat(at),
                {"request": request})


__all__ = ["ACK", "EVENTS", "KINDS", "PLATFORM", "STATUSES", "decrypt", "encrypt", "is_plain_test", "message_key",
           "push_of", "shop_of", "verify"]
