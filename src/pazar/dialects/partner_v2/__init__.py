"""OLX Europe Partner API v2: /api/partner/*, /api/open/oauth/token (seeds 002 and 003)."""
