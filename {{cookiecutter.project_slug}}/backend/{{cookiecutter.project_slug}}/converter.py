"""Thread history to agent input, in a form the chat-completions path (LiteLLM) accepts."""

import base64
from collections.abc import Mapping

from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.types import AssistantMessageItem, Attachment, UserMessageTagContent
from openai.types.responses import (
    ResponseInputContentParam,
{%- if cookiecutter.provider != "ollama" %}
    ResponseInputFileParam,
{%- endif %}
    ResponseInputImageParam,
    ResponseInputTextParam,
)


class ChatCompletionsConverter(ThreadItemConverter):
    """ChatKit's converter, with earlier replies sent as plain text.

    The stock converter sends an assistant reply as a list of `output_text` parts. The Agents
    SDK's chat-completions converter, which LitellmModel goes through, rejects those with
    `UserError: Unknown content`, so every turn after the first would fail. String content is
    accepted by both the chat-completions and the Responses paths.
{%- if cookiecutter.provider == "ollama" %}

    Attachments go as image or text parts, with their bytes from `contents` (by attachment id);
    one without bytes there, beyond the turn's budget, goes as a short note. LiteLLM sends an
    image part's bytes in the Ollama message's `images`; PDFs are never accepted (settings.py).
{%- else %}

    Attachments go as image, file (PDF) or text parts, with their bytes from `contents` (by
    attachment id); one without bytes there, beyond the turn's budget, goes as a short note.
    LiteLLM turns image and file parts into each provider's own.
{%- endif %}
    """

    def __init__(self, contents: Mapping[str, bytes] | None = None) -> None:
        self.contents = contents or {}

    async def assistant_message_to_input(self, item: AssistantMessageItem) -> TResponseInputItem:
        return {
            "type": "message",
            "role": "assistant",
            "content": "".join(part.text for part in item.content),
        }

    async def tag_to_message_content(self, tag: UserMessageTagContent) -> ResponseInputContentParam:
        # ChatKit's default raises, which fails the turn, and every later one in the thread.
        # Describe what your app's tags mean here (tag.data holds what the front end attached).
        return ResponseInputTextParam(type="input_text", text=f"@{tag.text} (id {tag.id})")

    async def attachment_to_message_content(
        self, attachment: Attachment
    ) -> ResponseInputContentParam:
        content = self.contents.get(attachment.id)
        kind = "image" if attachment.type == "image" else "file"
        if content is None:
            return text_part(f"[{kind}: {attachment.name}]")
        data_url = f"data:{attachment.mime_type};base64,{base64.b64encode(content).decode()}"
        if kind == "image":
            return ResponseInputImageParam(type="input_image", image_url=data_url, detail="auto")
{%- if cookiecutter.provider != "ollama" %}
        if attachment.mime_type == "application/pdf":
            return ResponseInputFileParam(
                type="input_file", file_data=data_url, filename=attachment.name
            )
{%- endif %}
        # Text types (attachments.create accepts no others); the name says where it ends.
        text = content.decode("utf-8", errors="replace")
        return text_part(f"[file: {attachment.name}]\n{text}\n[end of {attachment.name}]")


def text_part(text: str) -> ResponseInputTextParam:
{%- if cookiecutter.provider == "ollama" %}
    # LiteLLM joins a message's text parts into Ollama's one `content` with nothing between, so
    # an attachment's text starts on lines of its own.
    return ResponseInputTextParam(type="input_text", text=f"\n\n{text}")
{%- else %}
    return ResponseInputTextParam(type="input_text", text=text)
{%- endif %}
