"""Entry point: `python backend/main.py` serves the backend; `uvicorn main:app` imports it.

The checks run before the app is imported, which takes seconds (LiteLLM alone does), so that a
bad setting, an open bind address or a missing database stops the server at once, in one line.
Under `uvicorn main:app` they stop it too: uvicorn imports this module before it serves.
"""

import sys

from {{ cookiecutter.project_slug }}.auth import refuse_open_bind
from {{ cookiecutter.project_slug }}.gc_tuning import tune_gc
from {{ cookiecutter.project_slug }}.graceful_shutdown import serve
from {{ cookiecutter.project_slug }}.logs import configure_logging
from {{ cookiecutter.project_slug }}.startup import (
    missing_api_key,
    settings_or_exit,
{%- if cookiecutter.store != "memory" %}
    unavailable_store,
{%- endif %}
    warn_about_model,
)
{%- if cookiecutter.store != "memory" %}
from {{ cookiecutter.project_slug }}.stores.schema import prepare_schema
{%- endif %}

settings = settings_or_exit()
configure_logging(settings)
# Under `uvicorn main:app --host ...` the bind address is not known here: see the README.
if __name__ == "__main__" and (refusal := refuse_open_bind(settings)):
    sys.exit(refusal)
{%- if cookiecutter.store != "memory" %}
if problem := unavailable_store(settings):
    sys.exit(problem)
# The database must be at the latest migration: checked, or with MIGRATE_ON_START brought there.
if problem := prepare_schema(settings):
    sys.exit(problem)
{%- endif %}
# The first check to import LiteLLM.
if problem := missing_api_key(settings):
    sys.exit(problem)
warn_about_model(settings)

from {{ cookiecutter.project_slug }}.app import create_app  # noqa: E402 (after the checks)

app = create_app(settings)
# Here rather than in the app, so that only serving processes change their collector, not tests.
tune_gc()

if __name__ == "__main__":
    serve(app, settings)
