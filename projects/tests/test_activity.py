"""The activity feed: every action on a project appears once, with who did it, newest first (API and page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client
from projects.models import Event, Membership
from projects.services import project_create
from stories.models import Activity, MapSnapshot, Step, Story
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db

VET_CLINIC = (
    "A booking app for a vet clinic: pet owners book appointments, get vaccination reminders and see their "
    "pet's history; receptionists manage the day's schedule and vets write visit notes."
)


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic", description=VET_CLINIC))


@pytest.fixture
def editor(project, member):
    Membership.objects.create(project=project, user=member, role="editor")
    return member


def feed(client, project, **params) -> dict:
    response = client.get(f"/api/v1/projects/{project.pk}/activity/", params)
    assert response.status_code == 200, response.content
    return response.json()


def lines(client, project) -> list[tuple[str, str | None, str]]:
    """(verb, actor's name, subject) of the feed's first page, newest first."""
    return [
        (row["verb"], row["actor"]["full_name"] if row["actor"] else None, row["subject"])
        for row in feed(client, project)["results"]
    ]


def newest(client, project) -> dict:
    return feed(client, project)["results"][0]


def test_map_changes_appear_with_their_author_and_card(owner_api, project, editor):
    api = bearer_client(editor)
    step = Step.objects.get(project=project, title="Arrive")

    created = api.post(
        f"/api/v1/projects/{project.pk}/stories/", {"step": step.pk, "title": "Book a visit"}, format="json"
    )
    assert created.status_code == 201, created.content
    story_id = created.json()["id"]
    assert newest(owner_api, project) | {"id": 0, "created": ""} == {
        "id": 0,
        "verb": "created",
        "verb_display": "added",
        "actor": {"id": editor.pk, "full_name": "Mel Member", "initials": "MM"},
        "subject": "story “Book a visit”",
        "story_id": story_id,
        "created": "",
    }

    assert api.patch(f"/api/v1/stories/{story_id}/", {"title": "Book a check-up"}, format="json").status_code == 200
    moved = api.post(
        f"/api/v1/stories/{story_id}/move/", {"step": step.pk, "release": None, "position": 0}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert api.delete(f"/api/v1/stories/{story_id}/").status_code == 204
    (trash,) = [item for item in api.get(f"/api/v1/projects/{project.pk}/trash/").json()]
    assert owner_api.post(f"/api/v1/trash/{trash['id']}/restore/").status_code == 200

    assert lines(owner_api, project)[:5] == [
        ("restored", "Olive Owner", "story “Book a check-up”"),
        ("deleted", "Mel Member", "story “Book a check-up”"),
        ("moved", "Mel Member", "story “Book a check-up”"),
        ("edited", "Mel Member", "story “Book a check-up”"),
        ("created", "Mel Member", "story “Book a visit”"),
    ]
    assert {row["story_id"] for row in feed(owner_api, project)["results"][:5]} == {story_id}


def test_undo_and_redo_appear_with_what_they_undid(owner_api, project):
    activity = owner_api.post(f"/api/v1/projects/{project.pk}/activities/", {"title": "Follow up"}, format="json")
    assert activity.status_code == 201

    assert owner_api.post(f"/api/v1/projects/{project.pk}/undo/").status_code == 200
    assert owner_api.post(f"/api/v1/projects/{project.pk}/redo/").status_code == 200

    assert lines(owner_api, project)[:3] == [
        ("redid", "Olive Owner", "add activity “Follow up”"),
        ("undid", "Olive Owner", "add activity “Follow up”"),
        ("created", "Olive Owner", "activity “Follow up”"),
    ]


def test_every_change_is_one_line(owner_api, project):
    before = Event.objects.count()
    owner_api.post(f"/api/v1/projects/{project.pk}/activities/", {"title": "One"}, format="json")
    owner_api.post(f"/api/v1/projects/{project.pk}/releases/", {"name": "Later"}, format="json")

    assert Event.objects.count() == before + 2


def test_a_refused_change_leaves_no_line(owner_api, project, client, member):
    Membership.objects.create(project=project, user=member, role="viewer")
    viewer = bearer_client(member)

    response = viewer.post(f"/api/v1/projects/{project.pk}/activities/", {"title": "Not mine"}, format="json")

    assert response.status_code == 403
    assert not Event.objects.filter(project=project).exists()


def test_an_import_appears_with_the_importer(owner_api, project, editor):
    document = owner_api.get(f"/api/v1/projects/{project.pk}/export/").content
    api = bearer_client(editor)

    response = api.generic(
        "POST", f"/api/v1/projects/{project.pk}/import/?mode=append", data=document, content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert lines(owner_api, project)[0] == ("imported", "Mel Member", "a map of 2 activities and 3 stories")


def test_importing_a_new_project_starts_its_feed(owner_api, project):
    document = owner_api.get(f"/api/v1/projects/{project.pk}/export/").content

    response = owner_api.generic("POST", "/api/v1/projects/import/", data=document, content_type="application/json")

    assert response.status_code == 201
    new = project.__class__.objects.get(pk=response.json()["id"])
    assert lines(owner_api, new) == [("imported", "Olive Owner", "a map of 2 activities and 3 stories")]


def test_restoring_an_earlier_map_appears(owner_client, owner_api, project):
    document = owner_api.get(f"/api/v1/projects/{project.pk}/export/").content
    # Replacing the map keeps the one it replaces under Earlier maps.
    owner_api.generic("POST", f"/api/v1/projects/{project.pk}/import/", data=document, content_type="application/json")
    snapshot = MapSnapshot.objects.get(project=project)

    response = owner_client.post(f"/snapshots/{snapshot.pk}/restore/")

    assert response.status_code == 302
    assert lines(owner_api, project)[:2] == [
        ("restored", "Olive Owner", "an earlier map"),
        ("imported", "Olive Owner", "a map of 2 activities and 3 stories"),
    ]


def test_an_ai_generation_appears_with_who_asked_for_it(
    owner_api, project, editor, settings, django_capture_on_commit_callbacks
):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_AI = False
    api = bearer_client(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/projects/{project.pk}/generate-map/", {"mode": "replace"}, format="json")

    assert response.status_code in (201, 202), response.content
    verb, actor, subject = lines(owner_api, project)[0]
    stories = Story.objects.filter(project=project).count()
    activities = Activity.objects.filter(project=project).count()
    assert (verb, actor) == ("generated", "Mel Member")
    assert subject == f"a map of {activities} activities and {stories} stories"


def test_comments_appear_with_their_author_and_card(owner_api, project, editor):
    story = Story.objects.get(project=project, title="Ring the bell")

    assert (
        bearer_client(editor)
        .post(f"/api/v1/stories/{story.pk}/comments/", {"body": "Is it loud?"}, format="json")
        .status_code
        == 201
    )

    row = newest(owner_api, project)
    assert (row["verb"], row["verb_display"], row["actor"]["full_name"], row["subject"], row["story_id"]) == (
        "commented",
        "commented on",
        "Mel Member",
        "story “Ring the bell”",
        story.pk,
    )


def test_members_added_removed_and_leaving_appear(
    owner_api, project, member, outsider, django_capture_on_commit_callbacks
):
    members = f"/api/v1/projects/{project.pk}/members/"
    with django_capture_on_commit_callbacks(execute=True):
        added = owner_api.post(members, {"email": member.email, "role": "viewer"}, format="json")
        owner_api.post(members, {"email": outsider.email, "role": "editor"}, format="json")
    assert added.status_code == 201, added.content
    mine = Membership.objects.get(user=member)
    theirs = Membership.objects.get(user=outsider)

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api.delete(f"{members}{mine.pk}/").status_code == 204
        assert bearer_client(outsider).delete(f"{members}{theirs.pk}/").status_code == 204

    assert lines(owner_api, project) == [
        ("member_left", "Otto Outsider", ""),
        ("member_removed", "Olive Owner", "mel@example.com"),
        ("member_added", "Olive Owner", "otto@example.com"),
        ("member_added", "Olive Owner", "mel@example.com"),
    ]


def test_a_viewer_reads_the_feed_and_an_outsider_gets_404(owner_api, project, member, outsider_api, outsider_client):
    Membership.objects.create(project=project, user=member, role="viewer")
    owner_api.post(f"/api/v1/projects/{project.pk}/activities/", {"title": "Seen"}, format="json")

    assert lines(bearer_client(member), project)[0] == ("created", "Olive Owner", "activity “Seen”")
    assert outsider_api.get(f"/api/v1/projects/{project.pk}/activity/").status_code == 404
    assert outsider_client.get(f"/projects/{project.pk}/activity/").status_code == 404


def test_a_former_members_lines_stay_without_a_name(owner_api, project, editor):
    bearer_client(editor).post(f"/api/v1/projects/{project.pk}/activities/", {"title": "Left behind"}, format="json")
    editor.delete()

    row = newest(owner_api, project)
    assert (row["actor"], row["subject"]) == (None, "activity “Left behind”")


def make_events(project, actor, count: int) -> None:
    Event.objects.bulk_create(
        Event(project=project, actor=actor, verb="edited", subject=f"story “Card {n}”") for n in range(count)
    )


def test_the_api_pages_newest_first(owner_api, project, owner):
    make_events(project, owner, 60)

    first = feed(owner_api, project)
    second = feed(owner_api, project, page=2)

    assert first["count"] == 60
    assert [row["subject"] for row in first["results"][:2]] == ["story “Card 59”", "story “Card 58”"]
    assert len(first["results"]) == 50
    assert [row["subject"] for row in second["results"]][-1] == "story “Card 0”"
    assert second["next"] is None


@pytest.mark.parametrize("where", ["api", "page"])
def test_the_feed_reads_a_fixed_number_of_queries(owner_api, owner_client, project, owner, member, where):
    url = f"/api/v1/projects/{project.pk}/activity/" if where == "api" else f"/projects/{project.pk}/activity/"
    client = owner_api if where == "api" else owner_client

    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            assert client.get(url).status_code == 200
        return len(done.captured_queries)

    story = Story.objects.filter(project=project).first()

    def comment_events(actor, count: int) -> None:
        Event.objects.bulk_create(
            Event(project=project, actor=actor, verb="commented", subject="story", story_id=story.pk)
            for _ in range(count)
        )

    make_events(project, owner, 4)
    comment_events(owner, 1)
    few = queries()
    make_events(project, member, 40)
    comment_events(member, 5)

    assert queries() == few


# --- The page -------------------------------------------------------------------------------


def test_the_page_says_who_did_what_grouped_by_day_and_links_the_card(owner_client, owner_api, project, editor):
    story = Story.objects.get(project=project, title="Pay by card")
    bearer_client(editor).post(f"/api/v1/stories/{story.pk}/comments/", {"body": "Which?"}, format="json")
    gone = Story.objects.get(project=project, title="Ring the bell")
    owner_api.delete(f"/api/v1/stories/{gone.pk}/")

    html = owner_client.get(f"/projects/{project.pk}/activity/").content.decode()

    assert "<h2" in html and "Today" in html
    assert "Mel Member</strong>\n                commented on" in html
    assert f'<a href="/board/stories/{story.pk}/">story “Pay by card”</a>' in html
    # The deleted card is named but not linked.
    assert "story “Ring the bell”" in html
    assert f"/board/stories/{gone.pk}/" not in html


def test_the_page_escapes_what_people_wrote(owner_client, owner_api, project):
    owner_api.post(f"/api/v1/projects/{project.pk}/activities/", {"title": "<script>x()</script>"}, format="json")

    html = owner_client.get(f"/projects/{project.pk}/activity/").content.decode()

    assert "<script>x()" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html


def test_the_page_goes_on_to_older_lines(owner_client, project, owner):
    make_events(project, owner, 60)

    first = owner_client.get(f"/projects/{project.pk}/activity/").content.decode()
    second = owner_client.get(f"/projects/{project.pk}/activity/?page=2").content.decode()

    assert "Card 59" in first and "Card 10" in first and "Card 9”" not in first
    assert 'href="?page=2" rel="next">Older' in first
    assert "Card 9”" in second and "Card 0”" in second and "Card 59" not in second
    assert "Newer" in second
    # A page that is not a number or past the end shows a page, not an error.
    assert owner_client.get(f"/projects/{project.pk}/activity/?page=x").status_code == 200
    assert owner_client.get(f"/projects/{project.pk}/activity/?page=999").status_code == 200


def test_every_role_finds_the_page_in_the_boards_project_menu(client, project, member):
    Membership.objects.create(project=project, user=member, role="viewer")
    client.force_login(member)

    board = client.get(f"/projects/{project.pk}/").content.decode()

    assert f'href="/projects/{project.pk}/activity/"' in board
    assert client.get(f"/projects/{project.pk}/activity/").status_code == 200
