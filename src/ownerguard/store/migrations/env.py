"""Alembic environment. Migrations run through ``ownerguard.store.migrate`` with a live
connection; the URL is never read from an ini file, so credentials stay in the settings."""

from alembic import context

from ownerguard.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic` run by hand without our wrapper
    raise SystemExit("run migrations with `ownerguard init` / `ownerguard migrate`")

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
