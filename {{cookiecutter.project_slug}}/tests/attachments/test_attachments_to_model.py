"""What the model receives of attachments: the exact bytes, in the provider's own parts."""

import pytest

from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import FakeProvider
from support.attachment_client import png, uploaded, with_attachments
from support.chatkit_client import ChatKitClient, errors
{%- if cookiecutter.provider != "ollama" %}

PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n"
{%- endif %}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Room in the history for one earlier 2 000-byte image, not two."""
    return settings.model_copy(update={"attachment_history_bytes": 3_000})


async def send_new_thread(chatkit: ChatKitClient, text: str, *attachment_ids: str) -> str:
    events = await chatkit.stream("threads.create", input=with_attachments(text, *attachment_ids))
    assert not errors(events)
    return events[0]["thread"]["id"]


async def send(chatkit: ChatKitClient, thread_id: str, text: str, *attachment_ids: str) -> None:
    message = with_attachments(text, *attachment_ids)
    events = await chatkit.stream("threads.add_user_message", thread_id=thread_id, input=message)
    assert not errors(events)


async def test_the_model_receives_the_images_exact_bytes(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    image = png()
    attachment = await uploaded(chatkit, image)

    await send_new_thread(chatkit, "What is in this picture?", attachment["id"])

    assert fake_provider.requests[-1].media == [("image/png", image)]
    assert ("user", "What is in this picture?") in fake_provider.requests[-1].transcript
{%- if cookiecutter.provider != "ollama" %}


async def test_the_model_receives_a_pdfs_exact_bytes(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    attachment = await uploaded(chatkit, PDF, name="paper.pdf", mime_type="application/pdf")

    await send_new_thread(chatkit, "Summarise the paper", attachment["id"])

    assert fake_provider.requests[-1].media == [("application/pdf", PDF)]
{%- endif %}


async def test_a_text_file_reaches_the_model_as_text(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    notes = "Meeting at noon, bring the ✓ list.".encode()
    attachment = await uploaded(chatkit, notes, name="notes.txt", mime_type="text/plain")

    await send_new_thread(chatkit, "When is the meeting?", attachment["id"])

    transcript = fake_provider.requests[-1].transcript
    assert any("Meeting at noon, bring the ✓ list." in text for _, text in transcript)


async def test_the_next_turn_sends_the_earlier_image_again(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    image = png(2_000)
    thread_id = await send_new_thread(chatkit, "Look", (await uploaded(chatkit, image))["id"])

    await send(chatkit, thread_id, "And the colours?")

    assert fake_provider.requests[-1].media == [("image/png", image)]
    assert ("assistant", "echo: Look") in fake_provider.requests[-1].transcript


async def test_earlier_images_past_the_history_budget_become_a_note(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    first, second, third = png(2_000), png(2_000), png(2_000)
    thread_id = await send_new_thread(
        chatkit, "One", (await uploaded(chatkit, first, name="first.png"))["id"]
    )
    await send(chatkit, thread_id, "Two", (await uploaded(chatkit, second))["id"])

    await send(chatkit, thread_id, "Three", (await uploaded(chatkit, third))["id"])

    # The newest message's always go; of the earlier ones, as many as fit, newest first.
    assert fake_provider.requests[-1].media == [("image/png", second), ("image/png", third)]
{%- if cookiecutter.provider == "ollama" %}
    # Ollama takes a message's text as one string: the note follows the user's, on its own lines.
    assert ("user", "One\n\n[image: first.png]") in fake_provider.requests[-1].transcript
{%- else %}
    assert ("user", "[image: first.png]") in fake_provider.requests[-1].transcript
{%- endif %}
