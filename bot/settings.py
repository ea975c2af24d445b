"""Settings from the environment (``SLOTBOT_*``); secrets never come from the repository."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLOTBOT_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the default SQLite file lives")
    database_url: str | None = Field(
        default=None, description="sqlite:///path.db or postgresql://user@host/db"
    )
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    log_level: str = "INFO"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'slotbot.db').resolve()}"
