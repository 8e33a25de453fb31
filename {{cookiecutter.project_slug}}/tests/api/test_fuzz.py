"""Fuzzing /chatkit: generated and mutated requests never get a 5xx, never hang, break nothing.

Hypothesis draws valid requests of every type with random parameters, then mutates some of them
(a field dropped, a value of the wrong type, an unknown field, a huge string) or their bytes
(cut short, broken UTF-8, deep nesting). All of them go to one app, served in-process.
"""

import asyncio
import json
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from {{ cookiecutter.project_slug }}.settings import Settings

from fake_provider import FakeProvider
from support.chatkit_client import ChatKitClient, errors, text_of, user_input
from support.server import serve_in_process

EXAMPLES = 1_000
TIMEOUT_SECONDS = 10

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=8,
)
limits = st.one_of(st.integers(-5, 200), st.sampled_from([0, 2**31, 2**63, 10**30]))
orders = st.sampled_from(["asc", "desc", "sideways", ""])


@dataclass(frozen=True)
class Seeded:
    """Real ids for the fuzzed requests; only the doomed thread may be deleted."""

    thread_ids: list[str]
    item_ids: list[str]
    doomed_thread_id: str


def chatkit_requests(seeded: Seeded) -> st.SearchStrategy[dict]:
    """Well-formed requests of every type; the ids are real ones, made up ones, or odd text."""
    made_up = st.sampled_from(["thr_missing", "msg_missing", ""]) | st.text()
    threads = st.sampled_from(seeded.thread_ids) | made_up
    # Only one seeded thread may be deleted, so that the others stay to be fuzzed.
    doomed = st.just(seeded.doomed_thread_id) | made_up
    items = st.sampled_from(seeded.item_ids) | made_up
    text_parts = st.builds(lambda text: {"type": "input_text", "text": text}, st.text())
    tag_parts = st.fixed_dictionaries(
        {
            "type": st.just("input_tag"),
            "id": st.text(),
            "text": st.text(),
            "data": st.dictionaries(st.text(), json_values, max_size=3),
        },
        optional={"group": st.text() | st.none(), "interactive": st.booleans()},
    )
    inputs = st.fixed_dictionaries(
        {
            "content": st.lists(text_parts | tag_parts, min_size=1, max_size=3),
            "attachments": st.just([]) | st.lists(st.text(), max_size=2),
            "inference_options": st.fixed_dictionaries(
                {},
                optional={
                    "model": st.text() | st.none(),
                    "tool_choice": st.none() | st.builds(lambda tool: {"id": tool}, st.text()),
                },
            ),
        },
        optional={"quoted_text": st.text() | st.none()},
    )
    action = st.fixed_dictionaries({"type": st.text(), "payload": json_values})
    params: dict[str, st.SearchStrategy[dict]] = {
        "threads.create": st.fixed_dictionaries({"input": inputs}),
        "threads.add_user_message": st.fixed_dictionaries({"thread_id": threads, "input": inputs}),
        "threads.add_client_tool_output": st.fixed_dictionaries(
            {"thread_id": threads, "result": json_values}
        ),
        "threads.retry_after_item": st.fixed_dictionaries({"thread_id": threads, "item_id": items}),
        "threads.custom_action": st.fixed_dictionaries(
            {"thread_id": threads, "action": action}, optional={"item_id": items}
        ),
        "threads.sync_custom_action": st.fixed_dictionaries(
            {"thread_id": threads, "action": action}, optional={"item_id": items}
        ),
        "threads.add_structured_input": st.fixed_dictionaries(
            {"thread_id": threads, "item_id": items, "input": json_values}
        ),
        "threads.get_by_id": st.fixed_dictionaries({"thread_id": threads}),
        "threads.list": st.fixed_dictionaries(
            {}, optional={"limit": limits, "order": orders, "after": threads}
        ),
        "threads.update": st.fixed_dictionaries({"thread_id": threads, "title": st.text()}),
        "threads.delete": st.fixed_dictionaries({"thread_id": doomed}),
        "items.list": st.fixed_dictionaries(
            {"thread_id": threads}, optional={"limit": limits, "order": orders, "after": items}
        ),
        "items.feedback": st.fixed_dictionaries(
            {
                "thread_id": threads,
                "item_ids": st.lists(items, max_size=3),
                "kind": st.sampled_from(["positive", "negative", "meh"]),
            }
        ),
        "attachments.create": st.fixed_dictionaries(
            {"name": st.text(), "size": st.integers(), "mime_type": st.text()}
        ),
        "attachments.delete": st.fixed_dictionaries({"attachment_id": items}),
        "input.transcribe": st.fixed_dictionaries(
            {"audio_base64": st.text(), "mime_type": st.text()}
        ),
    }
    return st.one_of(
        st.builds(lambda params, kind=kind: {"type": kind, "params": params}, strategy)
        for kind, strategy in params.items()
    )


@st.composite
def mutated(draw: st.DrawFn, requests: st.SearchStrategy[dict]) -> Any:
    """A request with one value somewhere in it dropped, replaced, enlarged or added to."""
    body = draw(requests)
    node: Any = body
    # Walk down a random path of objects and lists, then change something there.
    while isinstance(node, dict | list) and node and draw(st.booleans()):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        child = node[draw(st.sampled_from(keys))]
        if not isinstance(child, dict | list) or not child:
            break
        node = child
    if not isinstance(node, dict | list) or not node:
        return draw(json_values)
    key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
    change = draw(st.sampled_from(["drop", "replace", "huge", "add"]))
    if change == "drop":
        del node[key]
    elif change == "replace":
        node[key] = draw(json_values)
    elif change == "huge":
        node[key] = "x" * draw(st.sampled_from([10_000, 200_000, 2_000_000]))
    elif isinstance(node, dict):
        node[draw(st.text(min_size=1))] = draw(json_values)
    else:
        node.append(draw(json_values))
    return body


@st.composite
def broken_bytes(draw: st.DrawFn, requests: st.SearchStrategy[dict]) -> bytes:
    """A request's bytes cut short, with invalid UTF-8 spliced in, or wrapped in deep nesting."""
    data = json.dumps(draw(requests)).encode()
    position = draw(st.integers(0, len(data)))
    change = draw(st.sampled_from(["cut", "invalid-utf8", "nest"]))
    if change == "cut":
        return data[:position]
    if change == "invalid-utf8":
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28"]))
        return data[:position] + junk + data[position:]
    depth = draw(st.sampled_from([64, 1_000, 100_000]))
    return b'{"type": "threads.list", "params": ' + b"[" * depth + b"]" * depth + b"}"


def chatkit_bodies(seeded: Seeded) -> st.SearchStrategy[bytes]:
    requests = chatkit_requests(seeded)
    return st.one_of(
        requests.map(encode),
        mutated(requests).map(encode),
        broken_bytes(requests),
        json_values.map(encode),
    )


def encode(body: Any) -> bytes:
    return json.dumps(body).encode()


def test_fuzzed_requests_never_get_a_5xx_and_leave_the_app_working(
    settings: Settings, fake_provider: FakeProvider
):
    # Per-user rate limits would turn most of the run into 429s.
    app_settings = settings.model_copy(update={"rate_limit_requests": "100000/minute"})
    with asyncio.Runner() as runner:
        stack = AsyncExitStack()
        http = runner.run(stack.enter_async_context(serve_in_process(app_settings)))
        chatkit = ChatKitClient(http)
        try:
            seeded = runner.run(seed_threads(chatkit))
            posted = fuzz(runner, http, chatkit_bodies(seeded))
            runner.run(assert_healthy(http, chatkit, fake_provider))
        finally:
            runner.run(stack.aclose())

    assert posted >= EXAMPLES


async def seed_threads(chatkit: ChatKitClient) -> Seeded:
    """Three threads with a turn each, so that some fuzzed ids are real."""
    thread_ids, item_ids = [], []
    for text in ("first", "second", "third"):
        thread_id, _ = await chatkit.create_thread(text)
        thread_ids.append(thread_id)
        item_ids += [item["id"] for item in await chatkit.items(thread_id)]
    return Seeded(thread_ids[:-1], item_ids, doomed_thread_id=thread_ids[-1])


def fuzz(runner: asyncio.Runner, http: httpx.AsyncClient, bodies: st.SearchStrategy[bytes]) -> int:
    """Post every drawn body; returns how many were posted."""
    posted = 0

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies)
    def post(body: bytes) -> None:
        nonlocal posted
        posted += 1
        call = http.post("/chatkit", content=body, headers={"Content-Type": "application/json"})
        response = runner.run(asyncio.wait_for(call, TIMEOUT_SECONDS))
        assert response.status_code < 500, (response.status_code, response.text[:500])

    post()
    return posted


async def assert_healthy(
    http: httpx.AsyncClient, chatkit: ChatKitClient, fake_provider: FakeProvider
) -> None:
    assert (await http.get("/health")).status_code == 200
    assert (await http.get("/ready")).status_code == 200
    fake_provider.reset()
    thread_id, _ = await chatkit.create_thread("hello one")
    events = await chatkit.send(thread_id, "hello two")
    assert not errors(events)
    assert ("assistant", "echo: hello one") in fake_provider.requests[-1].transcript
    items = await chatkit.items(thread_id)
    assert [text_of(item) for item in items] == [
        "hello one",
        "echo: hello one",
        "hello two",
        "echo: hello two",
    ]


# What the fuzzer found, pinned down.


async def test_a_page_limit_out_of_range_gets_400(chatkit: ChatKitClient):
    thread_id, _ = await chatkit.create_thread("hello")

    huge = await chatkit.post("items.list", thread_id=thread_id, limit=2**63)
    negative = await chatkit.post("threads.list", limit=-1)

    assert (huge.status_code, negative.status_code) == (400, 400)


async def test_an_id_with_a_nul_character_gets_400(chatkit: ChatKitClient):
    # PostgreSQL cannot compare text with NUL in it: this was a 500 there.
    response = await chatkit.post("threads.get_by_id", thread_id="thr_\x00")

    assert response.status_code == 400


async def test_a_message_with_an_unknown_attachment_gets_404_and_leaves_no_empty_thread(
    chatkit: ChatKitClient,
):
    message = {**user_input("see attached"), "attachments": ["atc_1"]}

    response = await chatkit.post("threads.create", input=message)

    assert response.status_code == 404
    assert (await chatkit.post("threads.list")).json()["data"] == []


async def test_a_message_with_a_tag_is_answered_and_so_is_the_next(
    chatkit: ChatKitClient, fake_provider: FakeProvider
):
    tag = {"type": "input_tag", "id": "doc-1", "text": "Roadmap", "data": {}}
    message = {**user_input(""), "content": [{"type": "input_text", "text": "About "}, tag]}

    first = await chatkit.stream("threads.create", input=message)
    second = await chatkit.send(first[0]["thread"]["id"], "and then?")

    assert not errors(first + second)
    assert any("@Roadmap" in text for _, text in fake_provider.requests[0].transcript)
