"""Keep only the code of the chosen provider and store.

Whole files are chosen here, from the tables below; small differences inside a file are Jinja.
"""

import json
import shutil
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

PROJECT = Path.cwd()
PACKAGE = PROJECT / "backend" / ANSWERS["project_slug"]

# The provider's LitellmModel block becomes the package's model.py.
PROVIDER_MODULES = PACKAGE / "_providers"
MODEL_MODULE = PACKAGE / "model.py"

# Store modules and the tests that only make sense with them, by store; the SQL stores come
# with their migrations.
SQL_STORE = [
    PACKAGE / "stores" / "sql.py",
    PACKAGE / "stores" / "schema.py",
    PROJECT / "alembic.ini",
    PROJECT / "backend" / "migrations",
    PROJECT / "tests" / "test_persistence.py",
    PROJECT / "tests" / "test_migrations.py",
]
STORE_FILES = {
    "memory": [PACKAGE / "stores" / "memory.py"],
    "sqlite": SQL_STORE,
    "postgres": SQL_STORE,
}
# A SQL store's connection to its database becomes the package's stores/database.py.
DATABASE_MODULES = PACKAGE / "stores" / "_databases"
DATABASE_MODULE = PACKAGE / "stores" / "database.py"


def select_provider(provider: str) -> None:
    (PROVIDER_MODULES / f"{provider}.py").replace(MODEL_MODULE)
    shutil.rmtree(PROVIDER_MODULES)


def select_store(store: str) -> None:
    keep = set(STORE_FILES[store])
    for path in {path for paths in STORE_FILES.values() for path in paths} - keep:
        remove(path)
    if store != "memory":
        (DATABASE_MODULES / f"{store}.py").replace(DATABASE_MODULE)
    shutil.rmtree(DATABASE_MODULES)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def main() -> None:
    select_provider(ANSWERS["provider"])
    select_store(ANSWERS["store"])


if __name__ == "__main__":
    main()
