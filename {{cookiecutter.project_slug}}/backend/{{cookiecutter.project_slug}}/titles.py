"""Thread titles: after a reply, a short title for a thread that has none, written by the model."""

import asyncio
import dataclasses
import logging

from agents import Agent, RunConfig, Runner
from chatkit.types import AssistantMessageItem, ThreadItem, ThreadMetadata, UserMessageItem

from .agent import model_settings
from .context import RequestContext
from .model import build_model
from .request_log import CALL_KIND
from .settings import Settings
from .stores.base import AppStore

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 60
TITLE_INSTRUCTIONS = (
    "Write a title for the conversation below: at most 8 words, in the language of the "
    "conversation, saying what it is about. Answer with the title only, without quotes."
)
# The start of a conversation says what it is about; more would only cost tokens.
TITLE_CONTEXT_ITEMS = 4
TITLE_CONTEXT_CHARS = 1000
# Removed wherever they are: straight and typographic double quotes, guillemets, CJK brackets.
QUOTES = '"`\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f'
# Stripped from the ends only; apostrophes (straight and typographic) belong inside words.
END_PUNCTUATION = " .:;,'\u2018\u2019"


class ThreadTitler:
    """Titles untitled threads with its own agent: the chat model or TITLE_MODEL, no tools."""

    def __init__(self, agent: Agent, timeout_seconds: float) -> None:
        self.agent = agent
        self.timeout_seconds = timeout_seconds

    async def title_untitled(
        self, thread: ThreadMetadata, store: AppStore, context: RequestContext
    ) -> None:
        """Set `thread.title` if the thread has none; ChatKit then saves it and sends it.

        A failure or a timeout is only logged, and the turn goes on: the next one tries again.
        """
        if thread.title is not None:
            return
        try:
            async with asyncio.timeout(self.timeout_seconds):
                title = await self.write_title(thread, store, context)
        except Exception as error:
            reason = "timed out" if isinstance(error, TimeoutError) else type(error).__name__
            logger.warning(
                "No title for thread %s (%s); the next turn tries again", thread.id, reason
            )
            return
        if title:
            thread.title = title

    async def write_title(
        self, thread: ThreadMetadata, store: AppStore, context: RequestContext
    ) -> str | None:
        """A title from the start of the conversation; None if the user has set one meanwhile."""
        if (await store.load_thread(thread.id, context)).title is not None:
            return None
        page = await store.load_thread_items(thread.id, None, TITLE_CONTEXT_ITEMS, "asc", context)
        result = await Runner.run(
            self.agent,
            conversation_text(page.data),
            max_turns=1,
            run_config=RunConfig(workflow_name="Thread title"),
        )
        title = clean_title(str(result.final_output))
        if not title:
            raise ValueError("the model answered with an empty title")
        return title


def build_titler(settings: Settings) -> ThreadTitler | None:
    """The title writer, or None when THREAD_TITLES is off."""
    if not settings.thread_titles:
        return None
    model = settings.title_model or settings.llm_model
    agent = Agent(
        name="Title writer",
        instructions=TITLE_INSTRUCTIONS,
        model=build_model(settings.model_copy(update={"llm_model": model})),
        # The same timeout and retries as the chat model; the model-call log line says "title".
        model_settings=dataclasses.replace(model_settings(settings), metadata={CALL_KIND: "title"}),
    )
    return ThreadTitler(agent, settings.title_timeout_seconds)


def conversation_text(items: list[ThreadItem]) -> str:
    """The messages among `items` as `User: …` / `Assistant: …` paragraphs, each clipped."""
    speakers = {UserMessageItem: "User", AssistantMessageItem: "Assistant"}
    paragraphs = []
    for item in items:
        speaker = speakers.get(type(item))
        text = " ".join(part.text for part in getattr(item, "content", [])).strip()
        if speaker and text:
            paragraphs.append(f"{speaker}: {text[:TITLE_CONTEXT_CHARS]}")
    return "\n\n".join(paragraphs)


def clean_title(answer: str) -> str:
    """The model's answer as a title: its first line, no quotes, at most MAX_TITLE_CHARS."""
    line = next((line for line in answer.splitlines() if line.strip()), "")
    title = " ".join(line.translate(str.maketrans("", "", QUOTES)).split())
    title = title.removeprefix("Title:").strip(END_PUNCTUATION)
    if len(title) > MAX_TITLE_CHARS:
        # Cut at the last word that fits, or mid-word when one word is longer than that.
        head = title[: MAX_TITLE_CHARS + 1]
        title = head.rsplit(" ", 1)[0] if " " in head else title[:MAX_TITLE_CHARS]
    return title.strip(END_PUNCTUATION)
