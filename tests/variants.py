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

# The variants whose generated full suite runs (the tests that start server processes too).
# Each provider appears once and each store at least once, so every provider module and every
# store module runs end to end under uvicorn; the pairing puts the default store with the default
# provider, and Ollama, whose wire format is the least like the others', with it too.
FULL_SUITE_VARIANTS = [
    {"provider": "gemini", "store": "sqlite"},
    {"provider": "anthropic", "store": "postgres"},
    {"provider": "openai", "store": "memory"},
    {"provider": "ollama", "store": "sqlite"},
]

# The others run the generated fast suite (`make test`: in-process, against the fake
# provider), which covers the provider x store code paths the four above do not pair up.
FAST_SUITE_VARIANTS = [variant for variant in ALL_VARIANTS if variant not in FULL_SUITE_VARIANTS]

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
