"""Tokens: 401 without one or with a bad one, 403 without the role, and never another store's data."""
from __future__ import annotations

import pytest

from .conftest import event

NEW_POLICY = 'policy "Other"\ntimezone Asia/Shanghai\nrule small: auto-refund refunds up to ¥30\n'

#: (method, path, role it needs, body): every endpoint that takes a token.
ENDPOINTS = [
    ("POST", "/v1/decisions", "decide", event()),
    ("GET", "/v1/decisions/AS-1001", "read", None),
    ("GET", "/v1/decisions/AS-1001/explanation?lang=en", "read", None),
    ("GET", "/v1/decisions?limit=5", "read", None),
    ("POST", "/v1/policies", "publish", {"policy": NEW_POLICY}),
    ("GET", "/v1/policies", "read", None),
    ("POST", "/v1/policies/{sha}/activate", "publish", None),
]
ALL_ROLES = {"decide", "read", "publish"}


def call(client, method, path, body, headers, sha="0" * 64):
    return client.request(method, path.format(sha=sha), json=body, headers=headers)


@pytest.mark.parametrize("method,path,needs,body", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_every_endpoint_wants_a_valid_token_with_its_role(client, token, log, method, path, needs, body):
    for headers in ({}, {"Authorization": "Bearer as_" + "A" * 43}, {"Authorization": "Bearer nonsense"},
                    {"Authorization": "Basic dXNlcjpwYXNz"}):
        answer = call(client, method, path, body, headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"
    lacking = token("tea-house", *sorted(ALL_ROLES - {needs}))
    answer = call(client, method, path, body, lacking)
    assert answer.status_code == 403 and needs in answer.json()["message"]
    assert log.count() == 0 and log.versions("tea-house") == []


def test_a_token_never_reads_or_changes_another_stores_decisions_or_policies(client, token, service):
    mine, theirs = token("tea-house"), token("other-store")
    assert client.post("/v1/decisions", json=event(), headers=mine).status_code == 201
    published = client.post("/v1/policies", json={"policy": NEW_POLICY}, headers=mine)
    assert published.status_code == 201
    sha = published.json()["sha256"]
    # request ids: 404 for the other store, as if the request did not exist
    assert client.get("/v1/decisions/AS-1001", headers=theirs).status_code == 404
    assert client.get("/v1/decisions/AS-1001/explanation", headers=theirs).status_code == 404
    assert client.get("/v1/decisions", headers=theirs).json()["records"] == []
    # policies: not listed, not activatable, and the other store keeps deciding with the service's policy
    listed = client.get("/v1/policies", headers=theirs).json()
    assert listed["versions"] == [] and listed["active"] == service.default_sha
    assert client.post(f"/v1/policies/{sha}/activate", headers=theirs).status_code == 404
    # the same request id at the same moment is another store's own request, decided on its own
    answer = client.post("/v1/decisions", json=event(), headers=theirs)
    assert answer.status_code == 201 and answer.json()["policy_sha256"] == service.default_sha
    mine_now = client.get("/v1/decisions/AS-1001", headers=mine).json()["records"]
    assert len(mine_now) == 1 and mine_now[0]["store"] == "tea-house"


def test_token_create_prints_a_token_once_and_keeps_only_its_hash(tmp_path):
    import hashlib
    import sqlite3

    from click.testing import CliRunner

    from aftersale.cli import cli
    from aftersale.decision.log import DecisionLog, hash_token

    url = f"sqlite:///{tmp_path / 'log.db'}"
    result = CliRunner().invoke(cli, ["token", "create", "--store", "s1", "--role", "read", "--db", url])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert DecisionLog(url).principal(secret).store == "s1"
    rows = sqlite3.connect(tmp_path / "log.db").execute("SELECT token_sha256, roles FROM tokens").fetchall()
    assert rows == [(hash_token(secret), "read")] and secret not in repr(rows)
    assert hash_token(secret) != hashlib.sha256(secret.encode()).hexdigest()  # the secret's bytes, not its text
    bad = CliRunner().invoke(cli, ["token", "create", "--store", "s/1", "--role", "read", "--db", url])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
