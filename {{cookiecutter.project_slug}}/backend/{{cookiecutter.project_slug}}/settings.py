"""Configuration: one pydantic-settings object, read from the environment and the project's .env."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from dotenv import load_dotenv
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = {{ cookiecutter.__model | tojson }}
{%- if cookiecutter.store != "memory" %}
ASYNC_DRIVERS = {
    "postgresql://": "postgresql+asyncpg://",
    "postgres://": "postgresql+asyncpg://",
    "sqlite://": "sqlite+aiosqlite://",
}
{%- endif %}


def prepare_environment() -> None:
    """Load .env into the process and set LiteLLM's start-up switches before it is imported.

    The .env values go into os.environ (not only into Settings) because LiteLLM reads the
    provider's own variables (API keys, *_API_BASE) from there. Variables already set win.
    """
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    # Without this LiteLLM fetches its model cost map from the internet at import time, which
    # blocks start-up for seconds when egress hangs.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # Traces go to OpenAI's platform; with no OpenAI key they can only fail.
    if not os.environ.get("OPENAI_API_KEY"):
        os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")


class Settings(BaseSettings):
    """Every setting the backend reads; see .env.example for the variables."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default={{ cookiecutter.port }}, ge=1, le=65535)

    llm_model: str = DEFAULT_MODEL
    # Only for an explicit override: by default LiteLLM reads the provider's own *_API_BASE.
    llm_base_url: str | None = None
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0)

{%- if cookiecutter.store == "sqlite" %}

    # The file is created on first start. A postgresql:// URL works as well.
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'chatkit.db'}"
{%- elif cookiecutter.store == "postgres" %}

    # Required, e.g. postgresql://user:password@host:5432/dbname.
    database_url: str
{%- endif %}

    history_limit: int = Field(default=30, ge=1, le=500)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:5173"]
    debug_endpoints: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


{%- if cookiecutter.store != "memory" %}

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        # Accept the URLs people usually have and pick the asyncio driver for them.
        for plain, driver in ASYNC_DRIVERS.items():
            if url.startswith(plain):
                return driver + url.removeprefix(plain)
        return url
{%- endif %}

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, origins: list[str]) -> list[str]:
        # The app sends credentials (cookies, Authorization); browsers forbid that with "*",
        # and allowing every origin would let any site drive a user's threads.
        if "*" in origins:
            raise ValueError("list the front-end origins explicitly; '*' is not allowed")
        return origins


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
