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
    assert Settings().database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'chatkit.db'}"


@pytest.mark.parametrize(
    "url", ["sqlite:////srv/chat.db", "sqlite+aiosqlite:///data/chat.db", "sqlite://"]
)
def test_sqlite_urls_are_accepted_with_or_without_a_driver(url: str):
    assert Settings(database_url=url).database_url == url


@pytest.mark.parametrize("url", ["postgresql://u@db/chat", "/srv/chat.db", "mysql://u@db/chat"])
def test_a_database_url_this_store_cannot_use_is_refused(url: str):
    with pytest.raises(ValidationError, match=r"sqlite:///path/to/chatkit\.db"):
        Settings(database_url=url)
{%- elif cookiecutter.store == "postgres" %}


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:p@db:5432/chat", "postgres://u@db/chat", "postgresql+asyncpg://u@db/chat"],
)
def test_postgresql_urls_are_accepted_with_or_without_a_driver(url: str):
    assert Settings(database_url=url).database_url == url


@pytest.mark.parametrize("url", ["sqlite:///chat.db", "db:5432/chat", "mysql://u@db/chat"])
def test_a_database_url_this_store_cannot_use_is_refused(url: str):
    with pytest.raises(ValidationError, match="postgresql://user:password@host:5432/db"):
        Settings(database_url=url)
{%- endif %}
