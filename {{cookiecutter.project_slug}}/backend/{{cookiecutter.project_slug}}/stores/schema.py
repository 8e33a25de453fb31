"""The schema's version: before serving, the database must be at the latest migration.

The migrations are Alembic's, in backend/migrations (configured by alembic.ini); `make migrate`
applies them, or the server does at start-up with MIGRATE_ON_START=true.
"""

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from ..settings import PROJECT_ROOT, Settings
from .database import in_schema_transaction

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
# Where Alembic records the revision a database is at.
VERSION_TABLE = "alembic_version"


def alembic_config(database_url: str) -> Config:
    """alembic.ini, aimed at `database_url` rather than at the settings' DATABASE_URL."""
    return Config(ALEMBIC_INI, attributes={"database_url": database_url})


def upgrade(database_url: str) -> None:
    """Apply the migrations the database lacks, as `make migrate` does."""
    command.upgrade(alembic_config(database_url), "head")


def head_revision() -> str | None:
    """The latest migration's revision."""
    return ScriptDirectory.from_config(Config(ALEMBIC_INI)).get_current_head()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None when it has none (empty, or made before Alembic)."""
    return in_schema_transaction(database_url, _read_revision)


def _read_revision(connection: Connection) -> str | None:
    # Read directly: Alembic's MigrationContext would log two lines at every start.
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    revision: str | None = connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return revision


def prepare_schema(settings: Settings) -> str | None:
    """Bring the schema to the latest migration (MIGRATE_ON_START) or check that it is there.

    Returns one line saying what to do when the server must not start, else None.
    """
    try:
        if settings.migrate_on_start:
            upgrade(settings.database_url)
            return None
        current = current_revision(settings.database_url)
    except (SQLAlchemyError, OSError, CommandError) as error:
        action = "migrate" if settings.migrate_on_start else "check"
        reason = str(error).splitlines()[0]  # SQLAlchemy's errors add the SQL and a link below
        return f"Cannot {action} the database at {shown(settings.database_url)}: {reason}"
    head = head_revision()
    if current == head:
        return None
    return (
        f"The database at {shown(settings.database_url)} is at revision {current or '(none)'}, "
        f"this code needs {head}: run `make migrate` (or set MIGRATE_ON_START=true)"
    )


def shown(database_url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(database_url).render_as_string(hide_password=True)
