"""Upstream code that server.py stands in for: an upgrade that changes it must be re-checked."""

import hashlib
import inspect

import pytest
from chatkit.server import ChatKitServer

# `AgentChatKitServer.process_parsed` replaces `ChatKitServer.process` so that a request is
# validated once, with an adapter built once (upstream builds `TypeAdapter(ChatKitReq)` on every
# request, about 3 ms), and it calls the two private methods below. When a hash changes after an
# upgrade of openai-chatkit, read the new upstream code: carry into `process_parsed` whatever
# `process` now does besides parsing (a new request type, logging, another split between
# streaming and JSON requests), check that `_process_streaming` and `_process_non_streaming` still
# take a parsed request and a context, then pin the new hashes.
PINNED = {
    "process": "ca6328c8189fdb02",
    "_process_non_streaming": "3b3395c714f3864e",
    "_process_streaming": "fc9810db6a54aeca",
}


def source_hash(method: str) -> str:
    source = inspect.getsource(getattr(ChatKitServer, method))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


@pytest.mark.parametrize("method", PINNED)
def test_the_upstream_request_handling_is_the_one_process_parsed_replaces(method: str):
    assert source_hash(method) == PINNED[method]
