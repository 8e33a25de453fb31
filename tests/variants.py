"""The option space the template supports, as data, and which variants run which checks."""

import json
from itertools import product
from pathlib import Path

TEMPLATE = Path(__file__).parents[1]
CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text())["_choices"]
PROVIDERS = tuple(CHOICES["provider"])
STORES = tuple(CHOICES["store"])

# Every provider with every store: each gets the fast checks (bake, lint, no template debris).
ALL_VARIANTS = [{"provider": p, "store": s} for p, s in product(PROVIDERS, STORES)]

# The variants whose generated full suite runs: also the tests that start server processes,
# which serve, shut down and persist the same way whatever the provider. The default bake, and
# the production store with Ollama, whose wire format is the least like the others'.
FULL_SUITE_VARIANTS = [
    {"provider": "gemini", "store": "sqlite"},
    {"provider": "ollama", "store": "postgres"},
]

# The generated fast suite (`make test`: in-process, against the fake provider) on two more, so
# that every provider and every store runs its own tests in some variant. The other eight get
# the fast checks only: each of their modules runs in a suite here, and the 12 minutes the
# template's CI may take on 2 cores do not hold twelve suites.
FAST_SUITE_VARIANTS = [
    {"provider": "openai", "store": "memory"},
    {"provider": "anthropic", "store": "sqlite"},
]

# A non-default port proves the answer reaches the generated code.
PORT = "8765"

# The names each provider's code uses; a variant must carry its own and no other.
PROVIDER_MARKERS = {
    "gemini": "GEMINI_API_KEY",
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    # Ollama takes no key: its server's address is the name only its code uses.
    "ollama": "OLLAMA_API_BASE",
}


def variant_id(variant: dict[str, str]) -> str:
    """A readable test id, such as `provider:gemini-store:sqlite`."""
    return "-".join(f"{key}:{value}" for key, value in variant.items())
