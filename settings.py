"""One Settings object, read only by the composition roots (worker.py, api.py, deploy/)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'yorisoi.db').resolve()}"
