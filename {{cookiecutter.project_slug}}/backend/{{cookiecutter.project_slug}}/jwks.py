"""The signing keys at AUTH_JWKS_URL: one fetch at a time for every waiting request, and a
failed fetch remembered briefly, so that a hung or broken identity provider costs each request
at most one shared wait and then a quick 503."""

import asyncio
import json
import time

import jwt

# A hung JWKS endpoint must not hold the requests waiting on it for PyJWT's default 30 s.
FETCH_TIMEOUT_SECONDS = 5.0
# How long fetched keys are used before they are fetched again (PyJWKClient's default).
KEYS_LIFETIME_SECONDS = 300.0
# A token naming an unknown key refetches the keys (they may have rotated), at most this often.
UNKNOWN_KEY_REFETCH_SECONDS = 30.0
# After a failed fetch, requests get 503 at once for this long instead of each trying again.
FAILURE_MEMORY_SECONDS = 10.0


class KeysUnavailable(Exception):
    """The keys could not be fetched or read; the request cannot be verified just now (503)."""


class JwksKeys:
    """The keys of one JWKS URL, by key id."""

    def __init__(self, url: str) -> None:
        # Only its fetch_data is used: urllib with a timeout, and no caching of its own.
        self._client = jwt.PyJWKClient(
            url, cache_jwk_set=False, cache_keys=False, timeout=FETCH_TIMEOUT_SECONDS
        )
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at = -float("inf")
        self._failed_at = -float("inf")
        self._failure = ""
        self._fetch: asyncio.Task[None] | None = None

    async def signing_key(self, token: str) -> jwt.PyJWK:
        """The key that signed `token` (by its `kid`); raises KeysUnavailable or PyJWTError."""
        kid = jwt.get_unverified_header(token).get("kid")
        age = time.monotonic() - self._fetched_at
        if age > KEYS_LIFETIME_SECONDS or (
            kid not in self._keys and age > UNKNOWN_KEY_REFETCH_SECONDS
        ):
            try:
                await self._refresh()
            except KeysUnavailable:
                if kid not in self._keys:
                    raise
                # Keep using the key the identity provider last published while it is down.
        if kid not in self._keys:
            raise jwt.InvalidTokenError(f"No signing key with kid {kid!r}")
        return self._keys[kid]

    async def _refresh(self) -> None:
        if time.monotonic() - self._failed_at < FAILURE_MEMORY_SECONDS:
            raise KeysUnavailable(self._failure)
        if self._fetch is None or self._fetch.done():
            self._fetch = asyncio.create_task(self._download())
        # Shielded: a waiter whose client leaves must not cancel the fetch the others await.
        await asyncio.shield(self._fetch)

    async def _download(self) -> None:
        try:
            # urllib blocks, so it runs in a thread; one at a time, as this task is shared.
            data = await asyncio.to_thread(self._client.fetch_data)
            key_set = jwt.PyJWKSet.from_dict(data)
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, json.JSONDecodeError, TypeError) as error:
            self._failed_at = time.monotonic()
            self._failure = f"{type(error).__name__}: {error}"
            raise KeysUnavailable(self._failure) from error
        signing = [key for key in key_set.keys if key.public_key_use in ("sig", None)]
        self._keys = {key.key_id: key for key in signing}
        self._fetched_at = time.monotonic()
