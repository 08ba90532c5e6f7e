"""Settings: the only reader of the environment (prefix ``PAZAR_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOST_MAP = {
    "olx.pl": "olx.pl",
    "www.olx.pl": "olx.pl",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAZAR_", extra="ignore")

    # Storage: SQLite file by default (created on first start), PostgreSQL for scale.
    database_url: str = "sqlite+aiosqlite:///./pazar.db"
    database_pool_size: int = 10

    # HTTP
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    public_url: str = ""  # base URL used in advert links; derived from host/port when empty
    max_body_bytes: int = 1_048_576
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

    # Sandbox control API (clock, reset) for integrators' CI; off unless asked.
    sandbox: bool = False

    log_level: str = "info"
    access_log: bool = False

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
