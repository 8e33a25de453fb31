"""Load benchmark: a baked backend against the floor of its stack, both on a fake provider.

Everything runs on 127.0.0.1 in this process tree and stops by itself: the project's fake
provider (tests/fake_provider.py), the backend as users run it (`python backend/main.py`) and
the baseline (baseline_app.py: `litellm.acompletion(stream=True)` as SSE, the least any server
on this stack can do per turn), each started through gc_pauses.py, which times its collections.
For each it reports start-up time, time to first text delta and to last byte, turns/s and
latency at concurrency 1, 10 and 50, server CPU per turn, the longest garbage-collector pause
and memory; for the backend also turns on long threads and, with a SQL store, the gain of a
second worker process.

It runs in the baked project's venv; run.py bakes the project, prepares that venv and runs it:

    .venv/bin/python benchmarks/run.py load                         # five minutes or more
    .venv/bin/python benchmarks/run.py load --quick --json bench.json   # about a minute
"""

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import aiohttp
import httpx

BENCHMARKS = Path(__file__).resolve().parent
GC_PAUSES = BENCHMARKS / "gc_pauses.py"

# Where the fake provider serves each provider's API, and the key variable LiteLLM requires, by
# the LiteLLM route of the project's model (Ollama's, ollama_chat, takes no key).
PROVIDER_API: dict[str, tuple[str, str | None]] = {
    "gemini": ("/v1beta", "GEMINI_API_KEY"),
    "openai": ("/v1", "OPENAI_API_KEY"),
    "anthropic": ("", "ANTHROPIC_API_KEY"),
    "ollama_chat": ("", None),
}
# Long enough that the echoed reply splits into every requested chunk.
MESSAGE = "Tell me, in a few words, what a benchmark measures and what it cannot."
MIB = 1024 * 1024
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# A start takes seconds here, but much longer on a machine busy with other work.
STARTUP_TIMEOUT_S = 180


@dataclass(frozen=True)
class Project:
    """A baked project: where it is, its package, its provider's LiteLLM route (`gemini`,
    `ollama_chat`) and the store it was baked with."""

    root: Path
    package: str
    provider: str
    store: str

    @classmethod
    def at(cls, root: Path) -> Self:
        root = root.resolve()
        backend = root / "backend"
        package = next(path.name for path in backend.iterdir() if (path / "__init__.py").exists())
        # In a process of its own: importing the package loads the project's .env.
        default_model = subprocess.run(
            [sys.executable, "-c", f"from {package}.settings import DEFAULT_MODEL as M; print(M)"],
            cwd=backend,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        store = store_of((backend / "requirements.txt").read_text())
        return cls(root, package, default_model.partition("/")[0], store)


def store_of(requirements: str) -> str:
    """The store a project was baked with, from the database drivers it requires."""
    if "asyncpg" in requirements:
        return "postgres"
    return "sqlite" if "sqlalchemy" in requirements else "memory"


@dataclass(frozen=True)
class Plan:
    """How many turns each phase runs."""

    warmup: int
    sequential: int
    concurrent: dict[int, int]  # concurrency -> turns
    thread_sizes: tuple[int, ...]  # items in the thread before its measured turns
    thread_turns: int
    # Starts of each server besides the one measured; the median start-up time of all is reported.
    extra_startups: int


FULL = Plan(
    warmup=200,
    sequential=300,
    concurrent={10: 600, 50: 1000},
    thread_sizes=(10, 200, 1000),
    thread_turns=40,
    extra_startups=4,
)
QUICK = Plan(
    warmup=50,
    sequential=15,
    concurrent={10: 20, 50: 50},
    thread_sizes=(10, 30),
    thread_turns=4,
    extra_startups=0,
)


# --- processes ---


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn's workers are children of its supervisor)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, pending = [], [pid]
    while pending:
        tree.append(pending.pop())
        pending.extend(children.get(tree[-1], []))
    return tree


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process tree so far."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_bytes(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
    return total


@dataclass
class Server:
    """A server process started by the benchmark, through gc_pauses.py."""

    process: subprocess.Popen
    url: str
    startup_s: float
    gc_stats: Path  # written when the process ends

    @property
    def pid(self) -> int:
        return self.process.pid

    def start_gc_timing(self) -> None:
        """From now on, gc_pauses.py times the server's collections (start-up's are not)."""
        self.process.send_signal(signal.SIGUSR1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Launch:
    """How to start a server: its program, environment and working directory."""

    program: list[str]  # as for `python`: `script` or `-m module`, then the arguments
    env: dict[str, str]
    cwd: Path


@contextmanager
def serve(launch: Launch, log: Path, workers: int = 1) -> Iterator[Server]:
    """Run a server on a free port; yields once every worker has started.

    Every server runs through gc_pauses.py, so that all are started alike.
    """
    port = free_port()
    # The backend's settings read HOST and PORT; uvicorn's command line reads UVICORN_*.
    address = {"HOST": "127.0.0.1", "PORT": str(port)}
    env = {**launch.env, **address, **{f"UVICORN_{key}": value for key, value in address.items()}}
    gc_stats = log.with_suffix(".gc.json")
    command = [sys.executable, str(GC_PAUSES), str(gc_stats), *launch.program]
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=launch.cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_healthy(url, process, log, workers)
        yield Server(process, url, time.perf_counter() - started, gc_stats)
    finally:
        stop(process)


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, workers: int) -> None:
    # /health answers as soon as one worker is up; connections made then would all go to it.
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{tail(log)}")
        try:
            healthy = httpx.get(f"{url}/health", timeout=1).status_code == 200
            if healthy and (
                workers == 1 or log.read_text().count("Application startup complete") >= workers
            ):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"{url} did not answer /health in {STARTUP_TIMEOUT_S} s:\n{tail(log)}")


def tail(log: Path) -> str:
    """The end of a server's log, for an error message (the log goes with the temp dir)."""
    return log.read_text(errors="replace")[-3000:]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (uvicorn shuts down gracefully and runs the app's shutdown), then SIGKILL."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def fake_provider(
    project: Project, chunks: int, delay: float, log: Path
) -> Iterator[tuple[str, int]]:
    """The project's fake provider, run from its command line; yields its URL and pid."""
    command = [sys.executable, "tests/fake_provider.py", "--port", "0"]
    command += ["--chunks", str(chunks), "--delay", str(delay)]
    with log.open("ab") as errors:
        process = subprocess.Popen(
            command, cwd=project.root, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    try:
        yield provider_url(process, log), process.pid
    finally:
        stop(process)


def provider_url(process: subprocess.Popen, log: Path) -> str:
    """The fake provider's `http://127.0.0.1:PORT`, from the first line of its output naming it."""
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(r"http://127\.0\.0\.1:\d+", line):
            return match.group()
    raise RuntimeError(f"the fake provider did not start:\n{tail(log)}")


# --- turns ---


@dataclass
class Turn:
    first_delta_s: float
    last_byte_s: float


class Target:
    """A server under load: how to run one turn on it.

    The client is aiohttp rather than httpx because it costs a third of the CPU per turn, and on
    two cores the load generator competes with the servers it measures.
    """

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.session = aiohttp.ClientSession(
            url,
            # Idle connections are dropped before uvicorn's keep-alive (5 s) ends them: on a
            # busy machine a connection the server had just closed was sometimes reused.
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=2),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.close()

    path = "/chat"

    async def new_thread(self) -> str | None:
        """A conversation for one client task (the baseline has none)."""
        return None

    def request(self, thread: str | None) -> dict:
        return {"text": MESSAGE}

    async def turn(self, thread: str | None) -> Turn:
        started = time.perf_counter()
        first_delta = None
        tail = b""
        async with self.session.post(self.path, json=self.request(thread)) as response:
            if response.status != 200:
                raise RuntimeError(f"{self.name}: HTTP {response.status}: {await response.text()}")
            async for chunk in response.content.iter_any():
                seen = tail + chunk
                if first_delta is None and b"text_delta" in seen:
                    first_delta = time.perf_counter() - started
                if b'"type":"error"' in seen:
                    raise RuntimeError(f"{self.name}: the turn ended with an error: {seen!r}")
                tail = chunk[-64:]
        if first_delta is None:
            raise RuntimeError(f"{self.name}: the turn streamed no text")
        return Turn(first_delta, time.perf_counter() - started)


class Baseline(Target):
    """baseline_app.py: one message in, the model's reply streamed out."""


class Backend(Target):
    """The ChatKit endpoint: each client task adds messages to a thread of its own."""

    path = "/chatkit"

    async def new_thread(self) -> str | None:
        body = chatkit_request("threads.create", input=user_input(MESSAGE))
        async with self.session.post("/chatkit", json=body) as response:
            response.raise_for_status()
            text = await response.text()
        first = text.partition("\n")[0].removeprefix("data: ")
        return json.loads(first)["thread"]["id"]

    def request(self, thread: str | None) -> dict:
        return chatkit_request(
            "threads.add_user_message", thread_id=thread, input=user_input(MESSAGE)
        )


def chatkit_request(request_type: str, **params: object) -> dict:
    return {"type": request_type, "params": params}


def user_input(text: str) -> dict:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }


async def new_threads(target: Target, count: int) -> list[str | None]:
    return await asyncio.gather(*(target.new_thread() for _ in range(count)))


async def run_turns(
    target: Target, threads: list[str | None], turns: int
) -> tuple[list[Turn], float]:
    """`turns` turns by one client task per thread; and the wall time they took."""
    remaining = iter(range(turns))
    results: list[Turn] = []

    async def client(thread: str | None) -> None:
        for _ in remaining:
            results.append(await target.turn(thread))

    started = time.perf_counter()
    await asyncio.gather(*(client(thread) for thread in threads))
    return results, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile, e.g. share=0.95."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- measurement ---


def cpu_now(server_pid: int, provider_pid: int) -> tuple[float, float, float]:
    """CPU seconds so far of the server, of the fake provider and of this client."""
    return cpu_seconds(server_pid), cpu_seconds(provider_pid), time.process_time()


async def measure(
    target: Target, server: Server, provider_pid: int, plan: Plan
) -> dict[str, float]:
    figures: dict[str, float] = {}
    # Warm up at the highest concurrency: the memory after it then includes what that many
    # turns in flight hold, and what grows later is growth.
    threads = await new_threads(target, max(plan.concurrent))
    await run_turns(target, threads, plan.warmup)
    figures["rss_warm_mib"] = rss_bytes(server.pid) / MIB

    spent = [0.0, 0.0, 0.0]  # CPU seconds, as in cpu_now, over the measured turns
    turns_total = 0
    for concurrency, count in [(1, plan.sequential), *plan.concurrent.items()]:
        before = cpu_now(server.pid, provider_pid)
        turns, seconds = await run_turns(target, threads[:concurrency], count)
        used = [b - a for a, b in zip(before, cpu_now(server.pid, provider_pid), strict=True)]
        spent = [total + more for total, more in zip(spent, used, strict=True)]
        turns_total += len(turns)
        latencies = [turn.last_byte_s * 1000 for turn in turns]
        prefix = f"c{concurrency}_"
        figures[prefix + "turns_per_s"] = len(turns) / seconds
        figures[prefix + "p50_ms"] = percentile(latencies, 0.5)
        figures[prefix + "p95_ms"] = percentile(latencies, 0.95)
        figures[prefix + "cpu_ms_per_turn"] = used[0] * 1000 / len(turns)
        if concurrency == 1:
            first = [turn.first_delta_s * 1000 for turn in turns]
            figures["first_delta_p50_ms"] = percentile(first, 0.5)
            figures["first_delta_p95_ms"] = percentile(first, 0.95)
    server_cpu, provider_cpu, client_cpu = (seconds * 1000 / turns_total for seconds in spent)
    figures["cpu_ms_per_turn"] = server_cpu
    figures["provider_cpu_ms_per_turn"] = provider_cpu
    figures["client_cpu_ms_per_turn"] = client_cpu
    figures["rss_after_mib"] = rss_bytes(server.pid) / MIB
    figures["turns_after_warmup"] = turns_total

    if isinstance(target, Backend):
        figures |= await thread_sizes(target, plan)
    return figures


async def thread_sizes(target: Backend, plan: Plan) -> dict[str, float]:
    """Median turn latency on threads that already hold `size` items (two per turn)."""

    async def seeded(size: int) -> str | None:
        thread = await target.new_thread()
        await run_turns(target, [thread], size // 2 - 1)
        return thread

    threads = await asyncio.gather(*(seeded(size) for size in plan.thread_sizes))
    latencies: list[list[float]] = [[] for _ in threads]
    # Round robin, so that drift in the machine's speed affects every size alike.
    for _ in range(plan.thread_turns):
        for thread, measured in zip(threads, latencies, strict=True):
            measured.append((await target.turn(thread)).last_byte_s * 1000)
    return {
        f"thread_{size}_items_p50_ms": percentile(measured, 0.5)
        for size, measured in zip(plan.thread_sizes, latencies, strict=True)
    }


def gc_figures(stats: dict) -> dict[str, float]:
    return {
        "gc_longest_pause_ms": stats["longest_pause_ms"],
        "gc_longest_pause_cpu_ms": stats["longest_pause_cpu_ms"],
        "gc_total_pause_ms": stats["total_pause_ms"],
    }


def startup_seconds(servers: dict[str, Launch], starts: int, work: Path) -> dict[str, list[float]]:
    """Each server's time from its start to a 200 from /health, `starts` times.

    One start is a noisy figure on a shared machine; the servers take turns, so that drift in
    the machine's speed affects each alike.
    """
    seconds: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(starts):
        for name, launch in servers.items():
            with serve(launch, work / f"{name}-startup.log") as server:
                seconds[name].append(server.startup_s)
    return seconds


def run_target(
    target_class: type[Target], launch: Launch, provider_pid: int, plan: Plan, work: Path
) -> tuple[dict[str, float], dict]:
    """The figures of one server, and its garbage collector's record, written at its exit."""
    name = target_class.__name__.lower()
    with serve(launch, work / f"{name}.log") as server:
        server.start_gc_timing()
        figures = asyncio.run(with_target(target_class, name, server, provider_pid, plan))
    gc_stats = json.loads(server.gc_stats.read_text())
    return {"startup_s": server.startup_s, **figures} | gc_figures(gc_stats), gc_stats


async def with_target(
    target_class: type[Target], name: str, server: Server, provider_pid: int, plan: Plan
) -> dict[str, float]:
    async with target_class(name, server.url) as target:
        return await measure(target, server, provider_pid, plan)


def run_workers(
    workers: int, backend: Launch, provider_pid: int, plan: Plan, work: Path
) -> dict[str, float]:
    """Turns/s at the highest concurrency with one worker process and with `workers`.

    Both are served and loaded alike, one after the other. The cores each used, and those the
    client and the fake provider took meanwhile, show what a shortfall from N times is made of.
    """
    concurrency, count = max(plan.concurrent.items())

    async def load(server: Server) -> dict[str, float]:
        async with Backend("backend", server.url) as target:
            threads = await new_threads(target, concurrency)
            await run_turns(target, threads, plan.warmup)
            before = cpu_now(server.pid, provider_pid)
            turns, seconds = await run_turns(target, threads, count)
            used = [b - a for a, b in zip(before, cpu_now(server.pid, provider_pid), strict=True)]
        return {
            "turns_per_s": len(turns) / seconds,
            "server_cores": used[0] / seconds,
            "load_cores": (used[1] + used[2]) / seconds,
        }

    figures: dict[str, float] = {}
    for processes in (1, workers):
        # uvicorn's command line, the way to serve several worker processes.
        program = ["-m", "uvicorn", "main:app", "--app-dir", "backend", "--workers", str(processes)]
        launch = Launch(program, backend.env, backend.cwd)
        with serve(launch, work / f"workers-{processes}.log", processes) as server:
            for name, value in asyncio.run(load(server)).items():
                figures[f"c{concurrency}_{name}_{processes}_workers"] = value
    one, many = (figures[f"c{concurrency}_turns_per_s_{n}_workers"] for n in (1, workers))
    figures["ratio"] = many / one
    return figures


# --- report ---


def ratios(backend: dict[str, float], baseline: dict[str, float]) -> dict[str, float]:
    return {name: backend[name] / baseline[name] for name in baseline if baseline[name] > 0}


def targets(result: dict) -> list[dict]:
    backend, baseline, ratio = result["backend"], result["baseline"], result["ratios"]
    top = max(result["plan"]["concurrent"], key=int)
    sizes = result["plan"]["thread_sizes"]
    rows = [
        # The Agents SDK and ChatKit's server add their own cost to LiteLLM's (docs/ explains).
        ("server CPU/turn <= 1.8x baseline", ratio["cpu_ms_per_turn"], "<=", 1.8),
        (f"turns/s at c{top} >= 0.8x baseline", ratio[f"c{top}_turns_per_s"], ">=", 0.8),
        (
            "p95 <= 1.5x p50 at c10",
            backend["c10_p95_ms"] / backend["c10_p50_ms"],
            "<=",
            1.5,
        ),
        ("longest GC pause < 50 ms", backend["gc_longest_pause_ms"], "<", 50),
        (
            f"turn on {sizes[-1]} items <= 1.1x on {sizes[0]}",
            backend[f"thread_{sizes[-1]}_items_p50_ms"]
            / backend[f"thread_{sizes[0]}_items_p50_ms"],
            "<=",
            1.1,
        ),
        ("startup <= baseline + 1 s", backend["startup_s"] - baseline["startup_s"], "<=", 1.0),
        (
            f"RSS growth over {backend['turns_after_warmup']:.0f} turns <= 20 MiB",
            backend["rss_after_mib"] - backend["rss_warm_mib"],
            "<=",
            20,
        ),
    ]
    if "workers" in result:
        rows.append(("second worker >= 1.7x turns/s", result["workers"]["ratio"], ">=", 1.7))
    compare = {"<=": float.__le__, ">=": float.__ge__, "<": float.__lt__}
    return [
        {"target": name, "value": value, "met": compare[op](float(value), float(limit))}
        for name, value, op, limit in rows
    ]


def print_report(result: dict) -> None:
    backend, baseline, ratio = result["backend"], result["baseline"], result["ratios"]
    print(f"\n{'figure':<30}{'backend':>12}{'baseline':>12}{'ratio':>8}")
    for name, value in backend.items():
        other = f"{baseline[name]:12.2f}" if name in baseline else f"{'':12}"
        share = f"{ratio[name]:8.2f}" if name in ratio else ""
        print(f"{name:<30}{value:12.2f}{other}{share}")
    for name, value in result.get("workers", {}).items():
        print(f"{'workers: ' + name:<30}{value:12.2f}")
    print()
    for row in result["targets"]:
        print(f"{'met   ' if row['met'] else 'MISSED'} {row['target']:<44}{row['value']:10.2f}")


# --- main ---


def environment(project: Project, provider_url: str, work: Path) -> dict[str, str]:
    """The servers' environment: the fake provider, explicitly, whatever .env says."""
    suffix, key = PROVIDER_API[project.provider]
    env = {
        **os.environ,
        "LLM_BASE_URL": provider_url + suffix,
        **({key: "fake-key"} if key else {}),
        # Neither the developer's .env nor traces to OpenAI's platform.
        "ENV_FILE": "",
        "AGENTS_TRACING": "false",
        # A title is one more model call per new thread; the baseline makes none.
        "THREAD_TITLES": "false",
        # The baseline imports LiteLLM before the settings that make it start offline.
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        # All the load comes from one user.
        "RATE_LIMIT_TURNS": "1000000/minute",
        "RATE_LIMIT_REQUESTS": "1000000/minute",
    }
    if project.store == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{work / 'chatkit.db'}"
    elif project.store == "postgres":
        env.setdefault(
            "DATABASE_URL",
            os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        )
    if project.store != "memory":
        # The servers start on a new database, so they create its tables, as a container would.
        env["MIGRATE_ON_START"] = "true"
    return env


def servers(project: Project, env: dict[str, str]) -> dict[str, Launch]:
    """The backend, as `python backend/main.py`, and the baseline, under uvicorn."""
    # The baseline imports the backend's settings, so it calls the same model.
    baseline_env = {
        **env,
        "PYTHONPATH": str(project.root / "backend"),
        "BENCHMARK_PACKAGE": project.package,
    }
    baseline = ["-m", "uvicorn", "baseline_app:app", "--app-dir", str(BENCHMARKS)]
    return {
        "backend": Launch(["backend/main.py"], env, project.root),
        "baseline": Launch(baseline, baseline_env, project.root),
    }


def run(project: Project, args: argparse.Namespace, plan: Plan, work: Path) -> dict:
    """Every server in turn, on one fake provider; the figures, ratios and targets."""
    provider_log = work / "provider.log"
    with fake_provider(project, args.chunks, args.delay, provider_log) as (url, provider_pid):
        launches = servers(project, environment(project, url, work))
        startups = startup_seconds(launches, plan.extra_startups, work)
        backend, backend_gc = run_target(Backend, launches["backend"], provider_pid, plan, work)
        baseline, baseline_gc = run_target(Baseline, launches["baseline"], provider_pid, plan, work)
        for figures, name in ((backend, "backend"), (baseline, "baseline")):
            figures["startup_s"] = statistics.median([figures["startup_s"], *startups[name]])
        result: dict = {
            "config": {
                "provider": project.provider,
                "store": project.store,
                "chunks": args.chunks,
                "delay": args.delay,
                "quick": args.quick,
                "cpus": os.cpu_count(),
            },
            "plan": {
                "concurrent": {str(c): n for c, n in plan.concurrent.items()},
                "thread_sizes": list(plan.thread_sizes),
            },
            "backend": backend,
            "baseline": baseline,
            "ratios": ratios(backend, baseline),
            "gc": {"backend": backend_gc, "baseline": baseline_gc},
        }
        # Workers share nothing in memory, so the memory store cannot have several.
        if args.workers > 1 and project.store != "memory":
            result["workers"] = run_workers(
                args.workers, launches["backend"], provider_pid, plan, work
            )
    result["targets"] = targets(result)
    return result


def measurement_options(description: str, quick: str) -> argparse.ArgumentParser:
    """The options of both measurements, this one and cost_by_layer.py."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--project", type=Path, required=True, help="the baked project")
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--chunks", type=int, default=16, help="text chunks per reply")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = measurement_options(__doc__.splitlines()[0], quick="small counts: about a minute")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument(
        "--workers", type=int, default=2, help="compare N backend workers with one (1: skip)"
    )
    args = parser.parse_args(argv)
    # The servers' logs and the SQLite file; kept if anything fails.
    work = Path(tempfile.mkdtemp(prefix="benchmark-"))
    try:
        result = run(Project.at(args.project), args, QUICK if args.quick else FULL, work)
    except BaseException:
        print(f"\nThe benchmark failed; the server logs are in {work}", file=sys.stderr)
        raise
    shutil.rmtree(work)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
