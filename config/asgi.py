"""The ASGI application: Django's pages and API over HTTP, the live board over WebSockets.

Served by uvicorn (`make run`) and by gunicorn with uvicorn's worker in production (config/gunicorn.py).
"""

import logging
import os
from typing import Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django first: the consumers import models, which need the apps loaded.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from projects import consumers, live  # noqa: E402

# django-stubs types path() for views; Channels routes ASGI applications with it.
WEBSOCKET_ROUTES: list[Any] = [
    path("ws/projects/<int:project_id>/", consumers.BoardConsumer.as_asgi()),  # type: ignore[arg-type]
]

router = ProtocolTypeRouter(
    {
        "http": django_application,
        # The session cookie says who it is; the Origin header must be one of ALLOWED_HOSTS, so
        # that another site cannot open a board's socket with a visitor's cookie.
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(WEBSOCKET_ROUTES))),
    }
)


logger = logging.getLogger("mapwright.asgi")

# What asgiref raises when Django's handler, after a client has gone before its answer, sends
# request_finished through an executor that the cancelled view's context has already shut down
# (Django 6.1's ASGIHandler.handle with asgiref >= 3.9; asgiref #491, #526).
_EXECUTOR_GONE = "CurrentThreadExecutor already quit or is broken"


async def application(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    # The live board sends from the views' threads onto this loop (projects.live).
    live.remember_loop()
    try:
        await router(scope, receive, send)
    except RuntimeError as error:
        if scope["type"] != "http" or str(error) != _EXECUTOR_GONE:
            raise
        # Nobody is waiting for this answer, and the view's thread (with its database
        # connection) ended with its context: only the log would notice, as a traceback.
        logger.info("client left before %s %s was answered", scope.get("method"), scope.get("path"))
