"""Policy versions: published only when lint finds no error and the tests pass; activate any version."""
from __future__ import annotations

from .conftest import event

SMALL = """policy "Small refunds"
timezone Asia/Shanghai
rule small: auto-refund refunds up to ¥30
"""
SHADOWED = """policy "Broken"
timezone Asia/Shanghai
rule any: auto-refund refunds up to ¥300
rule any: auto-refund refunds up to ¥30
"""
REFUND = {"id": "T-1", "platform": "douyin", "at": "2026-11-21T10:00:00+08:00",
          "request": {"kind": "refund_only", "reason": "lost", "amount": "12.00",
                      "created_at": "2026-11-21T09:00:00+08:00", "status": "pending_merchant"},
          "order": {"paid_amount": "12.00"}}


def case_file(action: str) -> str:
    import json

    return (f"policy: ignored.policy\nbase_event: {json.dumps(REFUND)}\ncases:\n"
            f"  - name: a ¥12 refund\n    expect: {{action: {action}, rule: small}}\n")


def test_a_clean_policy_with_passing_tests_is_published_and_decides(client, token):
    headers = token()
    answer = client.post("/v1/policies", json={"policy": SMALL, "tests": case_file("approve_refund")},
                         headers=headers)
    assert answer.status_code == 201, answer.text
    sha = answer.json()["sha256"]
    assert answer.json()["tests_passed"] == 1
    listed = client.get("/v1/policies", headers=headers).json()
    assert listed["active"] == sha and [v["sha256"] for v in listed["versions"]] == [sha]
    decided = client.post("/v1/decisions", json=dict(REFUND, id="R-1"), headers=headers).json()
    assert decided["policy_sha256"] == sha and decided["record"]["rule"] == "small"


def test_lint_errors_and_failing_tests_are_422_with_the_findings(client, token):
    headers = token()
    broken = client.post("/v1/policies", json={"policy": SHADOWED}, headers=headers)
    assert broken.status_code == 422
    assert any(d["severity"] == "error" and d["line"] == 4 for d in broken.json()["diagnostics"]), broken.text
    failing = client.post("/v1/policies", json={"policy": SMALL, "tests": case_file("reject")}, headers=headers)
    assert failing.status_code == 422 and failing.json()["error"] == "tests-failed"
    case = failing.json()["diagnostics"][0]
    assert case["case"] == "a ¥12 refund" and case["mismatches"][0]["actual"] == "approve_refund"
    syntax = client.post("/v1/policies", json={"policy": "policy \"x\"\nrule : nonsense\n"}, headers=headers)
    assert syntax.status_code == 422 and syntax.json()["diagnostics"][0]["line"] == 2
    assert client.get("/v1/policies", headers=headers).json()["versions"] == []


def test_tests_never_read_files_the_request_names(client, token):
    tests = "policy: x.policy\nbase_event: /etc/hostname.json\ncases:\n  - name: c\n    expect: {action: reject}\n"
    answer = client.post("/v1/policies", json={"policy": SMALL, "tests": tests}, headers=token())
    assert answer.status_code == 422 and "reads no files" in answer.json()["diagnostics"][0]["message"]


def test_activate_rolls_back_and_forward(client, token, service):
    headers = token()
    sha = client.post("/v1/policies", json={"policy": SMALL}, headers=headers).json()["sha256"]
    back = client.post(f"/v1/policies/{service.default_sha}/activate", headers=headers)
    assert back.status_code == 200
    assert client.post("/v1/decisions", json=event(), headers=headers).json()["policy_sha256"] == service.default_sha
    assert client.post(f"/v1/policies/{sha}/activate", headers=headers).status_code == 200
    later = event(at="2026-11-21T22:15:00+08:00")
    assert client.post("/v1/decisions", json=later, headers=headers).json()["policy_sha256"] == sha
    assert client.post(f"/v1/policies/{'f' * 64}/activate", headers=headers).status_code == 404
    assert client.post("/v1/policies/not-a-sha/activate", headers=headers).status_code == 422


def test_publishing_without_activating_keeps_the_active_version(client, token, service):
    headers = token()
    staged = client.post("/v1/policies", json={"policy": SMALL, "activate": False}, headers=headers)
    assert staged.status_code == 201
    listed = client.get("/v1/policies", headers=headers).json()
    assert listed["active"] == service.default_sha and listed["versions"][0]["active"] is False
