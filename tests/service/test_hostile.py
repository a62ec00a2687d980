"""Bad and hostile requests get 4xx with the event reader's messages, never 500, and store nothing."""
from __future__ import annotations

import json

import pytest

from aftersale.limits import MAX_EVENT_BYTES

from .conftest import event


def post(client, headers, content, content_type="application/json"):
    return client.post("/v1/decisions", content=content, headers={**headers, "Content-Type": content_type})


def test_an_invalid_event_gets_the_readers_diagnostics(client, token, log):
    sent = event()
    sent["request"]["amount"] = "12900"      # fen, not yuan: more than was paid
    sent["request"]["reason"] = "no-reason"  # not an enum value
    text = json.dumps(sent, indent=2)
    answer = post(client, token(), text)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "invalid-event"
    messages = [d["message"] for d in body["diagnostics"]]
    assert any("request.reason" in m for m in messages), messages
    reason = next(d for d in body["diagnostics"] if "request.reason" in d["message"])
    line = text.splitlines().index(next(l for l in text.splitlines() if '"no-reason"' in l)) + 1
    assert (reason["file"], reason["line"]) == ("<request>", line) and reason["column"] > 1
    assert log.count() == 0


@pytest.mark.parametrize("content,status,error", [
    ('{"id": "AS-1", "at": ', 400, "invalid-json"),
    ("", 400, "invalid-json"),
    ("[" * 100_000 + "]" * 100_000, 400, "invalid-json"),                    # nested far too deeply
    ('{"a":' * 5_000 + "1" + "}" * 5_000, 400, "invalid-json"),
    ("[" + json.dumps(event()) + "]", 422, "invalid-request"),                # an array, not one event
    (json.dumps(event()) + "\n" + json.dumps(event("AS-2")), 422, "invalid-request"),  # two events
    ('"just a string"', 422, "invalid-event"),
    ('{"id": 1e999999999}', 422, "invalid-event"),
], ids=["truncated", "empty", "deep-arrays", "deep-objects", "array", "two-events", "string", "huge-number"])
def test_malformed_bodies_are_4xx(client, token, log, content, status, error):
    answer = post(client, token(), content)
    assert (answer.status_code, answer.json()["error"]) == (status, error), answer.text
    assert log.count() == 0


def test_malformed_json_names_line_and_column(client, token):
    answer = post(client, token(), '{\n  "id": "AS-1",\n  "at" "x"\n}')
    diagnostic = answer.json()["diagnostics"][0]
    assert answer.status_code == 400 and (diagnostic["line"], diagnostic["column"]) == (3, 8)


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, token, log):
    sent = event()
    sent["padding"] = "x" * MAX_EVENT_BYTES
    answer = post(client, token(), json.dumps(sent))
    assert answer.status_code == 413 and answer.json()["error"] == "too-large"
    # and without a Content-Length (chunked): counted while it streams
    chunks = (b"x" * 65536 for _ in range(MAX_EVENT_BYTES // 65536 + 2))
    streamed = client.post("/v1/decisions", content=chunks, headers={**token(), "Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert log.count() == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "", "multipart/form-data"])
def test_other_content_types_are_415(client, token, log, content_type):
    answer = post(client, token(), json.dumps(event()), content_type)
    assert answer.status_code == 415
    assert log.count() == 0


def test_not_utf8_and_long_ids_are_4xx(client, token, log):
    assert post(client, token(), b'{"id": "\xff"}').status_code == 400
    long_id = event("A" * 250)
    answer = post(client, token(), json.dumps(long_id))
    assert 400 <= answer.status_code < 500
    assert client.get("/v1/decisions/" + "A" * 250, headers=token()).status_code == 422
    assert log.count() == 0


@pytest.mark.parametrize("body", [
    "not json", "[]", '{"policy": 5}', '{"policy": "x", "format": "cobol"}', '{"policy": "x", "extra": 1}',
    '{"policy":' * 3000 + '"x"' + "}" * 3000,
])
def test_bad_policy_uploads_are_4xx(client, token, body):
    answer = client.post("/v1/policies", content=body, headers={**token(), "Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500, answer.text
    assert client.get("/v1/policies", headers=token()).json()["versions"] == []
