"""Every table of pazar; importing this module registers them all on ``Base.metadata``."""

from pazar.db.models.accounts import PartnerApp, User
from pazar.db.models.oauth import AccessToken, AuthorizationCode, RefreshToken
from pazar.db.models.sites import Category, City, District, Region, ServerSecret, Site

__all__ = [
    "AccessToken",
    "AuthorizationCode",
    "Category",
    "City",
    "District",
    "PartnerApp",
    "RefreshToken",
    "Region",
    "ServerSecret",
    "Site",
    "User",
]
