"""Configuration: one pydantic-settings object, read from the environment and the project's .env."""

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from dotenv import dotenv_values
from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = {{ cookiecutter.__model | tojson }}
{%- if cookiecutter.store != "memory" %}
# The URL schemes of the database this project's store uses; stores/database.py picks the driver.
{%- endif %}
{%- if cookiecutter.store == "sqlite" %}
DATABASE_SCHEMES = ("sqlite",)
DATABASE_EXAMPLE = "sqlite:///path/to/chatkit.db"
{%- elif cookiecutter.store == "postgres" %}
DATABASE_SCHEMES = ("postgresql", "postgres")
DATABASE_EXAMPLE = "postgresql://user:password@host:5432/db"
{%- endif %}
{%- if cookiecutter.provider == "ollama" %}
# The attachment types converter.py can send the model (images and text), with the file
# extensions the chat page's file picker offers for each. Not PDFs: Ollama's chat API takes
# images only, and LiteLLM refuses a PDF part for it, which would fail the turn and every later
# one of the thread (the PDF goes again with its history).
{%- else %}
# The attachment types converter.py can send the model (images, PDFs and text), with the file
# extensions the chat page's file picker offers for each.
{%- endif %}
SENDABLE_MIME_TYPES = {
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/gif": [".gif"],
    "image/webp": [".webp"],
{%- if cookiecutter.provider != "ollama" %}
    "application/pdf": [".pdf"],
{%- endif %}
    "text/plain": [".txt"],
    "text/markdown": [".md"],
    "text/csv": [".csv"],
    "application/json": [".json"],
}


def prepare_environment() -> None:
    """Load the .env file into the process and set LiteLLM's start-up switch before it is imported.

    The .env values go into os.environ (not only into Settings) because LiteLLM reads the
    provider's own variables (API keys, *_API_BASE) from there. Variables already set win, and an
    empty value in the file counts as unset, like a commented line. ENV_FILE names another file;
    set to empty, no file is read (the tests do that, so a developer's .env never reaches them).
    """
    env_file = os.environ.get("ENV_FILE", str(PROJECT_ROOT / ".env"))
    if env_file:
        for name, value in dotenv_values(env_file).items():
            if value:
                os.environ.setdefault(name, value)
    # Without this LiteLLM fetches its model cost map from the internet at import time, which
    # blocks start-up for seconds when egress hangs.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def variables_set(names: Iterable[str]) -> dict[str, str]:
    """Those of the environment variables `names` that are set and not blank, by name, in order.

    For the provider's own variables (keys, endpoints), which LiteLLM reads from the environment
    itself: the app only checks them (startup.py, tracing.py).
    """
    return {name: os.environ[name] for name in names if os.environ.get(name, "").strip()}


class Settings(BaseSettings):
    """Every setting the backend reads; see .env.example for the variables."""

    # Errors name the setting but never echo its value, which may be a secret.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    host: str = "127.0.0.1"
    port: int = Field(default={{ cookiecutter.port }}, ge=1, le=65535)
    # The proxies whose X-Forwarded-For/-Proto are believed (addresses or networks, comma
    # separated); a request from anywhere else keeps its own address.
    forwarded_allow_ips: str = "127.0.0.1"

    llm_model: str = DEFAULT_MODEL
    # Only for an explicit override: by default LiteLLM reads the provider's own *_API_BASE.
    llm_base_url: str | None = None
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0)
    # The wait before the first retry; it doubles for each further one (see retries.py).
    llm_retry_backoff_seconds: float = Field(default=0.5, ge=0)

{%- if cookiecutter.store == "sqlite" %}

    # The file and its directory are created on first start.
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'chatkit.db'}"
{%- elif cookiecutter.store == "postgres" %}

    # Required, e.g. postgresql://user:password@host:5432/dbname.
    database_url: str
{%- endif %}
{%- if cookiecutter.store != "memory" %}
    # Start-up upgrades the schema to the latest migration (for containers) instead of
    # refusing to serve a database that is behind it.
    migrate_on_start: bool = False
{%- endif %}

    history_limit: int = Field(default=30, ge=1, le=500)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:5173"]
    debug_endpoints: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "json": one JSON object per line, for log collectors; "text": for people.
    log_format: Literal["text", "json"] = "text"
    # On SIGTERM, how long turns in flight may go on before they are cancelled.
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)

    # "none": every request is one local user (development); "jwt": Authorization: Bearer.
    auth_mode: Literal["none", "jwt"] = "none"
    # With jwt, exactly one of: a shared HS256 secret, or a JWKS URL (RS256/ES256 keys).
    auth_jwt_secret: SecretStr | None = None
    auth_jwks_url: str | None = None
    auth_jwt_audience: str | None = None
    auth_jwt_issuer: str | None = None
    # Lets `python backend/main.py` serve AUTH_MODE=none on an address other than loopback.
    allow_insecure_no_auth: bool = False

    # Rate limits, in the `limits` notation ("20/minute", "200/hour;1000/day"). Turns run the
    # model; every /chatkit request counts as a request. Unset: by AUTH_MODE (rate_limits.py).
    rate_limit_turns: str | None = None
    rate_limit_requests: str | None = None
    # Requests whose token fails verification, per client address.
    rate_limit_auth_failures: str = "30/minute"
    # memory:// counts in each process; redis://host:6379 shares the counts between them.
    rate_limit_storage_url: str = "memory://"

    # Cross-site requests and DNS rebinding: the Host names served ("*": any).
    allowed_hosts: Annotated[list[str], NoDecode] = []

    # Sizes a user may store; longer requests get 400.
    max_message_chars: int = Field(default=20_000, ge=1)
    max_title_chars: int = Field(default=200, ge=1)
    # The largest page of threads or items a list request returns; ChatKit pages on with `after`.
    max_page_size: int = Field(default=100, ge=1, le=1000)

    # Connections, for `python backend/main.py` (see the README for `uvicorn main:app`).
    max_header_bytes: int = Field(default=32_768, ge=4096, le=1_048_576)
    max_connections: int = Field(default=1000, ge=1)
    keep_alive_seconds: int = Field(default=5, ge=1)

    # Agents SDK tracing sends every turn (messages included) to OpenAI's traces endpoint with
    # OPENAI_API_KEY: only when asked, and never past another endpoint (see tracing.py).
    agents_tracing: bool = False
    # Thread titles (titles.py): after a reply, a short title for a thread that has none.
    thread_titles: bool = True
    # A cheaper model of the same provider for titles (a LiteLLM model string); else LLM_MODEL.
    title_model: str | None = None
    # How long a title may take, retries included; the stream ends without one after that.
    title_timeout_seconds: float = Field(default=10.0, gt=0)

    # Attachments (attachments.py): limits, the links' lifetimes and what the model is sent.
    attachment_max_bytes: int = Field(default=10_000_000, ge=1)
    attachment_max_per_message: int = Field(default=4, ge=0)
    attachment_max_bytes_per_user: int = Field(default=200_000_000, ge=0)
    # Some or all of SENDABLE_MIME_TYPES.
    attachment_mime_types: Annotated[list[str], NoDecode] = list(SENDABLE_MIME_TYPES)
    # Earlier messages' attachments are re-sent to the model up to this many bytes per turn;
    # older ones become a note such as "[image: photo.png]".
    attachment_history_bytes: int = Field(default=20_000_000, ge=0)
    # An upload never sent in a message is deleted after this long.
    attachment_unsent_ttl_seconds: int = Field(default=86_400, ge=60)
    attachment_upload_token_seconds: int = Field(default=300, ge=1)
    attachment_preview_seconds: int = Field(default=3_600, ge=1)
    # Signs upload and preview links; set the same one on every replica. Unset: a random key
    # per process, so links die with it.
    attachment_signing_secret: SecretStr | None = None

    # The development chat page at GET / (chat_page.py). By default served with AUTH_MODE=none
    # only: with jwt it is usually the real front end's job.
    chat_page: bool | None = None
    # ChatKit.js needs a domain key even with a custom backend; this one works on localhost.
    chatkit_domain_key: str = Field(default="domain_pk_localhost_dev", pattern=r"^[\w.-]+$")


{%- if cookiecutter.store != "memory" %}

    @field_validator("database_url")
    @classmethod
    def _database_of_this_store(cls, url: str) -> str:
        # "sqlite+aiosqlite://" and the like name a driver too; the store chooses its own.
        scheme, separator, _ = url.partition("://")
        if not separator or scheme.partition("+")[0] not in DATABASE_SCHEMES:
            raise ValueError(f"expected a URL like {DATABASE_EXAMPLE}")
        return url
{%- endif %}

    @field_validator("cors_origins", "allowed_hosts", "attachment_mime_types", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [entry.strip() for entry in value.split(",") if entry.strip()]
        return value

    @field_validator("rate_limit_turns", "rate_limit_requests", "rate_limit_auth_failures")
    @classmethod
    def _rate_limit(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_many(value)
            except ValueError as error:
                raise ValueError("expected a rate like 20/minute or 200/hour;1000/day") from error
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _rate_limit_storage(cls, url: str) -> str:
        if url.partition("://")[0] not in ("memory", "redis", "rediss"):
            raise ValueError("expected memory:// or redis://host:port")
        return url

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, origins: list[str]) -> list[str]:
        # The app sends credentials (cookies, Authorization); browsers forbid that with "*",
        # and allowing every origin would let any site drive a user's threads.
        if "*" in origins:
            raise ValueError("list the front-end origins explicitly; '*' is not allowed")
        return origins

    @field_validator(
        "auth_jwt_secret",
        "auth_jwks_url",
        "auth_jwt_audience",
        "auth_jwt_issuer",
        "title_model",
        "chat_page",
        "rate_limit_turns",
        "rate_limit_requests",
        "attachment_signing_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # An uncommented but empty line in .env (AUTH_JWT_AUDIENCE=) means "not set".
        return None if value == "" else value

    @field_validator("attachment_mime_types")
    @classmethod
    def _sendable_types(cls, mime_types: list[str]) -> list[str]:
        unknown = sorted(set(mime_types) - set(SENDABLE_MIME_TYPES))
        if unknown:
            raise ValueError(f"the model cannot be sent {', '.join(unknown)}")
        return mime_types

    @field_validator("attachment_signing_secret")
    @classmethod
    def _long_signing_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        # Links carry HMACs of known claims: a short key could be found offline.
        if secret is not None and len(secret.get_secret_value().encode()) < 32:
            raise ValueError("ATTACHMENT_SIGNING_SECRET must be at least 32 bytes")
        return secret

    @field_validator("auth_jwt_secret")
    @classmethod
    def _long_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        # A short HS256 secret can be guessed offline from any one token.
        if secret is not None and len(secret.get_secret_value().encode()) < 32:
            raise ValueError(
                "at least 32 bytes are needed; make a secret with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return secret

    @model_validator(mode="after")
    def _one_key_source_for_jwt(self) -> Self:
        sources = [self.auth_jwt_secret, self.auth_jwks_url]
        if self.auth_mode == "jwt" and sum(source is not None for source in sources) != 1:
            raise ValueError(
                "AUTH_MODE=jwt needs exactly one of AUTH_JWT_SECRET (HS256) "
                "or AUTH_JWKS_URL (RS256/ES256)"
            )
        return self

    @property
    def serves_chat_page(self) -> bool:
        """CHAT_PAGE if set, else whether AUTH_MODE is none."""
        return self.chat_page if self.chat_page is not None else self.auth_mode == "none"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
