"""Platform pushes: POST /v1/platforms/douyin/messages and /v1/platforms/kuaishou/messages.

The pushes are the fixtures in fixtures/platforms (written from the fact sheet's examples),
signed or encrypted here with the credentials a store registered.
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from aftersale.decision.log import PlatformCredentials
from aftersale.service.platforms import PushError, event_of, yuan
from aftersale.service.platforms.kuaishou import encrypt

from .conftest import event

FIXTURES = Path(__file__).parent / "fixtures" / "platforms"
DY_KEY, DY_SECRET, DY_SHOP = "7012345678901234567", "dy-app-secret-0123456789", "4463798"
KS_KEY, KS_SECRET, KS_SHOP = "ks7001122334455", base64.b64encode(bytes(range(16))).decode(), "1099887766"
NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
AFTERSALE = "7000893114000949517"


@pytest.fixture
def shops(log):
    log.add_platform_credentials(PlatformCredentials("douyin", DY_KEY, DY_SHOP, "tea-house", DY_SECRET), NOW)
    log.add_platform_credentials(PlatformCredentials("kuaishou", KS_KEY, KS_SHOP, "tea-house", KS_SECRET), NOW)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().strip()


def douyin(client, body: bytes, secret: str = DY_SECRET, **headers):
    sign = hashlib.md5(DY_KEY.encode() + body + secret.encode()).hexdigest()
    sent = {"Content-Type": "application/json", "app-id": DY_KEY, "event-sign": sign, **headers}
    return client.post("/v1/platforms/douyin/messages", content=body, headers={k: v for k, v in sent.items() if v})


def kuaishou(client, envelope: dict, key: str = KS_SECRET):
    body = encrypt(json.dumps(envelope, ensure_ascii=False).encode(), key)
    return client.post("/v1/platforms/kuaishou/messages", content=body, headers={"Content-Type": "text/plain"})


def erp_event(client, token, event_id: str, platform: str):
    """The request's full event, as the merchant's system sends it before the platform's pushes."""
    sent = event(event_id, platform=platform)
    answer = client.post("/v1/decisions", json=sent, headers=token())
    assert answer.status_code == 201, answer.text
    return sent


def stored_event(log, event_id: str) -> dict:
    return json.loads(log.latest_event("tea-house", event_id, datetime(2100, 1, 1, tzinfo=timezone.utc)))


# -- Douyin -------------------------------------------------------------------------

def test_a_signed_douyin_push_is_decided_and_stored_before_the_answer(client, token, log, shops):
    erp_event(client, token, AFTERSALE, "douyin")
    answer = douyin(client, fixture("douyin-203-buyer-return-goods.json"))
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "success"}
    records = log.records("tea-house", AFTERSALE)
    assert len(records) == 2
    assert records[0]["at"] == "2026-11-29T10:27:50+08:00"   # the push's update_time
    pushed = stored_event(log, AFTERSALE)
    assert pushed["request"]["status"] == "return_in_transit"   # aftersale_status 11
    assert pushed["request"]["amount"] == "89.00"               # refund_amount 8900 fen
    assert pushed["request"]["platform_reason"] == "1" and pushed["request"]["reason"] == "no_reason_7d"
    assert pushed["order"] == event()["order"]                  # carried over from the earlier event


def test_a_replayed_douyin_push_returns_the_same_record(client, token, log, shops):
    erp_event(client, token, AFTERSALE, "douyin")
    body = fixture("douyin-203-buyer-return-goods.json")
    assert douyin(client, body).status_code == 200
    first = log.records("tea-house", AFTERSALE)
    assert douyin(client, body).json() == {"code": 0, "msg": "success"}
    assert log.records("tea-house", AFTERSALE) == first and log.count() == 2


@pytest.mark.parametrize("secret, sign", [("another-secret", None), (DY_SECRET, "")])
def test_a_bad_or_missing_signature_is_401_and_stores_nothing(client, token, log, shops, secret, sign):
    erp_event(client, token, AFTERSALE, "douyin")
    body = fixture("douyin-203-buyer-return-goods.json")
    answer = douyin(client, body, secret, **({"event-sign": sign} if sign is not None else {}))
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert log.count() == 1


def test_a_changed_body_no_longer_matches_its_signature(client, token, log, shops):
    body = fixture("douyin-203-buyer-return-goods.json")
    sign = hashlib.md5(DY_KEY.encode() + body + DY_SECRET.encode()).hexdigest()
    tampered = body.replace(b"8900", b"9900")
    answer = client.post("/v1/platforms/douyin/messages", content=tampered,
                         headers={"Content-Type": "application/json", "app-id": DY_KEY, "event-sign": sign})
    assert answer.status_code == 401 and log.count() == 0


def test_without_an_app_id_header_every_registered_app_is_tried(client, token, log, shops):
    erp_event(client, token, AFTERSALE, "douyin")
    assert douyin(client, fixture("douyin-203-buyer-return-goods.json"), **{"app-id": ""}).status_code == 200
    assert log.count() == 2


def test_an_unknown_shop_is_404_and_stores_nothing(client, token, log, shops):
    erp_event(client, token, AFTERSALE, "douyin")
    body = fixture("douyin-203-buyer-return-goods.json").replace(b'shop_id\\":4463798', b'shop_id\\":999')
    answer = douyin(client, body)
    assert answer.status_code == 404 and "999" in answer.json()["message"]
    assert log.count() == 1


@pytest.mark.parametrize("body, path", [
    (b"[{\"tag\": \"203\"", "$"),
    (b"{\"tag\": \"203\"}", "$"),
    (b"[{\"tag\":\"203\",\"msg_id\":\"1\",\"data\":\"{not json\"}]", "$[0].data"),
    (b"[{\"tag\":\"203\",\"msg_id\":\"1\",\"data\":{\"shop_id\":4463798}}]", "$[0].data"),
    (b"[{\"tag\":\"203\",\"msg_id\":\"1\",\"data\":\"{\\\"shop_id\\\":4463798,\\\"aftersale_id\\\":1,"
     b"\\\"aftersale_status\\\":11,\\\"aftersale_type\\\":0,\\\"refund_amount\\\":\\\"89.00\\\","
     b"\\\"update_time\\\":\\\"2026-11-29T10:27:50+08:00\\\"}\"}]", "$[0].data.refund_amount"),
])
def test_a_malformed_push_is_400_with_its_json_path(client, log, shops, body, path):
    answer = douyin(client, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"].startswith(f"`{path}`")
    assert log.count() == 0


def test_the_test_message_is_answered_without_deciding(client, log, shops):
    answer = douyin(client, fixture("douyin-test-message.json"))
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "success"}
    assert log.count() == 0
    assert douyin(client, fixture("douyin-test-message.json"), "wrong").status_code == 401


def test_a_push_without_the_facts_an_event_needs_is_refused(client, log, shops):
    answer = douyin(client, fixture("douyin-200-refund-created.json"))
    assert answer.status_code == 422 and answer.json()["missing"] == ["order.paid_amount"]
    assert log.count() == 0


def test_fen_become_yuan_exactly_and_times_beijing_time(client, token, log, shops):
    prior = event("7000893114000949518", at="2026-11-27T09:00:00+08:00", platform="douyin")
    prior["order"]["paid_amount"] = "200.00"
    assert client.post("/v1/decisions", json=prior, headers=token()).status_code == 201
    assert douyin(client, fixture("douyin-200-refund-created.json")).status_code == 200
    pushed = stored_event(log, "7000893114000949518")
    assert pushed["request"]["amount"] == "149.90"                      # 14990 fen
    assert pushed["request"]["kind"] == "refund_only"                   # aftersale_type 1
    assert pushed["request"]["reason"] == "other"                       # code 83 is in no list we trust
    assert pushed["request"]["created_at"] == "2026-11-27T10:14:00+08:00"   # apply_time 1795745640
    assert [yuan(f, "x") for f in (0, 1, 10, 99, 100, 123456789, "8900")] == \
        ["0.00", "0.01", "0.10", "0.99", "1.00", "1234567.89", "89.00"]
    with pytest.raises(PushError):
        yuan(-1, "x")


def test_facts_the_push_lacks_are_named():
    from aftersale.service.platforms import Push

    push = Push("s", "kuaishou", "1", datetime(2026, 11, 29, tzinfo=timezone.utc),
                {"request": {"kind": "return_refund", "status": "returned"}})
    _, missing = event_of(push, None)
    assert missing == ["request.reason", "request.amount", "request.created_at", "order.paid_amount"]


# -- Kuaishou -----------------------------------------------------------------------

def ks_envelope() -> dict:
    return json.loads(fixture("kuaishou-update-refund.json"))


def test_a_kuaishou_push_is_decrypted_decided_and_answered(client, token, log, shops):
    erp_event(client, token, "2188888888", "kuaishou")
    answer = kuaishou(client, ks_envelope())
    assert answer.status_code == 200 and answer.json() == {"result": 1}
    pushed = stored_event(log, "2188888888")
    assert pushed["at"] == "2026-11-29T10:27:50+08:00"          # updateTime in ms
    assert pushed["request"]["status"] == "return_in_transit"   # status 40
    assert pushed["request"]["amount"] == event()["request"]["amount"]  # the message has none
    again = kuaishou(client, ks_envelope())
    assert again.json() == {"result": 1} and log.count() == 2


def test_a_kuaishou_push_under_another_key_is_401(client, log, shops):
    other = base64.b64encode(bytes(16)).decode()
    assert kuaishou(client, ks_envelope(), other).status_code == 401
    answer = client.post("/v1/platforms/kuaishou/messages", content="not base64!",
                         headers={"Content-Type": "text/plain"})
    assert answer.status_code == 401 and log.count() == 0


def test_a_kuaishou_push_for_an_unknown_merchant_is_404(client, log, shops):
    envelope = dict(ks_envelope(), userId=42)
    assert kuaishou(client, envelope).status_code == 404 and log.count() == 0


def test_a_kuaishou_push_with_bad_info_is_400(client, log, shops):
    envelope = dict(ks_envelope(), info="{\"refundId\": 1}")
    answer = kuaishou(client, envelope)
    assert answer.status_code == 400 and answer.json()["message"].startswith("`$.info`")


def test_the_kuaishou_heartbeat_is_answered_without_deciding(client, log, shops):
    assert kuaishou(client, {"test": True}).json() == {"result": 1}
    plain = client.post("/v1/platforms/kuaishou/messages", content='{"test":true}',
                        headers={"Content-Type": "application/json"})
    assert plain.json() == {"result": 1} and log.count() == 0


# -- the command ----------------------------------------------------------------------

def test_platform_add_stores_the_secret_and_never_prints_it(tmp_path, db_url):
    from click.testing import CliRunner

    from aftersale.cli import cli
    from aftersale.decision.log import DecisionLog

    secret = tmp_path / "douyin.secret"
    secret.write_text(DY_SECRET + "\n")
    args = ["platform", "add", "--store", "tea-house", "--platform", "douyin", "--app-key", DY_KEY,
            "--app-secret-file", str(secret), "--shop-id", DY_SHOP, "--db", db_url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert DY_SECRET not in result.output and "added" in result.output
    assert "replaced" in CliRunner().invoke(cli, args).output
    log = DecisionLog(db_url)
    try:
        [found] = log.platform_credentials("douyin")
        assert (found.store, found.shop_id, found.app_secret) == ("tea-house", DY_SHOP, DY_SECRET)
        assert DY_SECRET not in repr(found)
    finally:
        log.close()
    bad = CliRunner().invoke(cli, [*args[:5], "kuaishou", *args[6:]])
    assert bad.exit_code == 2 and "Base64" in bad.output and DY_SECRET not in bad.output
