"""The benchmark's floor: a bare FastAPI endpoint streaming `litellm.acompletion` as SSE.

No ChatKit, no Agents SDK, no store. It reads the backend's settings, so it calls the same model
at the same endpoint with the same timeout and retries. scripts/benchmark.py serves it the way
the backend is served: `python -m uvicorn baseline_app:app --app-dir scripts`, with `backend` on
PYTHONPATH.
"""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import litellm
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from {{ cookiecutter.project_slug }}.gc_tuning import record_gc_pauses
from {{ cookiecutter.project_slug }}.settings import get_settings

settings = get_settings()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    with record_gc_pauses(settings.benchmark_gc_stats):
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/chat")
async def chat(request: Request) -> StreamingResponse:
    """Body `{"text": ...}`; answers `data: {"type": "text_delta", "delta": ...}` events."""
    response = await stream_completion((await request.json())["text"])

    async def events() -> AsyncIterator[bytes]:
        async for chunk in response:
            delta = chunk.choices[0].delta.content
            if delta:
                yield f"data: {json.dumps({'type': 'text_delta', 'delta': delta})}\n\n".encode()

    return StreamingResponse(events(), media_type="text/event-stream")


async def stream_completion(text: str) -> litellm.CustomStreamWrapper:
    """The model's streamed reply to one user message; scripts/cost_by_layer.py times it too."""
    return await litellm.acompletion(
        model=settings.llm_model,
        messages=[{"role": "user", "content": text}],
        stream=True,
        base_url=settings.llm_base_url,
        timeout=settings.llm_timeout_seconds,
        num_retries=settings.llm_max_retries,
    )
