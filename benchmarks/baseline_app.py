"""The benchmark's floor: a bare FastAPI endpoint streaming `litellm.acompletion` as SSE.

No ChatKit, no Agents SDK, no store. It reads the baked backend's settings (its package is named
by BENCHMARK_PACKAGE, and `backend` is on PYTHONPATH), so it calls the same model at the same
endpoint with the same timeout and retries. benchmark.py serves it the way uvicorn serves any
app: `python -m uvicorn baseline_app:app --app-dir benchmarks`.
"""

import importlib
import json
import os
from collections.abc import AsyncIterator

import litellm
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

settings = importlib.import_module(f"{os.environ['BENCHMARK_PACKAGE']}.settings").Settings()

app = FastAPI()


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
    """The model's streamed reply to one user message; cost_by_layer.py times it too."""
    return await litellm.acompletion(
        model=settings.llm_model,
        messages=[{"role": "user", "content": text}],
        stream=True,
        base_url=settings.llm_base_url,
        timeout=settings.llm_timeout_seconds,
        num_retries=settings.llm_max_retries,
    )
