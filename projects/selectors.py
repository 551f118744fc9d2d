import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Aggregate, Count, F, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from stories.models import Activity, Story

from .access import projects_for_user
from .limits import AVATARS_SHOWN, SHARE_TOKEN_MAX_CHARS, Role
from .models import Event, Invitation, Membership, Project


def _count_of(model: type[Model], *, field: str = "pk", aggregate: type[Aggregate] = Count) -> Coalesce:
    rows = model._default_manager.filter(project=OuterRef("pk")).order_by().values("project")
    return Coalesce(Subquery(rows.annotate(total=aggregate(field)).values("total"), output_field=IntegerField()), 0)


def project_list_for_user(*, user: User) -> QuerySet[Project]:
    """The user's projects, newest change first, each with its counts (one query)."""
    return projects_for_user(user).annotate(
        activity_count=_count_of(Activity),
        story_count=_count_of(Story),
        point_total=_count_of(Story, field="estimate", aggregate=Sum),
    )


def projects_to_hand_over(*, user: User) -> list[tuple[Project, list[Membership]]]:
    """The projects `user` owns that others work on, each with the editors who could take it over (two queries).

    Deleting the account must ask what becomes of each: handed to one of those editors, or deleted.
    """
    shared = list(Project.objects.filter(owner=user, memberships__isnull=False).distinct().order_by("name", "pk"))
    editors: dict[int, list[Membership]] = {project.pk: [] for project in shared}
    for membership in (
        Membership.objects.filter(project__in=shared, role=Role.EDITOR).select_related("user").order_by("joined", "pk")
    ):
        editors[membership.project_id].append(membership)
    return [(project, editors[project.pk]) for project in shared]


def person_initials(user: User) -> str:
    """What an avatar shows for someone: "OO" for Olive Owner, "O" for olive@example.com."""
    words = user.full_name.split()
    if words:
        return "".join(word[0] for word in (words[:1] + words[1:][-1:])).upper()
    return user.email[:1].upper()


def activity_for_project(*, project: Project) -> QuerySet[Event]:
    """The project's feed, newest first, each line with its actor: one query a page, however long."""
    return Event.objects.filter(project=project).select_related("actor").order_by("-id")


def stories_still_there(*, project: Project, story_ids: Iterable[int | None]) -> set[int]:
    """Which of these cards are still on the map (one query): the feed links only to those."""
    wanted = {pk for pk in story_ids if pk is not None}
    if not wanted:
        return set()
    return set(Story.objects.filter(project=project, pk__in=wanted).values_list("pk", flat=True))


# --- Invitations and the read-only link -----------------------------------------------


def invitations_pending(*, project: Project) -> QuerySet[Invitation]:
    """The project's invitations still waiting for their address to be confirmed, oldest first.

    Expired ones are left out: they can no longer become memberships, and inviting the
    address again makes a fresh one.
    """
    return Invitation.objects.filter(project=project, accepted__isnull=True, expires__gt=timezone.now())


def share_token_digest(token: str) -> str:
    """What is stored of a share link's token: its sha256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def project_for_share_token(token: str) -> Project | None:
    """The project whose read-only link has this token, or None (unknown, revoked or replaced)."""
    # A token is 43 characters; anything far longer is not one, and is not hashed.
    if not token or len(token) > SHARE_TOKEN_MAX_CHARS:
        return None
    # One lookup through the unique index on the digest: nothing compares tokens character by character.
    return Project.objects.filter(share_token_hash=share_token_digest(token)).first()


@dataclass(frozen=True)
class Avatar:
    initials: str
    name: str


def project_avatars(*, project: Project) -> tuple[list[Avatar], int]:
    """The owner's and then the members' initials (the first AVATARS_SHOWN of them) and how many more there are.

    One query: the owner and the members together, the owner first, then in the order they joined.
    """
    joined = Membership.objects.filter(project=project, user=OuterRef("pk")).values("joined")[:1]
    people = (
        User.objects.filter(
            Q(pk=project.owner_id) | Q(pk__in=Membership.objects.filter(project=project).values("user"))
        )
        .annotate(member_since=Subquery(joined))
        .order_by(F("member_since").asc(nulls_first=True), "pk")
        .only("email", "full_name")
    )
    everyone = [
        Avatar(initials=person_initials(person), name=person.get_full_name() or person.email) for person in people
    ]
    return everyone[:AVATARS_SHOWN], max(0, len(everyone) - AVATARS_SHOWN)
