"""Logging: plain lines or JSON (``SLOTBOT_LOG_FORMAT=json``), each tagged with the
update and user being handled — ids only: message texts and names never go to the logs.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

#: Set by the update processor around each update (``None`` outside one).
UPDATE_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_id", default=None)
USER_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)

#: Loggers that say too much at INFO: httpx logs request URLs, which hold the bot token;
#: PTB logs whole updates and requests at DEBUG, message texts (a CalDAV app password
#: typed in the chat among them) included.
_QUIET = ("httpx", "httpcore", "alembic", "apscheduler", "aiohttp.access", "telegram")


class UpdateContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = UPDATE_ID.get()
        record.user_id = USER_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("update_id", "user_id"):
            if getattr(record, key, None) is not None:
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        ids = [f"{k}={getattr(record, k)}" for k in ("update_id", "user_id") if getattr(record, k, None)]
        if ids:
            line += f" [{' '.join(ids)}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """One stderr handler on the root logger, replacing whatever was there."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(UpdateContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_chatty_loggers()


def quiet_chatty_loggers() -> None:
    """Loggers that would show tokens or message texts: warnings and errors only."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
