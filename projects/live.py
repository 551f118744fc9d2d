"""The live board's sending side: tell every open board of a project what changed.

(Placeholder: the transport lands with the live board. The message shape is fixed.)
"""

from typing import Any

from .models import Event


def event_message(event: Event) -> dict[str, Any]:
    """What an open board is told of an event: enough to say who did what, and to mark the card."""
    actor = event.actor
    return {
        "type": "map.event",
        "verb": event.verb,
        "actor_id": actor.pk if actor else None,
        "actor_name": actor.get_full_name() if actor else "",
        "subject": event.subject,
        "story_id": event.story_id,
    }


def announce(project_id: int, message: dict[str, Any]) -> None:
    """Send `message` to every open board of the project (call after the transaction commits)."""
