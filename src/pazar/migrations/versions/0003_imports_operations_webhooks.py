"""imports, async operations, webhooks, RE app fields

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:30:22.556733
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pazar.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("processed_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["partner_apps.id"], name=op.f("fk_import_batches_app_id_partner_apps")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_import_batches_site_id_sites")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_import_batches_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
        sa.UniqueConstraint("token", name=op.f("uq_import_batches_token")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batches_user_id"), ["user_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("locked_until", pazar.db.base.UTCDateTime(), nullable=True),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("event_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["partner_apps.id"],
            name=op.f("fk_webhook_deliveries_app_id_partner_apps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_webhook_deliveries_delivery_id")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_app", ["app_id", "created_at"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "advert_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("advert_id", sa.Integer(), nullable=True),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["advert_id"],
            ["adverts.id"],
            name=op.f("fk_advert_operations_advert_id_adverts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["app_id"], ["partner_apps.id"], name=op.f("fk_advert_operations_app_id_partner_apps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advert_operations")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_advert_operations_transaction_id")),
    )
    with op.batch_alter_table("advert_operations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advert_operations_advert_id"), ["advert_id"], unique=False)

    op.create_table(
        "import_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ad_ref", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("advert_id", sa.Integer(), nullable=True),
        sa.Column(
            "messages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("processed_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["advert_id"], ["adverts.id"], name=op.f("fk_import_items_advert_id_adverts")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_items_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_items")),
    )
    with op.batch_alter_table("import_items", schema=None) as batch_op:
        batch_op.create_index("ix_import_items_batch", ["batch_id", "position"], unique=False)

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Double(), nullable=False),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_attempts_delivery_id"), ["delivery_id"], unique=False)

    with op.batch_alter_table("adverts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", pazar.db.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table("partner_apps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("notification_secret", sa.String(length=128), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_partner_apps_api_key_hash"), ["api_key_hash"])


def downgrade() -> None:

    with op.batch_alter_table("partner_apps", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_partner_apps_api_key_hash"), type_="unique")
        batch_op.drop_column("notification_secret")
        batch_op.drop_column("webhook_url")
        batch_op.drop_column("api_key_hash")

    with op.batch_alter_table("adverts", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")

    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempts_delivery_id"))

    op.drop_table("webhook_attempts")
    with op.batch_alter_table("import_items", schema=None) as batch_op:
        batch_op.drop_index("ix_import_items_batch")

    op.drop_table("import_items")
    with op.batch_alter_table("advert_operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advert_operations_advert_id"))

    op.drop_table("advert_operations")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_due")
        batch_op.drop_index("ix_webhook_deliveries_app")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_user_id"))

    op.drop_table("import_batches")
