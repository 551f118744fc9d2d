"""The ASGI entry point: a client that left before its answer costs a log line, not a traceback."""

import asyncio
import logging
from typing import Any

import pytest

import config.asgi
from config.asgi import _EXECUTOR_GONE, application


def call(scope_type: str = "http") -> None:
    async def receive():  # pragma: no cover - the router below never reads
        return {"type": "http.disconnect"}

    async def send(message):  # pragma: no cover
        pass

    scope: Any = {"type": scope_type, "method": "GET", "path": "/projects/1/"}
    asyncio.run(application(scope, receive, send))


def test_djangos_cleanup_after_a_departed_client_is_logged_in_one_line(monkeypatch, caplog):
    async def router(scope, receive, send):
        raise RuntimeError(_EXECUTOR_GONE)

    monkeypatch.setattr(config.asgi, "router", router)
    with caplog.at_level(logging.INFO, logger="mapwright.asgi"):
        call()
    assert caplog.messages == ["client left before GET /projects/1/ was answered"]


@pytest.mark.parametrize(("scope_type", "message"), [("http", "something else broke"), ("websocket", _EXECUTOR_GONE)])
def test_any_other_failure_still_raises(monkeypatch, scope_type, message):
    async def router(scope, receive, send):
        raise RuntimeError(message)

    monkeypatch.setattr(config.asgi, "router", router)
    with pytest.raises(RuntimeError, match=message):
        call(scope_type)
