"""Fixtures for the decision service: a log on SQLite (always) and PostgreSQL (when one is given),
a clock the tests move, the service, and an HTTP client with tokens.

PostgreSQL: set AFTERSALE_TEST_POSTGRES=postgresql://USER@HOST:PORT/DB (`scripts/postgres.sh start DIR`
prints one); each test gets a database of its own, dropped afterwards.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the decision service needs the serve extra: pip install -e '.[test]'")

from aftersale.decision.log import DecisionLog  # noqa: E402
from aftersale.service.app import create_app  # noqa: E402
from aftersale.service.core import DecisionService  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
POSTGRES = os.environ.get("AFTERSALE_TEST_POSTGRES")
NO_POSTGRES = "no PostgreSQL server: set AFTERSALE_TEST_POSTGRES=postgresql://... (scripts/postgres.sh start DIR)"


class Clock:
    """The service's clock, moved by the tests instead of sleeping."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 21, 14, 14, tzinfo=timezone.utc))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty decision log's URL on each database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'log.db'}"
        return
    if not POSTGRES:
        pytest.skip(NO_POSTGRES)
    yield from _postgres_database()


def _postgres_database():
    import psycopg
    from sqlalchemy.engine import make_url

    from aftersale.decision.log import engine_url

    name = f"aftersale_t_{uuid.uuid4().hex[:12]}"
    admin = make_url(engine_url(POSTGRES))
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False).replace("+psycopg", "")
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def log(db_url):
    opened = DecisionLog(db_url)
    yield opened
    opened.close()


def make_service(log, clock, policy: str = "tea-house.policy", text: str | None = None):
    if text is None:
        text = (POLICIES / policy).read_text(encoding="utf-8")
    fmt = "yaml" if policy.endswith(".yaml") else "dsl"
    return DecisionService(log, text, fmt, f"policies/{policy}", clock=clock)


@pytest.fixture
def service(log, clock):
    return make_service(log, clock)


@pytest.fixture
def client(service):
    from fastapi.testclient import TestClient

    with TestClient(create_app(service, recheck_every=None)) as test_client:
        yield test_client


@pytest.fixture
def token(log, clock):
    """token(store, *roles) -> a header dict for that token."""
    def make(store: str = "tea-house", *roles: str) -> dict[str, str]:
        secret = log.create_token(store, list(roles or ("decide", "read", "publish")), clock())
        return {"Authorization": f"Bearer {secret}"}
    return make


def event(event_id: str = "AS-1001", at: str | None = None, **changes) -> dict:
    """The shipped AS-1001 event with another id, moment or top-level parts."""
    import json

    data = json.loads((POLICIES / "events" / "AS-1001.json").read_text(encoding="utf-8"))
    data["id"] = event_id
    if at is not None:
        data["at"] = at
    data.update(changes)
    return data


def inline_tests(name: str = "tea-house.tests.yaml") -> str:
    """A shipped test file with its events inlined, as `POST /v1/policies` takes tests (it reads no files)."""
    import json

    import yaml

    data = yaml.safe_load((POLICIES / name).read_text(encoding="utf-8"))

    def load(ref):
        return json.loads((POLICIES / ref).read_text(encoding="utf-8")) if isinstance(ref, str) else ref

    if "base_event" in data:
        data["base_event"] = load(data["base_event"])
    for case in data["cases"]:
        if "event" in case:
            case["event"] = load(case["event"])
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
