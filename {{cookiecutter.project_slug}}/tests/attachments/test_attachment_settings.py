"""The attachment settings: types the model cannot read and short signing keys are refused."""

from typing import Any

import pytest
from pydantic import ValidationError

from {{ cookiecutter.project_slug }}.settings import SENDABLE_MIME_TYPES, Settings


def changed(settings: Settings, **changes: Any) -> Settings:
    """`settings` with `changes`, validated as if read from the environment."""
    return Settings(**{**settings.model_dump(), **changes})


def test_the_accepted_types_are_a_comma_separated_list(settings: Settings):
    accepted = changed(settings, attachment_mime_types="image/png, text/plain")

    assert accepted.attachment_mime_types == ["image/png", "text/plain"]


def test_by_default_every_type_the_model_can_read_is_accepted(settings: Settings):
    assert settings.attachment_mime_types == list(SENDABLE_MIME_TYPES)


def test_a_type_the_model_cannot_read_is_refused(settings: Settings):
    with pytest.raises(ValidationError, match="application/zip"):
        changed(settings, attachment_mime_types="image/png,application/zip")


def test_a_short_signing_secret_is_refused(settings: Settings):
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        changed(settings, attachment_signing_secret="short")
