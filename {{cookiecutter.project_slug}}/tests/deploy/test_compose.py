"""compose.yaml, read as data: what is published, what waits for what, what may be scaled."""

import re
from typing import Any

import pytest
import yaml

from {{ cookiecutter.project_slug }}.graceful_shutdown import BACKSTOP_SECONDS
from {{ cookiecutter.project_slug }}.settings import Settings

from support.project import PROJECT_ROOT


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def default_of(value: str) -> str:
    """The default in a compose interpolation like ${NAME:-default}; the value if there is none."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return match.group(1) if match else value


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, f"not a duration in seconds: {duration}"
    return float(match.group(1))


def test_the_proxy_is_the_only_service_with_a_published_port(services: dict[str, Any]):
    published = {name for name, service in services.items() if service.get("ports")}

    assert published == {"proxy"}


def test_the_proxy_runs_the_projects_caddyfile(services: dict[str, Any]):
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]


def test_the_proxy_sends_requests_to_the_backends_port(services: dict[str, Any]):
    proxy_env = services["proxy"]["environment"]
    backend_env = services["backend"]["environment"]

    assert proxy_env["BACKEND_HOST"] == "backend"
    assert proxy_env["BACKEND_PORT"] == backend_env["PORT"]


def test_the_backend_runs_the_images_own_command(services: dict[str, Any]):
    # An override would lose the exec form, and with it SIGTERM and the graceful shutdown.
    assert "command" not in services["backend"]
    assert services["backend"]["build"] == "."


def test_the_backend_has_nothing_that_prevents_replicas(services: dict[str, Any]):
    backend = services["backend"]

    assert not {"container_name", "ports", "hostname"} & backend.keys()


def test_the_backend_trusts_forwarded_headers_only_from_the_proxys_network(
    compose: dict[str, Any], services: dict[str, Any]
):
    (subnet,) = [pool["subnet"] for pool in compose["networks"]["web"]["ipam"]["config"]]
    trusted = services["backend"]["environment"]["FORWARDED_ALLOW_IPS"]

    assert trusted == subnet
    assert default_of(trusted) != "*"
    assert services["proxy"]["networks"] == ["web"]


def test_the_backend_is_given_time_to_finish_its_turns_on_stop(services: dict[str, Any]):
    needed = Settings.model_fields["shutdown_grace_seconds"].default + BACKSTOP_SECONDS

    assert seconds(services["backend"]["stop_grace_period"]) > needed
{%- if cookiecutter.store != "memory" %}


def test_migrations_complete_before_the_backend_starts(services: dict[str, Any]):
    assert services["backend"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }
    assert services["migrate"]["command"][-3:] == ["alembic", "upgrade", "head"]
    assert services["migrate"]["image"] == services["backend"]["image"]
{%- endif %}
{%- if cookiecutter.store == "postgres" %}


def test_migrations_wait_until_postgres_is_ready(services: dict[str, Any]):
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])


def test_every_replica_uses_the_one_postgres_service(services: dict[str, Any]):
    url = services["backend"]["environment"]["DATABASE_URL"]

    assert re.fullmatch(r"postgresql://chatkit:\$\{POSTGRES_PASSWORD:\?.+\}@db:5432/chatkit", url)


def test_the_database_is_reachable_only_from_the_stack(compose: dict[str, Any]):
    assert compose["networks"]["data"]["internal"] is True
    assert compose["services"]["db"]["networks"] == ["data"]
{%- elif cookiecutter.store == "sqlite" %}


def test_the_sqlite_file_is_on_a_volume(services: dict[str, Any]):
    url = services["backend"]["environment"]["DATABASE_URL"]
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()

    assert url == "sqlite:////app/data/chatkit.db"
    assert "data:/app/data" in services["backend"]["volumes"]
    assert 'VOLUME ["/app/data"]' in dockerfile
{%- endif %}
