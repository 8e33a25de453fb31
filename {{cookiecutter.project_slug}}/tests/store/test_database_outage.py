"""A PostgreSQL outage against a live server, through a TCP proxy the test controls: refused,
blackholed and frozen connections give a quick 503 with the request id, and the server
recovers by itself once the database is back."""

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import make_url

from support.live_backend import LiveBackend, live_backend

pytestmark = pytest.mark.process

LIST_THREADS = {"type": "threads.list", "params": {}}
# The store's connect and statement timeouts (5 s and 10 s), plus slack for a loaded machine.
OUTAGE_ANSWER_SECONDS = 20


class Proxy:
    """A TCP proxy to PostgreSQL: forward, refuse, blackhole (accept, never answer) or freeze
    (the open connections stop moving), on a loop of its own."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "forward"
        self.loop = asyncio.new_event_loop()
        self.connections: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.port = 0
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.run(self.listen())

    def run(self, coroutine: object) -> object:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)  # type: ignore[arg-type]

    async def listen(self) -> None:
        self.server = await asyncio.start_server(self.accept, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(writer)
        if self.mode != "forward":
            await asyncio.sleep(3600)  # blackholed: accepted, never answered
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self.connections.add(upstream_writer)
        await asyncio.gather(self.pipe(reader, upstream_writer), self.pipe(upstream_reader, writer))

    async def pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65_536):
                while self.mode == "freeze":
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def set_mode(self, mode: str) -> None:
        self.run(self._set_mode(mode))

    async def _set_mode(self, mode: str) -> None:
        if mode in ("refuse", "blackhole"):
            for writer in self.connections:
                writer.transport.abort()
            self.connections.clear()
        if mode == "refuse" and self.server is not None:
            self.server.close()
            self.server = None
        if mode != "refuse" and self.server is None:
            await self.listen()
        self.mode = mode

    def close(self) -> None:
        self.run(self._set_mode("refuse"))
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def proxy(server_env: dict[str, str]) -> Iterator[Proxy]:
    url = make_url(server_env["DATABASE_URL"])
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def backend(server_env: dict[str, str], proxy: Proxy) -> Iterator[LiveBackend]:
    url = make_url(server_env["DATABASE_URL"]).set(host="127.0.0.1", port=proxy.port)
    env = {**server_env, "DATABASE_URL": url.render_as_string(hide_password=False)}
    with live_backend(env) as backend:
        yield backend


def list_threads(backend: LiveBackend) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(f"{backend.url}/chatkit", json=LIST_THREADS, timeout=60)
    return response, time.monotonic() - started


def recovers(backend: LiveBackend, within: float = 30) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if list_threads(backend)[0].status_code == 200:
            return True
        time.sleep(0.5)
    return False


@pytest.mark.parametrize("outage", ["refuse", "blackhole", "freeze"])
def test_an_outage_is_a_quick_503_with_the_request_id_and_then_recovers(
    backend: LiveBackend, proxy: Proxy, outage: str
):
    assert list_threads(backend)[0].status_code == 200
    proxy.set_mode(outage)

    response, elapsed = list_threads(backend)
    proxy.set_mode("forward")

    assert response.status_code == 503
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert elapsed < OUTAGE_ANSWER_SECONDS
    assert recovers(backend)
