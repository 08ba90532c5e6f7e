"""The OLX Group RE Partner API (imovirtual.com): /advert/v1, /oauth/v1/token."""
