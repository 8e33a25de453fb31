"""A small ChatKit protocol client for tests: builds requests and decodes SSE replies."""

import json
from typing import Any

import httpx


def user_input(text: str) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }


def request(request_type: str, **params: Any) -> dict[str, Any]:
    return {"type": request_type, "params": params}


def sse_events(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON events of an SSE body (`data: {...}` lines)."""
    return [
        json.loads(line.removeprefix("data: "))
        for line in response.text.splitlines()
        if line.startswith("data: ")
    ]


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

    async def stream(self, request_type: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.post(request_type, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return sse_events(response)

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
