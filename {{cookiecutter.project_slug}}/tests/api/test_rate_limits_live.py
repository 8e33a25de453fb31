"""Rate limits against live servers: the AUTH_MODE=none defaults stay out of a load test's way,
Redis shares one limit between processes, and a Redis outage fails open to per-process counts."""

import asyncio
import socket
import time
import uuid

import httpx
import jwt
import pytest

from support.chatkit_client import ChatKitClient, user_input
from support.live_backend import live_backend
from support.server import free_port

pytestmark = pytest.mark.process

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
REDIS = ("127.0.0.1", 6379)


def redis_url() -> str:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        pytest.skip(f"no Redis at {REDIS[0]}:{REDIS[1]}")
    return f"redis://{REDIS[0]}:{REDIS[1]}/0"


def bearer(user: str) -> dict[str, str]:
    token = jwt.encode({"sub": user, "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def jwt_env(server_env: dict[str, str], **limits: str) -> dict[str, str]:
    return {**server_env, "AUTH_MODE": "jwt", "AUTH_JWT_SECRET": SECRET, **limits}


async def statuses(url: str, headers: dict[str, str], count: int) -> list[int]:
    async with httpx.AsyncClient(base_url=url) as http:
        chatkit = ChatKitClient(http, headers)
        return [(await chatkit.post("threads.list")).status_code for _ in range(count)]


def test_the_none_mode_defaults_let_20_clients_send_100_turns_and_300_reads_a_minute(
    server_env: dict[str, str],
):
    async def client(url: str, turns: int, reads: int) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            chatkit = ChatKitClient(http)
            codes = []
            for _ in range(turns):
                turn = await chatkit.post("threads.create", input=user_input("hi"))
                codes.append(turn.status_code)
            for _ in range(reads):
                codes.append((await chatkit.post("threads.list", limit=5)).status_code)
            return codes

    async def load(url: str) -> list[int]:
        clients = [client(url, 5, 15) for _ in range(20)]
        return [code for codes in await asyncio.gather(*clients) for code in codes]

    with live_backend({**server_env, "AUTH_MODE": "none"}) as backend:
        started = time.monotonic()
        codes = asyncio.run(load(backend.url))
        elapsed = time.monotonic() - started

    assert len(codes) == 400
    assert set(codes) == {200}
    assert elapsed < 60


def test_with_redis_two_processes_share_one_users_limit(server_env: dict[str, str]):
    env = jwt_env(server_env, RATE_LIMIT_REQUESTS="10/minute", RATE_LIMIT_STORAGE_URL=redis_url())
    user = bearer(f"user-{uuid.uuid4().hex}")
    with live_backend(env) as first, live_backend(env) as second:
        codes = asyncio.run(statuses(first.url, user, 8))
        codes += asyncio.run(statuses(second.url, user, 8))

    assert codes.count(200) == 10
    assert codes.count(429) == 6


def test_with_redis_unreachable_the_limits_fail_open_to_each_process(
    server_env: dict[str, str],
):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    env = jwt_env(server_env, RATE_LIMIT_REQUESTS="3/minute", RATE_LIMIT_STORAGE_URL=closed)
    with live_backend(env) as backend:
        started = time.monotonic()
        codes = asyncio.run(statuses(backend.url, bearer("alice"), 4))
        elapsed = time.monotonic() - started
        log = backend.log

    assert codes == [200, 200, 200, 429]
    assert elapsed < 5
    assert log.count("rate limit storage is unreachable") == 1


def test_a_flood_of_bad_tokens_is_cut_off_by_address(server_env: dict[str, str]):
    env = jwt_env(server_env, RATE_LIMIT_AUTH_FAILURES="5/minute")
    with live_backend(env) as backend:
        codes = asyncio.run(statuses(backend.url, {"Authorization": "Bearer forged"}, 50))

    assert codes == [401] * 5 + [429] * 45
