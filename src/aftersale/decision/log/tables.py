"""The decision log's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Times are stored as naive UTC (`UTCDateTime`), so they sort and compare the
same way on both databases and come back as aware datetimes. Money counted
for budgets is an integer of millionths (`MICROS`): sums stay exact where
SQLite has no decimal type.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.types import TypeDecorator

#: Money columns hold whole millionths of a currency unit (¥1 = 1_000_000).
MICROS = 10 ** 6

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """An aware datetime in, an aware UTC datetime out; stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the decision log stores aware datetimes only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # a raw SQLite value read without the type
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


#: An integer primary key that is SQLite's rowid there and a bigint identity on PostgreSQL.
SEQ = BigInteger().with_variant(Integer(), "sqlite")

decisions = Table(
    "decisions", metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("decision_id", String(36), nullable=False, unique=True),
    Column("store", String(100), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("trigger", String(10), nullable=False),          # event | recheck
    Column("content_sha256", String(64), nullable=False),   # of the event as sent (idempotency)
    Column("event", Text, nullable=False),                  # the event as sent, JSON
    Column("record", Text, nullable=False),                 # the decision record, JSON
    Column("action", String(32), nullable=False),
    Column("rule", String(100)),
    Column("policy_sha256", String(64), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("refunded_micros", BigInteger, nullable=False, default=0),  # counted in store.auto_refunded_today
    Column("buyer_id", String(200)),
    Column("recheck_at", UTCDateTime()),
    Column("recheck_state", String(12)),                    # NULL pending; done | superseded
    UniqueConstraint("store", "event_id", "at", "trigger", name="uq_decisions_request_moment"),
)
Index("ix_decisions_request", decisions.c.store, decisions.c.event_id)
Index("ix_decisions_store_at", decisions.c.store, decisions.c.at)
Index("ix_decisions_buyer", decisions.c.store, decisions.c.buyer_id, decisions.c.at)
Index("ix_decisions_recheck", decisions.c.recheck_at)

tokens = Table(
    "tokens", metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("store", String(100), nullable=False),
    Column("roles", String(100), nullable=False),           # comma-separated: decide,read,publish
    Column("created_at", UTCDateTime(), nullable=False),
)

policies = Table(
    "policies", metadata,
    Column("store", String(100), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("format", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("tests", Text),                                  # the test file it passed, if any
    Column("published_at", UTCDateTime(), nullable=False),
)

active_policies = Table(
    "active_policies", metadata,
    Column("store", String(100), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("activated_at", UTCDateTime(), nullable=False),
)

#: One row per store, locked (`SELECT ... FOR UPDATE`) while a decision of that store is made on
#: PostgreSQL, so counters read and the decision written are one step. SQLite locks the whole file.
store_locks = Table(
    "store_locks", metadata,
    Column("store", String(100), primary_key=True),
)

#: Each store's credentials on a platform's open platform, to verify its message pushes and route
#: them to the store: Douyin's app key and app secret, Kuaishou's app key and message key (AES).
#: A push names the app and the shop; (platform, app_key, shop_id) names one store.
platform_credentials = Table(
    "platform_credentials", metadata,
    Column("platform", String(16), primary_key=True),      # douyin | kuaishou
    Column("app_key", String(100), primary_key=True),
    Column("shop_id", String(100), primary_key=True),
    Column("store", String(100), nullable=False),
    Column("app_secret", Text, nullable=False),             # never printed back
    Column("added_at", UTCDateTime(), nullable=False),
)
