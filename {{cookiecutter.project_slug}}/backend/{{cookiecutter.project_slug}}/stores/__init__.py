"""Where threads live: the store chosen when this project was generated."""

from ..settings import Settings
from .base import AppStore
{%- if cookiecutter.store == "memory" %}
from .memory import MemoryStore
{%- else %}
from .sql import SqlStore
{%- endif %}


def create_store(settings: Settings) -> AppStore:
    """The store for this process; the app opens and closes it."""
{%- if cookiecutter.store == "memory" %}
    return MemoryStore()
{%- else %}
    return SqlStore(settings.database_url)
{%- endif %}
