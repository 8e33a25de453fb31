"""Uploads must start like their declared type: a file's first bytes, per type."""

import pytest

from {{ cookiecutter.project_slug }}.attachments import starts_like

HTML = b"<!DOCTYPE html><script>alert(1)</script>"
HEADS = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF",
    "image/gif": b"GIF89a\x01\x00\x01\x00",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3",
}


@pytest.mark.parametrize("mime_type", HEADS)
def test_a_files_own_signature_is_accepted(mime_type: str):
    assert starts_like(mime_type, HEADS[mime_type])


@pytest.mark.parametrize("mime_type", HEADS)
def test_html_is_refused_whatever_type_it_claims(mime_type: str):
    assert not starts_like(mime_type, HTML)


def test_a_riff_file_that_is_not_webp_is_refused():
    assert not starts_like("image/webp", b"RIFF\x24\x00\x00\x00WAVEfmt ")


def test_text_types_have_no_signature_to_check():
    assert starts_like("text/plain", b"any text")
