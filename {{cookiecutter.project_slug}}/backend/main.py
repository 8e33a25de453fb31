"""Entry point: `python backend/main.py` serves the backend; `uvicorn main:app` imports it."""

import sys

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.auth import refuse_open_bind
from {{ cookiecutter.project_slug }}.gc_tuning import tune_gc
from {{ cookiecutter.project_slug }}.graceful_shutdown import serve
from {{ cookiecutter.project_slug }}.logs import configure_logging
from {{ cookiecutter.project_slug }}.settings import get_settings
from {{ cookiecutter.project_slug }}.startup import missing_api_key, warn_about_model
{%- if cookiecutter.store != "memory" %}
from {{ cookiecutter.project_slug }}.stores.schema import prepare_schema
{%- endif %}

settings = get_settings()
configure_logging(settings)
# Refused here, before serving, so that `uvicorn main:app` stops on it too, with one line.
if problem := missing_api_key():
    sys.exit(problem)
{%- if cookiecutter.store != "memory" %}
# The database must be at the latest migration: checked, or with MIGRATE_ON_START brought there.
if problem := prepare_schema(settings):
    sys.exit(problem)
{%- endif %}
warn_about_model(settings.llm_model)
app = create_app(settings)
# Here rather than in the app, so that only serving processes change their collector, not tests.
tune_gc()

if __name__ == "__main__":
    # Under `uvicorn main:app --host ...` the bind address is not known here: see the README.
    if refusal := refuse_open_bind(settings):
        sys.exit(refusal)
    serve(app, settings)
