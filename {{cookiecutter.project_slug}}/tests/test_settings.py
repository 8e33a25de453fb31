"""Settings: read from the environment, with unsafe values refused."""

import pytest
from pydantic import ValidationError

{% if cookiecutter.store == "sqlite" -%}
from {{ cookiecutter.project_slug }}.settings import DEFAULT_MODEL, PROJECT_ROOT, Settings
{%- else -%}
from {{ cookiecutter.project_slug }}.settings import DEFAULT_MODEL, Settings
{%- endif %}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine's environment or .env."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
{%- if cookiecutter.store == "postgres" %}
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
{%- endif %}


def test_the_model_defaults_to_the_one_chosen_at_generation(settings: Settings):
    assert settings.llm_model == DEFAULT_MODEL


def test_the_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PORT", "9123")

    assert Settings().port == 9123


def test_cors_origins_are_read_as_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CORS_ORIGINS", "http://localhost:5173, https://app.example.com")

    assert Settings().cors_origins == ["http://localhost:5173", "https://app.example.com"]


def test_a_wildcard_cors_origin_is_refused():
    with pytest.raises(ValidationError, match="explicitly"):
        Settings(cors_origins=["*"])
{%- if cookiecutter.store == "sqlite" %}


def test_the_database_defaults_to_a_file_under_the_project():
    assert Settings().database_url == f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'chatkit.db'}"
{%- endif %}
{%- if cookiecutter.store != "memory" %}


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db:5432/chat", "postgresql+asyncpg://u:p@db:5432/chat"),
        ("postgres://u@db/chat", "postgresql+asyncpg://u@db/chat"),
        ("sqlite:////srv/chat.db", "sqlite+aiosqlite:////srv/chat.db"),
        ("postgresql+asyncpg://u@db/chat", "postgresql+asyncpg://u@db/chat"),
    ],
)
def test_database_urls_get_an_asyncio_driver(given: str, used: str):
    assert Settings(database_url=given).database_url == used
{%- endif %}
