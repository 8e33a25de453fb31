"""Serving with uvicorn, and stopping: turns in flight get a grace period, then end; exit 0.

On SIGTERM (or Ctrl+C) the port closes and no new request is read. Streaming turns may go on
for SHUTDOWN_GRACE_SECONDS; then each is cancelled, which saves its partial reply, and its
stream ends with an error event the user can retry on. The store closes after the last one.
"""

import asyncio
import math
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI

from .settings import Settings

# uvicorn cancels whatever still runs this long after the grace period (a stuck turn).
BACKSTOP_SECONDS = 5.0


class Turns:
    """The streaming responses in flight, so that shutdown can stop them and wait for them."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()
        self._stopped: set[asyncio.Task[Any]] = set()

    @contextmanager
    def track(self) -> Iterator[None]:
        """Count the current task, which streams one response, as a turn in flight."""
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            yield
        finally:
            self._running.discard(task)
            self._stopped.discard(task)

    def stop_all(self) -> None:
        """Cancel every turn in flight; ChatKit then saves what each one had streamed."""
        for task in self._running - self._stopped:
            self._stopped.add(task)
            task.cancel()

    def withdraw_stop(self) -> bool:
        """Whether the current task is cancelled by `stop_all` alone; if so, undo the cancel.

        The turn is over by then (its model run cancelled, its partial reply saved); the
        response itself can still end properly.
        """
        task = asyncio.current_task()
        if task is None or task not in self._stopped or task.cancelling() != 1:
            return False
        task.uncancel()
        return True

    async def wait_idle(self, timeout: float) -> None:
        """Wait, at most `timeout` seconds, until no turn is in flight."""
        deadline = asyncio.get_running_loop().time() + timeout
        while any(not task.done() for task in self._running - {asyncio.current_task()}):
            if asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(0.05)


class Server(uvicorn.Server):
    """uvicorn's server, which stops turns after the grace period and exits with code 0."""

    def __init__(self, config: uvicorn.Config, turns: Turns, grace_seconds: float) -> None:
        super().__init__(config)
        self.turns = turns
        self.grace_seconds = grace_seconds

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn's own handler, minus recording the signal to raise it again at the very end,
        # which would end the process with -15 (SIGTERM) or a KeyboardInterrupt (Ctrl+C).
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn waits for the responses in flight; stop the turns after the grace period so
        # that each stream ends with an error event rather than a cut connection.
        stop = asyncio.get_running_loop().call_later(self.grace_seconds, self.turns.stop_all)
        try:
            await super().shutdown(sockets)
        finally:
            stop.cancel()


def serve(app: FastAPI, settings: Settings) -> None:
    """Serve until SIGTERM or Ctrl+C, then stop as the module docstring says."""
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # logs.py has set logging up, and the request log replaces uvicorn's access log.
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # uvicorn takes whole seconds here; round up, never cut the grace period short.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds + BACKSTOP_SECONDS),
        # httptools buffers a request's headers without bound; h11 closes the connection once
        # they pass the limit. Beyond max_connections a request gets 503.
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=settings.keep_alive_seconds,
    )
    Server(config, app.state.turns, settings.shutdown_grace_seconds).run()
