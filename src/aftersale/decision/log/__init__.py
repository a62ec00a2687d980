"""The decision log: every decision the service made, behind one repository class.

SQLite by default (one file, WAL, a write transaction is `BEGIN IMMEDIATE`, so
writers take turns), PostgreSQL for several service processes (a per-store lock
row taken with `SELECT ... FOR UPDATE`, due rechecks claimed with `FOR UPDATE
SKIP LOCKED`). The schema is created and upgraded by the Alembic migrations
shipped in `migrations/`, run when a log is opened.

Needs the `serve` extra (SQLAlchemy, Alembic; psycopg for PostgreSQL).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, make_url

from .tables import MICROS, active_policies, decisions, platform_credentials, policies, store_locks, tokens

from .. import DEFAULT_DB as DEFAULT_URL
ROLES = ("decide", "read", "publish")
MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_304_213  # pg_advisory_xact_lock key: one process migrates at a time


def engine_url(url: str) -> str:
    """SQLAlchemy's URL for `url`: `postgresql://` and `postgres://` use psycopg (version 3)."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def hash_token(token: str) -> str | None:
    """sha256 (hex) of the token's 32-byte secret, or None when `token` is not one of ours."""
    if not token.startswith("as_"):
        return None
    try:
        secret = base64.urlsafe_b64decode(token[3:] + "=")
    except (binascii.Error, ValueError):
        return None
    return hashlib.sha256(secret).hexdigest() if len(secret) == 32 else None


def to_micros(amount: Decimal) -> int:
    """Whole millionths, rounded up (a budget never counts less than was refunded)."""
    return int((amount * MICROS).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class PlatformCredentials:
    """One store's app on a platform: what verifies its pushes (the secret never shows in a repr)."""

    platform: str
    app_key: str
    shop_id: str
    store: str
    app_secret: str = field(repr=False)


@dataclass(frozen=True)
class Principal:
    """Who a token speaks for: one store, and what it may do there."""

    store: str
    roles: frozenset[str]


def entry(row: Any) -> dict[str, Any]:
    """A stored decision as the service answers it: the log's own fields and the decision record."""
    record = json.loads(row.record)
    return {
        "decision_id": row.decision_id,
        "store": row.store,
        "event_id": row.event_id,
        "at": record.get("at"),
        "trigger": row.trigger,
        "decided_at": row.decided_at.isoformat(),
        "policy_sha256": row.policy_sha256,
        "recheck_at": row.recheck_at.isoformat() if row.recheck_at else None,
        "record": record,
    }


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    """The position a cursor names, or None when it is not one this log gave out."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    kind, _, number = text.partition(":")
    return int(number) if kind == "seq" and number.isdigit() and len(number) < 19 else None


class DecisionLog:
    """The repository: tokens, policy versions and decisions of every store, in one database."""

    def __init__(self, url: str = DEFAULT_URL, *, migrate: bool = True):
        self.url = url
        parsed = make_url(engine_url(url))
        self.dialect = parsed.get_backend_name()
        #: SQLite has one writer: this process's writers queue here, in order, instead of in SQLite's
        #: busy handler, which sleeps and retries (seconds of tail latency under load).
        self._write_lock = threading.Lock() if parsed.get_backend_name() == "sqlite" else None
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(parsed, immediate=True)
            self.reader = _sqlite_engine(parsed, immediate=False)
        else:
            self.engine = self.reader = create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)
        if migrate:
            self.migrate()

    @classmethod
    def open(cls, url: str, *, must_exist: bool = False) -> "DecisionLog":
        """For commands: a bad URL, a missing SQLite file (with `must_exist`) or an unreachable database
        becomes AftersaleError (exit code 2) naming the URL without its password."""
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError

        from ...diagnostics import AftersaleError, Diagnostic, ERROR
        from ...source import Span

        def refuse(message: str) -> AftersaleError:
            return AftersaleError(Diagnostic("invalid-db", ERROR, message, Span("--db", 1, 1, 1, 1)))

        try:
            parsed = make_url(engine_url(url))
        except ArgumentError:
            raise refuse(f"`{url}` is not a database URL (sqlite:///FILE or postgresql://...)") from None
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise refuse(f"`{shown}`: the decision log is SQLite or PostgreSQL")
        if must_exist and parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            raise refuse(f"no decision log at `{parsed.database}` (start `aftersale serve` with this --db first)")
        try:
            return cls(url)
        except (SQLAlchemyError, ImportError, OSError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
            raise refuse(f"cannot open the decision log `{shown}`: {reason}") from None

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration (safe to run from several processes)."""
        from alembic import command
        from alembic.config import Config

        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite, after this process's earlier writers)."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    # -- tokens ------------------------------------------------------------------

    def create_token(self, store: str, roles: list[str], now: datetime) -> str:
        """A new token for `store` with `roles`: returned once, only its hash is kept."""
        secret = secrets.token_bytes(32)
        token = "as_" + base64.urlsafe_b64encode(secret).decode().rstrip("=")
        with self._write() as conn:
            conn.execute(insert(tokens).values(token_sha256=hashlib.sha256(secret).hexdigest(), store=store,
                                               roles=",".join(sorted(set(roles))), created_at=now))
        return token

    def principal(self, token: str) -> Principal | None:
        digest = hash_token(token)
        if digest is None:
            return None
        with self.reader.connect() as conn:
            row = conn.execute(select(tokens.c.store, tokens.c.roles).where(tokens.c.token_sha256 == digest)).first()
        return Principal(row.store, frozenset(row.roles.split(","))) if row else None

    # -- policy versions ---------------------------------------------------------

    def publish(self, store: str, sha256: str, name: str, format: str, text: str, tests: str | None,
                now: datetime, activate: bool) -> None:
        with self._write() as conn:
            self._lock_store(conn, store)
            known = conn.execute(select(policies.c.sha256).where(
                policies.c.store == store, policies.c.sha256 == sha256)).first()
            if known is None:
                conn.execute(insert(policies).values(store=store, sha256=sha256, name=name, format=format,
                                                     text=text, tests=tests, published_at=now))
            if activate:
                self._set_active(conn, store, sha256, now)

    def versions(self, store: str) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            rows = conn.execute(select(policies.c.sha256, policies.c.name, policies.c.format,
                                       policies.c.published_at, policies.c.tests.is_not(None).label("tested"))
                                .where(policies.c.store == store).order_by(policies.c.published_at.desc())).all()
        return [{"sha256": r.sha256, "name": r.name, "format": r.format, "published_at": r.published_at.isoformat(),
                 "tested": bool(r.tested)} for r in rows]

    def policy_text(self, store: str, sha256: str) -> tuple[str, str] | None:
        """(format, text) of one of the store's versions."""
        with self.reader.connect() as conn:
            row = conn.execute(select(policies.c.format, policies.c.text).where(
                policies.c.store == store, policies.c.sha256 == sha256)).first()
        return (row.format, row.text) if row else None

    def policy_tests(self, store: str, sha256: str) -> str | None:
        """The tests one of the store's versions was published with (None: none, or no such version)."""
        with self.reader.connect() as conn:
            return conn.execute(select(policies.c.tests).where(
                policies.c.store == store, policies.c.sha256 == sha256)).scalar()

    def active(self, store: str) -> str | None:
        """The sha256 of the store's active version; None while it uses the service's policy."""
        with self.reader.connect() as conn:
            return _active(conn, store)

    def activate(self, store: str, sha256: str | None, now: datetime) -> None:
        """Make `sha256` the store's active version (None: back to the service's policy)."""
        with self._write() as conn:
            self._lock_store(conn, store)
            if sha256 is None:
                conn.execute(active_policies.delete().where(active_policies.c.store == store))
            else:
                self._set_active(conn, store, sha256, now)

    def _set_active(self, conn: Connection, store: str, sha256: str, now: datetime) -> None:
        done = conn.execute(update(active_policies).where(active_policies.c.store == store)
                            .values(sha256=sha256, activated_at=now))
        if done.rowcount == 0:
            conn.execute(insert(active_policies).values(store=store, sha256=sha256, activated_at=now))

    # -- decisions ---------------------------------------------------------------

    @contextmanager
    def writing(self, store: str) -> Iterator["StoreTransaction"]:
        """One write transaction holding `store`'s lock: read counters, decide, insert, commit."""
        with self._write() as conn:
            self._lock_store(conn, store)
            yield StoreTransaction(conn, store)

    def _lock_store(self, conn: Connection, store: str) -> None:
        if self.dialect != "postgresql":
            return  # SQLite: BEGIN IMMEDIATE already holds the only write lock
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(store_locks).values(store=store).on_conflict_do_nothing())
        conn.execute(select(store_locks.c.store).where(store_locks.c.store == store).with_for_update())

    def find(self, store: str, event_id: str, at: datetime, trigger: str = "event") -> Any:
        with self.reader.connect() as conn:
            return _find(conn, store, event_id, at, trigger)

    def records(self, store: str | None, event_id: str) -> list[dict[str, Any]]:
        """Every record of one request, newest first."""
        query = select(decisions).where(decisions.c.event_id == event_id)
        if store is not None:
            query = query.where(decisions.c.store == store)
        with self.reader.connect() as conn:
            rows = conn.execute(query.order_by(decisions.c.at.desc(), decisions.c.seq.desc())).all()
        return [entry(r) for r in rows]

    def search(self, store: str | None, *, event_id: str | None = None, action: str | None = None,
               rule: str | None = None,
               since: datetime | None = None, until: datetime | None = None, limit: int = 50,
               before: int | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """Records newest first (by when they were stored), `limit` at a time; and the next page's cursor.

        `since` is inclusive and `until` exclusive, on the records' `at`; `before` is a decoded cursor.
        """
        query = select(decisions)
        for column, value in ((decisions.c.store, store), (decisions.c.event_id, event_id),
                              (decisions.c.action, action), (decisions.c.rule, rule)):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(decisions.c.at >= since)
        if until is not None:
            query = query.where(decisions.c.at < until)
        if before is not None:
            query = query.where(decisions.c.seq < before)
        with self.reader.connect() as conn:
            rows = conn.execute(query.order_by(decisions.c.seq.desc()).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [entry(r) for r in rows], (encode_cursor(rows[-1].seq) if more else None)

    def due(self, now: datetime, limit: int = 100) -> list[tuple[int, str]]:
        """(seq, store) of records whose recheck time has come and that nobody rechecked yet."""
        with self.reader.connect() as conn:
            rows = conn.execute(select(decisions.c.seq, decisions.c.store)
                                .where(decisions.c.recheck_at <= now, decisions.c.recheck_state.is_(None))
                                .order_by(decisions.c.recheck_at, decisions.c.seq).limit(limit)).all()
        return [(r.seq, r.store) for r in rows]

    @contextmanager
    def claim(self, seq: int, store: str) -> Iterator[tuple["StoreTransaction", Any] | None]:
        """Claim one due record for a recheck, in a transaction holding its store's lock.

        Yields (transaction, row), or None when another process claimed it first. PostgreSQL skips
        a row another transaction holds (`FOR UPDATE SKIP LOCKED`); SQLite's single writer claims with
        `UPDATE ... WHERE recheck_state IS NULL`. The record is marked done in the same transaction
        that stores the recheck's decision, so a crash in between leaves it due, never lost.
        """
        with self._write() as conn:
            self._lock_store(conn, store)
            pending = (decisions.c.seq == seq) & decisions.c.recheck_state.is_(None)
            if self.dialect == "postgresql":
                row = conn.execute(select(decisions).where(pending).with_for_update(skip_locked=True)).first()
                if row is not None:
                    conn.execute(update(decisions).where(decisions.c.seq == seq).values(recheck_state="done"))
            else:
                claimed = conn.execute(update(decisions).where(pending).values(recheck_state="done")).rowcount
                row = conn.execute(select(decisions).where(decisions.c.seq == seq)).first() if claimed else None
            yield (StoreTransaction(conn, store), row) if row is not None else None

    def count(self, store: str | None = None) -> int:
        query = select(func.count()).select_from(decisions)
        if store is not None:
            query = query.where(decisions.c.store == store)
        with self.reader.connect() as conn:
            return conn.execute(query).scalar_one()

    # -- platform credentials ----------------------------------------------------

    def add_platform_credentials(self, found: PlatformCredentials, now: datetime) -> bool:
        """Keep a store's app on a platform (replacing the same app and shop's); True if it was new."""
        key = ((platform_credentials.c.platform == found.platform) & (platform_credentials.c.app_key == found.app_key)
               & (platform_credentials.c.shop_id == found.shop_id))
        values = {"store": found.store, "app_secret": found.app_secret, "added_at": now}
        with self._write() as conn:
            if conn.execute(update(platform_credentials).where(key).values(**values)).rowcount:
                return False
            conn.execute(insert(platform_credentials).values(platform=found.platform, app_key=found.app_key,
                                                             shop_id=found.shop_id, **values))
        return True

    def platform_credentials(self, platform: str, app_key: str | None = None) -> list[PlatformCredentials]:
        """The apps registered on `platform` (only `app_key`'s when given), in a stable order."""
        query = select(platform_credentials).where(platform_credentials.c.platform == platform)
        if app_key is not None:
            query = query.where(platform_credentials.c.app_key == app_key)
        with self.reader.connect() as conn:
            rows = conn.execute(query.order_by(platform_credentials.c.app_key, platform_credentials.c.shop_id)).all()
        return [PlatformCredentials(r.platform, r.app_key, r.shop_id, r.store, r.app_secret) for r in rows]

    def latest_event(self, store: str, event_id: str, before: datetime) -> str | None:
        """The text of the request's newest event (as sent) with `at` before `before`, if any."""
        with self.reader.connect() as conn:
            return conn.execute(select(decisions.c.event).where(
                decisions.c.store == store, decisions.c.event_id == event_id, decisions.c.at < before,
                decisions.c.trigger == "event").order_by(decisions.c.at.desc(), decisions.c.seq.desc())
                .limit(1)).scalar()


class StoreTransaction:
    """What a decision reads and writes while its store is locked."""

    def __init__(self, conn: Connection, store: str):
        self.conn = conn
        self.store = store

    def find(self, event_id: str, at: datetime, trigger: str = "event") -> Any:
        return _find(self.conn, self.store, event_id, at, trigger)

    def active(self) -> str | None:
        return _active(self.conn, self.store)

    def refunded(self, start: datetime, end: datetime) -> Decimal:
        """Money the store's rules approved for requests decided in [start, end)."""
        total = self.conn.execute(select(func.coalesce(func.sum(decisions.c.refunded_micros), 0)).where(
            decisions.c.store == self.store, decisions.c.at >= start, decisions.c.at < end)).scalar_one()
        return Decimal(int(total)) / MICROS

    def was_refunded(self, event_id: str) -> bool:
        """Whether an earlier decision of this request already approved (and counted) its money."""
        return self.conn.execute(select(decisions.c.seq).where(
            decisions.c.store == self.store, decisions.c.event_id == event_id,
            decisions.c.refunded_micros > 0).limit(1)).first() is not None

    def requests(self, buyer_id: str, start: datetime, end: datetime, other_than: str) -> int:
        """Distinct requests of one buyer at this store with a record in (start, end], `other_than` aside."""
        return self.conn.execute(select(func.count(func.distinct(decisions.c.event_id))).where(
            decisions.c.store == self.store, decisions.c.buyer_id == buyer_id, decisions.c.at > start,
            decisions.c.at <= end, decisions.c.event_id != other_than)).scalar_one()

    def insert(self, **values: Any) -> dict[str, Any]:
        """Store one decision; older pending rechecks of the same request are superseded by it."""
        values["store"] = self.store
        seq = self.conn.execute(insert(decisions).values(**values).returning(decisions.c.seq)).scalar_one()
        self.conn.execute(update(decisions).where(
            decisions.c.store == self.store, decisions.c.event_id == values["event_id"], decisions.c.seq != seq,
            decisions.c.at <= values["at"], decisions.c.recheck_at.is_not(None),
            decisions.c.recheck_state.is_(None)).values(recheck_state="superseded"))
        return entry(self.conn.execute(select(decisions).where(decisions.c.seq == seq)).one())


def _find(conn: Connection, store: str, event_id: str, at: datetime, trigger: str) -> Any:
    return conn.execute(select(decisions).where(
        decisions.c.store == store, decisions.c.event_id == event_id, decisions.c.at == at,
        decisions.c.trigger == trigger)).first()


def _active(conn: Connection, store: str) -> str | None:
    return conn.execute(select(active_policies.c.sha256).where(active_policies.c.store == store)).scalar()


def _sqlite_engine(url, *, immediate: bool) -> Engine:
    """A SQLite engine in WAL mode whose transactions start with BEGIN IMMEDIATE (writers) or BEGIN."""
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                           pool_size=8, max_overflow=16, pool_timeout=60)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # the driver's own BEGIN would be DEFERRED: we send ours
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # committed means on disk, even on power loss
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


__all__ = ["DecisionLog", "PlatformCredentials", "Principal", "StoreTransaction", "DEFAULT_URL", "ROLES", "decode_cursor",
           "encode_cursor", "engine_url", "entry", "hash_token", "to_micros"]
