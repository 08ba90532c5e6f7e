"""Sites (marketplaces) and their reference data: taxonomy and geography."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base, JSONDoc


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "olx.pl"
    name: Mapped[str] = mapped_column(String(120))
    country_code: Mapped[str] = mapped_column(String(2))
    default_language: Mapped[str] = mapped_column(String(8))
    default_currency: Mapped[str] = mapped_column(String(3))
    # languages, currencies, rules (advert validity, text limits, ...), delivery settings
    config: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class ServerSecret(Base):
    """Secrets generated once and shared by every process on the database."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Category(Base):
    __tablename__ = "categories"

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    urn: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    photos_limit: Mapped[int] = mapped_column(Integer, default=8)
    is_leaf: Mapped[bool] = mapped_column(Boolean, default=True)
    free_limit: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # keywords for title suggestions, attribute definitions, translations, dialect extras
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class Region(Base):
    __tablename__ = "regions"

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))


class City(Base):
    __tablename__ = "cities"
    __table_args__ = (ForeignKeyConstraint(["site_id", "region_id"], ["regions.site_id", "regions.id"]),)

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    region_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    county: Mapped[str] = mapped_column(String(200), default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class District(Base):
    __tablename__ = "districts"
    __table_args__ = (ForeignKeyConstraint(["site_id", "city_id"], ["cities.site_id", "cities.id"]),)

    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    city_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
