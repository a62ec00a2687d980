"""POST /v1/decisions and reading decisions back: stored before answered, idempotent, searchable."""
from __future__ import annotations

import hashlib
import json
import threading

from aftersale.events import parse_event
from aftersale.service.core import Conflict

from .conftest import POLICIES, event


def test_a_decision_is_the_stored_record(client, token, log):
    headers = token()
    sent = event()
    answer = client.post("/v1/decisions", json=sent, headers=headers)
    assert answer.status_code == 201
    body = answer.json()
    assert body["record"]["action"] == "approve_return" and body["record"]["rule"] == "off-hours"
    assert body["store"] == "tea-house" and body["event_id"] == "AS-1001" and body["trigger"] == "event"
    policy_sha = hashlib.sha256((POLICIES / "tea-house.policy").read_bytes().decode("utf-8").encode()).hexdigest()
    assert body["policy_sha256"] == body["record"]["policy"]["sha256"] == policy_sha
    assert log.records("tea-house", "AS-1001") == [body]   # what was answered is what is stored


def test_the_same_event_again_returns_the_stored_record(client, token, log):
    headers = token()
    first = client.post("/v1/decisions", json=event(), headers=headers)
    # the same content with other key order and spacing is the same event
    again = client.post("/v1/decisions", content=json.dumps(event(), indent=3, sort_keys=True),
                        headers={**headers, "Content-Type": "application/json"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert log.count() == 1


def test_the_same_moment_with_other_content_is_a_conflict(client, token, log):
    headers = token()
    first = client.post("/v1/decisions", json=event(), headers=headers).json()
    changed = event()
    changed["request"]["amount"] = "100.00"
    answer = client.post("/v1/decisions", json=changed, headers=headers)
    assert answer.status_code == 409
    assert answer.json()["stored_decision_id"] == first["decision_id"]
    assert log.count() == 1


def test_a_later_event_for_the_same_request_is_a_new_record_newest_first(client, token):
    headers = token()
    client.post("/v1/decisions", json=event(), headers=headers)
    later = event(at="2026-11-22T10:00:00+08:00")
    later["request"]["status"] = "closed"
    assert client.post("/v1/decisions", json=later, headers=headers).status_code == 201
    records = client.get("/v1/decisions/AS-1001", headers=headers).json()["records"]
    assert [r["at"] for r in records] == ["2026-11-22T10:00:00+08:00", "2026-11-21T22:14:00+08:00"]
    assert len({r["decision_id"] for r in records}) == 2


def test_ten_copies_at_once_make_one_decision(service, log):
    sent = event()
    text = json.dumps(sent)
    parsed = parse_event(sent)
    results, errors = [], []
    start = threading.Barrier(10)

    def send():
        start.wait()
        try:
            results.append(service.decide("tea-house", json.loads(text), parsed, text))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(1 for _, new in results if new) == 1
    assert len({entry["decision_id"] for entry, _ in results}) == 1
    assert log.count() == 1


def test_a_conflict_is_raised_by_the_service_too(service):
    sent = event()
    service.decide("s", sent, parse_event(sent), json.dumps(sent))
    other = event(platform="kuaishou")
    try:
        service.decide("s", other, parse_event(other), json.dumps(other))
    except Conflict as conflict:
        assert conflict.stored["record"]["event_id"] == "AS-1001"
    else:
        raise AssertionError("no conflict")


def test_explanation_by_request_id(client, token):
    headers = token()
    client.post("/v1/decisions", json=event(), headers=headers)
    english = client.get("/v1/decisions/AS-1001/explanation?lang=en", headers=headers)
    assert english.status_code == 200
    assert english.headers["content-type"].startswith("text/plain")
    assert english.text.startswith("Approved the return (rule off-hours)")
    chinese = client.get("/v1/decisions/AS-1001/explanation?lang=zh", headers=headers)
    assert chinese.status_code == 200 and chinese.headers["content-language"] == "zh"
    assert "off-hours" in chinese.text and any("\u4e00" <= ch <= "\u9fff" for ch in chinese.text.splitlines()[0])
    assert client.get("/v1/decisions/AS-1001/explanation", headers=headers).text == chinese.text  # zh first
    assert client.get("/v1/decisions/AS-1001/explanation?lang=fr", headers=headers).status_code == 422


def test_search_pages_through_every_record_once_in_a_stable_order(client, token):
    headers = token()
    for n in range(7):
        sent = event(f"AS-2{n:03d}", at=f"2026-11-21T22:{14 + n}:00+08:00")
        if n % 2:
            sent["buyer"]["risk_level"] = "high"   # the no-risky guard: manual review, no rule
        assert client.post("/v1/decisions", json=sent, headers=headers).status_code == 201
    seen, cursor = [], None
    while True:
        page = client.get("/v1/decisions", params={"limit": 3, **({"cursor": cursor} if cursor else {})},
                          headers=headers).json()
        seen += [r["event_id"] for r in page["records"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"AS-2{n:03d}" for n in reversed(range(7))]
    approved = client.get("/v1/decisions", params={"action": "approve_return"}, headers=headers).json()
    assert {r["event_id"] for r in approved["records"]} == {"AS-2000", "AS-2002", "AS-2004", "AS-2006"}
    by_rule = client.get("/v1/decisions", params={"rule": "off-hours", "action": "approve_return",
                                                  "since": "2026-11-21T22:16:00+08:00",
                                                  "until": "2026-11-21T22:20:00+08:00"}, headers=headers).json()
    assert [r["event_id"] for r in by_rule["records"]] == ["AS-2004", "AS-2002"]
    bad = client.get("/v1/decisions", params={"since": "2026-11-21"}, headers=headers)
    assert bad.status_code == 422 and "UTC offset" in bad.json()["message"]
    assert client.get("/v1/decisions", params={"cursor": "nonsense"}, headers=headers).status_code == 422


def test_health_metrics_and_openapi(client, token):
    client.post("/v1/decisions", json=event(), headers=token())
    assert client.get("/healthz").json()["status"] == "ok"
    metrics = client.get("/metrics").text
    assert 'aftersale_decisions_total{action="approve_return",rule="off-hours",trigger="event"} 1.0' in metrics
    assert "aftersale_decision_seconds_count 1.0" in metrics
    assert "aftersale_rechecks_total 0.0" in metrics
    client.get("/v1/decisions/AS-1001")  # no token
    assert 'aftersale_errors_total{kind="unauthorized"} 1.0' in client.get("/metrics").text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/decisions", "/v1/decisions/{event_id}", "/v1/decisions/{event_id}/explanation", "/v1/policies",
            "/v1/policies/{sha256}/activate", "/healthz", "/metrics"} <= set(paths)


def test_ten_copies_over_http_at_once_are_one_decision(client, token, log):
    headers = token()
    answers = []
    start = threading.Barrier(10)

    def send():
        start.wait()
        answers.append(client.post("/v1/decisions", json=event("AS-7"), headers=headers))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert len({a.json()["decision_id"] for a in answers}) == 1 and log.count() == 1
