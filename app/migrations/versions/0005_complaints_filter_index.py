"""complaints: an index for the status and category filter together (page and count)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_complaints_org_status_category_created",
        "complaints",
        ["org_id", "status", "category", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_org_status_category_created", table_name="complaints")
