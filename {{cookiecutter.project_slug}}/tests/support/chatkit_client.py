"""A small ChatKit protocol client for tests: builds requests and reads SSE replies as events.

Every event is checked against ChatKit's own types (`ThreadStreamEvent`), so an event the
ChatKit front end could not parse fails the test that received it.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, asynccontextmanager
from typing import Any

import httpx
from chatkit.types import ThreadStreamEvent
from httpx_sse import EventSource, ServerSentEvent, aconnect_sse
from pydantic import TypeAdapter

STREAM_EVENT: TypeAdapter[ThreadStreamEvent] = TypeAdapter(ThreadStreamEvent)


def user_input(text: str) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }


def request(request_type: str, **params: Any) -> dict[str, Any]:
    return {"type": request_type, "params": params}


def chatkit_event(sse: ServerSentEvent) -> dict[str, Any]:
    """One SSE event's JSON, once ChatKit's own types accept it (else pydantic raises)."""
    STREAM_EVENT.validate_json(sse.data)
    return sse.json()


def iter_events(events: EventSource) -> Iterator[dict[str, Any]]:
    """The ChatKit events of a synchronous SSE stream, e.g. from `httpx_sse.connect_sse`."""
    for sse in events.iter_sse():
        yield chatkit_event(sse)


async def aiter_events(events: EventSource) -> AsyncIterator[dict[str, Any]]:
    """The ChatKit events of an asynchronous SSE stream, as they arrive."""
    async with aclosing(events.aiter_sse()) as stream:
        async for sse in stream:
            yield chatkit_event(sse)


def sse_events(response: httpx.Response) -> list[dict[str, Any]]:
    """The ChatKit events of an SSE reply that has been read in full."""
    return list(iter_events(EventSource(response)))


class ChatKitClient:
    """Speaks to /chatkit over any httpx client (in-process or a live server)."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str] | None = None) -> None:
        self.http = http
        # Sent with every request, e.g. one user's Authorization header.
        self.headers = headers or {}

    async def post(self, request_type: str, **params: Any) -> httpx.Response:
        return await self.http.post(
            "/chatkit", json=request(request_type, **params), headers=self.headers
        )

    @asynccontextmanager
    async def events(
        self, request_type: str, **params: Any
    ) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """The reply's events as they arrive; leaving the block early disconnects."""
        body = request(request_type, **params)
        # aconnect_sse adds its Accept header to the dict it is given: pass a copy.
        headers = dict(self.headers)
        connection = aconnect_sse(self.http, "POST", "/chatkit", json=body, headers=headers)
        async with connection as source:
            response = source.response
            if response.status_code != 200:
                await response.aread()
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("text/event-stream")
            async with aclosing(aiter_events(source)) as events:
                yield events

    async def stream(self, request_type: str, **params: Any) -> list[dict[str, Any]]:
        async with self.events(request_type, **params) as events:
            return [event async for event in events]

    async def create_thread(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        """A new thread with one user message; returns its id and the streamed events."""
        events = await self.stream("threads.create", input=user_input(text))
        return events[0]["thread"]["id"], events

    async def send(self, thread_id: str, text: str) -> list[dict[str, Any]]:
        return await self.stream(
            "threads.add_user_message", thread_id=thread_id, input=user_input(text)
        )

    async def items(self, thread_id: str) -> list[dict[str, Any]]:
        """Every visible item of a thread, oldest first."""
        response = await self.post("items.list", thread_id=thread_id, order="asc", limit=100)
        assert response.status_code == 200, response.text
        return response.json()["data"]


def text_of(item: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in item.get("content", []))


def errors(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == "error"]
