import pytest
from django.urls import reverse

from projects.services import project_create
from stories import services
from stories.models import Story
from stories.tests.factories import build_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic", description="Owners book visits.")


def board(project):
    return reverse("stories:board", kwargs={"project_id": project.pk})


def test_the_board_needs_a_login(client, project):
    response = client.get(board(project))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_another_users_board_is_not_found(client, outsider, project):
    client.force_login(outsider)
    assert client.get(board(project)).status_code == 404
    assert client.get(board(project) + "?fragment=grid").status_code == 404


def test_an_empty_project_says_what_to_do_next(client, owner, project):
    client.force_login(owner)
    html = client.get(board(project)).content.decode()
    assert "This map is empty" in html
    assert "Add the first activity" in html


def test_the_board_shows_backbone_releases_cards_and_totals(client, owner, project):
    book = services.activity_create(project=project, title="Book a visit")
    pick = services.step_create(project=project, activity=book, title="Pick a time")
    mvp = services.release_create(project=project, name="MVP")
    services.story_create(project=project, step=pick, release=mvp, title="Book online", estimate=3)
    services.story_create(project=project, step=pick, release=mvp, title="See free slots", estimate=2)
    services.story_create(project=project, step=pick, title="Pay a deposit")
    client.force_login(owner)
    html = client.get(board(project)).content.decode()
    for text in ("Book a visit", "Pick a time", "MVP", "Unplanned", "Book online", "Pay a deposit"):
        assert text in html
    assert "2 stories · 5 points" in html
    assert "1 story · 0 points" in html
    assert html.index("Book online") < html.index("See free slots") < html.index("Pay a deposit")


def test_markup_in_titles_shows_as_text(client, owner, project):
    activity = services.activity_create(project=project, title="<script>alert(1)</script>")
    step = services.step_create(project=project, activity=activity, title="<b>step</b>")
    services.story_create(project=project, step=step, title="<img src=x onerror=alert(1)>")
    client.force_login(owner)
    html = client.get(board(project)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_the_grid_fragment_is_the_table_alone(client, owner, project):
    services.activity_create(project=project, title="Book a visit")
    client.force_login(owner)
    html = client.get(board(project) + "?fragment=grid").content.decode()
    assert html.lstrip().startswith('<table class="board" id="board-grid"')
    assert "<header" not in html


@pytest.mark.parametrize("size", [(1, 1, 1, 1), (10, 5, 4, 4)])
def test_the_board_runs_a_fixed_number_of_queries_whatever_the_size(
    client, owner, project, django_assert_max_num_queries, size
):
    activities, steps, releases, per_cell = size
    build_map(project, activities=activities, steps=steps, releases=releases, stories_per_cell=per_cell)
    if size[0] == 10:
        assert Story.objects.filter(project=project).count() == 1_000
    client.force_login(owner)
    # Session and user, project, the map's five reads, the Undo/Redo buttons (one), the Trash count
    # and the members' initials in the header (one).
    with django_assert_max_num_queries(11):
        response = client.get(board(project))
    assert response.status_code == 200
    assert response.content.decode().count('class="story-card ') == Story.objects.count()
