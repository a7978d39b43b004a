"""Configuration from the environment, with the embedded default (SQLite, in-process workers)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; read once per process from the environment."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = Field(default="sqlite://billing.sqlite3")
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    #: `billing serve` processes sharing the port (`--workers` wins); 0: one per core. More
    #: than one needs REDIS_URL and PostgreSQL.
    web_concurrency: int = 1
    debug: bool = False
    #: Students per generation message (one transaction each).
    billing_chunk_size: int = 2000
    #: Seconds a PROCESSING run may go without progress before the sweeper re-enqueues it.
    billing_sweep_idle_seconds: float = 120.0
    #: Seconds between two sweeps.
    billing_sweep_interval_seconds: float = 30.0
    #: Seconds the Redis broker waits for a killed worker's heartbeat before requeueing.
    billing_heartbeat_timeout_seconds: float = 60.0
    #: Worker threads per `billing worker` process (and in-process in embedded mode).
    billing_worker_threads: int = 2
    #: Port on which `billing worker` serves its Prometheus /metrics; unset: not served.
    billing_worker_metrics_port: int | None = None
    #: Address that port binds (all interfaces by default: scraped from other hosts).
    billing_worker_metrics_host: str = "0.0.0.0"
    #: Smallest pause between two subscription pushes of one run (seconds; about 10 a second).
    billing_event_min_interval_seconds: float = 0.1
    #: Where invoice e-mails go out, e.g. smtp://user:pass@mail.example.org:587 (smtps:// for
    #: implicit TLS); unset: invoices are not e-mailed.
    smtp_url: str | None = None
    #: The From address of invoice e-mails.
    smtp_from: str = "billing@localhost"
    #: An HTTP endpoint taking a JSON POST {"to", "message", "reference"} per SMS; unset: no SMS.
    sms_gateway_url: str | None = None
    #: Seconds one SMTP or gateway call may take before the delivery counts as failed.
    notify_timeout_seconds: float = 15.0
    #: Most e-mails sent per second while sending runs, by every worker sharing REDIS_URL (0: no limit).
    notify_email_per_second: float = 10.0
    #: Most SMS sent per second while sending runs, by every worker sharing REDIS_URL (0: no limit).
    notify_sms_per_second: float = 5.0
    #: Seconds a worker holds a notice while sending before another may take it over (one
    #: killed mid-send); only then can a notice go out twice.
    notify_claim_lease_seconds: float = 300.0
    #: The day the daily reminder job takes as today (tests and demos); unset: today in UTC.
    billing_reminders_today: date | None = None
    #: Comma-separated origins (`https://app.example.org`) whose pages may call the API from a
    #: browser, over HTTP (CORS) and WebSocket; unset: same origin only.
    billing_cors_origins: str = ""

    @property
    def cors_origins(self) -> list[str]:
        """The allowed origins, without blanks or trailing slashes."""
        origins = (o.strip().rstrip("/") for o in self.billing_cors_origins.split(","))
        return [o for o in origins if o]

    #: Signs the links that open an invoice's PDF without a token (Invoice.shareUrl). Required
    #: in production (PostgreSQL or Redis); embedded, one is generated beside the SQLite file.
    billing_secret_key: str | None = None
    #: The address guardians reach the API at, e.g. https://billing.example.org, for share
    #: links; unset: the address of the request that asked for the link.
    billing_public_url: str | None = None
    #: Threads that typeset PDFs in a `billing serve` process (a billing run's document uses
    #: them all while it is built).
    billing_pdf_threads: int = 2

    @property
    def is_production(self) -> bool:
        """PostgreSQL or Redis: the shape that runs on several machines."""
        return self.redis_url is not None or self.database_url.startswith(("postgres", "psql"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (cached; tests clear the cache after changing the environment)."""
    return Settings()
