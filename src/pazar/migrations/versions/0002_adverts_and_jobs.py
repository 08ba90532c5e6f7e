"""adverts, events, observers, jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:23:14.134440
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pazar.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("locked_until", pazar.db.base.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_due", ["status", "run_at"], unique=False)

    op.create_table(
        "adverts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("root_category_id", sa.Integer(), nullable=False),
        sa.Column("advertiser_type", sa.String(length=16), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("external_url", sa.String(length=2048), nullable=True),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column(
            "contact",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "location",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "images",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "price",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "salary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("courier", sa.Boolean(), nullable=True),
        sa.Column(
            "ad_delivery",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("moderation_reason", sa.String(length=100), nullable=True),
        sa.Column("moderation_description", sa.Text(), nullable=True),
        sa.Column("is_success", sa.Boolean(), nullable=True),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("modified_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("activated_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.Column("valid_to", pazar.db.base.UTCDateTime(), nullable=True),
        sa.Column("refreshed_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.Column("advert_views", sa.Integer(), nullable=False),
        sa.Column("phone_views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["partner_apps.id"], name=op.f("fk_adverts_app_id_partner_apps")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_adverts_site_id_sites")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_adverts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_adverts_uuid")),
    )
    with op.batch_alter_table("adverts", schema=None) as batch_op:
        batch_op.create_index("ix_adverts_app", ["app_id", "id"], unique=False)
        batch_op.create_index("ix_adverts_external", ["user_id", "external_id"], unique=False)
        batch_op.create_index(
            "ix_adverts_free_limit", ["user_id", "root_category_id", "status"], unique=False
        )
        batch_op.create_index("ix_adverts_owner_listing", ["user_id", "deleted", "id"], unique=False)

    op.create_table(
        "advert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advert_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["advert_id"], ["adverts.id"], name=op.f("fk_advert_events_advert_id_adverts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advert_events")),
    )
    with op.batch_alter_table("advert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advert_events_advert_id"), ["advert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_advert_events_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "advert_observers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advert_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advert_id"],
            ["adverts.id"],
            name=op.f("fk_advert_observers_advert_id_adverts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_advert_observers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advert_observers")),
        sa.UniqueConstraint("advert_id", "user_id", name=op.f("uq_advert_observers_advert_id_user_id")),
    )
    with op.batch_alter_table("advert_observers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advert_observers_advert_id"), ["advert_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("advert_observers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advert_observers_advert_id"))

    op.drop_table("advert_observers")
    with op.batch_alter_table("advert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advert_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_advert_events_advert_id"))

    op.drop_table("advert_events")
    with op.batch_alter_table("adverts", schema=None) as batch_op:
        batch_op.drop_index("ix_adverts_owner_listing")
        batch_op.drop_index("ix_adverts_free_limit")
        batch_op.drop_index("ix_adverts_external")
        batch_op.drop_index("ix_adverts_app")

    op.drop_table("adverts")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_due")

    op.drop_table("jobs")
