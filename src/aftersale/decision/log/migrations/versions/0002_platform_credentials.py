"""Platform credentials: each store's app key, secret and shop id on Douyin and Kuaishou.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from aftersale.decision.log.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_credentials",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("app_key", sa.String(100), primary_key=True),
        sa.Column("shop_id", sa.String(100), primary_key=True),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("app_secret", sa.Text, nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("platform_credentials")
