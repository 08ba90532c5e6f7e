"""The commerce entities dialects render, re-exported so the edge never imports the db layer."""

from pazar.db.models import AdvertFeature, BoughtPacket, Payment

__all__ = ["AdvertFeature", "BoughtPacket", "Payment"]
