"""Autoupload: stored images, one live imported advert per partner id

Revision ID: 0004_autoupload
Revises: 0003
Create Date: 2026-11-23 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pazar.db.base

revision: str = "0004_autoupload"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOUPLOAD_REF_PREDICATE = "source = 'autoupload' AND NOT deleted"


def upgrade() -> None:
    op.create_table(
        "stored_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("advert_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advert_id"], ["adverts.id"], name=op.f("fk_stored_images_advert_id_adverts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_images")),
        sa.UniqueConstraint("public_id", name=op.f("uq_stored_images_public_id")),
    )
    with op.batch_alter_table("stored_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_images_advert_id"), ["advert_id"], unique=False)
    op.create_index(
        "uq_adverts_autoupload_ref",
        "adverts",
        ["site_id", "user_id", "external_id"],
        unique=True,
        sqlite_where=sa.text(AUTOUPLOAD_REF_PREDICATE),
        postgresql_where=sa.text(AUTOUPLOAD_REF_PREDICATE),
    )
    op.create_index("ix_import_items_ad_ref", "import_items", ["ad_ref", "batch_id"], unique=False)
    op.create_index(
        "ix_adverts_claimed",
        "adverts",
        ["site_id", "user_id"],
        unique=False,
        sqlite_where=sa.text("claimed_at IS NOT NULL"),
        postgresql_where=sa.text("claimed_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_adverts_claimed", table_name="adverts")
    op.drop_index("ix_import_items_ad_ref", table_name="import_items")
    op.drop_index("uq_adverts_autoupload_ref", table_name="adverts")
    with op.batch_alter_table("stored_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_images_advert_id"))
    op.drop_table("stored_images")
