"""Rate limits: model turns and requests per user, failed sign-ins per client address.

Counted with the `limits` library, in this process (memory://) or shared by every process and
replica in Redis (RATE_LIMIT_STORAGE_URL=redis://...). When Redis cannot be reached the limits
fail open to this process's own counts, with a warning: a Redis outage must not stop the chat,
and each process still holds its clients to the limits on its own.
"""

import logging
import math
import time

from fastapi import HTTPException
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from .settings import Settings

logger = logging.getLogger(__name__)

# Request types that run the model, each a turn. Add any new one that calls the model.
TURN_REQUEST_TYPES = frozenset(
    {
        "threads.create",
        "threads.add_user_message",
        "threads.retry_after_item",
        "threads.add_client_tool_output",
    }
)

# (turns, requests) per user when RATE_LIMIT_TURNS / RATE_LIMIT_REQUESTS are unset.
DEFAULT_LIMITS = {
    "jwt": ("20/minute", "600/minute"),
    # Every client is the one local user, so these are the whole server's limits: high enough
    # for a developer's load test. Loopback-only serving and the host and origin checks
    # protect such a server, not these.
    "none": ("1000/minute", "5000/minute"),
}

# After a Redis failure, how long this process counts on its own before trying Redis again.
SHARED_RETRY_SECONDS = 10.0
# Redis answers in a millisecond; a request must not wait long on one that does not.
REDIS_TIMEOUT_SECONDS = 0.5


class RateLimits:
    """The app's three limits, and the storage that counts them."""

    def __init__(self, settings: Settings, key_prefix: str = "chatkit") -> None:
        default_turns, default_requests = DEFAULT_LIMITS[settings.auth_mode]
        self.turns = parse_many(settings.rate_limit_turns or default_turns)
        self.requests = parse_many(settings.rate_limit_requests or default_requests)
        self.auth_failures = parse_many(settings.rate_limit_auth_failures)
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._shared = shared_limiter(settings.rate_limit_storage_url, key_prefix)
        self._shared_down_until = 0.0

    async def take_turn(self, user_id: str) -> None:
        """Count a turn of `user_id`; 429 once they are over RATE_LIMIT_TURNS."""
        await self._hit(self.turns, ("turns", user_id), "model turns")

    async def take_request(self, user_id: str) -> None:
        """Count a request of `user_id`; 429 once they are over RATE_LIMIT_REQUESTS."""
        await self._hit(self.requests, ("requests", user_id), "requests")

    async def check_auth_failures(self, address: str) -> None:
        """429 while `address` is over RATE_LIMIT_AUTH_FAILURES, before any token is verified."""
        limiter = self._limiter()
        try:
            allowed = [await limiter.test(item, "auth", address) for item in self.auth_failures]
        except StorageError as error:
            self._fall_back(error)
            return await self.check_auth_failures(address)
        exceeded = [item for item, ok in zip(self.auth_failures, allowed, strict=True) if not ok]
        if exceeded:
            await self._refuse(limiter, exceeded, ("auth", address), "failed sign-ins")

    async def count_auth_failure(self, address: str) -> None:
        await self._hit(self.auth_failures, ("auth", address), "failed sign-ins", refuse=False)

    async def _hit(
        self,
        items: list[RateLimitItem],
        identifiers: tuple[str, str],
        what: str,
        *,
        refuse: bool = True,
    ) -> None:
        limiter = self._limiter()
        try:
            allowed = [await limiter.hit(item, *identifiers) for item in items]
        except StorageError as error:
            self._fall_back(error)
            return await self._hit(items, identifiers, what, refuse=refuse)
        exceeded = [item for item, ok in zip(items, allowed, strict=True) if not ok]
        if refuse and exceeded:
            await self._refuse(limiter, exceeded, identifiers, what)

    async def _refuse(
        self,
        limiter: SlidingWindowCounterRateLimiter,
        exceeded: list[RateLimitItem],
        identifiers: tuple[str, ...],
        what: str,
    ) -> None:
        stats = [await limiter.get_window_stats(item, *identifiers) for item in exceeded]
        wait = max(1, math.ceil(max(stat.reset_time for stat in stats) - time.time()))
        limit = "; ".join(str(item) for item in exceeded)
        raise HTTPException(
            429,
            f"Rate limit exceeded ({limit} {what}); retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )

    def _limiter(self) -> SlidingWindowCounterRateLimiter:
        if self._shared is None or time.monotonic() < self._shared_down_until:
            return self._local
        return self._shared

    def _fall_back(self, error: StorageError) -> None:
        if self._shared is None or self._limiter() is self._local:
            raise error  # the memory storage does not fail; this is a bug, not an outage
        self._shared_down_until = time.monotonic() + SHARED_RETRY_SECONDS
        logger.warning(
            "The rate limit storage is unreachable (%s); counting in this process alone for %.0f s",
            error.storage_error,
            SHARED_RETRY_SECONDS,
        )


def shared_limiter(url: str, key_prefix: str) -> SlidingWindowCounterRateLimiter | None:
    """A limiter counting in Redis at `url`; None for memory://."""
    if url.startswith("memory://"):
        return None
    storage = storage_from_string(
        f"async+{url}",
        implementation="redispy",
        key_prefix=key_prefix,
        wrap_exceptions=True,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    assert isinstance(storage, Storage)  # an async+ URL gives an asyncio storage
    return SlidingWindowCounterRateLimiter(storage)
