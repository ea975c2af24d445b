"""``slotbot export``: the clinic's data as one JSON document or one CSV file per table."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from storage.export import TABLES


def write_json(data: dict[str, list[dict[str, Any]]], out: Path, exported_at: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"exported_at": exported_at, **data}, ensure_ascii=False, indent=1), "utf-8")
    return out


def write_csv(data: dict[str, list[dict[str, Any]]], directory: Path) -> list[Path]:
    """``<table>.csv`` with a header row even when empty (UTF-8, Excel-friendly BOM)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        rows = data[table]
        path = directory / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            columns = list(rows[0]) if rows else _COLUMNS[table]
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


_COLUMNS = {
    "providers": ["id", "name", "type", "timezone", "email", "address", "is_active", "created_at"],
    "appointment_types": ["id", "provider_id", "name", "duration_minutes", "price", "currency",
                          "is_virtual", "max_participants", "is_active", "allow_series",
                          "max_series_occurrences"],
    "appointments": ["id", "provider_id", "type_id", "client_id", "client_name", "starts_at", "ends_at",
                     "status", "notes", "created_at", "cancelled_at", "cancelled_by", "cancel_reason",
                     "late_cancel", "series_id"],
    "waitlist": ["id", "provider_id", "type_id", "client_id", "client_name", "date", "zone", "created_at"],
}
