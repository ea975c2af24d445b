"""Settings from the environment (``SLOTBOT_*``); secrets never come from the repository."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Annotated, Literal

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.feed_urls import host_label


class Settings(BaseSettings):
    # hide_input_in_errors: a mistyped token or key must not be echoed in an error.
    model_config = SettingsConfigDict(
        env_prefix="SLOTBOT_", extra="ignore", hide_input_in_errors=True
    )

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
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts updates to (run --webhook)"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret Telegram sends with every update (1-256 of A-Z a-z 0-9 _ -)"
    )
    http_host: str = Field(default="0.0.0.0", description="Where the webhook, /healthz and /metrics listen")
    http_port: int = Field(default=8080, ge=0, le=65535, description="0: no HTTP server (polling only)")
    log_format: Literal["text", "json"] = "text"
    reminders_per_second: float = Field(
        default=25.0, gt=0, le=30,
        description="Reminder pace of this process; with several processes their sum stays under 30",
    )

    concurrent_updates: int = Field(
        default=16, ge=1, le=256,
        description="Updates one process handles at once; the database pool is sized to fit them",
    )

    calendar_sync_minutes: int = Field(
        default=10, ge=1, le=24 * 60,
        description="How often each provider's calendar feeds are fetched",
    )

    public_url: str | None = Field(
        default=None,
        description="The bot's public HTTPS base, e.g. https://bot.example.org: providers' "
        "calendar feed links are <base>/calendar/<secret>.ics; its host names their events",
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s) that encrypt stored CalDAV passwords; several, comma-"
        "separated, while rotating (the first encrypts)",
    )

    bot_api_connections: int = Field(
        default=8, ge=1, le=256,
        description="Connections to the Bot API; each request holds one for a round trip",
    )

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("use 1-256 characters: letters, digits, _ and -")
        return value

    @field_validator("secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        for key in value.get_secret_value().split(","):
            # A Fernet key is 32 bytes in URL-safe base64; the key itself is never echoed.
            try:
                raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(
                    "not a Fernet key; make one with python -c \"from cryptography.fernet "
                    "import Fernet; print(Fernet.generate_key().decode())\""
                )
        return value

    @field_validator("public_url")
    @classmethod
    def _public_base(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        local = parts.hostname in ("localhost", "127.0.0.1")
        # The URL carries the secret: plain http would show it to the network.
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError("use an https:// address (http:// only for localhost)")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("give only scheme, host, port and path, e.g. https://bot.example.org")
        host_label(value)  # a host that can name events (not an IP address in brackets)
        return value

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
