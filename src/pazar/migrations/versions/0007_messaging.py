"""Messaging and business accounts: threads, messages, business profiles, stored images

Revision ID: 0007_messaging
Revises: 0005
Create Date: 2026-12-04 15:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pazar.db.base

revision: str = "0007_messaging"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")  # = pazar.db.base.JSONDoc


def upgrade() -> None:
    op.create_table(
        "message_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("advert_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("interlocutor_id", sa.Integer(), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_email", sa.String(length=254), nullable=False),
        sa.Column("is_favourite", sa.Boolean(), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_message_threads_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["advert_id"],
            ["adverts.id"],
            name=op.f("fk_message_threads_advert_id_adverts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_message_threads_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["interlocutor_id"], ["users.id"], name=op.f("fk_message_threads_interlocutor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_threads")),
        sa.UniqueConstraint(
            "advert_id", "interlocutor_id", name=op.f("uq_message_threads_advert_id_interlocutor_id")
        ),
    )
    op.create_index("ix_message_threads_owner", "message_threads", ["owner_id", "id"], unique=False)
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("attachments", _JSON, nullable=False),
        sa.Column("is_read", sa.Boolean(), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["message_threads.id"],
            name=op.f("fk_messages_thread_id_message_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_messages_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index("ix_messages_thread", "messages", ["thread_id", "id"], unique=False)
    op.create_table(
        "business_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("subdomain", sa.String(length=63), nullable=True),
        sa.Column("website_url", sa.String(length=2048), nullable=True),
        sa.Column("address", _JSON, nullable=True),
        sa.Column("phones", _JSON, nullable=False),
        sa.Column("updated_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_business_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_business_profiles_site_id_sites")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_business_profiles")),
        sa.UniqueConstraint("site_id", "subdomain", name=op.f("uq_business_profiles_site_id_subdomain")),
    )
    op.create_table(
        "media_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("advert_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_media_images_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_media_images_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["advert_id"], ["adverts.id"], name=op.f("fk_media_images_advert_id_adverts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_images")),
        sa.UniqueConstraint("public_id", name=op.f("uq_media_images_public_id")),
    )
    op.create_index("ix_media_images_owner", "media_images", ["owner_id", "kind", "id"], unique=False)
    op.create_index("ix_media_images_advert", "media_images", ["advert_id", "kind", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_media_images_advert", table_name="media_images")
    op.drop_index("ix_media_images_owner", table_name="media_images")
    op.drop_table("media_images")
    op.drop_table("business_profiles")
    op.drop_index("ix_messages_thread", table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_message_threads_owner", table_name="message_threads")
    op.drop_table("message_threads")
