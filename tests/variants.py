"""The option space the template supports, as data."""

PROVIDERS = ("gemini", "openai", "anthropic")
STORES = ("sqlite", "postgres", "memory")

# Every provider with the default store, and every store with the default provider.
VARIANTS = [{"provider": provider, "store": "sqlite"} for provider in PROVIDERS] + [
    {"provider": "gemini", "store": store} for store in STORES if store != "sqlite"
]

# The whole option space, for the fast checks (lint, locks) that every variant must pass.
EVERY_VARIANT = [
    {"provider": provider, "store": store} for provider in PROVIDERS for store in STORES
]

# A non-default port proves the answer reaches the generated code.
PORT = "8765"

# The names each provider's code uses; a variant must carry its own and no other.
PROVIDER_MARKERS = {
    "gemini": "GEMINI_API_KEY",
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}


def variant_id(variant: dict[str, str]) -> str:
    return "-".join(f"{key}:{value}" for key, value in variant.items())
