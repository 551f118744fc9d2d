"""The live board's receiving side: one WebSocket per open board, at /ws/projects/<id>/.

A socket is let in only for someone who may see the project (projects.access, as every page);
anyone else is closed with LIVE_CLOSE_NO_ACCESS before anything is sent, and joins no group. It then hears:

- `map.event`: a change someone made (projects.live.announce), passed on as it is;
- presence: `{"type": "presence", "action": "here"|"left", "channel": …, "user": {…}}`. A newcomer
  says "here" to the group and everyone answers "here" to the newcomer alone, so the protocol needs
  only group_send and send, which every channel layer has (the in-memory one and channels-redis
  alike); no layer keeps a list of who is in a group. The browser counts people by user id, so one
  person with two tabs is one chip;
- `member.removed` for the person themselves: the socket closes with LIVE_CLOSE_REMOVED at once.
"""

from typing import Any, cast

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from accounts.models import User

from .access import project_get_for_user
from .limits import LIVE_CLOSE_NO_ACCESS, LIVE_CLOSE_REMOVED, Role
from .live import project_group


def initials(name: str) -> str:
    """ "Ana Lima" → "AL", "ana@example.com" → "A": what a presence chip shows."""
    words = [word for word in name.replace("@", " ").split() if word[:1].isalnum()]
    if not words:
        return "?"
    if "@" in name:
        return words[0][0].upper()
    return "".join(word[0] for word in words[:2]).upper()


@database_sync_to_async
def _may_see(user: User, project_id: int) -> bool:
    try:
        project_get_for_user(user=user, project_id=project_id, need=Role.VIEWER)
    except Http404:
        return False
    return True


class BoardConsumer(AsyncJsonWebsocketConsumer):
    group = ""
    user_id = 0
    person: dict[str, Any]

    async def connect(self) -> None:
        user = self.scope.get("user")
        project_id = int(self.scope["url_route"]["kwargs"]["project_id"])
        # AuthMiddlewareStack's lazy user: a User once logged in, AnonymousUser otherwise.
        if user is None or not user.is_authenticated or not await _may_see(cast(User, user), project_id):
            # Accepted only to be closed with a code the browser can read (a refused handshake
            # shows it none): it then knows not to try again. Nothing is sent.
            await self.accept()
            await self.close(code=LIVE_CLOSE_NO_ACCESS)
            return
        self.user_id = user.pk
        name = user.get_full_name()
        self.person = {"id": user.pk, "name": name, "initials": initials(name)}
        self.group = project_group(project_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "me": self.person, "channel": self.channel_name})
        await self.channel_layer.group_send(
            self.group, {"type": "presence.here", "user": self.person, "channel": self.channel_name, "ask": True}
        )

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        """Out of the group, telling the others, once (on a removal, and again when the socket ends)."""
        if not self.group:
            return
        group, self.group = self.group, ""
        await self.channel_layer.group_discard(group, self.channel_name)
        await self.channel_layer.group_send(
            group, {"type": "presence.left", "user": self.person, "channel": self.channel_name}
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The browser only listens: what it sends is ignored."""

    # --- Messages from the group ------------------------------------------------------------

    async def map_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message)

    async def presence_here(self, message: dict[str, Any]) -> None:
        if message["channel"] == self.channel_name or not self.group:
            return
        await self.send_json(
            {"type": "presence", "action": "here", "channel": message["channel"], "user": message["user"]}
        )
        if message.get("ask"):
            # Answer the newcomer alone, so that it learns who was here before it.
            await self.channel_layer.send(
                message["channel"],
                {"type": "presence.here", "user": self.person, "channel": self.channel_name, "ask": False},
            )

    async def presence_left(self, message: dict[str, Any]) -> None:
        if message["channel"] == self.channel_name or not self.group:
            return
        await self.send_json(
            {"type": "presence", "action": "left", "channel": message["channel"], "user": message["user"]}
        )

    async def member_removed(self, message: dict[str, Any]) -> None:
        if message["user_id"] == self.user_id:
            await self._leave()
            await self.close(code=LIVE_CLOSE_REMOVED)
