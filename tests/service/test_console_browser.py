"""The web console in a real browser: headless Chromium driven by Selenium, against the app served
by uvicorn on a free loopback port. Skipped when Chromium or its driver is absent
(Debian: `apt-get install -y chromium chromium-driver`).

AFTERSALE_CONSOLE_SCREENSHOTS=DIR saves a screenshot of each view in each language there.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone

import pytest

from aftersale.decision.log import DecisionLog
from aftersale.service.app import create_app
from aftersale.service.core import DecisionService

from .conftest import POLICIES, event, inline_tests

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="no Chromium: apt-get install -y chromium chromium-driver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra: pip install -e '.[test]'")
from selenium.common.exceptions import StaleElementReferenceException, NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

HOSTILE = "<img src=x onerror=alert(1)>"
#: The Tea House policy with a rule `off-hours` shadows: lint warns, the service still publishes it.
SHADOWED = (POLICIES / "tea-house.policy").read_text(encoding="utf-8") + \
    "rule extra: auto-approve no-reason returns under ¥100 during off-hours\n"
SHOTS = os.environ.get("AFTERSALE_CONSOLE_SCREENSHOTS")


class Server:
    """The service's app under uvicorn on 127.0.0.1, a free port, in a thread of the test process."""

    def __init__(self, service: DecisionService):
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(service, recheck_every=None), log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def call(self, method: str, path: str, token: str, body: object = None):
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            text = answer.read().decode("utf-8")
            return json.loads(text) if answer.headers.get_content_type() == "application/json" else text


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(server, token): a store that published the shadowed policy with its tests and decided two events."""
    folder = tmp_path_factory.mktemp("console")
    log = DecisionLog(f"sqlite:///{folder / 'log.db'}")
    service = DecisionService(log, (POLICIES / "tea-house.policy").read_text(encoding="utf-8"), "dsl",
                              "policies/tea-house.policy")
    token = log.create_token("tea-house", ["decide", "read", "publish"], datetime.now(timezone.utc))
    with Server(service) as server:
        server.call("POST", "/v1/policies", token, {"policy": SHADOWED, "tests": inline_tests()})
        server.call("POST", "/v1/decisions", token, event("AS-1001"))
        server.call("POST", "/v1/decisions", token, event(HOSTILE))
        yield server, token
    log.close()


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="aftersale-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,1000",
                 "--lang=en-US"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def text_of(driver, selector: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, selector).text


def shot(driver, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def shown_ids(driver) -> list[str]:
    """The request ids the log view shows, read in one step (the view is rebuilt as answers arrive)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#log-results .event-id')].map(e => e.textContent)")


def set_lang(driver, lang: str) -> None:
    Select(driver.find_element(By.ID, "lang")).select_by_value(lang)
    wait(driver, lambda d: d.execute_script("return document.documentElement.lang").startswith(lang))


def tab(driver, view: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'[data-view="{view}"]').click()


@pytest.fixture(scope="module")
def console(site, browser):
    """The browser, signed in to the console with the store's token."""
    server, token = site
    browser.get(server.url + "/")
    field = wait(browser, lambda d: d.find_element(By.ID, "token") if d.find_element(By.ID, "login").is_displayed()
                 else None)
    set_lang(browser, "en")
    shot(browser, "login-en")
    field.send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "#login-form button").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#source .line"))
    return browser


def test_the_token_is_asked_once_and_kept_in_the_tab_only(site, console):
    server, token = site
    assert console.execute_script("return sessionStorage.getItem('aftersale.token')") == token
    assert console.execute_script("return localStorage.length") == 0
    assert token not in console.current_url and "aftersale" in text_of(console, "#who") or "tea-house" in text_of(console, "#who")
    console.refresh()  # the same tab: signed in again without asking
    wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, "#source .line"))
    assert not console.find_element(By.ID, "login").is_displayed()


def test_the_active_policy_shows_lint_marks_on_their_lines(site, console):
    server, token = site
    tab(console, "policy")
    versions = server.call("GET", "/v1/policies", token)
    findings = server.call("GET", f"/v1/policies/{versions['active']}", token)["findings"]
    shadowed = next(f for f in findings if f["name"] == "shadowed-rule")
    line = console.find_element(By.CSS_SELECTOR, f'#source .line[data-line="{shadowed["line"]}"]')
    assert "mark-warning" in line.get_attribute("class") and "rule extra" in line.text
    note = line.find_element(By.XPATH, "following-sibling::div[1]")
    assert "sev-warning" in note.get_attribute("class")
    assert shadowed["message"] in note.text and "docs/lint/shadowed-rule.md" in note.text
    rows = console.find_elements(By.CSS_SELECTOR, "#versions tbody tr")
    assert len(rows) == len(versions["versions"]) + 1  # the store's, and the service's own policy
    assert len(console.find_elements(By.CSS_SELECTOR, "[data-activate]")) == 1  # every version but the active
    shot(console, "policy-en")
    set_lang(console, "zh")
    assert "警告" in text_of(console, "#lint-summary") and "源码" in text_of(console, "#view-policy")
    shot(console, "policy-zh")
    set_lang(console, "en")


def test_the_published_tests_run_again_and_pass(site, console):
    tab(console, "tests")
    console.find_element(By.ID, "tests-run").click()
    wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, "#tests-list .case"))
    cases = console.find_elements(By.CSS_SELECTOR, "#tests-list .case")
    assert len(cases) == len(__import__("yaml").safe_load(inline_tests())["cases"])
    assert all("pass" in c.get_attribute("class").split() for c in cases)
    assert text_of(console, "#tests-summary") == f"{len(cases)} passed, 0 failed"
    shot(console, "tests-en")
    set_lang(console, "zh")
    console.find_element(By.ID, "tests-run").click()
    wait(console, lambda d: "通过" in text_of(d, "#tests-summary"))
    shot(console, "tests-zh")
    set_lang(console, "en")


def test_simulate_draws_bars_for_actions_and_rules(site, console):
    server, token = site
    tab(console, "simulate")
    versions = server.call("GET", "/v1/policies", token)
    Select(console.find_element(By.ID, "baseline")).select_by_value(versions["service_default"]["sha256"])
    console.find_element(By.ID, "history").send_keys(str(POLICIES / "events" / "history.jsonl"))
    console.find_element(By.CSS_SELECTOR, "#simulate-form button").click()
    wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, "#charts svg rect.bar"))
    report = server.call("POST", "/v1/simulations", token, {
        "events": (POLICIES / "events" / "history.jsonl").read_text(encoding="utf-8"),
        "baseline": versions["service_default"]["sha256"]})
    first = console.find_elements(By.CSS_SELECTOR, "#charts figure")[0]
    labels = [e.text for e in first.find_elements(By.CSS_SELECTOR, "text.label")]
    actions = {a["action"] for a in report["actions"]} | {a["action"] for a in report["baseline"]["actions"]}
    assert sorted(labels) == sorted(actions)
    bars = first.find_elements(By.CSS_SELECTOR, "rect.bar.s0")
    counts = {a["action"]: a["count"] for a in report["actions"]}
    widths = {label: float(bar.get_attribute("width")) for label, bar in zip(labels, bars)}
    biggest = max(counts, key=counts.get)
    assert widths[biggest] == max(widths.values()) > 0
    assert len(first.find_elements(By.CSS_SELECTOR, "rect.bar.s1")) == len(labels)  # the baseline's bars
    assert f"{report['events']['decided']} requests decided" in text_of(console, "#simulate-summary")
    shot(console, "simulate-en")
    set_lang(console, "zh")
    assert "各处理方式的请求数" in text_of(console, "#charts")
    shot(console, "simulate-zh")
    set_lang(console, "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_request_id_finds_its_record_with_the_explanation(site, console, lang):
    server, token = site
    tab(console, "log")
    set_lang(console, lang)
    field = console.find_element(By.ID, "log-id")
    field.clear()
    field.send_keys("AS-1001")
    console.find_element(By.CSS_SELECTOR, "#log-form button").click()
    wait(console, lambda d: shown_ids(d) == ["AS-1001"])
    expected = server.call("GET", f"/v1/decisions/AS-1001/explanation?lang={lang}", token).strip()

    def explanation(d):
        """The first record's explanation, read afresh (the list may be drawn again, e.g. after a language
        switch, which makes elements found earlier stale)."""
        try:
            records = d.find_elements(By.CSS_SELECTOR, "#log-results .record")
            return records[0].find_element(By.CSS_SELECTOR, ".explanation").get_attribute("textContent") \
                if records else None
        except StaleElementReferenceException:
            return None

    wait(console, lambda d: (explanation(d) or "").strip() == expected)
    shown = explanation(console)
    assert ("已自动同意" if lang == "zh" else "Approved the return") in shown
    shot(console, f"log-{lang}")


def test_a_hostile_request_id_is_shown_as_text(site, console):
    tab(console, "log")
    set_lang(console, "en")
    field = console.find_element(By.ID, "log-id")
    field.clear()
    field.send_keys(HOSTILE)
    console.find_element(By.CSS_SELECTOR, "#log-form button").click()
    wait(console, lambda d: shown_ids(d) == [HOSTILE])
    assert console.find_elements(By.CSS_SELECTOR, "#log-results img") == []
    assert HOSTILE in console.find_element(By.CSS_SELECTOR, "#log-results .explanation").get_attribute("textContent")
    with pytest.raises(NoAlertPresentException):
        console.switch_to.alert.text  # noqa: B018 - the onerror handler never ran
    shot(console, "log-hostile")
