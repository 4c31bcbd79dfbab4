"""One Settings object, read only by the composition roots (worker.py, api.py, deploy/)."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YORISOI_", extra="ignore")

    data_dir: Path = Path(".data")
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "yorisoi-cases"
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite in data_dir")
    temporal_ui_port: int = 8233
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
    demo: bool = False
    secure_cookies: bool = Field(default=True, description="False only for plain-HTTP local use (make run)")
    smtp_host: str | None = Field(default=None, description="SMTP server for notification e-mail; None: no e-mail")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_sender: str = Field(default="Yorisoi <noreply@yorisoi.invalid>", description="the From of notifications")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'yorisoi.db').resolve()}"

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
