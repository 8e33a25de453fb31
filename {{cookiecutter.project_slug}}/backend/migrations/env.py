"""Alembic's environment: the SQL store's tables (stores/sql.py) on the app's database."""

from alembic import context
from sqlalchemy import Connection, inspect

from {{ cookiecutter.project_slug }}.logs import configure_logging
from {{ cookiecutter.project_slug }}.settings import get_settings
from {{ cookiecutter.project_slug }}.stores.database import in_schema_transaction
from {{ cookiecutter.project_slug }}.stores.sql import metadata

config = context.config


def database_url() -> str:
    """The app passes its database (start-up, tests); the `alembic` command uses the settings'."""
    url: str | None = config.attributes.get("database_url")
    if url:
        return url
    settings = get_settings()
    configure_logging(settings)  # so that the command reports its steps like the app logs
    return settings.database_url


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
{%- if cookiecutter.store == "sqlite" %}
        # SQLite alters little in place: changed tables are copied into new ones.
        render_as_batch=True,
{%- endif %}
    )
    adopt_a_database_made_before_migrations(connection)
    with context.begin_transaction():
        context.run_migrations()


def adopt_a_database_made_before_migrations(connection: Connection) -> None:
    """Stamp a database with the store's tables but no revision at the first revision.

    The template's releases before migrations created the tables with `create_all`, exactly as
    the first revision does: stamping keeps their rows, where creating them again would fail.
    """
    migrations = context.get_context()
    if migrations.get_current_revision() is None and inspect(connection).has_table("threads"):
        first_revision = context.script.get_base()
        assert first_revision is not None  # the revision that creates these tables
        migrations.stamp(context.script, first_revision)


if context.is_offline_mode():  # `alembic upgrade head --sql` prints the SQL instead
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    in_schema_transaction(database_url(), run_migrations)
