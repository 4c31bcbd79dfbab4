"""One Settings object, read only by the composition roots (worker.py, api.py, deploy/)."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.service import TLSConfig

CACHED_WORKFLOWS = 250
"""The worker's sticky cache by default: runs kept in memory between their workflow tasks. The SDK's own 1,000 took
the worker to 429 MB at 10,000 open cases, 250 to 240 MB, for a replay of about 20 ms when an evicted case is next
needed (``make bench``, 2026-12-07; README: Scale benchmark)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YORISOI_", extra="ignore")

    data_dir: Path = Path(".data")
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "yorisoi-cases"
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite in data_dir")
    temporal_ui_port: int = 8233
    temporal_tls: bool = Field(default=False, description="TLS to Temporal (Temporal Cloud, a cluster with TLS)")
    temporal_tls_client_cert: Path | None = Field(default=None, description="mTLS: the client certificate (PEM)")
    temporal_tls_client_key: Path | None = Field(default=None, description="mTLS: the client certificate's key")
    temporal_tls_server_ca: Path | None = Field(default=None, description="the server's CA (PEM); default: system")
    temporal_tls_server_name: str | None = Field(default=None, description="the server name to verify, if not the host")
    temporal_api_key: SecretStr | None = Field(default=None, description="Temporal Cloud API key (implies TLS)")
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="proxies whose X-Forwarded-For is trusted (comma-separated IPs, or *); unset: none (direct use)",
    )
    temporal_retention_hours: int = 10 * 365 * 24
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    secret_key: str | None = Field(default=None, description="signs tokens; default: a key kept in data_dir")
    token_ttl_minutes: int = Field(default=60, ge=1, le=24 * 60, description="absolute lifetime of a session")
    session_idle_minutes: int = Field(
        default=30, ge=5, le=24 * 60, description="a session without a request for this long ends (pages and API)"
    )
    login_max_failures: int = Field(default=5, ge=1, le=100, description="failed sign-ins per user before a lock")
    login_lock_minutes: int = Field(default=15, ge=1, le=24 * 60, description="how long a lock lasts")
    command_timeout_seconds: float = Field(
        default=10.0, ge=1, le=120, description="how long a command or a read waits for a worker before a 503"
    )
    master_key: SecretStr | None = Field(
        default=None, description="base64 of 32 bytes: wraps the per-case data keys; default: a key in data_dir"
    )
    codec_origins: list[str] = Field(
        default_factory=list,
        description="origins allowed to call /api/codec/decode with credentials; default: the embedded Temporal UI",
    )
    key_cache_seconds: float = Field(default=60.0, ge=0, le=3600, description="how long an unwrapped key is cached")
    demo: bool = False
    secure_cookies: bool = Field(default=True, description="False only for plain-HTTP local use (make run)")
    smtp_host: str | None = Field(default=None, description="SMTP server for notification e-mail; None: no e-mail")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_sender: str = Field(default="Yorisoi <noreply@yorisoi.invalid>", description="the From of notifications")
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line (deploy/logs.py); text: for a developer's terminal"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_token: SecretStr | None = Field(
        default=None,
        description="GET /metrics needs 'Authorization: Bearer <token>'; unset: /metrics answers loopback clients only",
    )
    worker_cached_workflows: int = Field(
        default=CACHED_WORKFLOWS,
        ge=1,
        le=100_000,
        description="case runs the worker keeps in memory (the SDK's sticky cache); an evicted one is replayed from "
        "its history when next needed (README: Scale benchmark, the worker's memory)",
    )
    worker_metrics_address: str | None = Field(
        default=None,
        pattern=r"^((\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+):\d{1,5})?$",
        description="host:port where the worker serves the Temporal SDK's Prometheus metrics; unset or empty: none",
    )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'yorisoi.db').resolve()}"

    def temporal_tls_config(self) -> TLSConfig | bool:
        """The TLS of the Temporal connection: False (plain, the dev server), True (system roots) or a config."""
        files = (self.temporal_tls_client_cert, self.temporal_tls_client_key, self.temporal_tls_server_ca)
        if not (self.temporal_tls or self.temporal_api_key or any(files) or self.temporal_tls_server_name):
            return False
        if bool(self.temporal_tls_client_cert) != bool(self.temporal_tls_client_key):
            raise ValueError("YORISOI_TEMPORAL_TLS_CLIENT_CERT and _KEY go together (mTLS needs both)")
        if not any(files) and not self.temporal_tls_server_name:
            return True
        return TLSConfig(
            server_root_ca_cert=self.temporal_tls_server_ca.read_bytes() if self.temporal_tls_server_ca else None,
            domain=self.temporal_tls_server_name,
            client_cert=self.temporal_tls_client_cert.read_bytes() if self.temporal_tls_client_cert else None,
            client_private_key=self.temporal_tls_client_key.read_bytes() if self.temporal_tls_client_key else None,
        )

    def effective_codec_origins(self) -> frozenset[str]:
        if self.codec_origins:
            return frozenset(self.codec_origins)
        return frozenset(f"http://{host}:{self.temporal_ui_port}" for host in ("127.0.0.1", "localhost"))

    def master_key_bytes(self) -> bytes:
        """The master key: configured (base64), or one generated once and kept (mode 600) in the data folder.

        Losing it makes every case's history unreadable: keep it (or the configured one) in the deployment's secret
        store and its backups apart from the databases'.
        """
        if self.master_key:
            raw = base64.b64decode(self.master_key.get_secret_value(), validate=True)
        else:
            path = self.data_dir / "master.key"
            if not path.exists():
                self.data_dir.mkdir(parents=True, exist_ok=True)
                path.write_text(base64.b64encode(secrets.token_bytes(32)).decode("ascii"), encoding="utf-8")
                path.chmod(0o600)
            raw = base64.b64decode(path.read_text(encoding="utf-8").strip(), validate=True)
        if len(raw) != 32:
            raise ValueError("YORISOI_MASTER_KEY must be the base64 of exactly 32 bytes")
        return raw

    def signing_key(self) -> str:
        """The configured key, or one generated once and kept (mode 600) in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
