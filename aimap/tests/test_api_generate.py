"""POST /api/v1/projects/{id}/generate-map/ and GET /api/v1/generations/{id}/, with the offline provider."""

import uuid

import pytest

from aimap.models import Generation
from aimap.providers import OfflineProvider, ProviderError
from projects.services import project_create
from stories import services as story_services
from stories.models import Activity, MapSnapshot, Persona, Release, Step, Story
from stories.tests.factories import handwritten_map

pytestmark = pytest.mark.django_db

VET_CLINIC = (
    "A booking app for a vet clinic: pet owners book appointments, get vaccination reminders and see their "
    "pet's history; receptionists manage the day's schedule and vets write visit notes."
)
BAKERY = (
    "An online shop for a small bakery: customers browse the day's bread and cakes, order for pickup and pay "
    "online; the baker sees the orders for tomorrow and marks them ready."
)
GENERATION_FIELDS = {
    "id",
    "project",
    "status",
    "mode",
    "cached",
    "provider",
    "model",
    "error",
    "created",
    "started",
    "finished",
    "counts",
    "progress",
}


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic", description=VET_CLINIC)


@pytest.fixture
def existing_map(project):
    return handwritten_map(project)


def generate_url(project_id):
    return f"/api/v1/projects/{project_id}/generate-map/"


def generation_url(generation_id):
    return f"/api/v1/generations/{generation_id}/"


def generate(client, project_id, body=None):
    return client.post(generate_url(project_id), body if body is not None else {}, format="json")


def generate_and_run(client, project_id, capture, body=None):
    """Ask for a map and let the in-process task run once the request's transaction commits."""
    with capture(execute=True):
        response = generate(client, project_id, body)
    assert response.status_code == 202, response.content
    return response


def map_counts(project):
    return {
        "personas": Persona.objects.filter(project=project).count(),
        "releases": Release.objects.filter(project=project).count(),
        "activities": Activity.objects.filter(project=project).count(),
        "steps": Step.objects.filter(project=project).count(),
        "stories": Story.objects.filter(project=project).count(),
    }


def fail_the_offline_provider(monkeypatch, message="The planner could not read this description."):
    def refuse(self, description, **kwargs):
        raise ProviderError(message)

    monkeypatch.setattr(OfflineProvider, "generate", refuse)


# --- Asking for a map ------------------------------------------------------------


def test_a_generation_request_is_accepted_with_exactly_the_generation_fields(
    owner_api, project, django_capture_on_commit_callbacks
):
    response = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks, {"mode": "replace"})

    body = response.json()
    assert set(body) == GENERATION_FIELDS
    generation = Generation.objects.get()
    assert body["id"] == str(generation.pk)
    assert body["project"] == project.pk
    assert body["mode"] == "replace"
    assert body["provider"] == "offline"
    assert body["status"] in Generation.Status.values


def test_a_finished_generation_succeeded_with_the_offline_provider_and_counts_matching_the_map(
    owner_api, project, django_capture_on_commit_callbacks
):
    generation_id = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks).json()["id"]

    response = owner_api.get(generation_url(generation_id))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == GENERATION_FIELDS
    assert body["status"] == "succeeded"
    assert body["error"] == ""
    assert body["provider"] == "offline"
    assert body["model"]
    assert body["cached"] is False
    assert body["started"] is not None
    assert body["finished"] is not None
    counts = body["counts"]
    assert counts["activities"] > 0
    assert counts["steps"] > 0
    assert counts["stories"] > 0
    assert counts == map_counts(project)
    total = counts["activities"]
    assert body["progress"] == {"stage": "done", "activities_total": total, "activities_done": total}


@pytest.mark.django_db(transaction=True)
def test_the_response_already_shows_the_finished_generation_when_the_request_commits(owner_api, project):
    # Outside a test transaction the commit runs the in-process task before the view answers.
    response = generate(owner_api, project.pk)

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["counts"]["activities"] == Activity.objects.filter(project=project).count() > 0


def test_without_a_description_the_projects_description_is_used(owner_api, project, django_capture_on_commit_callbacks):
    generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks)

    generation = Generation.objects.get()
    assert generation.description == VET_CLINIC
    assert generation.status == Generation.Status.SUCCEEDED


def test_a_given_description_is_used_and_the_projects_description_is_left_alone(
    owner_api, project, django_capture_on_commit_callbacks
):
    generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks, {"description": f"  {BAKERY}  "})

    generation = Generation.objects.get()
    assert generation.description == BAKERY
    assert generation.status == Generation.Status.SUCCEEDED
    project.refresh_from_db()
    assert project.description == VET_CLINIC


def test_a_second_identical_request_is_answered_from_the_cache(owner_api, project, django_capture_on_commit_callbacks):
    first = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks).json()["id"]
    second = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks).json()["id"]

    first_body = owner_api.get(generation_url(first)).json()
    second_body = owner_api.get(generation_url(second)).json()
    assert first_body["cached"] is False
    assert second_body["status"] == "succeeded"
    assert second_body["cached"] is True
    assert second_body["counts"] == first_body["counts"]
    assert Generation.objects.get(pk=first).prompt_hash == Generation.objects.get(pk=second).prompt_hash


def test_a_different_description_is_not_answered_from_the_cache(owner_api, project, django_capture_on_commit_callbacks):
    generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks)
    other = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks, {"description": BAKERY})

    assert owner_api.get(generation_url(other.json()["id"])).json()["cached"] is False


def test_a_provider_failure_is_recorded_and_leaves_the_map_as_it_was(
    owner_api, project, existing_map, monkeypatch, django_capture_on_commit_callbacks
):
    fail_the_offline_provider(monkeypatch, "The planner could not read this description.")
    before = map_counts(project)

    generation_id = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks).json()["id"]

    body = owner_api.get(generation_url(generation_id)).json()
    assert body["status"] == "failed"
    assert body["error"] == "The planner could not read this description."
    assert body["progress"] == {"stage": "backbone", "activities_total": None, "activities_done": 0}
    assert body["finished"] is not None
    assert map_counts(project) == before
    assert Activity.objects.get(project=project) == existing_map
    assert not MapSnapshot.objects.exists()


def test_a_description_the_planner_cannot_read_fails_with_a_readable_error(
    owner_api, project, existing_map, django_capture_on_commit_callbacks
):
    response = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks, {"description": "!!! ???"})

    body = owner_api.get(generation_url(response.json()["id"])).json()
    assert body["status"] == "failed"
    assert "describe who uses the product" in body["error"]
    assert list(Activity.objects.filter(project=project)) == [existing_map]


def test_an_unexpected_error_fails_the_generation_with_a_general_message(
    owner_api, project, existing_map, monkeypatch, django_capture_on_commit_callbacks
):
    def explode(self, description, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(OfflineProvider, "generate", explode)

    response = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks)

    body = owner_api.get(generation_url(response.json()["id"])).json()
    assert body["status"] == "failed"
    assert "unexpected error" in body["error"]
    assert "The map was not changed" in body["error"]
    assert "secret internal detail" not in body["error"]
    assert list(Activity.objects.filter(project=project)) == [existing_map]


# --- Replace and append --------------------------------------------------------------


def test_append_adds_the_generated_activities_after_the_existing_ones(
    owner_api, project, existing_map, django_capture_on_commit_callbacks
):
    generation_id = generate_and_run(
        owner_api, project.pk, django_capture_on_commit_callbacks, {"mode": "append"}
    ).json()["id"]

    body = owner_api.get(generation_url(generation_id)).json()
    assert body["status"] == "succeeded"
    assert body["mode"] == "append"
    activities = list(Activity.objects.filter(project=project).order_by("position"))
    assert activities[0] == existing_map
    assert len(activities) == 1 + body["counts"]["activities"]
    assert [activity.position for activity in activities] == list(range(len(activities)))
    assert Story.objects.filter(project=project, title="Handwritten story").exists()
    assert Story.objects.filter(project=project).count() == 1 + body["counts"]["stories"]
    assert not MapSnapshot.objects.exists()


def test_append_puts_generated_stories_into_an_existing_release_of_the_same_name(
    owner_api, project, existing_map, django_capture_on_commit_callbacks
):
    mvp = story_services.release_create(project=project, name="mvp", goal="The first slice")

    generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks, {"mode": "append"})

    assert Generation.objects.get().status == Generation.Status.SUCCEEDED
    assert list(Release.objects.filter(project=project, name__iexact="mvp")) == [mvp]
    assert Story.objects.filter(project=project, release=mvp).exists()
    positions = list(Release.objects.filter(project=project).order_by("position").values_list("position", flat=True))
    assert positions == list(range(len(positions)))


def test_replace_keeps_a_snapshot_of_the_previous_map(
    owner_api, project, existing_map, django_capture_on_commit_callbacks
):
    generation_id = generate_and_run(
        owner_api, project.pk, django_capture_on_commit_callbacks, {"mode": "replace"}
    ).json()["id"]

    body = owner_api.get(generation_url(generation_id)).json()
    assert body["status"] == "succeeded"
    assert not Activity.objects.filter(pk=existing_map.pk).exists()
    assert not Story.objects.filter(title="Handwritten story").exists()
    assert map_counts(project)["activities"] == body["counts"]["activities"]
    snapshot = MapSnapshot.objects.get()
    assert snapshot.project == project
    assert snapshot.reason == "Before AI generation"
    assert [activity["title"] for activity in snapshot.document["activities"]] == ["Handwritten activity"]
    assert snapshot.document["activities"][0]["steps"][0]["stories"][0]["title"] == "Handwritten story"
    assert snapshot.counts["activities"] == 1
    assert snapshot.counts["stories"] == 1


def test_replacing_a_map_through_the_api_asks_for_no_confirmation(
    owner_api, project, existing_map, django_capture_on_commit_callbacks
):
    # The page asks to tick a box; scripts replace maps as they always have.
    response = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks, {"mode": "replace"})

    assert owner_api.get(generation_url(response.json()["id"])).json()["status"] == "succeeded"
    assert not Activity.objects.filter(pk=existing_map.pk).exists()
    assert MapSnapshot.objects.get().counts["activities"] == 1


def test_replacing_an_empty_map_keeps_no_snapshot(owner_api, project, django_capture_on_commit_callbacks):
    generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks)

    assert Generation.objects.get().status == Generation.Status.SUCCEEDED
    assert not MapSnapshot.objects.exists()


# --- Refusals ---------------------------------------------------------------------


@pytest.mark.parametrize("description", ["", "   \n  "])
def test_an_empty_description_is_refused(owner_api, project, description):
    response = generate(owner_api, project.pk, {"description": description})

    assert response.status_code == 400
    assert set(response.json()) == {"description"}
    assert not Generation.objects.exists()


def test_a_project_without_a_description_needs_one_in_the_request(owner, owner_api):
    bare = project_create(owner=owner, name="No words yet")

    response = generate(owner_api, bare.pk)

    assert response.status_code == 400
    assert set(response.json()) == {"description"}
    assert not Generation.objects.exists()


def test_an_overlong_description_is_refused(owner_api, project):
    response = generate(owner_api, project.pk, {"description": "x" * 10_001})

    assert response.status_code == 400
    assert set(response.json()) == {"description"}
    assert not Generation.objects.exists()


def test_an_unknown_mode_is_refused(owner_api, project):
    response = generate(owner_api, project.pk, {"mode": "merge"})

    assert response.status_code == 400
    assert set(response.json()) == {"mode"}
    assert not Generation.objects.exists()


def test_an_unverified_email_is_refused_when_the_setting_requires_it(owner_api, project, settings):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_AI = True

    response = generate(owner_api, project.pk)

    assert response.status_code == 400
    assert "email" in response.json()
    assert not Generation.objects.exists()


def test_a_verified_email_may_generate_when_the_setting_requires_it(
    owner, owner_api, project, settings, django_capture_on_commit_callbacks
):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_AI = True
    owner.email_verified = True
    owner.save(update_fields=["email_verified"])

    generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks)

    assert Generation.objects.get().status == Generation.Status.SUCCEEDED


def test_another_users_project_answers_404_and_records_nothing(
    outsider_api, project, existing_map, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = generate(outsider_api, project.pk, {"description": BAKERY})

    assert response.status_code == 404
    assert not Generation.objects.exists()
    assert not MapSnapshot.objects.exists()
    assert list(Activity.objects.filter(project=project)) == [existing_map]


def test_an_unknown_project_answers_404(owner_api):
    assert generate(owner_api, 999_999).status_code == 404


def test_the_schema_documents_the_progress_of_a_generation(api_client):
    schema = api_client.get("/api/schema/", headers={"accept": "application/vnd.oai.openapi+json"}).json()
    generation = schema["components"]["schemas"]["Generation"]["properties"]
    assert generation["progress"]["readOnly"] is True
    progress = schema["components"]["schemas"]["GenerationProgress"]
    assert set(progress["properties"]) == {"stage", "activities_total", "activities_done"}
    assert progress["properties"]["activities_total"]["nullable"] is True


def test_the_schema_validates_without_a_warning(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "GenerationProgress" in (tmp_path / "schema.yml").read_text()


def test_another_users_generation_answers_404(owner_api, outsider_api, project, django_capture_on_commit_callbacks):
    generation_id = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks).json()["id"]

    assert outsider_api.get(generation_url(generation_id)).status_code == 404
    assert owner_api.get(generation_url(generation_id)).status_code == 200


def test_an_unknown_generation_answers_404(owner_api):
    assert owner_api.get(generation_url(uuid.uuid4())).status_code == 404


def test_unauthenticated_requests_answer_401(api_client, owner_api, project, django_capture_on_commit_callbacks):
    generation_id = generate_and_run(owner_api, project.pk, django_capture_on_commit_callbacks).json()["id"]

    assert generate(api_client, project.pk).status_code == 401
    assert api_client.get(generation_url(generation_id)).status_code == 401
    assert Generation.objects.count() == 1


# --- Rate limit: 10 an hour per user -------------------------------------------------


def test_the_eleventh_generation_an_hour_is_refused_with_retry_after(owner_api, project, frozen_ratelimit_clock):
    for _ in range(10):
        assert generate(owner_api, project.pk).status_code == 202

    response = generate(owner_api, project.pk)

    assert response.status_code == 429, response.content
    assert response.json()["detail"]
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= 3600
    assert Generation.objects.count() == 10


def test_the_generation_limit_of_one_user_leaves_another_user_alone(
    owner_api, outsider, outsider_api, project, frozen_ratelimit_clock
):
    for _ in range(11):
        generate(owner_api, project.pk)
    assert generate(owner_api, project.pk).status_code == 429
    theirs = project_create(owner=outsider, name="Bakery", description=BAKERY)

    response = generate(outsider_api, theirs.pk)

    assert response.status_code == 202
    assert Generation.objects.filter(user=outsider).count() == 1
