"""Local fake OpenAI / Anthropic / Gemini / Ollama streaming server, so LiteLLM runs offline.

The server speaks each provider's real HTTP API closely enough that LiteLLM's own request and
stream-parsing code runs unchanged. Every response carries the same provider id on purpose
(``chatcmpl-fake``, ``msg_fake``, ``toolu_fake``, ``call_fake``, responseId ``fake``; Ollama sends
none): the backend must never rely on provider ids being unique.

In-process use (pytest)::

    with FakeProvider(chunks=4) as provider:
        monkeypatch.setenv(...)  # for name, value in provider.env("anthropic").items()
        provider.queue(ToolCall("get_current_time", {"tz": "UTC"}), Text("It is noon."))
        ...
        assert ("user", "hello") in provider.requests[0].transcript

With nothing queued, a request is answered with ``echo: <last user text>``.

Retries consume queued replies: every HTTP attempt takes one reply. ``openai/*`` models go through
the openai client, which retries 429 and 5xx twice by default (3 attempts), so queue
``Fail(500, times=3)`` to make the whole call fail, or pass ``max_retries=0``. The other providers
are sent by LiteLLM's own HTTP client, which does not retry unless ``num_retries`` is set.

CLI use (`make demo`, the template's benchmarks, a backend to try by hand)::

    python tests/fake_provider.py --port 0 --chunks 16 --delay 0
    # prints FAKE_PROVIDER_URL=http://127.0.0.1:PORT, then the environment lines that point this
    # project's provider at it (GEMINI_API_BASE=..., GEMINI_API_KEY=... for gemini; only
    # OLLAMA_API_BASE=... for ollama), then a blank line, and serves until SIGTERM/SIGINT
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

HOST = "127.0.0.1"
OPENAI_ID = "chatcmpl-fake"
OPENAI_CALL_ID = "call_fake"
ANTHROPIC_ID = "msg_fake"
ANTHROPIC_CALL_ID = "toolu_fake"
GEMINI_ID = "fake"
PROVIDERS = ("openai", "anthropic", "gemini", "ollama")

Turn = tuple[str, str]


# --- scripted replies ---


@dataclass(frozen=True)
class Text:
    """Stream ``text`` as the assistant reply."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    """Ask for one function call, optionally streaming ``text`` before it in the same response."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class Fail:
    """Answer with a provider-shaped JSON error; ``times`` queues it for that many attempts."""

    status: int = 500
    message: str = "fake provider error"
    times: int = 1


@dataclass(frozen=True)
class Hang:
    """Accept the request and send nothing for ``seconds`` (then answer 504)."""

    seconds: float = 60.0


@dataclass(frozen=True)
class Cut:
    """Stream the first ``keep_chunks`` pieces of ``text`` (default: half) then drop the socket."""

    text: str
    keep_chunks: int | None = None


Reply = Text | ToolCall | Fail | Hang | Cut


def tool_call_text(name: str, arguments: Any) -> str:
    """Return how a tool call appears in a transcript, e.g. ``[tool_call] f({"a":1})``.

    Arguments may be a mapping or a JSON string (OpenAI sends strings); both normalise the same.
    """
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return f"[tool_call] {name}({arguments})"
    return f"[tool_call] {name}({_compact(arguments, sort_keys=True)})"


def split_text(text: str, pieces: int) -> list[str]:
    """Split ``text`` into at most ``pieces`` contiguous, roughly equal, non-empty parts."""
    if not text:
        return []
    count = max(1, min(pieces, len(text)))
    size, extra = divmod(len(text), count)
    parts, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        parts.append(text[start:end])
        start = end
    return parts


def _compact(value: Any, *, sort_keys: bool = False) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=False)


def _texts(content: Any) -> list[str]:
    """Text pieces of a message content that is a string or a list of typed parts."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
        return out
    return []


def _tool_output_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    texts = _texts(value)
    if texts:
        return "".join(texts)
    # Gemini wraps the tool output in an object; LiteLLM uses {"content": "..."}.
    if isinstance(value, dict) and len(value) == 1:
        (inner,) = value.values()
        if isinstance(inner, str):
            return inner
    return _compact(value, sort_keys=True)


# --- transcripts ---


def _openai_transcript(body: dict[str, Any]) -> list[Turn]:
    roles = {"developer": "system", "function": "tool"}
    out: list[Turn] = []
    for message in body.get("messages") or []:
        role = roles.get(message.get("role"), message.get("role"))
        if role == "tool":
            out.append(("tool", _tool_output_text(message.get("content"))))
            continue
        out.extend((role, text) for text in _texts(message.get("content")) if text)
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            out.append(
                ("assistant", tool_call_text(function.get("name"), function.get("arguments")))
            )
    return out


def _anthropic_transcript(body: dict[str, Any]) -> list[Turn]:
    out: list[Turn] = [("system", text) for text in _texts(body.get("system")) if text]
    for message in body.get("messages") or []:
        role = message.get("role")
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks or []:
            kind = block.get("type")
            if kind == "text" and block.get("text"):
                out.append((role, block["text"]))
            elif kind == "tool_use":
                out.append(("assistant", tool_call_text(block.get("name"), block.get("input"))))
            elif kind == "tool_result":
                out.append(("tool", _tool_output_text(block.get("content"))))
    return out


def _gemini_transcript(body: dict[str, Any]) -> list[Turn]:
    system = body.get("system_instruction") or body.get("systemInstruction") or {}
    out: list[Turn] = [("system", text) for text in _texts(system.get("parts")) if text]
    for content in body.get("contents") or []:
        role = "assistant" if content.get("role") == "model" else "user"
        for part in content.get("parts") or []:
            if part.get("thought"):
                continue
            # The API accepts both spellings and LiteLLM sends snake_case for tool parts.
            call = part.get("functionCall") or part.get("function_call")
            response = part.get("functionResponse") or part.get("function_response")
            if part.get("text"):
                out.append((role, part["text"]))
            elif call:
                out.append(("assistant", tool_call_text(call.get("name"), call.get("args"))))
            elif response:
                out.append(("tool", _tool_output_text(response.get("response"))))
    return out


_TRANSCRIPTS = {
    "openai": _openai_transcript,
    "anthropic": _anthropic_transcript,
    "gemini": _gemini_transcript,
    # Ollama's /api/chat messages have OpenAI's roles and shape; tool arguments are objects.
    "ollama": _openai_transcript,
}


# --- images and files (each provider's own parts) ---

Media = tuple[str, bytes]


def _data_url(url: Any) -> Media | None:
    """``(mime type, bytes)`` of a ``data:<type>;base64,...`` URL."""
    if not isinstance(url, str) or not url.startswith("data:"):
        return None
    header, _, data = url.partition(",")
    return header.removeprefix("data:").removesuffix(";base64"), base64.b64decode(data)


def _openai_media(body: dict[str, Any]) -> list[Media]:
    out: list[Media] = []
    for message in body.get("messages") or []:
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if part.get("type") == "image_url":
                media = _data_url((part.get("image_url") or {}).get("url"))
            elif part.get("type") == "file":
                media = _data_url((part.get("file") or {}).get("file_data"))
            else:
                continue
            if media:
                out.append(media)
    return out


def _anthropic_media(body: dict[str, Any]) -> list[Media]:
    out: list[Media] = []
    for message in body.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            source = block.get("source") or {}
            if block.get("type") in ("image", "document") and source.get("type") == "base64":
                out.append((source.get("media_type"), base64.b64decode(source.get("data", ""))))
    return out


def _gemini_media(body: dict[str, Any]) -> list[Media]:
    out: list[Media] = []
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            inline = part.get("inline_data") or part.get("inlineData")
            if inline:
                mime_type = inline.get("mime_type") or inline.get("mimeType")
                out.append((mime_type, base64.b64decode(inline.get("data", ""))))
    return out


# Ollama's images are bare base64, with no type: their first bytes tell it.
IMAGE_SIGNATURES = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"RIFF": "image/webp",
}


def _ollama_media(body: dict[str, Any]) -> list[Media]:
    out: list[Media] = []
    for message in body.get("messages") or []:
        for image in message.get("images") or []:
            data = base64.b64decode(image)
            kind = next((t for sig, t in IMAGE_SIGNATURES.items() if data.startswith(sig)), None)
            out.append((kind or "application/octet-stream", data))
    return out


_MEDIA = {
    "openai": _openai_media,
    "anthropic": _anthropic_media,
    "gemini": _gemini_media,
    "ollama": _ollama_media,
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request that reached a provider endpoint; ``body`` is None if it was not JSON."""

    provider: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    model: str
    stream: bool

    @property
    def transcript(self) -> list[Turn]:
        """``(role, text)`` pairs in order; roles are system/user/assistant/tool.

        One pair per text part. Tool calls appear as ``("assistant", tool_call_text(...))`` and
        tool results as ``("tool", output)``. Images, files and reasoning parts are left out.
        """
        if not isinstance(self.body, dict):
            return []
        return _TRANSCRIPTS[self.provider](self.body)

    @property
    def media(self) -> list[Media]:
        """``(mime type, bytes)`` of every image and file part, in order, decoded."""
        if not isinstance(self.body, dict):
            return []
        return _MEDIA[self.provider](self.body)

    @property
    def tool_names(self) -> list[str]:
        """Names of the function tools offered to the model in this request."""
        if not isinstance(self.body, dict):
            return []
        names: list[str] = []
        for tool in self.body.get("tools") or []:
            if "function" in tool:
                names.append(tool["function"].get("name"))
            elif "functionDeclarations" in tool or "function_declarations" in tool:
                decls = tool.get("functionDeclarations") or tool.get("function_declarations")
                names.extend(decl.get("name") for decl in decls)
            elif "name" in tool:
                names.append(tool["name"])
        return names

    @property
    def last_user_text(self) -> str:
        """Text of the last user turn (what the default echo reply repeats)."""
        users = [text for role, text in self.transcript if role == "user"]
        return users[-1] if users else ""


# --- provider wire formats ---

# An event is (counts_as_text_chunk, bytes); Cut stops after its n-th text chunk.
Event = tuple[bool, bytes]


def _usage_counts(record: RecordedRequest, text: str) -> tuple[int, int]:
    prompt = sum(len(turn.split()) for _, turn in record.transcript) + 1
    return prompt, len(text.split()) + 1


def _sse(data: Any) -> bytes:
    return f"data: {_compact(data)}\n\n".encode()


def _ndjson(data: Any) -> bytes:
    return f"{_compact(data)}\n".encode()


def _arguments_json(call: ToolCall) -> str:
    return _compact(dict(call.arguments))


class _OpenAI:
    stream_media_type = "text/event-stream"
    error_types: ClassVar[dict[int, str]] = {
        400: "invalid_request_error",
        401: "invalid_request_error",
        429: "requests",
    }

    @staticmethod
    def events(
        record: RecordedRequest, text: str, call: ToolCall | None, chunks: int
    ) -> list[Event]:
        base = {
            "id": OPENAI_ID,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": record.model,
            "system_fingerprint": "fp_fake",
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return _sse({**base, "choices": [choice]})

        events: list[Event] = [(False, chunk({"role": "assistant", "content": ""}))]
        events += [(True, chunk({"content": piece})) for piece in split_text(text, chunks)]
        if call is not None:
            first = {"index": 0, "id": OPENAI_CALL_ID, "type": "function"}
            first["function"] = {"name": call.name, "arguments": ""}
            events.append((False, chunk({"tool_calls": [first]})))
            for piece in split_text(_arguments_json(call), chunks):
                delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                events.append((False, chunk(delta)))
        events.append((False, chunk({}, "tool_calls" if call else "stop")))
        # Like the real API, usage comes as an extra chunk only when the client asks for it.
        if (record.body.get("stream_options") or {}).get("include_usage"):
            events.append(
                (False, _sse({**base, "choices": [], "usage": _openai_usage(record, text)}))
            )
        events.append((False, b"data: [DONE]\n\n"))
        return events

    @staticmethod
    def complete(record: RecordedRequest, text: str, call: ToolCall | None) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": None}
        if call is not None:
            function = {"name": call.name, "arguments": _arguments_json(call)}
            message["tool_calls"] = [
                {"id": OPENAI_CALL_ID, "type": "function", "function": function}
            ]
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": "tool_calls" if call else "stop",
        }
        return {
            "id": OPENAI_ID,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": record.model,
            "choices": [choice],
            "usage": _openai_usage(record, text),
        }

    @classmethod
    def error(cls, status: int, message: str) -> dict[str, Any]:
        kind = cls.error_types.get(status, "server_error")
        code = "rate_limit_exceeded" if status == 429 else None
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _openai_usage(record: RecordedRequest, text: str) -> dict[str, int]:
    prompt, completion = _usage_counts(record, text)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class _Anthropic:
    stream_media_type = "text/event-stream"
    error_types: ClassVar[dict[int, str]] = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        413: "request_too_large",
        429: "rate_limit_error",
        529: "overloaded_error",
    }

    @staticmethod
    def _event(name: str, data: dict[str, Any]) -> bytes:
        return f"event: {name}\ndata: {_compact({'type': name, **data})}\n\n".encode()

    @classmethod
    def events(
        cls, record: RecordedRequest, text: str, call: ToolCall | None, chunks: int
    ) -> list[Event]:
        prompt, completion = _usage_counts(record, text)
        message = {
            "id": ANTHROPIC_ID,
            "type": "message",
            "role": "assistant",
            "model": record.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": 1},
        }
        events: list[Event] = [
            (False, cls._event("message_start", {"message": message})),
            (False, cls._event("ping", {})),
        ]
        index = 0
        if text or call is None:
            block = {"type": "text", "text": ""}
            events.append(
                (False, cls._event("content_block_start", {"index": 0, "content_block": block}))
            )
            for piece in split_text(text, chunks):
                delta = {"type": "text_delta", "text": piece}
                events.append(
                    (True, cls._event("content_block_delta", {"index": 0, "delta": delta}))
                )
            events.append((False, cls._event("content_block_stop", {"index": 0})))
            index = 1
        if call is not None:
            block = {"type": "tool_use", "id": ANTHROPIC_CALL_ID, "name": call.name, "input": {}}
            start = {"index": index, "content_block": block}
            events.append((False, cls._event("content_block_start", start)))
            for piece in split_text(_arguments_json(call), chunks):
                delta = {"type": "input_json_delta", "partial_json": piece}
                events.append(
                    (False, cls._event("content_block_delta", {"index": index, "delta": delta}))
                )
            events.append((False, cls._event("content_block_stop", {"index": index})))
        stop = {"stop_reason": "tool_use" if call else "end_turn", "stop_sequence": None}
        usage = {"output_tokens": completion}
        events.append((False, cls._event("message_delta", {"delta": stop, "usage": usage})))
        events.append((False, cls._event("message_stop", {})))
        return events

    @staticmethod
    def complete(record: RecordedRequest, text: str, call: ToolCall | None) -> dict[str, Any]:
        prompt, completion = _usage_counts(record, text)
        content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        if call is not None:
            content.append(
                {
                    "type": "tool_use",
                    "id": ANTHROPIC_CALL_ID,
                    "name": call.name,
                    "input": dict(call.arguments),
                }
            )
        return {
            "id": ANTHROPIC_ID,
            "type": "message",
            "role": "assistant",
            "model": record.model,
            "content": content,
            "stop_reason": "tool_use" if call else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": completion},
        }

    @classmethod
    def error(cls, status: int, message: str) -> dict[str, Any]:
        kind = cls.error_types.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}


class _Gemini:
    stream_media_type = "text/event-stream"
    statuses: ClassVar[dict[int, str]] = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        503: "UNAVAILABLE",
        504: "DEADLINE_EXCEEDED",
    }

    @staticmethod
    def _chunk(
        record: RecordedRequest, parts: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        candidate = {"content": {"role": "model", "parts": parts}, "index": 0, **extra}
        return {"candidates": [candidate], "modelVersion": record.model, "responseId": GEMINI_ID}

    @staticmethod
    def _usage(record: RecordedRequest, text: str) -> dict[str, int]:
        prompt, completion = _usage_counts(record, text)
        return {
            "promptTokenCount": prompt,
            "candidatesTokenCount": completion,
            "totalTokenCount": prompt + completion,
        }

    @classmethod
    def events(
        cls, record: RecordedRequest, text: str, call: ToolCall | None, chunks: int
    ) -> list[Event]:
        events: list[Event] = [
            (True, _sse(cls._chunk(record, [{"text": piece}])))
            for piece in split_text(text, chunks)
        ]
        # Gemini sends a function call whole (never partial) and still finishes with STOP.
        last_parts = [cls._call_part(call)] if call else [{"text": ""}]
        final = cls._chunk(record, last_parts, finishReason="STOP")
        final["usageMetadata"] = cls._usage(record, text)
        events.append((False, _sse(final)))
        return events

    @staticmethod
    def _call_part(call: ToolCall) -> dict[str, Any]:
        return {"functionCall": {"name": call.name, "args": dict(call.arguments)}}

    @classmethod
    def complete(cls, record: RecordedRequest, text: str, call: ToolCall | None) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": text}] if text else []
        if call is not None:
            parts.append(cls._call_part(call))
        body = cls._chunk(record, parts, finishReason="STOP")
        body["usageMetadata"] = cls._usage(record, text)
        return body

    @classmethod
    def error(cls, status: int, message: str) -> dict[str, Any]:
        return {
            "error": {
                "code": status,
                "message": message,
                "status": cls.statuses.get(status, "INTERNAL"),
            }
        }


class _Ollama:
    """Ollama's /api/chat: one JSON object per line, the last with ``done`` and the counts."""

    stream_media_type = "application/x-ndjson"

    @staticmethod
    def _message(
        record: RecordedRequest, text: str, call: ToolCall | None, **fields: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if call is not None:
            # Ollama sends a call whole, its arguments an object, in a chunk of its own.
            function = {"name": call.name, "arguments": dict(call.arguments)}
            message["tool_calls"] = [{"function": function}]
        created_at = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        return {"model": record.model, "created_at": created_at, "message": message, **fields}

    @classmethod
    def _done(
        cls, record: RecordedRequest, text: str, content: str, call: ToolCall | None
    ) -> dict[str, Any]:
        prompt, completion = _usage_counts(record, text)
        # Ollama says "stop" after a tool call too; LiteLLM makes it tool_calls.
        return cls._message(
            record,
            content,
            call,
            done=True,
            done_reason="stop",
            total_duration=1_000_000,
            prompt_eval_count=prompt,
            eval_count=completion,
        )

    @classmethod
    def events(
        cls, record: RecordedRequest, text: str, call: ToolCall | None, chunks: int
    ) -> list[Event]:
        events: list[Event] = [
            (True, _ndjson(cls._message(record, piece, None, done=False)))
            for piece in split_text(text, chunks)
        ]
        if call is not None:
            events.append((False, _ndjson(cls._message(record, "", call, done=False))))
        events.append((False, _ndjson(cls._done(record, text, "", None))))
        return events

    @classmethod
    def complete(cls, record: RecordedRequest, text: str, call: ToolCall | None) -> dict[str, Any]:
        return cls._done(record, text, text, call)

    @staticmethod
    def error(status: int, message: str) -> dict[str, Any]:
        return {"error": message}


_DIALECTS: dict[str, Any] = {
    "openai": _OpenAI,
    "anthropic": _Anthropic,
    "gemini": _Gemini,
    "ollama": _Ollama,
}
# Ollama's server sends no request id.
_REQUEST_ID_HEADER = {"openai": "x-request-id", "anthropic": "request-id", "gemini": "x-request-id"}


# --- the server ---


class _DropConnection(Exception):
    """Raised inside a response to make uvicorn close the socket mid-stream (a Cut reply)."""


class _HideDroppedConnections(logging.Filter):
    """Keep uvicorn from logging a traceback for connections we drop on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, BaseExceptionGroup):
            return not exc.subgroup(_DropConnection)
        return not isinstance(exc, _DropConnection)


def _install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDroppedConnections) for f in logger.filters):
        logger.addFilter(_HideDroppedConnections())


class FakeProvider:
    """A fake LLM provider server on 127.0.0.1 with scripted, recorded replies (thread safe)."""

    def __init__(self, *, chunks: int = 4, delay: float = 0.0, port: int = 0) -> None:
        if chunks < 1 or delay < 0:
            raise ValueError("chunks must be >= 1 and delay >= 0")
        self.chunks = chunks
        self.delay = delay
        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._openai, methods=["POST"]),
                Route("/v1/messages", self._anthropic, methods=["POST"]),
                Route("/v1beta/models/{target:path}", self._gemini, methods=["POST"]),
                Route("/api/chat", self._ollama, methods=["POST"]),
            ],
            exception_handlers={HTTPException: self._http_error},
        )

    # -- lifecycle --

    def start(self) -> FakeProvider:
        """Serve in a daemon thread; return once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("FakeProvider is already running")
        _install_log_filter()
        # Binding here (not inside uvicorn) gives us the real port for port=0 with no race.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, self._requested_port))
        self._port = sock.getsockname()[1]
        # log_config=None leaves the host process's logging alone; a short graceful timeout keeps
        # stop() quick if a client still holds a stream open.
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._stopping.clear()
        self._server = uvicorn.Server(config)
        self._socket = sock
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name="fake-provider", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("fake provider failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving; open streams and hangs are cut short. Safe to call twice."""
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses --

    @property
    def port(self) -> int:
        """The bound TCP port (known once started)."""
        if self._port is None:
            raise RuntimeError("FakeProvider is not started")
        return self._port

    @property
    def url(self) -> str:
        """Root URL, ``http://127.0.0.1:PORT``."""
        return f"http://{HOST}:{self.port}"

    def base_url(self, provider: str) -> str:
        """Base URL LiteLLM expects for ``provider`` (openai needs /v1, gemini /v1beta)."""
        suffix = {"openai": "/v1", "anthropic": "", "gemini": "/v1beta", "ollama": ""}
        if provider not in suffix:
            raise ValueError(f"unknown provider {provider!r}; expected one of {PROVIDERS}")
        return self.url + suffix[provider]

    def env(self, provider: str) -> dict[str, str]:
        """Environment variables that point LiteLLM's ``provider/*`` models at this server."""
        base = self.base_url(provider)
        if provider == "ollama":  # a local server: no key
            return {"OLLAMA_API_BASE": base}
        names = {
            "openai": ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
            "anthropic": ("ANTHROPIC_API_BASE", "ANTHROPIC_API_KEY"),
            "gemini": ("GEMINI_API_BASE", "GEMINI_API_KEY"),
        }
        base_var, key_var = names[provider]
        return {base_var: base, key_var: f"fake-{provider}-key"}

    # -- scripting and records --

    def queue(self, *replies: Reply | str) -> None:
        """Queue replies, consumed one per HTTP request (a plain str means ``Text``)."""
        expanded: list[Reply] = []
        for reply in replies:
            if isinstance(reply, str):
                reply = Text(reply)
            if not isinstance(reply, Text | ToolCall | Fail | Hang | Cut):
                raise TypeError(f"not a reply: {reply!r}")
            if isinstance(reply, Fail) and reply.times < 1:
                raise ValueError("Fail.times must be >= 1")
            expanded.extend([reply] * (reply.times if isinstance(reply, Fail) else 1))
        with self._lock:
            self._queue.extend(expanded)

    @property
    def pending(self) -> int:
        """How many queued replies have not been used yet."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every recorded request, oldest first."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget queued replies and recorded requests."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()

    # -- HTTP handlers --

    async def _openai(self, request: Request) -> Response:
        return await self._handle(request, "openai", None)

    async def _anthropic(self, request: Request) -> Response:
        return await self._handle(request, "anthropic", None)

    async def _ollama(self, request: Request) -> Response:
        return await self._handle(request, "ollama", None)

    async def _gemini(self, request: Request) -> Response:
        model, _, action = request.path_params["target"].rpartition(":")
        if action not in ("streamGenerateContent", "generateContent") or not model:
            return self._not_found(request)
        return await self._handle(request, "gemini", (model, action == "streamGenerateContent"))

    async def _handle(
        self, request: Request, provider: str, gemini: tuple[str, bool] | None
    ) -> Response:
        dialect = _DIALECTS[provider]
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        valid = isinstance(body, dict)
        if gemini is not None:
            model, stream = gemini
        else:
            model = str(body.get("model", "")) if valid else ""
            stream = bool(body.get("stream")) if valid else False
        record = RecordedRequest(
            provider=provider,
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers=dict(request.headers),
            body=body,
            model=model,
            stream=stream,
        )
        # Record and pop together so request i always gets the i-th queued reply.
        with self._lock:
            self._requests.append(record)
            reply = self._queue.popleft() if valid and self._queue else None
        request_id = _REQUEST_ID_HEADER.get(provider)
        headers = {request_id: "req_fake"} if request_id else {}
        if not valid:
            return JSONResponse(dialect.error(400, "body is not a JSON object"), 400, headers)
        if reply is None:
            reply = Text(f"echo: {record.last_user_text}")

        if isinstance(reply, Fail):
            if reply.status == 429:
                headers["retry-after"] = "0"
            return JSONResponse(dialect.error(reply.status, reply.message), reply.status, headers)
        if isinstance(reply, Hang):
            await self._hang(request, reply.seconds)
            return JSONResponse(dialect.error(504, "fake provider hung"), 504, headers)

        text = reply.text
        call = reply if isinstance(reply, ToolCall) else None
        if not stream:
            if isinstance(reply, Cut):
                partial = _compact(dialect.complete(record, text, None)).encode()
                partial = partial[: len(partial) // 2]
                pieces = self._paced([(True, partial)], 1)
                return StreamingResponse(pieces, 200, headers, media_type="application/json")
            return JSONResponse(dialect.complete(record, text, call), 200, headers)

        events = dialect.events(record, text, call, self.chunks)
        cut_after = None
        if isinstance(reply, Cut):
            total = len(split_text(text, self.chunks))
            cut_after = reply.keep_chunks if reply.keep_chunks is not None else max(1, total // 2)
        headers["cache-control"] = "no-cache"
        return StreamingResponse(
            self._paced(events, cut_after), 200, headers, media_type=dialect.stream_media_type
        )

    async def _paced(self, events: list[Event], cut_after: int | None) -> AsyncIterator[bytes]:
        sent_text = 0
        for i, (is_text, data) in enumerate(events):
            if cut_after is not None and sent_text >= cut_after:
                raise _DropConnection
            if i and self.delay:
                await self._sleep(self.delay)
            if self._stopping.is_set():
                raise _DropConnection
            yield data
            sent_text += is_text
        if cut_after is not None:
            raise _DropConnection

    async def _hang(self, request: Request, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stopping.is_set():
            if await request.is_disconnected():
                return
            await self._sleep(min(0.05, deadline - time.monotonic()))

    async def _sleep(self, seconds: float) -> None:
        # Short slices so stop() never waits on a long delay or hang (uvicorn would cancel the
        # task after its graceful timeout and log a traceback).
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(0.05, left))

    @staticmethod
    def _not_found(request: Request) -> Response:
        body = {"error": {"message": f"no route for {request.url.path}", "code": 404}}
        return JSONResponse(body, 404)

    @staticmethod
    async def _http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        body = {"error": {"message": f"{exc.detail}: {request.url.path}", "code": exc.status_code}}
        return JSONResponse(body, exc.status_code, exc.headers)


# --- CLI ---


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT, after printing the environment that points LiteLLM here."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--chunks", type=int, default=4, help="stream pieces per reply")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between pieces")
    parser.add_argument(
        "--provider",
        choices=PROVIDERS,
        default={{ cookiecutter.provider | tojson }},
        help="whose environment lines to print (default: this project's)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    provider = FakeProvider(chunks=args.chunks, delay=args.delay, port=args.port).start()
    try:
        # FAKE_PROVIDER_URL first: the benchmark reads that line alone. A blank line ends them.
        lines = {"FAKE_PROVIDER_URL": provider.url, **provider.env(args.provider)}
        print(*(f"{name}={value}" for name, value in lines.items()), "", sep="\n", flush=True)
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        provider.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
