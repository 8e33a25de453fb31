"""The ChatKit server: runs the agent on a thread's recent history and streams its reply."""

import asyncio
import logging
from collections.abc import AsyncIterator
from functools import partial

import anyio
from agents import Agent, Runner, TResponseInputItem
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.errors import CustomStreamError, StreamError
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.types import (
    ChatKitReq,
    ClientToolCallItem,
    FeedbackKind,
    ThreadItem,
    ThreadMetadata,
    ThreadsAddClientToolOutputReq,
    ThreadsRetryAfterItemReq,
    ThreadStreamEvent,
    UserMessageItem,
    is_streaming_req,
)
from pydantic import TypeAdapter

from .attachments import SignedUploadAttachmentStore
from .context import RequestContext
from .converter import ChatCompletionsConverter
from .logs import annotate_request
from .placeholder_ids import remap_placeholder_ids
from .request_log import log_cancelled_calls, track_model_calls
from .stores.base import AppStore, declared_size
from .titles import ThreadTitler

logger = logging.getLogger(__name__)

# Upstream builds this adapter on every request, which costs milliseconds; build it once.
CHATKIT_REQUEST = TypeAdapter(ChatKitReq)

# Request types this backend does not serve (it has no transcription and no widget actions).
# Remove a type from here when you implement it.
UNSUPPORTED_REQUEST_TYPES = frozenset(
    {
        "input.transcribe",
        "threads.custom_action",
        "threads.sync_custom_action",
    }
)

TURN_FAILED = "The assistant could not answer just now. Please try again."

# The largest page of threads or items a client may ask for; larger pages are cut to the
# MAX_PAGE_SIZE setting before this check (see quotas.py).
MAX_PAGE_SIZE = 1000
# Request parameters that the store looks rows up by.
ID_FIELDS = ("thread_id", "item_id", "after", "attachment_id")

# How long saving a cancelled turn may take before it is given up (the store is unreachable).
CANCELLED_SAVE_SECONDS = 5.0


class AgentChatKitServer(ChatKitServer[RequestContext]):
    """Answers every user message with `agent`, given the last `history_limit` thread items.

    With a `titler`, an untitled thread gets a title after the reply. The `attachments` store
    sets the limits on attachments; their bytes go to the model within its history budget.
    """

    def __init__(
        self,
        store: AppStore,
        agent: Agent,
        history_limit: int,
        attachments: SignedUploadAttachmentStore,
        titler: ThreadTitler | None = None,
    ) -> None:
        super().__init__(store, attachments)
        self.store: AppStore = store
        self.agent = agent
        self.history_limit = history_limit
        self.attachments = attachments
        self.titler = titler

    def parse_request(self, body: str | bytes | bytearray) -> ChatKitReq:
        """Validate a raw request body; raises pydantic.ValidationError."""
        return CHATKIT_REQUEST.validate_json(body)

    async def process(
        self, request: str | bytes | bytearray, context: RequestContext
    ) -> StreamingResult | NonStreamingResult:
        return await self.process_parsed(self.parse_request(request), context)

    async def process_parsed(
        self, request: ChatKitReq, context: RequestContext
    ) -> StreamingResult | NonStreamingResult:
        """`ChatKitServer.process` for a request that is already validated."""
        check_params(request.params)
        await self.check_attachments(request.params, context)
        if isinstance(request, ThreadsRetryAfterItemReq):
            # Upstream answers an unknown item with an empty stream; make it a NotFoundError.
            await self.store.load_item(request.params.thread_id, request.params.item_id, context)
        if isinstance(request, ThreadsAddClientToolOutputReq):
            await self.check_tool_call_pending(request.params.thread_id, context)
        if is_streaming_req(request):
            return StreamingResult(self._process_streaming(request, context))
        return NonStreamingResult(await self._process_non_streaming(request, context))

    async def check_tool_call_pending(self, thread_id: str, context: RequestContext) -> None:
        """ValueError (400) unless the thread ends in a pending client tool call.

        Upstream finds out inside the stream and logs a traceback each time, a log a client
        could flood.
        """
        page = await self.store.load_thread_items(thread_id, None, 1, "desc", context)
        last = page.data[0] if page.data else None
        if not isinstance(last, ClientToolCallItem) or last.status != "pending":
            raise ValueError(f"No client tool call is pending in thread {thread_id}")

    async def add_feedback(
        self,
        thread_id: str,
        item_ids: list[str],
        feedback: FeedbackKind,
        context: RequestContext,
    ) -> None:
        # Record feedback here if you need it; the lookup makes foreign threads a 404.
        await self.store.load_thread(thread_id, context)
        logger.info("Feedback %s on %d item(s) of thread %s", feedback, len(item_ids), thread_id)

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        annotate_request(thread_id=thread.id)
        agent_context = AgentContext(thread=thread, store=self.store, request_context=context)
        model_calls = track_model_calls()
        result = Runner.run_streamed(
            self.agent, await self.agent_input(thread, context), context=agent_context
        )
        events = stream_agent_response(agent_context, result)
        new_id = partial(self.store.generate_item_id, thread=thread, context=context)
        try:
            async for event in remap_placeholder_ids(events, new_id):
                yield event
            if self.titler is not None:
                # After the reply's done event; ChatKit sends the title as thread.updated.
                await self.titler.title_untitled(thread, self.store, context)
        except asyncio.CancelledError:
            log_cancelled_calls(model_calls)
            raise
        except (CustomStreamError, StreamError):
            raise  # ChatKit's own errors already carry a message for the client
        except Exception as error:
            # The client gets a short, safe message; the details stay in the server log.
            logger.error("The turn failed in thread %s", thread.id, exc_info=provider_error(error))
            raise CustomStreamError(TURN_FAILED, allow_retry=True) from error

    async def handle_stream_cancelled(
        self, thread: ThreadMetadata, pending_items: list[ThreadItem], context: RequestContext
    ) -> None:
        """Keep what the user saw of a cancelled reply (client gone, stop pressed, shutdown).

        ChatKit saves the partial reply, under the fresh id it streamed with, and a hidden note
        that the turn was cancelled. Starlette cancels a stream through an anyio cancel scope,
        which would cancel those writes too, so they run shielded, for a bounded time.
        """
        with anyio.move_on_after(CANCELLED_SAVE_SECONDS, shield=True) as scope:
            await super().handle_stream_cancelled(thread, pending_items, context)
        if scope.cancelled_caught:
            logger.error("Could not save the cancelled turn of thread %s in time", thread.id)

    async def check_attachments(self, params: object, context: RequestContext) -> None:
        """Refuse a message's attachments before ChatKit stores anything of it.

        Each must be the user's own (else NotFoundError, 404), fully uploaded and not yet sent.
        """
        attachment_ids = getattr(getattr(params, "input", None), "attachments", None) or []
        limit = self.attachments.settings.attachment_max_per_message
        if len(attachment_ids) > limit:
            raise ValueError(f"A message can have at most {limit} attachments")
        for attachment_id in attachment_ids:
            attachment = await self.store.load_attachment(attachment_id, context)
            if attachment.upload_descriptor is not None:
                raise ValueError(f"Attachment {attachment_id} has not been uploaded")
            if attachment.thread_id is not None:
                raise ValueError(f"Attachment {attachment_id} belongs to a sent message")

    async def agent_input(
        self, thread: ThreadMetadata, context: RequestContext
    ) -> list[TResponseInputItem]:
        """The agent's input: the most recent items, which include the new user message."""
        page = await self.store.load_thread_items(
            thread.id, None, self.history_limit, "desc", context
        )
        history = start_at_user_message(page.data[::-1])
        contents = await self.attachment_contents(history, context)
        return await ChatCompletionsConverter(contents).to_agent_input(history)

    async def attachment_contents(
        self, history: list[ThreadItem], context: RequestContext
    ) -> dict[str, bytes]:
        """The bytes of the attachments the model is sent, by id, newest message first.

        The newest message's are always sent; earlier ones while they fit in the history
        budget, so a long thread does not resend megabytes every turn.
        """
        budget = self.attachments.settings.attachment_history_bytes
        messages = [item for item in reversed(history) if isinstance(item, UserMessageItem)]
        contents: dict[str, bytes] = {}
        for index, message in enumerate(messages):
            for attachment in message.attachments:
                if index > 0:
                    if declared_size(attachment) > budget:
                        continue
                    budget -= declared_size(attachment)
                content = await self.store.load_attachment_content(attachment.id, context)
                if content is not None:
                    contents[attachment.id] = content
        return contents


def check_params(params: object) -> None:
    """Refuse, with a ValueError (HTTP 400), what ChatKit accepts but this backend cannot serve."""
    limit = getattr(params, "limit", None)
    if limit is not None and not 0 <= limit <= MAX_PAGE_SIZE:
        # The stores pass it on to SQL, where a huge one overflows and -1 means "all".
        raise ValueError(f"limit must be between 0 and {MAX_PAGE_SIZE}")
    ids = [getattr(params, name, None) for name in ID_FIELDS]
    ids += getattr(params, "item_ids", None) or []
    if any("\x00" in value for value in ids if isinstance(value, str)):
        # No id holds one, and PostgreSQL cannot even compare text with it.
        raise ValueError("ids cannot contain NUL characters")


def provider_error(error: Exception) -> BaseException:
    """The error the provider raised: LiteLLM wraps Gemini's stream errors in another one."""
    return getattr(error, "original_exception", None) or error


def start_at_user_message(items: list[ThreadItem]) -> list[ThreadItem]:
    """Drop what precedes the first user message: some providers refuse a leading reply."""
    for index, item in enumerate(items):
        if isinstance(item, UserMessageItem):
            return items[index:]
    return items
