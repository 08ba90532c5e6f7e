"""Sandbox: control settings, faults, the request journal, snapshots

Revision ID: 0008_sandbox
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pazar.db.base

revision: str = "0008_sandbox"
down_revision: str | Sequence[str] | None = "0007_messaging"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sandbox_settings")),
    )
    op.create_table(
        "sandbox_faults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_faults")),
    )
    op.create_table(
        "sandbox_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=True),
        sa.Column("dialect", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_requests")),
    )
    op.create_index(op.f("ix_sandbox_requests_at"), "sandbox_requests", ["at"], unique=False)
    op.create_table(
        "sandbox_snapshots",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sandbox_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_snapshots")
    op.drop_index(op.f("ix_sandbox_requests_at"), table_name="sandbox_requests")
    op.drop_table("sandbox_requests")
    op.drop_table("sandbox_faults")
    op.drop_table("sandbox_settings")
