"""The activity feed's one writer: every change to a project says here who did what."""

from functools import partial

from django.db import transaction

from accounts.models import User

from . import live
from .models import Event, Project

Verb = Event.Verb

SUBJECT_MAX = Event._meta.get_field("subject").max_length or 300


def event_record(
    *, project: Project, actor: User | None, verb: str, subject: str = "", story_id: int | None = None
) -> Event:
    """Write one line of the feed, inside the caller's transaction, and tell the open boards once it commits."""
    event = Event.objects.create(
        project_id=project.pk,
        actor=actor,
        verb=verb,
        subject=subject[:SUBJECT_MAX],
        story_id=story_id,
    )
    transaction.on_commit(partial(live.announce, project.pk, live.event_message(event)))
    return event
