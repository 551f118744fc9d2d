"""The ASGI application: Django's pages and API over HTTP, the live board over WebSockets.

Served by uvicorn (`make run`) and by gunicorn with uvicorn's worker in production (config/gunicorn.py).
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django first: the consumers import models, which need the apps loaded.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from projects import consumers  # noqa: E402

# django-stubs types path() for views; Channels routes ASGI applications with it.
WEBSOCKET_ROUTES: list[Any] = [
    path("ws/projects/<int:project_id>/", consumers.BoardConsumer.as_asgi()),  # type: ignore[arg-type]
]

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # The session cookie says who it is; the Origin header must be one of ALLOWED_HOSTS, so
        # that another site cannot open a board's socket with a visitor's cookie.
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(WEBSOCKET_ROUTES))),
    }
)
