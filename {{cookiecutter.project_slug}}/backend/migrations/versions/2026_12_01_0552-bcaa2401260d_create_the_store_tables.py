"""Create the store's tables: threads, items and attachments

The same tables as the template's releases before migrations made with `create_all`; env.py
stamps such a database at this revision rather than creating them again.

Revision ID: bcaa2401260d
Revises:
Create Date: 2026-12-01 05:52:21.720244
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bcaa2401260d"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite auto-increments only an INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a BIGSERIAL.
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_threads")),
        sa.UniqueConstraint("id", name=op.f("uq_threads_id")),
    )
    op.create_index(
        op.f("ix_threads_user_id_created_at_seq"), "threads", ["user_id", "created_at", "seq"]
    )
    op.create_table(
        "items",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("thread_id", sa.String(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_items_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_items")),
        sa.UniqueConstraint("thread_id", "id", name=op.f("uq_items_thread_id_id")),
    )
    op.create_index(
        op.f("ix_items_thread_id_created_at_seq"), "items", ["thread_id", "created_at", "seq"]
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )


def downgrade() -> None:
    # Each table's indexes go with it.
    op.drop_table("attachments")
    op.drop_table("items")
    op.drop_table("threads")
