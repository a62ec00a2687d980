"""The first decision log: decisions, tokens, policy versions, active policies, store locks.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from aftersale.decision.log.tables import SEQ, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.String(36), nullable=False, unique=True),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("trigger", sa.String(10), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(100)),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("refunded_micros", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("buyer_id", sa.String(200)),
        sa.Column("recheck_at", UTCDateTime()),
        sa.Column("recheck_state", sa.String(12)),
        sa.UniqueConstraint("store", "event_id", "at", "trigger", name="uq_decisions_request_moment"),
    )
    op.create_index("ix_decisions_request", "decisions", ["store", "event_id"])
    op.create_index("ix_decisions_store_at", "decisions", ["store", "at"])
    op.create_index("ix_decisions_buyer", "decisions", ["store", "buyer_id", "at"])
    op.create_index("ix_decisions_recheck", "decisions", ["recheck_at"])
    op.create_table(
        "tokens",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("roles", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "policies",
        sa.Column("store", sa.String(100), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tests", sa.Text),
        sa.Column("published_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "active_policies",
        sa.Column("store", sa.String(100), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("activated_at", UTCDateTime(), nullable=False),
    )
    op.create_table("store_locks", sa.Column("store", sa.String(100), primary_key=True))


def downgrade() -> None:
    for table in ("store_locks", "active_policies", "policies", "tokens", "decisions"):
        op.drop_table(table)
