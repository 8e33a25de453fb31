"""Earlier replies reach the model in a form the chat-completions path accepts."""

from datetime import datetime

import pytest
from agents.exceptions import UserError
from agents.models.chatcmpl_converter import Converter
from chatkit.agents import ThreadItemConverter
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    UserMessageItem,
    UserMessageTextContent,
)

from {{ cookiecutter.project_slug }}.converter import ChatCompletionsConverter


def history() -> list:
    now = datetime.now()
    return [
        UserMessageItem(
            id="msg_1",
            thread_id="thr_1",
            created_at=now,
            content=[UserMessageTextContent(text="hello one")],
            attachments=[],
            inference_options=InferenceOptions(),
        ),
        AssistantMessageItem(
            id="msg_2",
            thread_id="thr_1",
            created_at=now,
            content=[AssistantMessageContent(text="echo: "), AssistantMessageContent(text="one")],
        ),
    ]


async def test_assistant_replies_become_plain_text_messages():
    agent_input = await ChatCompletionsConverter().to_agent_input(history())

    assert agent_input[-1] == {"type": "message", "role": "assistant", "content": "echo: one"}


async def test_the_chat_completions_converter_accepts_the_history():
    agent_input = await ChatCompletionsConverter().to_agent_input(history())

    messages = Converter.items_to_messages(agent_input)

    assert [message["role"] for message in messages] == ["user", "assistant"]
    assert messages[1]["content"] == "echo: one"


async def test_the_stock_converter_is_rejected_by_the_chat_completions_path():
    # Why the override exists; if this starts passing upstream fixed it.
    agent_input = await ThreadItemConverter().to_agent_input(history())

    with pytest.raises(UserError, match="Unknown content"):
        Converter.items_to_messages(agent_input)
