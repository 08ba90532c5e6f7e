"""Settings: the only reader of the environment (prefix ``PAZAR_``)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOST_MAP = {
    "olx.pl": "olx.pl",
    "www.olx.pl": "olx.pl",
}


def default_database_url() -> str:
    """``$XDG_DATA_HOME/pazar/pazar.db`` (``~/.local/share/pazar/pazar.db``), as an absolute path."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite+aiosqlite:///{Path(base).resolve() / 'pazar' / 'pazar.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAZAR_", extra="ignore")

    # Storage: SQLite file by default (created on first start), PostgreSQL for scale.
    # The default file does not depend on the current directory: every command finds the same one.
    database_url: str = Field(default_factory=lambda: default_database_url())
    database_pool_size: int = 20

    # HTTP
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    public_url: str = ""  # base URL used in advert links; derived from host/port when empty
    max_body_bytes: int = 1_048_576
    # Seconds a process reuses a bearer token's look-up (its app's active flag may lag that long; 0: off).
    token_cache_seconds: float = 5.0
    # The real Partner API answers 400 to a GET carrying Content-Type: application/json.
    strict_get_content_type: bool = True

    # Sites: the request's Host header picks the site; unknown hosts get the default.
    default_site: str = "olx.pl"
    host_map: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_HOST_MAP))

    # Secrets. When empty, a random key is generated once and kept in the database,
    # so several processes on one database agree on it.
    secret_key: str = ""

    # Demo data: loaded on the first start of an empty database.
    seed_on_start: bool = True
    demo_password: str = "pazar-demo"

    # Moderation: seconds before the worker reviews a new advert (default: the site's setting, 3 s).
    moderation_delay_seconds: float | None = None
    # Run a worker inside `pazar serve` (several API processes each run one; they share the jobs table).
    embedded_worker: bool = True
    worker_poll_interval: float = 0.5

    # Webhook notifications (RE Partner API; any partner app with a callback URL). A 2xx answer within
    # the timeout is a delivery; otherwise it is retried `webhook_retries` times, the interval apart.
    webhook_timeout_seconds: float = 2.0
    webhook_retries: int = 32
    webhook_retry_interval_seconds: float = 1800.0
    webhook_concurrency: int = 256  # deliveries in flight at once per process
    webhook_poll_interval: float = 1.0  # fallback when no commit in this process rang
    # Callback URLs on loopback or private networks (local receivers, tests, benchmarks).
    webhook_allow_private: bool = False

    # Autoupload (OLX Brasil import API). Off: every import answers -5 "Import is down".
    autoupload_enabled: bool = True
    # More imports than this per user within the window answer -2 "The request was blocked" (0: no limit).
    autoupload_rate_limit: int = 60
    autoupload_rate_window_seconds: float = 60.0
    autoupload_max_body_bytes: int = 1_048_576  # the import's payload limit (OLX Brasil: 1 MB)
    # Live imported ads a user may have (the premium account's package; 0: no limit): -7 / -8 beyond it.
    autoupload_slots: int = 10_000
    # When an import needs more slots than are free: take the ads that fit (-8) or none of them (-7).
    autoupload_partial_imports: bool = True
    # Images of imported ads: downloaded by the worker, checked (decoded), stored and served by pazar.
    image_allow_private: bool = False  # image URLs on loopback or private networks (local tests)
    image_max_bytes: int = 10 * 1024 * 1024
    image_timeout_seconds: float = 10.0
    image_min_short_side: int = 260  # OLX Brasil: at least 260 x 350 pixels, either orientation
    image_min_long_side: int = 350
    image_max_pixels: int = 50_000_000  # larger images are refused before they are decoded

    # Sandbox mode (the default): the control plane under /_pazar/v1 and the sandbox conveniences
    # (e.g. webhook callbacks to loopback receivers). False is operator mode: none of them exist.
    sandbox: bool = True
    # The control plane's bearer key; when empty, one is generated once and kept in the database.
    admin_key: str = ""
    # The sandbox's request journal (one write per API call; off for load tests in sandbox mode).
    sandbox_journal: bool = True

    log_level: str = "info"
    log_format: str = "text"  # "json": one JSON object per line (time, level, logger, message, request_id)
    access_log: bool = True  # one line per request, with its request id (false: silent)

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        _, _, path = self.database_url.partition(":///")
        return Path(path) if path and path != ":memory:" else None
