"""The Autoupload dialect: OLX Brasil's import API (seed 001) and its OAuth endpoints."""
