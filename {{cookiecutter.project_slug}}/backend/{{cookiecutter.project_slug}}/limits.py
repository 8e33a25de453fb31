"""Request limits on /chatkit: a per-user rate limit and a maximum user message length."""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from chatkit.types import ChatKitReq, ThreadsAddUserMessageReq, ThreadsCreateReq
from fastapi import HTTPException

# A bucket untouched this long has refilled completely, which is the same as having none.
IDLE_SECONDS = 60.0
# A hard cap on the users tracked at once, whatever their activity.
MAX_TRACKED_USERS = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per user: bursts of up to `per_minute` requests, refilled over a minute.

    It lives in this process: with several workers or replicas each has its own budget, so a
    user gets up to that many times the limit. 0 disables it.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = per_minute
        self.refill_per_second = per_minute / 60
        self._clock = clock
        # Least recently used first, so idle users are found at the front.
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        """How many users are tracked."""
        return len(self._buckets)

    def take(self, user_id: str) -> float:
        """Spend one request of the user's budget: 0 if allowed, else seconds until one fits."""
        if not self.capacity:
            return 0.0
        now = self._clock()
        self._forget_idle(now)
        bucket = self._buckets.pop(user_id, None) or _Bucket(self.capacity, now)
        elapsed = now - bucket.updated
        bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.refill_per_second)
        bucket.updated = now
        self._buckets[user_id] = bucket
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.refill_per_second

    def _forget_idle(self, now: float) -> None:
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.updated < IDLE_SECONDS and len(self._buckets) < MAX_TRACKED_USERS:
                return
            self._buckets.popitem(last=False)


def check_message_length(request: ChatKitReq, limit: int) -> None:
    """400 for a new user message longer than `limit` characters, before anything is stored."""
    if not isinstance(request, ThreadsCreateReq | ThreadsAddUserMessageReq):
        return
    message = request.params.input
    # Tags and quoted text reach the model too.
    length = sum(len(part.text) for part in message.content) + len(message.quoted_text or "")
    if length > limit:
        raise HTTPException(
            400, f"The message has {length} characters; at most {limit} are accepted"
        )
