"""The four AI assists over the API with the offline planner (the default provider), on a map it drafted.

Each proposes without writing; accepting puts exactly what was chosen on the map, and asking again
never offers a card the map now has.
"""

from pathlib import Path

import pytest

from aimap.planner import plan_map
from aimap.quality import collisions, padded_titles
from projects.services import project_create
from stories import services as story_services
from stories.document import GENERATED_LIMITS, document_parse, title_key
from stories.models import Step, Story

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "planner" / "samples"


@pytest.fixture
def vet(owner):
    description = (SAMPLES / "vet-clinic.txt").read_text()
    project = project_create(owner=owner, name="PawCare", description=description)
    document = document_parse(plan_map(description), limits=GENERATED_LIMITS)
    story_services.map_apply_document(
        project=project, document=document, mode="replace", snapshot_reason="Before the test"
    )
    return project


def titles_on(project):
    return {title_key(title) for title in Story.objects.filter(project=project).values_list("title", flat=True)}


def propose(client, url):
    response = client.post(url, {}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_suggested_stories_are_new_distinct_and_land_only_when_accepted(owner_api, vet):
    step = Step.objects.get(project=vet, title="Find a free time")
    before = titles_on(vet)

    proposal = propose(owner_api, f"/api/v1/steps/{step.pk}/suggest-stories/")

    items = proposal["items"]
    assert 3 <= len(items) <= 5
    titles = [item["title"] for item in items]
    assert not {title_key(title) for title in titles} & before
    assert not padded_titles([*titles, *(s.title for s in Story.objects.filter(project=vet))])
    benefits = [item["description"].rsplit(", so that ", 1)[1] for item in items]
    assert len(set(benefits)) == len(benefits)
    criteria = [criterion for item in items for criterion in item["acceptance_criteria"]]
    assert len(set(criteria)) == len(criteria) and all(criterion.startswith("Given ") for criterion in criteria)
    document = {"activities": [{"title": "-", "steps": [{"title": "-", "stories": items}]}]}
    assert not collisions(document)
    assert all(item["persona"] == "Pet owner" for item in items), items
    assert titles_on(vet) == before  # nothing written yet

    accepted = owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200
    assert {title_key(title) for title in titles} <= titles_on(vet)

    again = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json")
    if again.status_code == 201:
        assert not {title_key(item["title"]) for item in again.json()["items"]} & {title_key(t) for t in titles}
    else:
        assert again.status_code == 422 and "Nothing new to suggest" in again.json()["detail"]


def test_a_step_the_planner_does_not_know_gets_nothing_rather_than_filler(owner, owner_api, vet):
    activity = Step.objects.get(project=vet, title="Find a free time").activity
    odd = story_services.step_create(project=vet, activity=activity, title="Frobnicate the widgets")
    response = owner_api.post(f"/api/v1/steps/{odd.pk}/suggest-stories/", {}, format="json")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Nothing new to suggest for “Frobnicate the widgets”")


def test_written_criteria_are_the_storys_own_and_are_added_to_it(owner_api, vet):
    story = Story.objects.get(project=vet, title="Cancel my appointment")
    had = list(story.acceptance_criteria)

    proposal = propose(owner_api, f"/api/v1/stories/{story.pk}/suggest-criteria/")

    texts = [item["text"] for item in proposal["items"]]
    assert 2 <= len(texts) <= 5
    assert not set(texts) & set(had)
    assert any("cancel" in text.lower() and "appointment" in text.lower() for text in texts), texts
    assert proposal["before"]["acceptance_criteria"] == had
    story.refresh_from_db()
    assert story.acceptance_criteria == had

    owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {"items": [{"index": 0}]}, format="json")
    story.refresh_from_db()
    assert story.acceptance_criteria == [*had, texts[0]]


def test_a_story_joining_two_actions_splits_into_them(owner, owner_api, vet):
    step = Step.objects.get(project=vet, title="Confirm the booking")
    big = story_services.story_create(project=vet, step=step, title="Book and pay for an appointment", estimate=8)

    proposal = propose(owner_api, f"/api/v1/stories/{big.pk}/split/")

    assert [item["title"] for item in proposal["items"]] == ["Book an appointment", "Pay for an appointment"]
    assert all(item["estimate"] < 8 for item in proposal["items"])  # each part smaller than the whole
    owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json")
    assert Story.objects.get(pk=big.pk).title == "Book an appointment"
    assert Story.objects.filter(step=step, title="Pay for an appointment").exists()


def test_fill_the_gaps_brings_back_a_missing_step_at_its_place(owner, owner_api, vet):
    reschedule = Step.objects.get(project=vet, title="Reschedule")
    activity = reschedule.activity
    story_services.step_delete(step=reschedule)
    steps_before = list(Step.objects.filter(activity=activity).order_by("position").values_list("title", flat=True))

    proposal = propose(owner_api, f"/api/v1/activities/{activity.pk}/fill-gaps/")

    gap = next(item for item in proposal["items"] if item["title"] == "Reschedule")
    assert gap["position"] == 1 and gap["stories"]
    assert list(Step.objects.filter(activity=activity).order_by("position").values_list("title", flat=True)) == (
        steps_before
    )
    index = proposal["items"].index(gap)
    owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {"items": [{"index": index}]}, format="json")
    after = list(Step.objects.filter(activity=activity).order_by("position").values_list("title", flat=True))
    assert after == [steps_before[0], "Reschedule", *steps_before[1:]]
