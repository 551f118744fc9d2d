"""The four AI assists over the API, through a fake OpenAI-compatible server on 127.0.0.1, and deciding proposals.

Proposing writes nothing; accepting writes the chosen items as one undoable change with one line in the feed.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from aimap.models import Proposal
from aimap.tests.fake_openai import completion, delay, fake_openai_server  # noqa: F401
from conftest import bearer_client
from projects.models import Event
from projects.services import membership_add, project_create
from stories import services as story_services
from stories.models import MapChange, Step, Story

pytestmark = pytest.mark.django_db

VET = "A booking app for a vet clinic: pet owners book appointments and get vaccination reminders."


def card(title, *, benefit="I do not have to phone the clinic", persona="Pet owner", estimate=2):
    return {
        "title": title,
        "description": f"As a pet owner, I want to {title.lower()}, so that {benefit}.",
        "acceptance_criteria": [f"Given I am signed in, when I {title.lower()}, then it is confirmed on screen"],
        "release": None,
        "priority": "should",
        "estimate": estimate,
        "persona": persona,
    }


SUGGESTIONS = [
    card("See a vet's free times for the week", benefit="I can plan around my work"),
    card("Get the next free time offered", benefit="I am not stuck on a full day"),
    card("Hold a time while I fill in the form", benefit="no one takes it while I type"),
]


@pytest.fixture
def vet(owner):
    project = project_create(owner=owner, name="PawCare", description=VET)
    activity = story_services.activity_create(project=project, title="Book appointments")
    step = story_services.step_create(project=project, activity=activity, title="Find a free time")
    story_services.step_create(project=project, activity=activity, title="Confirm the booking")
    story_services.persona_create(project=project, name="Pet owner")
    story_services.release_create(project=project, name="MVP")
    big = story_services.story_create(
        project=project, step=step, title="Book and pay for an appointment", estimate=8, acceptance_criteria=[]
    )
    story_services.story_create(project=project, step=step, title="See free times for a day")
    return project, activity, step, big


def answer(fake, payload):
    fake.script(completion(json.dumps(payload)))


def stories_count(project):
    return Story.objects.filter(project=project).count()


def test_suggest_stories_answers_a_proposal_and_writes_nothing(owner_api, vet, fake_openai):
    project, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    before = stories_count(project)

    response = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "suggest_stories" and body["status"] == "open"
    assert body["target"] == {"type": "step", "id": step.pk, "title": "Find a free time"}
    assert [item["title"] for item in body["items"]] == [item["title"] for item in SUGGESTIONS]
    assert body["items"][0]["persona"] == "Pet owner"
    assert body["provider"] == "openai" and body["expires"]
    assert stories_count(project) == before
    sent = fake_openai.last_request.body
    assert sent["response_format"]["json_schema"]["name"] == "mapwright_suggest_stories"
    user_message = sent["messages"][1]["content"]
    assert 'STEP: "Find a free time"' in user_message and "See free times for a day" in user_message


def test_a_fenced_answer_is_read(owner_api, vet, fake_openai):
    _, _, step, _ = vet
    fake_openai.script(completion("Here you are:\n```json\n" + json.dumps({"stories": SUGGESTIONS}) + "\n```"))
    response = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json")
    assert response.status_code == 201
    assert len(response.json()["items"]) == 3


def test_a_card_already_on_the_map_is_refused_and_asked_again(owner_api, vet, fake_openai):
    _, _, step, _ = vet
    repeated = [card("See free times for a day"), *SUGGESTIONS[:2]]
    fake_openai.script(completion(json.dumps({"stories": repeated})), completion(json.dumps({"stories": SUGGESTIONS})))

    response = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json")

    assert response.status_code == 201
    assert "See free times for a day" not in [item["title"] for item in response.json()["items"]]
    assert fake_openai.calls == 2
    retry = fake_openai.last_request.body["messages"][-1]["content"]
    assert "“See free times for a day” is already on the map" in retry


def test_an_answer_never_valid_is_a_readable_502_and_nothing_is_kept(owner_api, vet, fake_openai):
    project, _, step, _ = vet
    fake_openai.script(completion("I cannot help with that."))
    response = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json")
    assert response.status_code == 502
    detail = response.json()["detail"]
    assert detail.startswith("Suggest stories for “Find a free time”: the model did not return valid story suggestions")
    assert fake_openai.calls == 3
    assert not Proposal.objects.exists()
    assert stories_count(project) == 2


def test_a_server_that_does_not_answer_in_time_is_a_502(owner_api, vet, fake_openai):
    _, _, step, _ = vet
    fake_openai.script(delay(5))
    response = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json")
    assert response.status_code == 502
    assert "did not answer within 2 seconds" in response.json()["detail"]
    assert not Proposal.objects.exists()


def test_an_identical_request_is_answered_from_the_cache(owner_api, vet, fake_openai):
    _, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    first = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    second = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    assert fake_openai.calls == 1
    assert (first["cached"], second["cached"]) == (False, True)
    assert first["id"] != second["id"] and first["items"] == second["items"]


def test_accepting_some_with_an_edit_adds_exactly_those_as_one_undoable_change(owner, owner_api, vet, fake_openai):
    project, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    proposal = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()

    chosen = [{"index": 0}, {"index": 2, "title": "Hold my time for ten minutes"}]
    response = owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {"items": chosen}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["proposal"]["status"] == "applied"
    added = Story.objects.filter(pk__in=body["stories"]).order_by("position")
    assert [story.title for story in added] == ["See a vet's free times for the week", "Hold my time for ten minutes"]
    assert all(story.step_id == step.pk and story.release is None for story in added)
    assert added[0].persona.name == "Pet owner"
    assert body["undo"]["label"] == "add 2 suggested stories to step “Find a free time”"
    assert Event.objects.filter(project=project).first().subject == "2 suggested stories to step “Find a free time”"

    undone = owner_api.post(f"/api/v1/projects/{project.pk}/undo/", {}, format="json")
    assert undone.status_code == 200
    assert not Story.objects.filter(pk__in=body["stories"]).exists()


def test_accepting_all_and_then_again_is_a_409(owner_api, vet, fake_openai):
    _, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    proposal = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    assert owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json").status_code == 200
    assert Story.objects.filter(step=step).count() == 5
    again = owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "applied"
    assert Story.objects.filter(step=step).count() == 5


def test_reject_writes_nothing_and_the_proposal_cannot_be_accepted_after(owner_api, vet, fake_openai):
    project, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    proposal = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    changes = MapChange.objects.count()
    rejected = owner_api.post(f"/api/v1/proposals/{proposal['id']}/reject/", {}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert stories_count(project) == 2 and MapChange.objects.count() == changes
    late = owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "rejected"


def test_an_expired_or_stale_proposal_is_a_409_and_writes_nothing(owner, owner_api, vet, fake_openai):
    project, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    expired = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    Proposal.objects.filter(pk=expired["id"]).update(expires=timezone.now() - timedelta(seconds=1))
    response = owner_api.post(f"/api/v1/proposals/{expired['id']}/accept/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "expired"

    stale = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    story_services.story_create(project=project, step=step, title="Someone else's new card", by=owner)
    response = owner_api.post(f"/api/v1/proposals/{stale['id']}/accept/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "stale"
    assert "changed since this was proposed" in response.json()["detail"]
    assert stories_count(project) == 3


def test_a_bad_choice_is_a_400_naming_the_item(owner_api, vet, fake_openai):
    project, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    proposal = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    url = f"/api/v1/proposals/{proposal['id']}/accept/"
    for choices, said in [
        ([{"index": 7}], "items[0].index"),
        ([{"index": 0}, {"index": 0}], "chosen twice"),
        ([{"index": 1, "title": ""}], "title: must not be empty"),
        ([{"index": 1, "estimate": "lots"}], "estimate"),
        ([{"index": 1, "version": 3}], "cannot be changed"),
        ("all", "Choose at least one item"),
    ]:
        response = owner_api.post(url, {"items": choices}, format="json")
        assert response.status_code == 400, choices
        assert said in json.dumps(response.json()), (choices, response.json())
    assert stories_count(project) == 2
    assert Proposal.objects.get(pk=proposal["id"]).status == "open"


def test_write_criteria_appends_the_chosen_ones(owner_api, vet, fake_openai):
    _, _, _, big = vet
    criteria = [
        "Given a free time on Friday, when I book it, then it is no longer offered to anyone else",
        "Given my card is declined, when I pay, then the booking is not made and I am told why",
    ]
    answer(fake_openai, {"criteria": criteria})
    proposal = owner_api.post(f"/api/v1/stories/{big.pk}/suggest-criteria/", {}, format="json").json()
    assert proposal["before"]["acceptance_criteria"] == []
    assert proposal["items"] == [{"text": text} for text in criteria]

    edited = "Given my card is declined, when I pay, then nothing is booked and I am told why"
    accepted = owner_api.post(
        f"/api/v1/proposals/{proposal['id']}/accept/", {"items": [{"index": 1, "text": edited}]}, format="json"
    )
    assert accepted.status_code == 200
    big.refresh_from_db()
    assert big.acceptance_criteria == [edited]
    assert accepted.json()["undo"]["label"] == "add 1 criterion to story “Book and pay for an appointment”"


def test_split_rewrites_the_story_and_adds_the_rest_after_it(owner_api, vet, fake_openai):
    project, _, step, big = vet
    parts = [
        card("Book an appointment", estimate=3),
        card("Pay for an appointment", estimate=5, benefit="it is settled"),
    ]
    answer(fake_openai, {"stories": parts})
    proposal = owner_api.post(f"/api/v1/stories/{big.pk}/split/", {}, format="json").json()
    assert proposal["kind"] == "split" and proposal["before"]["estimate"] == 8

    accepted = owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200
    cell = list(Story.objects.filter(step=step, release=None).order_by("position").values_list("title", "estimate"))
    assert cell == [("Book an appointment", 3), ("Pay for an appointment", 5), ("See free times for a day", None)]
    assert accepted.json()["stories"][0] == big.pk
    assert Event.objects.filter(project=project).first().verb == "split"
    owner_api.post(f"/api/v1/projects/{project.pk}/undo/", {}, format="json")
    big.refresh_from_db()
    assert big.title == "Book and pay for an appointment" and stories_count(project) == 2


def test_split_of_a_small_story_is_a_422_saying_why(owner_api, vet, fake_openai):
    small = Story.objects.get(title="See free times for a day")
    response = owner_api.post(f"/api/v1/stories/{small.pk}/split/", {}, format="json")
    assert response.status_code == 422
    assert "small enough already" in response.json()["detail"]
    assert fake_openai.calls == 0


def test_a_split_needs_two_parts_chosen(owner_api, vet, fake_openai):
    _, _, _, big = vet
    answer(
        fake_openai, {"stories": [card("Book an appointment"), card("Pay for an appointment", benefit="it is paid")]}
    )
    proposal = owner_api.post(f"/api/v1/stories/{big.pk}/split/", {}, format="json").json()
    response = owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {"items": [{"index": 0}]}, format="json")
    assert response.status_code == 400 and "at least 2 parts" in json.dumps(response.json())


def test_fill_gaps_inserts_the_steps_at_their_places_with_their_cards(owner_api, vet, fake_openai):
    project, activity, _, _ = vet
    gaps = [
        {
            "title": "Choose what to book",
            "description": "The kind of visit.",
            "position": 0,
            "stories": [card("Pick the type of visit")],
        },
        {
            "title": "Get a reminder",
            "description": "",
            "position": 2,
            "stories": [card("Get a reminder the day before", benefit="I do not forget")],
        },
    ]
    answer(fake_openai, {"steps": gaps})
    proposal = owner_api.post(f"/api/v1/activities/{activity.pk}/fill-gaps/", {}, format="json").json()
    assert [item["position"] for item in proposal["items"]] == [0, 2]

    accepted = owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200
    titles = list(Step.objects.filter(activity=activity).order_by("position").values_list("title", flat=True))
    assert titles == ["Choose what to book", "Find a free time", "Confirm the booking", "Get a reminder"]
    assert Story.objects.filter(step__title="Get a reminder", title="Get a reminder the day before").exists()
    owner_api.post(f"/api/v1/projects/{project.pk}/undo/", {}, format="json")
    assert Step.objects.filter(activity=activity).count() == 2


def test_a_step_the_activity_has_is_refused(owner_api, vet, fake_openai):
    _, activity, _, _ = vet
    there = {"title": "Confirm the booking", "description": "", "position": 1, "stories": [card("Confirm it")]}
    fake_openai.script(completion(json.dumps({"steps": [there]})))
    response = owner_api.post(f"/api/v1/activities/{activity.pk}/fill-gaps/", {}, format="json")
    assert response.status_code == 502
    assert "has the step “Confirm the booking” already" in fake_openai.last_request.body["messages"][-1]["content"]


def test_nothing_missing_is_a_422(owner_api, vet, fake_openai):
    _, activity, _, _ = vet
    answer(fake_openai, {"steps": []})
    response = owner_api.post(f"/api/v1/activities/{activity.pk}/fill-gaps/", {}, format="json")
    assert response.status_code == 422 and "Nothing seems to be missing" in response.json()["detail"]


def test_a_viewer_may_not_ask_and_an_outsider_sees_nothing(owner, member, outsider_api, vet, fake_openai):
    project, _, step, big = vet
    membership_add(project=project, email=member.email, role="viewer", by=owner)
    viewer = bearer_client(member)
    assert viewer.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").status_code == 403
    assert outsider_api.post(f"/api/v1/stories/{big.pk}/split/", {}, format="json").status_code == 404
    assert fake_openai.calls == 0


def test_another_persons_proposal_is_a_404(owner, owner_api, member, vet, fake_openai):
    project, _, step, _ = vet
    membership_add(project=project, email=member.email, role="editor", by=owner)
    answer(fake_openai, {"stories": SUGGESTIONS})
    proposal = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    editor = bearer_client(member)
    assert editor.get(f"/api/v1/proposals/{proposal['id']}/").status_code == 404
    assert editor.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json").status_code == 404


def test_the_assists_have_their_own_rate_limit(owner_api, vet, fake_openai, settings, frozen_ratelimit_clock):
    _, _, step, _ = vet
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "assist": "2/h"}
    answer(fake_openai, {"stories": SUGGESTIONS})
    url = f"/api/v1/steps/{step.pk}/suggest-stories/"
    assert [owner_api.post(url, {}, format="json").status_code for _ in range(3)] == [201, 201, 429]


def test_proposals_a_day_past_their_expiry_are_cleared_when_the_person_asks_again(
    owner, member, owner_api, vet, fake_openai
):
    _, _, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})
    old = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    recent = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
    Proposal.objects.filter(pk=old["id"]).update(expires=timezone.now() - timedelta(days=2))
    Proposal.objects.filter(pk=recent["id"]).update(expires=timezone.now() - timedelta(hours=2))

    owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json")

    assert not Proposal.objects.filter(pk=old["id"]).exists()
    assert Proposal.objects.filter(pk=recent["id"]).exists()


def test_accepting_reads_the_same_number_of_rows_on_a_small_and_a_big_map(owner, owner_api, vet, fake_openai):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project, activity, step, _ = vet
    answer(fake_openai, {"stories": SUGGESTIONS})

    def accept_queries() -> int:
        proposal = owner_api.post(f"/api/v1/steps/{step.pk}/suggest-stories/", {}, format="json").json()
        with CaptureQueriesContext(connection) as queries:
            assert owner_api.post(f"/api/v1/proposals/{proposal['id']}/accept/", {}, format="json").status_code == 200
        owner_api.post(f"/api/v1/projects/{project.pk}/undo/", {}, format="json")
        return len(queries)

    small = accept_queries()
    other = story_services.step_create(project=project, activity=activity, title="Somewhere else")
    for number in range(60):
        story_services.story_create(project=project, step=other, title=f"Card {number}")
    assert accept_queries() == small
