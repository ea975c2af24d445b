"""Settings from the environment (``SLOTBOT_*``); secrets never come from the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLOTBOT_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the default SQLite file lives")
    database_url: str | None = Field(
        default=None, description="sqlite:///path.db or postgresql://user@host/db"
    )
    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    log_level: str = "INFO"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="Telegram user ids of admins (JSON list or 1,2,3)"
    )
    bot_username: str | None = Field(default=None, description="For invite links from the CLI")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().strip("[]")
            return frozenset(int(part) for part in text.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'slotbot.db').resolve()}"
