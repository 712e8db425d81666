"""Alembic environment: the engine comes from models.db (config.attributes['engine']) or DATABASE_URL."""

from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata

# Search indexes made by raw SQL in a migration (SQLite FTS5 tables, a PostgreSQL trigram index) are not in
# the models' metadata; autogenerate and `alembic check` leave them alone.
SEARCH_OBJECTS = ("note_version_fts", "ix_note_version_text_trgm")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (reflected and name and name.startswith(SEARCH_OBJECTS))


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from models.db import make_engine

        engine = make_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # several replicas may start at once: one migrates, the others wait and then find head
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(724137)")
            context.run_migrations()
        connection.commit()


run_migrations_online()
