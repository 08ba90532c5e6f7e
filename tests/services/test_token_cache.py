"""The per-process memory of bearer-token look-ups."""

from __future__ import annotations

from datetime import UTC, datetime

from pazar.services.token_cache import BearerGrant, TokenCache

GRANT = BearerGrant(
    user_id=1,
    scope="v2 read",
    expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    app_id=2,
    client_id="c",
    site_id="olx.pl",
    app_is_active=True,
    external_url_allowed=False,
)


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_grant_is_reused_within_the_ttl_and_forgotten_after() -> None:
    ticker = Ticker()
    cache = TokenCache(5.0, monotonic=ticker)
    cache.put("d", GRANT)
    ticker.now += 4.9
    assert cache.get("d") == GRANT
    ticker.now += 0.2
    assert cache.get("d") is None
    assert cache.get("d") is None  # and stays forgotten


def test_a_zero_ttl_keeps_nothing() -> None:
    cache = TokenCache(0)
    cache.put("d", GRANT)
    assert cache.get("d") is None


def test_the_oldest_entries_make_room() -> None:
    cache = TokenCache(60, max_entries=10)
    for n in range(10):
        cache.put(f"d{n}", GRANT)
    cache.put("new", GRANT)
    assert cache.get("new") == GRANT
    assert cache.get("d0") is None
    assert cache.get("d9") == GRANT
