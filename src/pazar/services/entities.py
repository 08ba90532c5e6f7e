"""The persistent entities dialects read (to render them), re-exported so the edge never imports the db layer."""

from pazar.db.models import PartnerApp, User

__all__ = ["PartnerApp", "User"]
