"""Comments on cards: any member may comment (viewers too), the author or the owner may delete, text stays text."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client
from projects.models import Event, Membership
from projects.services import project_create
from stories.limits import COMMENT_MAX
from stories.models import Comment, Story
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


@pytest.fixture
def story(project):
    return Story.objects.get(project=project, title="Pay by card")


@pytest.fixture
def viewer(project, member):
    Membership.objects.create(project=project, user=member, role="viewer")
    return member


@pytest.fixture
def editor(project, django_user_model):
    user = django_user_model.objects.create_user(email="eddie@example.com", password="x" * 12, full_name="Eddie Editor")
    Membership.objects.create(project=project, user=user, role="editor")
    return user


def comments_url(story) -> str:
    return f"/api/v1/stories/{story.pk}/comments/"


def post(client, story, body):
    return client.post(comments_url(story), {"body": body}, format="json")


# --- The API -----------------------------------------------------------------------------


def test_a_viewer_comments_and_everyone_of_the_project_reads_it_oldest_first(owner_api, story, viewer, editor):
    first = post(bearer_client(viewer), story, "  Which cards do we take?  ")
    second = post(owner_api, story, "Visa and Mastercard.")

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert first.json()["body"] == "Which cards do we take?"
    assert first.json()["author"] == {"id": viewer.pk, "full_name": "Mel Member", "initials": "MM"}
    listed = bearer_client(editor).get(comments_url(story)).json()
    assert listed["count"] == 2
    assert [(row["author"]["full_name"], row["body"], row["can_delete"]) for row in listed["results"]] == [
        ("Mel Member", "Which cards do we take?", False),
        ("Olive Owner", "Visa and Mastercard.", False),
    ]
    # Each comment is also a line of the project's feed, with its author and the card.
    events = Event.objects.filter(verb="commented").order_by("id")
    assert list(events.values_list("actor_id", "subject", "story_id")) == [
        (viewer.pk, "story “Pay by card”", story.pk),
        (story.project.owner_id, "story “Pay by card”", story.pk),
    ]


def test_can_delete_says_who_may(owner_api, story, viewer):
    post(bearer_client(viewer), story, "Mine")

    as_owner = owner_api.get(comments_url(story)).json()["results"]
    as_author = bearer_client(viewer).get(comments_url(story)).json()["results"]

    assert [row["can_delete"] for row in as_owner] == [True]
    assert [row["can_delete"] for row in as_author] == [True]


def test_the_author_deletes_their_comment(story, viewer):
    client = bearer_client(viewer)
    comment_id = post(client, story, "Typo, sorry").json()["id"]

    assert client.delete(f"/api/v1/comments/{comment_id}/").status_code == 204
    assert client.get(comments_url(story)).json()["results"] == []


def test_the_owner_deletes_anyones_comment(owner_api, story, viewer):
    comment_id = post(bearer_client(viewer), story, "Off topic").json()["id"]

    assert owner_api.delete(f"/api/v1/comments/{comment_id}/").status_code == 204
    assert not Comment.objects.filter(pk=comment_id).exists()


def test_another_member_may_not_delete_it(owner_api, story, viewer, editor):
    comment_id = post(owner_api, story, "The owner's note").json()["id"]

    for user in (viewer, editor):
        response = bearer_client(user).delete(f"/api/v1/comments/{comment_id}/")
        assert response.status_code == 403
        assert response.json()["detail"] == "Only the comment's author or the project's owner can delete it."
    assert Comment.objects.filter(pk=comment_id).exists()


def test_an_outsider_gets_404_for_everything(owner_api, story, outsider_api):
    comment_id = post(owner_api, story, "Private").json()["id"]

    assert outsider_api.get(comments_url(story)).status_code == 404
    assert post(outsider_api, story, "Hello?").status_code == 404
    assert outsider_api.delete(f"/api/v1/comments/{comment_id}/").status_code == 404
    assert Comment.objects.count() == 1


def test_a_removed_member_gets_404_at_once(owner_api, story, viewer):
    client = bearer_client(viewer)
    comment_id = post(client, story, "Before I go").json()["id"]
    Membership.objects.filter(user=viewer).delete()

    assert client.get(comments_url(story)).status_code == 404
    assert client.delete(f"/api/v1/comments/{comment_id}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something first: the comment is empty."),
        ("   \n\t ", "Write something first: the comment is empty."),
        ("x" * (COMMENT_MAX + 1), "A comment can have at most 4,000 characters (this has 4,001)."),
    ],
)
def test_bad_bodies_are_a_400_naming_body_and_nothing_is_kept(owner_api, story, body, message):
    response = post(owner_api, story, body)

    assert response.status_code == 400, response.content
    assert response.json() == {"body": [message]}
    assert Comment.objects.count() == 0
    assert not Event.objects.filter(verb="commented").exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"body": "null \\u0000 byte"}',
        '{"body": "lone \\ud800 surrogate"}',
    ],
)
def test_characters_that_are_not_allowed_are_a_400_naming_body(owner_api, story, raw):
    response = owner_api.post(comments_url(story), raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["body"]
    assert "not allowed" in response.json()["body"][0]
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("payload", [{}, {"body": 42}, {"body": None}, {"body": ["a"]}, {"body": {"a": 1}}])
def test_a_body_that_is_not_text_is_a_400_naming_body(owner_api, story, payload):
    response = owner_api.post(comments_url(story), payload, format="json")

    assert response.status_code == 400
    assert "body" in response.json()


def test_the_longest_comment_is_kept_whole(owner_api, story):
    response = post(owner_api, story, "y" * COMMENT_MAX)

    assert response.status_code == 201
    assert len(Comment.objects.get().body) == COMMENT_MAX


def test_comments_are_rate_limited_per_person(owner_api, story, viewer, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": "2/m"}

    answers = [post(owner_api, story, f"Note {n}").status_code for n in range(3)]

    assert answers == [201, 201, 429]
    assert post(bearer_client(viewer), story, "Someone else").status_code == 201
    assert Comment.objects.count() == 3


def test_deleting_the_card_takes_its_comments(owner_api, story):
    post(owner_api, story, "Goes with the card")

    assert owner_api.delete(f"/api/v1/stories/{story.pk}/").status_code == 204
    assert Comment.objects.count() == 0


def test_a_deleted_account_leaves_its_comments_as_a_former_members(owner_api, story, viewer):
    post(bearer_client(viewer), story, "Still useful")
    viewer.delete()

    (row,) = owner_api.get(comments_url(story)).json()["results"]
    assert row["author"] is None
    assert row["body"] == "Still useful"


def test_the_board_counts_each_cards_comments(owner_client, owner_api, story, project):
    post(owner_api, story, "One")
    post(owner_api, story, "Two")

    names = owner_client.get(f"/projects/{project.pk}/").context["map"].card_names

    assert names["comments"] == {str(story.pk): 2}


def test_the_board_counts_comments_in_the_same_number_of_queries(owner_client, owner_api, project):
    url = f"/projects/{project.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            assert owner_client.get(url).status_code == 200
        return len(done.captured_queries)

    before = queries()
    for story in Story.objects.filter(project=project):
        post(owner_api, story, "A note")
        post(owner_api, story, "Another")

    assert queries() == before
    assert owner_client.get(url).context["map"].card_names["comments"] == {
        str(pk): 2 for pk in Story.objects.filter(project=project).values_list("pk", flat=True)
    }


# --- The card's page, without JavaScript ------------------------------------------------------


def page_url(story) -> str:
    return f"/board/stories/{story.pk}/"


def test_the_cards_page_lists_comments_as_text(owner_client, owner_api, story):
    post(owner_api, story, "<script>alert('x')</script> & <b>bold</b>")

    html = owner_client.get(page_url(story)).content.decode()

    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert(" not in html
    assert "Olive Owner" in html


def test_a_viewer_posts_from_the_page(client, story, viewer):
    client.force_login(viewer)

    response = client.post(f"/board/stories/{story.pk}/comments/", {"body": "From the page"})

    assert response.status_code == 302
    assert response["Location"] == f"/board/stories/{story.pk}/#comments"
    page = client.get(page_url(story)).content.decode()
    assert "From the page" in page
    assert "Comment posted." in page


def test_the_page_shows_the_error_and_keeps_nothing(owner_client, story):
    response = owner_client.post(f"/board/stories/{story.pk}/comments/", {"body": "   "})

    assert response.status_code == 400
    assert "Write something first: the comment is empty." in response.content.decode()
    assert Comment.objects.count() == 0


def test_the_page_form_needs_the_csrf_token(story, owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    assert client.post(f"/board/stories/{story.pk}/comments/", {"body": "No token"}).status_code == 403
    assert Comment.objects.count() == 0


def test_delete_from_the_page_by_the_author_and_not_by_another(client, owner_api, story, viewer, editor):
    comment_id = post(owner_api, story, "The owner's").json()["id"]
    client.force_login(editor)

    assert client.post(f"/board/comments/{comment_id}/delete/").status_code == 403
    assert "Delete<span" not in client.get(page_url(story)).content.decode()

    client.force_login(story.project.owner)
    response = client.post(f"/board/comments/{comment_id}/delete/")
    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_an_outsider_gets_404_on_the_pages(outsider_client, owner_api, story):
    comment_id = post(owner_api, story, "Private").json()["id"]

    assert outsider_client.post(f"/board/stories/{story.pk}/comments/", {"body": "Hi"}).status_code == 404
    assert outsider_client.post(f"/board/comments/{comment_id}/delete/").status_code == 404


def test_the_account_export_holds_the_persons_comments(client, owner_api, story, viewer):
    post(bearer_client(viewer), story, "Exported")
    post(owner_api, story, "Not theirs")
    client.force_login(viewer)

    from accounts.selectors import user_data_export

    comments = user_data_export(user=viewer)["comments"]

    assert [(row["project"], row["story"], row["body"]) for row in comments] == [
        ("Vet clinic", "Pay by card", "Exported")
    ]


def test_the_admin_lists_comments(admin_client, owner_api, story):
    comment_id = post(owner_api, story, "Moderate me").json()["id"]

    assert "Moderate me" in admin_client.get("/admin/stories/comment/").content.decode()
    assert admin_client.get(f"/admin/stories/comment/{comment_id}/change/").status_code == 200
