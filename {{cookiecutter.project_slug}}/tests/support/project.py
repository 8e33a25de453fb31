"""Facts about the generated project under test: where it lives and which provider it speaks."""

from pathlib import Path

from {{ cookiecutter.project_slug }}.settings import DEFAULT_MODEL

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The provider this project was generated for, e.g. "gemini" or "ollama".
PROVIDER = {{ cookiecutter.provider | tojson }}
# The LiteLLM route of its models, e.g. "gemini" (gemini/...) or "ollama_chat" (ollama_chat/...).
ROUTE = DEFAULT_MODEL.partition("/")[0]
