"""timeline lists, per-list time zones, campaign to legacy list mapping

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("legacy_accounts", sa.Column("timeline_list_ids", sa.Text(), nullable=True))
    op.add_column("legacy_accounts", sa.Column("list_timezones", sa.Text(), nullable=True))
    op.create_table(
        "campaign_legacy_lists",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("list_id", sa.String(length=18), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_campaign_legacy_lists_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_legacy_lists")),
    )
    op.create_index(
        "ix_campaign_legacy_lists_org_id", "campaign_legacy_lists", ["org_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_legacy_lists_org_id", table_name="campaign_legacy_lists")
    op.drop_table("campaign_legacy_lists")
    with op.batch_alter_table("legacy_accounts") as batch:
        batch.drop_column("list_timezones")
        batch.drop_column("timeline_list_ids")
