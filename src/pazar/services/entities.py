"""The persistent entities dialects read (to render them), re-exported so the edge never imports the db layer."""

from pazar.db.models import Advert, MediaImage, Message, PartnerApp, User

__all__ = ["Advert", "MediaImage", "Message", "PartnerApp", "User"]
