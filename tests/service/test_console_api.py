"""The endpoints the web console reads, the console's page and its words (no browser needed)."""
from __future__ import annotations

import re

from aftersale.service.console import STATIC, words
from aftersale.service.history import MAX_HISTORY_BYTES
from aftersale.simulate import simulate

from .conftest import POLICIES, event, inline_tests

SHADOWED = (POLICIES / "tea-house.policy").read_text(encoding="utf-8") + \
    "rule extra: auto-approve no-reason returns under ¥100 during off-hours\n"
HISTORY = POLICIES / "events" / "history.jsonl"


def publish(client, headers, text=SHADOWED, tests=None):
    answer = client.post("/v1/policies", json={"policy": text, "tests": tests}, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["sha256"]


def test_a_version_comes_with_its_text_and_lint_findings(client, token):
    headers = token()
    sha = publish(client, headers)
    body = client.get(f"/v1/policies/{sha}", headers=headers).json()
    assert body["text"] == SHADOWED and body["format"] == "dsl" and body["tests"] is None
    [found] = [f for f in body["findings"] if f["name"] == "shadowed-rule"]
    assert (found["severity"], found["rule"], found["docs"]) == ("warning", "extra", "docs/lint/shadowed-rule.md")
    assert SHADOWED.splitlines()[found["line"] - 1].startswith("rule extra")


def test_versions_are_the_stores_own(client, token):
    sha = publish(client, token("tea-house"))
    other = token("other-store")
    for path in (f"/v1/policies/{sha}", f"/v1/policies/{sha}/tests"):
        assert client.get(path, headers=other).status_code == 404
        assert client.get(path, headers=token("tea-house", "decide")).status_code == 403
        assert client.get(path).status_code == 401
    answer = client.post("/v1/simulations", json={"events": HISTORY.read_text(encoding="utf-8"), "policy": sha},
                         headers=other)
    assert answer.status_code == 404


def test_the_published_tests_run_again_case_by_case(client, token):
    headers = token()
    tests = inline_tests()
    sha = publish(client, headers, tests=tests)
    body = client.get(f"/v1/policies/{sha}/tests", headers=headers).json()
    assert body["tested"] and body["errors"] == []
    names = [c["case"] for c in body["cases"]]
    assert len(names) == tests.count("- name:") and {c["status"] for c in body["cases"]} == {"pass"}
    untested = publish(client, headers, text=SHADOWED + "\n")
    assert client.get(f"/v1/policies/{untested}/tests", headers=headers).json() == {
        "tested": False, "errors": [], "cases": []}


def test_simulate_of_a_sent_history_counts_as_the_command_does(client, token, service, tmp_path):
    headers = token()
    sha = publish(client, headers)
    answer = client.post("/v1/simulations", json={"events": HISTORY.read_text(encoding="utf-8"),
                                                  "baseline": service.default_sha}, headers=headers)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    policy_file = tmp_path / "shadowed.policy"
    policy_file.write_text(SHADOWED, encoding="utf-8")
    expected = simulate(str(policy_file), str(HISTORY), str(POLICIES / "tea-house.policy"), jobs=1)
    assert report["policy"]["sha256"] == sha
    assert report["actions"] == expected["actions"] and report["rules"] == expected["rules"]
    assert report["changes"]["matrix"] == expected["changes"]["matrix"]
    assert report["events"]["file"] == "<upload>"


def test_simulate_refuses_large_histories_and_unknown_versions(client, token):
    headers = token()
    big = client.post("/v1/simulations", json={"events": "x" * (MAX_HISTORY_BYTES + 1)}, headers=headers)
    assert big.status_code == 413 and big.json()["error"] == "too-large"
    unknown = client.post("/v1/simulations", json={"events": "", "baseline": "0" * 64}, headers=headers)
    assert unknown.status_code == 404
    bad = client.post("/v1/simulations", json={"events": "", "baseline": "../x"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["diagnostics"][0]["path"] == "baseline"
    lines = client.post("/v1/simulations", json={"events": '{"id": 1}\n\n'}, headers=headers).json()["events"]
    assert (lines["lines"], lines["bad"], lines["blank"]) == (2, 1, 1)


def test_search_by_request_id_explains_each_record(client, token):
    headers = token()
    for event_id in ("AS-1", "AS-2"):
        client.post("/v1/decisions", json=event(event_id), headers=headers)
    for lang in ("zh", "en"):
        body = client.get("/v1/decisions", params={"id": "AS-2", "lang": lang}, headers=headers).json()
        [found] = body["records"]
        expected = client.get(f"/v1/decisions/AS-2/explanation?lang={lang}", headers=headers).text
        assert found["event_id"] == "AS-2" and found["explanation"] + "\n" == expected
        assert found["explanation_lang"] == lang
    plain = client.get("/v1/decisions", params={"id": "AS-1"}, headers=headers).json()["records"][0]
    assert "explanation" not in plain
    assert client.get("/v1/decisions", params={"id": "AS-1"}, headers=token("other-store")).json()["records"] == []


def test_me_names_the_tokens_store_and_roles(client, token):
    assert client.get("/v1/me", headers=token("s9", "read")).json() == {"store": "s9", "roles": ["read"]}
    assert client.get("/v1/me").status_code == 401


def test_the_page_loads_only_this_origins_files(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    html = page.text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(re.search(r'src="/console/', attrs) and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", html) and "style=" not in html and "http" not in html
    for name, kind in (("console.js", "text/javascript"), ("console.css", "text/css")):
        asset = client.get(f"/console/{name}")
        assert asset.headers["content-type"].startswith(kind) and "content-security-policy" in asset.headers
    assert client.get("/console/index.html").status_code == 404
    assert client.get("/console/..%2Fapp.py").status_code == 404
    assert client.get("/console/i18n/fr.json").status_code == 404


def test_the_script_never_parses_text_as_html(client):
    script = (STATIC / "console.js").read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", script)
    assert "localStorage" not in script and "?token" not in script


def test_every_word_the_console_uses_is_in_both_catalogs(client):
    en, zh = words("en"), words("zh")
    assert en.keys() == zh.keys()
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    script = (STATIC / "console.js").read_text(encoding="utf-8")
    used = set(re.findall(r'data-i18n="([^"]+)"', html)) | set(re.findall(r'\bt\("([a-z.]*[a-z])"', script))
    prefixes = set(re.findall(r'\bt\("([a-z.]+\.)" \+', script))
    assert used and used <= en.keys(), used - en.keys()
    assert all(any(k.startswith(p) for k in en) for p in prefixes), prefixes
    served = client.get("/console/i18n/zh.json").json()
    assert served["words"] == zh and "approve_return" in served["actions"]
