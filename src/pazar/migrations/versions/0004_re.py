"""RE Partner API: the advert uuid an asynchronous operation addresses

Revision ID: 0004_re
Revises: 0003
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_re"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("advert_operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("object_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_advert_operations_object_id"), ["object_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("advert_operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advert_operations_object_id"))
        batch_op.drop_column("object_id")
