"""Facts about the generated project under test: where it lives and which provider it speaks."""

from pathlib import Path

from {{ cookiecutter.project_slug }}.settings import DEFAULT_MODEL

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The provider this project was generated for, e.g. "gemini".
PROVIDER = DEFAULT_MODEL.partition("/")[0]
