"""Every table of pazar; importing this module registers them all on ``Base.metadata``."""

from pazar.db.models.accounts import PartnerApp, User
from pazar.db.models.adverts import Advert, AdvertEvent, AdvertObserver
from pazar.db.models.autoupload import StoredImage
from pazar.db.models.commerce import AdvertFeature, BoughtPacket, LedgerEntry, PacketSlot, Payment
from pazar.db.models.imports import ImportBatch, ImportItem
from pazar.db.models.jobs import Job
from pazar.db.models.messaging import BusinessProfile, MediaImage, Message, MessageThread
from pazar.db.models.oauth import AccessToken, AuthorizationCode, RefreshToken
from pazar.db.models.sandbox import SandboxFault, SandboxRequest, SandboxSetting, SandboxSnapshot
from pazar.db.models.sites import Category, City, District, Region, ServerSecret, Site
from pazar.db.models.webhooks import AdvertOperation, WebhookAttempt, WebhookDelivery

__all__ = [
    "AccessToken",
    "Advert",
    "AdvertEvent",
    "AdvertFeature",
    "AdvertObserver",
    "AdvertOperation",
    "AuthorizationCode",
    "BoughtPacket",
    "BusinessProfile",
    "Category",
    "City",
    "District",
    "ImportBatch",
    "ImportItem",
    "Job",
    "LedgerEntry",
    "MediaImage",
    "Message",
    "MessageThread",
    "PacketSlot",
    "PartnerApp",
    "Payment",
    "RefreshToken",
    "Region",
    "SandboxFault",
    "SandboxRequest",
    "SandboxSetting",
    "SandboxSnapshot",
    "ServerSecret",
    "Site",
    "StoredImage",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
]
