"""foundation: sites, taxonomy, geography, users, apps, oauth

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:14:54.382612
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import pazar.db.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("default_language", sa.String(length=8), nullable=False),
        sa.Column("default_currency", sa.String(length=3), nullable=False),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    op.create_table(
        "categories",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("urn", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("photos_limit", sa.Integer(), nullable=False),
        sa.Column("is_leaf", sa.Boolean(), nullable=False),
        sa.Column("free_limit", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_categories_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "id", name=op.f("pk_categories")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "partner_apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "redirect_uris",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "grant_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("allow_external_url", sa.Boolean(), nullable=False),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_partner_apps_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_apps")),
        sa.UniqueConstraint("client_id", name=op.f("uq_partner_apps_client_id")),
    )
    with op.batch_alter_table("partner_apps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_apps_site_id"), ["site_id"], unique=False)

    op.create_table(
        "regions",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_regions_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "id", name=op.f("pk_regions")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("is_business", sa.Boolean(), nullable=False),
        sa.Column("avatar", sa.String(length=500), nullable=True),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_users_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("site_id", "email", name=op.f("uq_users_site_id_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_site_id"), ["site_id"], unique=False)

    op.create_table(
        "cities",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("county", sa.String(length=200), nullable=False),
        sa.Column("municipality", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id", "region_id"],
            ["regions.site_id", "regions.id"],
            name=op.f("fk_cities_site_id_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_cities_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "id", name=op.f("pk_cities")),
    )
    op.create_table(
        "oauth_access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["partner_apps.id"],
            name=op.f("fk_oauth_access_tokens_app_id_partner_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oauth_access_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_access_tokens_token_hash")),
    )
    with op.batch_alter_table("oauth_access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_access_tokens_app_id"), ["app_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oauth_access_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "oauth_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=True),
        sa.Column("created_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["partner_apps.id"],
            name=op.f("fk_oauth_codes_app_id_partner_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oauth_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_codes_code_hash")),
    )
    with op.batch_alter_table("oauth_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_codes_app_id"), ["app_id"], unique=False)

    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("issued_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", pazar.db.base.UTCDateTime(), nullable=False),
        sa.Column("replaced_at", pazar.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["partner_apps.id"],
            name=op.f("fk_oauth_refresh_tokens_app_id_partner_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oauth_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_refresh_tokens_app_id"), ["app_id"], unique=False)

    op.create_table(
        "districts",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id", "city_id"], ["cities.site_id", "cities.id"], name=op.f("fk_districts_site_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_districts_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "id", name=op.f("pk_districts")),
    )
    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_districts_city_id"), ["city_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("districts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_districts_city_id"))

    op.drop_table("districts")
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_refresh_tokens_app_id"))

    op.drop_table("oauth_refresh_tokens")
    with op.batch_alter_table("oauth_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_codes_app_id"))

    op.drop_table("oauth_codes")
    with op.batch_alter_table("oauth_access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_access_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_access_tokens_app_id"))

    op.drop_table("oauth_access_tokens")
    op.drop_table("cities")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_site_id"))

    op.drop_table("users")
    op.drop_table("regions")
    with op.batch_alter_table("partner_apps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_apps_site_id"))

    op.drop_table("partner_apps")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_parent_id"))

    op.drop_table("categories")
    op.drop_table("sites")
    op.drop_table("server_secrets")
