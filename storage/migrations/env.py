"""Alembic environment: runs on a connection handed over by ``storage.schema``."""

from __future__ import annotations

from alembic import context

from storage.orm import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through 'slotbot db upgrade' (it hands Alembic its connection)"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
