"""Attachments keep their bytes, size, creation time and thread

Before this revision the backend refused every attachment, so the old table is always empty:
it is replaced rather than altered (SQLite cannot add a foreign key to an existing table).

Revision ID: 5d1e0c7a9b3f
Revises: bcaa2401260d
Create Date: 2026-12-01 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e0c7a9b3f"
down_revision: str | Sequence[str] | None = "bcaa2401260d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("attachments")
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("thread_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_attachments_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_user_id"), "attachments", ["user_id"])
    op.create_index(op.f("ix_attachments_thread_id"), "attachments", ["thread_id"])
    op.create_index(op.f("ix_attachments_created_at"), "attachments", ["created_at"])


def downgrade() -> None:
    # The bytes cannot be kept: the older code has nowhere to put them.
    op.drop_table("attachments")
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
