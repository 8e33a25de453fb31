"""Entry point: `python backend/main.py` serves the backend; `uvicorn main:app` imports it."""

import logging

import uvicorn

from {{ cookiecutter.project_slug }}.api import create_app
from {{ cookiecutter.project_slug }}.settings import get_settings

settings = get_settings()
logging.basicConfig(
    level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
)
app = create_app(settings)

if __name__ == "__main__":
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower())
