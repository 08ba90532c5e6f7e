"""Merge the Autoupload and RE branches; index the free-limit count.

The free-limit check counts a user's new/active adverts in a root category on every
POST; without this index it read every advert of the user (see bench/README.md).

Revision ID: 0005
Revises: 0004_autoupload, 0004_re
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0004_autoupload", "0004_re")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adverts") as batch_op:
        batch_op.drop_index("ix_adverts_free_limit")
        batch_op.create_index(
            "ix_adverts_free_limit", ["user_id", "root_category_id", "status", "deleted"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("adverts") as batch_op:
        batch_op.drop_index("ix_adverts_free_limit")
        batch_op.create_index(
            "ix_adverts_free_limit", ["user_id", "root_category_id", "status"], unique=False
        )
