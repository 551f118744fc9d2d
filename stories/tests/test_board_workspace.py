"""The board as a workspace, server side: one add-story form, small cards, totals, labels, density, constant queries."""

import json
import re

import pytest
from django.urls import reverse

from projects.services import project_create
from stories import services
from stories.models import Story
from stories.tests.factories import build_map

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic", description="Owners book visits.")


def board_html(client, project, query: str = "") -> str:
    response = client.get(reverse("stories:board", kwargs={"project_id": project.pk}) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_has_one_add_story_form_with_steps_grouped_by_activity(owner_client, project):
    build_map(project, activities=2, steps=3, releases=2, stories_per_cell=1)
    html = board_html(owner_client, project)
    story_add = reverse("stories:story-add", kwargs={"project_id": project.pk})

    assert html.count(f'action="{story_add}"') == 1
    # No form in the cells: their "+" buttons are made in the browser and open this one form.
    cells = re.findall(r'<tr class="release__cells">(.*?)</tr>', html, re.S)
    assert len(cells) == 3
    assert not any("<form" in row or "<textarea" in row for row in cells)
    step_list = re.search(r'<select id="new-story-step".*?</select>', html, re.S)
    assert step_list is not None
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', step_list.group(0), re.S)
    assert [label for label, _ in groups] == ["Activity 0", "Activity 1"]
    assert re.findall(r">(Step [^<]+)<", groups[1][1]) == ["Step 1.0", "Step 1.1", "Step 1.2"]


def test_a_200_story_board_stays_small(owner_client, project):
    # 20 steps, 4 releases and Unplanned, 2 a cell: 200 cards: with a form in every cell it was 280 KB.
    build_map(project, activities=4, steps=5, releases=4, stories_per_cell=2)
    assert Story.objects.filter(project=project).count() == 200
    html = board_html(owner_client, project)

    assert html.count('<article class="story-card') == 200
    # The rest of the page (header, tools, filters, the backbone, dialogs, the cards' JSON) is about 50 KB here.
    assert len(html.encode()) < 100_000
    body = re.search(r"<tbody.*</tbody>", html, re.S).group(0)
    # A card, with its share of its cell and row: about 200 bytes with four-digit ids (PostgreSQL's,
    # after other tests), where it was 1,100.
    assert len(body.encode()) / 200 < 240


def test_cards_link_to_their_page_without_a_url_per_card(owner_client, project):
    activity = services.activity_create(project=project, title="Book a visit")
    step = services.step_create(project=project, activity=activity, title="Pick a time")
    story = services.story_create(project=project, step=step, title="Book online")
    html = board_html(owner_client, project)

    assert f'href="/board/stories/{story.pk}/">Book online</a>' in html
    assert 'data-story-base="/board/stories/"' in html
    assert "data-move-url" not in html


def test_activities_and_steps_show_their_story_and_point_totals(owner_client, project):
    book = services.activity_create(project=project, title="Book a visit")
    pick = services.step_create(project=project, activity=book, title="Pick a time")
    confirm = services.step_create(project=project, activity=book, title="Confirm")
    pay = services.activity_create(project=project, title="Pay")
    services.step_create(project=project, activity=pay, title="At the desk")
    mvp = services.release_create(project=project, name="MVP")
    services.story_create(project=project, step=pick, release=mvp, title="Book online", estimate=3)
    services.story_create(project=project, step=pick, title="Book by phone", estimate=2)
    services.story_create(project=project, step=confirm, release=mvp, title="Email", estimate=1)
    services.story_create(project=project, step=confirm, title="Text message")
    html = board_html(owner_client, project)

    assert "Activity 1: Book a visit, 4 stories, 6 points" in html
    assert "Activity 2: Pay, 0 stories, 0 points" in html
    assert "Step: Pick a time, 2 stories, 5 points" in html
    assert 'Step: Confirm, 2 stories, 1 point"' in html
    assert "4 stories · 6 points" in html  # seen in Book a visit's header
    assert "2 · 5 pts" in html  # seen in Pick a time's header
    # Beside the release totals of before.
    assert "2 stories · 4 points" in html


def test_labels_show_by_the_projects_names(owner_client, project):
    activity = services.activity_create(project=project, title="Book a visit")
    step = services.step_create(project=project, activity=activity, title="Pick a time")
    story = services.story_create(project=project, step=step, title="Book online")
    Story.objects.filter(pk=story.pk).update(labels=["red", "blue", "risky"])
    project.label_names = {"red": "Payments <b>"}
    project.save(update_fields=["label_names"])
    html = board_html(owner_client, project)

    card = re.search(rf'<article [^>]*id="story-{story.pk}".*?</article>', html, re.S)
    assert card is not None
    assert 'data-l="red blue risky"' in card.group(0)
    # The names the card's chips are drawn with (board.js), as data, escaped for the page.
    names = re.search(r'<script id="board-names" type="application/json">(.*?)</script>', html, re.S)
    assert names is not None
    label_names = json.loads(names.group(1))["label"]
    assert (label_names["red"], label_names["blue"], label_names["risky"]) == ("Payments <b>", "Blue", "Risky")
    assert "<b>" not in names.group(1)
    # The Labels panel offers to rename each colour, under its current name.
    assert 'name="name_red" value="Payments &lt;b&gt;"' in html
    assert 'name="name_grey" value="Grey"' in html


@pytest.mark.parametrize("density", ["comfortable", "compact", "overview"])
def test_the_board_opens_at_the_persons_density(owner_client, owner, project, density):
    services.activity_create(project=project, title="Book a visit")
    owner.board_density = density
    owner.save(update_fields=["board_density"])
    html = board_html(owner_client, project)

    assert f'class="board-page density-{density}"' in html
    assert re.search(rf'data-density="{density}" aria-pressed="true"', html)
    assert html.count('aria-pressed="true"') == 1


def test_density_is_saved_through_me(client, owner):
    client.force_login(owner)
    response = client.patch(ME, {"board_density": "overview"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["board_density"] == "overview"
    owner.refresh_from_db()
    assert owner.board_density == "overview"
    assert client.get(ME).json()["board_density"] == "overview"


@pytest.mark.parametrize("value", ["tiny", "", None, 3, ["overview"]])
def test_a_density_that_is_not_one_of_the_three_is_refused(client, owner, value):
    client.force_login(owner)
    response = client.patch(ME, {"board_density": value}, content_type="application/json")

    assert response.status_code == 400
    assert "board_density" in response.json()
    owner.refresh_from_db()
    assert owner.board_density == "comfortable"


def test_the_board_queries_do_not_grow_with_the_map(owner_client, project, django_assert_num_queries):
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            board_html(owner_client, project)
        return len(captured.captured_queries)

    build_map(project, activities=1, steps=1, releases=1, stories_per_cell=1)
    small = count_queries()
    build_map(project, activities=6, steps=5, releases=3, stories_per_cell=3)
    assert Story.objects.filter(project=project).count() > 300
    with django_assert_num_queries(small):
        html = board_html(owner_client, project)
    assert html.count('<article class="story-card') == Story.objects.filter(project=project).count()
