"""A ChatKit backend driven by an OpenAI Agents SDK agent via LiteLLM.

Importing the package prepares the process environment first, so that LiteLLM, whichever module
imports it, starts offline and quiet.
"""

from .settings import prepare_environment

prepare_environment()
