"""The ASGI entry point: a client that left before its answer costs a log line, not a traceback."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
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
    # On a thread of its own: the browser tests' Playwright keeps a loop running on the main one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, application(scope, receive, send)).result()


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
