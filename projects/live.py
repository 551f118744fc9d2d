"""The live board's sending side: tell every open board of a project what changed.

Messages go through the channel layer (settings.CHANNEL_LAYERS: channels-redis when REDIS_URL is
set, the in-memory layer otherwise) to the group of the project's open boards, where
projects.consumers.BoardConsumer passes them on. Everything here runs after the transaction has
committed, so a board never hears of a change that was rolled back; and nothing here may fail the
request that made the change, which is saved already: a layer that is down or hung is logged and
given up after LIVE_SEND_TIMEOUT.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .limits import LIVE_SEND_TIMEOUT
from .models import Event

logger = logging.getLogger("mapwright.live")


def project_group(project_id: int) -> str:
    """The channel layer group of a project's open boards."""
    return f"project.{project_id}"


def event_message(event: Event) -> dict[str, Any]:
    """What an open board is told of an event: enough to say who did what, and to mark the card."""
    actor = event.actor
    actor_name = actor.get_full_name() if actor else ""
    return {
        "type": "map.event",
        "verb": event.verb,
        "actor_id": actor.pk if actor else None,
        "actor_name": actor_name,
        "subject": event.subject,
        "story_id": event.story_id,
        # The sentence the board's status line says, as the activity feed words it.
        "text": " ".join(part for part in (actor_name or "Someone", event.get_verb_display(), event.subject) if part),
    }


# The event loop of the ASGI server this process runs, once it has served anything (remember_loop).
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_loop() -> None:
    """Note the running loop as the server's: config.asgi calls it on every connection."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send() -> None:
        try:
            await asyncio.wait_for(layer.group_send(group, message), timeout=LIVE_SEND_TIMEOUT)
        except Exception:  # the change is saved; open boards catch up on their next load
            logger.warning("could not tell the open boards of %s", group, exc_info=True)

    try:
        loop = _server_loop
        if loop is not None and loop.is_running():
            # Under the ASGI server, a view runs in asgiref's thread-sensitive executor, and async_to_sync
            # from there breaks that executor for the requests that follow ("CurrentThreadExecutor already
            # quit or is broken", asgiref #491 and #526; seen under load in the benchmark's soak). The send
            # goes to the server's own loop instead, which the in-memory layer needs anyway, and the
            # request does not wait for it.
            asyncio.run_coroutine_threadsafe(send(), loop)
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # No loop here and no server's (the WSGI test server, a management command, the task worker).
            async_to_sync(send)()
            return
        # A loop that is not a server's runs in this thread (a test's browser driver): async_to_sync
        # refuses to start inside it, so the send gets a thread of its own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(async_to_sync(send)).result()
    except Exception:  # the change is saved; open boards catch up on their next load
        logger.warning("could not tell the open boards of %s", group, exc_info=True)


def announce(project_id: int, message: dict[str, Any]) -> None:
    """Send `message` to every open board of the project (call after the transaction commits)."""
    _send(project_group(project_id), message)


def member_removed(project_id: int, user_id: int) -> None:
    """Close the removed member's open boards of the project at once (call after the transaction commits)."""
    _send(project_group(project_id), {"type": "member.removed", "user_id": user_id})
