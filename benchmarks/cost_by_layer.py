"""CPU per turn, layer by layer: what LiteLLM, the Agents SDK and ChatKit each cost by themselves.

benchmark.py measures whole servers over HTTP; this runs one turn through each layer of a baked
backend's stack in this one process, against the fake provider, and reads the process's CPU time:

1. LiteLLM, one message: baseline_app.py's `litellm.acompletion(stream=True)` call.
2. LiteLLM, the agent's request: the same call with the arguments the Agents SDK passes (the
   thread's history as messages, the tool schema), captured from one agent run.
3. Agents SDK run: `Runner.run_streamed` on the agent with that history, every event read.
4. ChatKit server turn: a `threads.add_user_message` request through the backend's ChatKit
   server, every SSE event read: store reads and writes, history, the agent run, ChatKit's
   events. Everything the backend does for a turn except HTTP.

Each layer adds its own cost to the one above it. The layers take turns, round after round, so
that drift in the machine's speed affects them alike; medians over the rounds are reported.

It runs in the baked project's venv; run.py bakes the project, prepares that venv and runs it:

    .venv/bin/python benchmarks/run.py layers            # about a minute
    .venv/bin/python benchmarks/run.py layers --quick --json layers.json
"""

import asyncio
import importlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmark import (
    MESSAGE,
    Project,
    chatkit_request,
    environment,
    fake_provider,
    measurement_options,
    user_input,
)

if TYPE_CHECKING:
    from agents import Agent
    from chatkit.server import ChatKitServer

Turn = Callable[[], Awaitable[None]]


async def layers(
    project: Project, server: "ChatKitServer", turns_in_history: int
) -> dict[str, Turn]:
    """One turn of each layer, in order, on the backend's ChatKit server and agent."""
    import litellm
    from agents import Runner
    from baseline_app import stream_completion

    context_module = importlib.import_module(f"{project.package}.context")
    context = context_module.RequestContext(user_id="cost-by-layer")

    async def chatkit_turn(request: dict[str, Any]) -> bytes:
        """The turn's first SSE event; raises if the turn ends with an error event."""
        result = await server.process(json.dumps(request), context)
        events = [event async for event in result]
        if b'"type":"error"' in events[-1]:
            raise RuntimeError(f"the turn ended with an error: {events[-1]!r}")
        return events[0]

    first = await chatkit_turn(chatkit_request("threads.create", input=user_input(MESSAGE)))
    thread_id = json.loads(first.removeprefix(b"data: "))["thread"]["id"]
    add_message = chatkit_request(
        "threads.add_user_message", thread_id=thread_id, input=user_input(MESSAGE)
    )
    # A thread long enough that every turn sends the whole history window.
    for _ in range(turns_in_history):
        await chatkit_turn(add_message)
    thread = await server.store.load_thread(thread_id, context)
    history = await server.agent_input(thread, context)
    agent_request = await capture_model_request(server.agent, history)

    async def litellm_one_message() -> None:
        async for _ in await stream_completion(MESSAGE):
            pass

    async def litellm_agent_request() -> None:
        async for _ in await litellm.acompletion(**agent_request):
            pass

    async def agents_sdk_run() -> None:
        async for _ in Runner.run_streamed(server.agent, history).stream_events():
            pass

    async def chatkit_server_turn() -> None:
        await chatkit_turn(add_message)

    return {
        "LiteLLM, one message": litellm_one_message,
        "LiteLLM, the agent's request": litellm_agent_request,
        "Agents SDK run": agents_sdk_run,
        "ChatKit server turn": chatkit_server_turn,
    }


async def capture_model_request(agent: "Agent", history: list) -> dict[str, Any]:
    """The keyword arguments the Agents SDK passes to `litellm.acompletion` for `history`."""
    import litellm
    from agents import Runner

    captured: list[dict[str, Any]] = []
    original = litellm.acompletion

    async def recording(**kwargs: Any) -> Any:
        captured.append(kwargs)
        return await original(**kwargs)

    litellm.acompletion = recording
    try:
        async for _ in Runner.run_streamed(agent, history).stream_events():
            pass
    finally:
        litellm.acompletion = original
    return captured[0]


async def cpu_ms_per_turn(turn: Turn, count: int) -> float:
    """The process's CPU time (all its threads: LiteLLM's, the store's) per turn."""
    started = time.process_time()
    for _ in range(count):
        await turn()
    # LiteLLM logs a call in a task after its stream ends; let the last one run.
    await asyncio.sleep(0.05)
    return (time.process_time() - started) * 1000 / count


async def measure(
    project: Project, rounds: int, turns: int, history: int
) -> dict[str, list[float]]:
    # The app as the backend's main.py builds it for a serving process, its collector tuned;
    # imported here, since its settings read the environment that main() below has just set.
    backend_main = importlib.import_module("main")
    server = backend_main.app.state.server
    await server.store.open()
    try:
        turn_of = await layers(project, server, history)
        figures: dict[str, list[float]] = {name: [] for name in turn_of}
        for _ in range(rounds):
            for name, turn in turn_of.items():
                await cpu_ms_per_turn(turn, max(turns // 10, 2))  # warm-up after the other
                figures[name].append(await cpu_ms_per_turn(turn, turns))
        return figures
    finally:
        await server.store.close()


def summary(figures: dict[str, list[float]]) -> list[dict[str, float | str]]:
    """Per layer: the median CPU per turn, and what it adds to the layer before it.

    What a layer adds is the median of its differences within each round, which cancels most of
    the drift between rounds.
    """
    rows: list[dict[str, float | str]] = []
    previous = [0.0] * len(next(iter(figures.values())))
    for name, values in figures.items():
        rows.append(
            {
                "layer": name,
                "cpu_ms_per_turn": statistics.median(values),
                "added_ms": statistics.median(
                    value - before for value, before in zip(values, previous, strict=True)
                ),
                "min_ms": min(values),
                "max_ms": max(values),
            }
        )
        previous = values
    return rows


def print_report(rows: list[dict[str, Any]]) -> None:
    whole = rows[-1]["cpu_ms_per_turn"]
    print(f"\n{'layer':<30}{'CPU ms/turn':>12}{'added':>8}{'share':>7}{'range':>15}")
    for row in rows:
        spread = f"{row['min_ms']:.1f}-{row['max_ms']:.1f}"
        print(
            f"{row['layer']:<30}{row['cpu_ms_per_turn']:12.2f}{row['added_ms']:8.2f}"
            f"{row['added_ms'] / whole:7.0%}{spread:>15}"
        )
    print("\nshare: of the ChatKit server turn. HTTP comes on top: see benchmark.py.")


def main(argv: list[str] | None = None) -> int:
    parser = measurement_options(__doc__.splitlines()[0], quick="a few turns, a few seconds")
    args = parser.parse_args(argv)
    rounds, turns = (1, 5) if args.quick else (7, 60)
    project = Project.at(args.project)
    work = Path(tempfile.mkdtemp(prefix="cost-by-layer-"))
    try:
        with fake_provider(project, args.chunks, 0.0, work / "provider.log") as (url, _):
            os.environ.update(environment(project, url, work), LOG_LEVEL="WARNING")
            # baseline_app.py, whose call is the first layer, reads the backend's settings.
            os.environ["BENCHMARK_PACKAGE"] = project.package
            sys.path.insert(0, str(project.root / "backend"))
            # 15 turns: 31 items, more than the history window (HISTORY_LIMIT, 30 by default).
            figures = asyncio.run(measure(project, rounds, turns, history=15))
    except BaseException:
        print(f"\nThe measurement failed; the fake provider's log is in {work}", file=sys.stderr)
        raise
    shutil.rmtree(work)
    rows = summary(figures)
    print_report(rows)
    if args.json:
        args.json.write_text(json.dumps({"chunks": args.chunks, "layers": rows}, indent=2) + "\n")
        print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
