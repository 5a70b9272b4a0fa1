"""legacy WhatCounts accounts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_accounts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("realm", sa.String(length=200), nullable=False),
        sa.Column("realm_id", sa.BigInteger(), nullable=False),
        sa.Column("password_encrypted", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("allowed_list_ids", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_legacy_accounts_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_legacy_accounts")),
    )


def downgrade() -> None:
    op.drop_table("legacy_accounts")
