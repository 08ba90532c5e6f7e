"""The persistent entities dialects read (to render them), re-exported so the edge never imports the db layer."""

from pazar.db.models import Advert, PartnerApp, User

__all__ = ["Advert", "PartnerApp", "User"]
