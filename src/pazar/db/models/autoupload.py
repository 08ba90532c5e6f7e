"""What the Autoupload dialect adds to the schema: stored images, one live advert per partner id.

* ``stored_images``: the images of imported ads, downloaded from the partner's URLs by the worker
  and served by pazar (``/images/{public_id}.{ext}``); the bytes live in the database like every
  other piece of state.
* ``ix_adverts_claimed``: the few adverts an RE partner app claimed, by owner.
* ``ix_import_items_ad_ref``: which waiting imports carry an id (ordering, slots, edit or insert).
* ``uq_adverts_autoupload_ref``: at most one live (not deleted) imported advert per user and partner
  id, so two workers racing on the same new id can never both insert it (the loser's job rolls back
  and, retried, finds the advert and edits it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from pazar.db.base import Base
from pazar.db.models.adverts import Advert
from pazar.db.models.imports import ImportItem

AUTOUPLOAD_REF_PREDICATE = "source = 'autoupload' AND NOT deleted"

Index(
    "uq_adverts_autoupload_ref",
    Advert.__table__.c.site_id,
    Advert.__table__.c.user_id,
    Advert.__table__.c.external_id,
    unique=True,
    sqlite_where=text(AUTOUPLOAD_REF_PREDICATE),
    postgresql_where=text(AUTOUPLOAD_REF_PREDICATE),
)

# Looking an import's ids up among the adverts a partner app claimed (RE migration) without a scan.
Index(
    "ix_adverts_claimed",
    Advert.__table__.c.site_id,
    Advert.__table__.c.user_id,
    sqlite_where=text("claimed_at IS NOT NULL"),
    postgresql_where=text("claimed_at IS NOT NULL"),
)

# Taking an import asks which of its ids earlier imports, still waiting, carry.
Index("ix_import_items_ad_ref", ImportItem.__table__.c.ad_ref, ImportItem.__table__.c.batch_id)


class StoredImage(Base):
    __tablename__ = "stored_images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # random: URLs cannot be guessed
    advert_id: Mapped[int] = mapped_column(ForeignKey("adverts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0 is the main image
    source_url: Mapped[str] = mapped_column(String(2048))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
