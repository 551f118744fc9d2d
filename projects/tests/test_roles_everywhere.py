"""Every URL of a project, tried by each role: a new endpoint cannot forget to ask for one.

The URL configuration is walked; each route that reaches into a project is filled
with ids of that project's rows and tried with every method its view answers, by a
viewer, an editor and someone who is not a member. A viewer may read but never
write; an editor may do all but the owner's actions; an outsider finds nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from accounts.models import User
from aimap.assists import target_basis
from aimap.models import Proposal
from projects.models import Membership
from projects.services import membership_add
from stories import services
from stories.models import Comment, MapChange, MapSnapshot
from stories.selectors import document_from_map
from stories.tests.test_api_support import Board, build_board
from tests.support import walk_urls

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# Pages a viewer is refused although they are read with GET: they are the forms of writes.
WRITE_FORMS = {"aimap:generate", "stories:import", "projects:labels"}
# What only the owner may do, and so an editor is refused too.
OWNER_ONLY = {
    ("projects:edit", "get"),
    ("projects:edit", "post"),
    ("projects:delete", "get"),
    ("projects:delete", "post"),
    ("projects-api:project-detail", "patch"),
    ("projects-api:project-detail", "delete"),
    ("projects-api:member-list", "post"),
    ("projects-api:member-detail", "patch"),
    ("projects-api:member-detail", "delete"),
    ("projects-api:owner-transfer", "post"),
    ("projects-api:invitation-detail", "delete"),
    ("projects-api:invitation-resend", "post"),
    ("projects-api:share-link", "get"),
    ("projects-api:share-link", "post"),
    ("projects-api:share-link", "delete"),
    # A comment of the owner's: only its author and the owner may delete it.
    ("stories:comment-delete", "post"),
    ("stories-api:comment-detail", "delete"),
}
# Writes a viewer may make all the same: commenting changes no map.
VIEWER_WRITES = {("stories:comment-add", "post"), ("stories-api:comment-list", "post")}
IDS = (
    "<int:project_id>",
    "<int:pk>",
    "<int:change_id>",
    "<int:snapshot_id>",
    "<int:member_id>",
    "<int:invitation_id>",
    "<uuid:proposal_id>",
)


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    methods: tuple[str, ...]


def project_routes() -> list[Route]:
    """Every route that names a row of a project, with the methods its view has a handler for."""
    found = []
    for route, name, callback in walk_urls(get_resolver().url_patterns):
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if view is None or not any(marker in route for marker in IDS) or name.startswith("admin:"):
            continue
        methods = tuple(method for method in METHODS if hasattr(view, method))
        found.append(Route(name, route, methods))
    return found


ROUTES = project_routes()
CASES = [(route, method) for route in ROUTES for method in route.methods]
CASE_IDS = [f"{method} {route.name}" for route, method in CASES]


def test_the_walk_finds_the_project_routes():
    names = {route.name for route in ROUTES}
    assert {"stories:board", "stories-api:story-detail", "projects-api:member-detail", "stories:trash-restore"} <= names
    assert len(ROUTES) > 50


def fill(route: Route, board: Board, *, other_member: Membership, user: User) -> str:
    """The route with ids of rows of the board's project, that exist: the view gets as far as its access check."""
    url = route.route.replace("<int:project_id>", str(board.project.pk))
    if "<int:pk>" in url:
        word = route.name.split(":")[-1].split("-")[0]
        row = {
            "project": board.project,
            "activity": board.buy,
            "step": board.search,
            "release": board.mvp,
            "persona": board.shopper,
            "story": board.keyword,
        }.get(word) or _comment_row(route, board)
        url = url.replace("<int:pk>", str(row.pk))
    if "<int:change_id>" in url:
        story = services.story_create(project=board.project, step=board.search, title="Thrown away")
        services.story_delete(story=story, by=board.project.owner)
        url = url.replace("<int:change_id>", str(MapChange.objects.latest("pk").pk))
    if "<int:snapshot_id>" in url:
        services.map_import(project=board.project, document=document_from_map(project=board.project), mode="replace")
        url = url.replace("<int:snapshot_id>", str(MapSnapshot.objects.latest("pk").pk))
    url = url.replace("<int:member_id>", str(other_member.pk))
    if "<int:invitation_id>" in url:
        invitation = membership_add(
            project=board.project, by=board.project.owner, email="ivy@example.com", role="viewer"
        )
        url = url.replace("<int:invitation_id>", str(invitation.pk))
    if "<uuid:proposal_id>" in url:
        url = url.replace("<uuid:proposal_id>", str(a_proposal(board, user).pk))
    assert "<" not in url, url
    return url


def a_proposal(board: Board, user: User) -> Proposal:
    """A proposal of `user`'s (one only ever sees one's own) for a step of the board."""
    return Proposal.objects.create(
        user=user,
        project=board.project,
        kind=Proposal.Kind.SUGGEST_STORIES,
        target_id=board.search.pk,
        target_title=board.search.title,
        basis=target_basis(Proposal.Kind.SUGGEST_STORIES, board.search),
        items=[
            {
                "title": "Save a search",
                "description": "",
                "acceptance_criteria": [],
                "priority": "could",
                "estimate": 2,
                "persona": None,
                "release": None,
            }
        ],
        provider="offline",
        expires=timezone.now() + timedelta(minutes=5),
    )


def _comment_row(route: Route, board: Board) -> Model:
    """The card a comments route is under (stories/{pk}/comments/), or a comment of the owner's."""
    if "stories/<int:pk>/" in route.route:
        return board.keyword
    return Comment.objects.create(project=board.project, story=board.keyword, author=board.project.owner, body="Hi")


def attempt(client: Client, method: str, url: str) -> int:
    kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
    return getattr(client, method)(url, **kwargs).status_code


@pytest.fixture
def cast(owner, member, outsider):
    """The owner's board, with `member` in the role the test gives and another member, an editor."""
    from accounts.models import User

    board = build_board(owner)
    colleague = User.objects.create_user(email="cole@example.com", password="a-long-password-1", full_name="Cole")
    other = Membership.objects.create(project=board.project, user=colleague, role="editor")
    return board, other


@pytest.mark.parametrize(("route", "method"), CASES, ids=CASE_IDS)
def test_a_viewer_reads_and_is_refused_every_write(cast, member, route, method):
    board, other = cast
    Membership.objects.create(project=board.project, user=member, role="viewer")
    client = Client()
    client.force_login(member)

    status = attempt(client, method, fill(route, board, other_member=other, user=member))

    reads = method == "get" and route.name not in WRITE_FORMS
    if (reads or (route.name, method) in VIEWER_WRITES) and (route.name, method) not in OWNER_ONLY:
        assert status not in {403, 404}, status
    else:
        assert status == 403, status


@pytest.mark.parametrize(("route", "method"), CASES, ids=CASE_IDS)
def test_an_editor_is_refused_only_the_owners_actions(cast, member, route, method):
    board, other = cast
    Membership.objects.create(project=board.project, user=member, role="editor")
    client = Client()
    client.force_login(member)

    status = attempt(client, method, fill(route, board, other_member=other, user=member))

    if (route.name, method) in OWNER_ONLY:
        assert status == 403, status
    else:
        assert status not in {403, 404}, status


@pytest.mark.parametrize(("route", "method"), CASES, ids=CASE_IDS)
def test_someone_who_is_not_a_member_finds_nothing(cast, outsider, route, method):
    board, other = cast
    client = Client()
    client.force_login(outsider)

    assert attempt(client, method, fill(route, board, other_member=other, user=outsider)) == 404
