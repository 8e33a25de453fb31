"""Refuse invalid answers before cookiecutter writes anything.

The answers arrive as JSON data, never pasted into Python source, so any text is safe here.
"""

import json
import keyword
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

PROVIDERS = ("gemini", "openai", "anthropic")
STORES = ("sqlite", "postgres", "memory")
SLUG = re.compile(r"[a-z_][a-z0-9_]*")


def problems(answers: dict) -> list[str]:
    """Every reason the answers cannot produce a working project, one line each."""
    found = []
    slug = answers["project_slug"]
    if not SLUG.fullmatch(slug) or keyword.iskeyword(slug):
        found.append(
            f"project_slug {slug!r} is not a lower-case Python identifier "
            "(letters, digits and _, not starting with a digit), e.g. my_chat_backend"
        )
    port = str(answers["port"])
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        found.append(f"port {port!r} is not an integer from 1 to 65535")
    provider = answers["provider"]
    if provider not in PROVIDERS:
        found.append(f"provider {provider!r} is not one of {', '.join(PROVIDERS)}")
    store = answers["store"]
    if store not in STORES:
        found.append(f"store {store!r} is not one of {', '.join(STORES)}")
    model = answers["model"]
    if model != "auto" and not re.fullmatch(rf"{re.escape(provider)}/\S+", model):
        found.append(
            f"model {model!r} must be 'auto' or a LiteLLM model string for {provider}, "
            f"such as {answers['_default_models'].get(provider, provider + '/<model>')!r}"
        )
    return found


def main() -> int:
    found = problems(ANSWERS)
    for problem in found:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
