"""Thread history to agent input, in a form the chat-completions path (LiteLLM) accepts."""

from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.types import AssistantMessageItem, UserMessageTagContent
from openai.types.responses import ResponseInputContentParam, ResponseInputTextParam


class ChatCompletionsConverter(ThreadItemConverter):
    """ChatKit's converter, with earlier replies sent as plain text.

    The stock converter sends an assistant reply as a list of `output_text` parts. The Agents
    SDK's chat-completions converter, which LitellmModel goes through, rejects those with
    `UserError: Unknown content`, so every turn after the first would fail. String content is
    accepted by both the chat-completions and the Responses paths.
    """

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
