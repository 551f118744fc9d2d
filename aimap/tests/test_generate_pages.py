"""The generate form, the progress page and its status, and the board's way in."""

import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.utils.html import escape

from aimap.models import Generation
from aimap.providers import OfflineProvider, ProviderError
from projects.services import project_create
from stories import services as story_services
from stories.models import Activity, MapSnapshot, Story
from stories.tests.factories import activity_titles, handwritten_map

pytestmark = pytest.mark.django_db

VET_CLINIC = (
    "A booking app for a vet clinic: pet owners book appointments, get vaccination reminders and see their "
    "pet's history; receptionists manage the day's schedule and vets write visit notes."
)
BAKERY = (
    "An online shop for a small bakery: customers browse the day's bread and cakes, order for pickup and pay "
    "online; the baker sees the orders for tomorrow and marks them ready."
)
GENERATION_PATH = re.compile(r"^/generations/(?P<id>[0-9a-f-]{36})/$")


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic", description=VET_CLINIC)


@pytest.fixture
def existing_map(project):
    return handwritten_map(project)


def generate_page(project_id):
    return f"/projects/{project_id}/generate/"


def board_page(project_id):
    return f"/projects/{project_id}/"


def history_page(project_id):
    return f"/projects/{project_id}/history/"


def post_generate(client, project_id, capture, *, description=VET_CLINIC, mode="replace", confirm=True):
    """Submit the form (ticking the confirmation of Replace) and let the in-process task run once the request
    commits; returns the redirect."""
    data = {"description": description, "mode": mode}
    if confirm:
        data["confirm_replace"] = "on"
    with capture(execute=True):
        response = client.post(generate_page(project_id), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def generation_path(response):
    match = GENERATION_PATH.match(response["Location"])
    assert match, response["Location"]
    return match.group(0), match.group("id")


def fail_the_offline_provider(monkeypatch, message):
    def refuse(self, description, **kwargs):
        raise ProviderError(message)

    monkeypatch.setattr(OfflineProvider, "generate", refuse)


# --- The form ---------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_projects_description(owner_client, project):
    response = owner_client.get(generate_page(project.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Generate a story map" in html
    textarea = re.search(r"<textarea[^>]*name=\"description\"[^>]*>(.*?)</textarea>", html, re.DOTALL)
    assert textarea, html
    assert textarea.group(1).strip() == escape(VET_CLINIC)


def test_the_form_has_labels_and_the_replace_or_append_choice(owner_client, project):
    html = owner_client.get(generate_page(project.pk)).content.decode()

    assert '<label for="id_description">Product description' in html
    assert "<legend>What to do with the current map</legend>" in html
    assert re.search(r'<input type="radio" name="mode" value="replace"[^>]*checked', html), html
    assert re.search(r'<input type="radio" name="mode" value="append"', html)
    assert "Replace it (it is kept, and you can restore it)" in html
    assert "Add the new activities after it" in html
    assert 'type="submit"' in html


def test_the_form_needs_a_login(client, project):
    response = client.get(generate_page(project.pk))

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={generate_page(project.pk)}"


def test_submitting_the_form_leads_to_the_generation_page_then_to_the_board_with_a_message(
    owner_client, project, django_capture_on_commit_callbacks
):
    response = post_generate(owner_client, project.pk, django_capture_on_commit_callbacks)

    path, generation_id = generation_path(response)
    generation = Generation.objects.get()
    assert generation_id == str(generation.pk)
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.user == generation.project.owner

    response = owner_client.get(path)
    assert response.status_code == 302
    assert response["Location"] == board_page(project.pk)
    counts = generation.counts
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == [
        f"Your map is ready: {counts['activities']} activities, {counts['steps']} steps "
        f"and {counts['stories']} stories."
    ]


def test_the_board_shows_the_generated_map_and_the_ready_message(
    owner_client, project, django_capture_on_commit_callbacks
):
    path, _ = generation_path(post_generate(owner_client, project.pk, django_capture_on_commit_callbacks))

    response = owner_client.get(path, follow=True)

    assert response.redirect_chain == [(board_page(project.pk), 302)]
    html = response.content.decode()
    assert "Your map is ready: " in html
    titles = activity_titles(project)
    assert titles
    for title in titles:
        assert escape(title) in html
    assert "This map is empty" not in html


def test_a_repeated_generation_says_it_came_from_the_cache(owner_client, project, django_capture_on_commit_callbacks):
    post_generate(owner_client, project.pk, django_capture_on_commit_callbacks)
    path, _ = generation_path(post_generate(owner_client, project.pk, django_capture_on_commit_callbacks))

    response = owner_client.get(path, follow=True)

    assert "stories (from the cache)." in response.content.decode()


def test_append_from_the_form_keeps_the_existing_activities_first(
    owner_client, project, existing_map, django_capture_on_commit_callbacks
):
    post_generate(owner_client, project.pk, django_capture_on_commit_callbacks, mode="append")

    generation = Generation.objects.get()
    assert generation.mode == "append"
    titles = activity_titles(project)
    assert titles[0] == "Handwritten activity"
    assert len(titles) == 1 + generation.counts["activities"]
    assert not MapSnapshot.objects.exists()


def test_a_map_with_activities_asks_to_confirm_replace_naming_what_it_holds(owner_client, project, existing_map):
    story_services.activity_create(project=project, title="Second activity")

    html = owner_client.get(generate_page(project.pk)).content.decode()

    assert re.search(r'<input type="checkbox" name="confirm_replace" id="id_confirm_replace"', html), html
    assert (
        "Yes, replace the current map: 2 activities and 1 story. It is kept under “Earlier maps”, "
        "where you can restore it."
    ) in html
    assert 'src="/static/js/generate.js"' in html


def test_an_empty_map_asks_for_no_confirmation(owner_client, project):
    html = owner_client.get(generate_page(project.pk)).content.decode()

    assert "confirm_replace" not in html


def test_replace_without_the_confirmation_is_refused_on_a_map_with_activities(
    owner_client, project, existing_map, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(generate_page(project.pk), {"description": BAKERY, "mode": "replace"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_confirm_replace_error"' in html
    assert "Tick the box to replace the current map, or choose to add the new activities after it." in html
    assert "1 activity and 1 story" in html
    assert escape(BAKERY) in html  # what was typed is kept
    assert not Generation.objects.exists()
    assert activity_titles(project) == ["Handwritten activity"]
    assert not MapSnapshot.objects.exists()


def test_replace_with_the_confirmation_replaces_and_keeps_the_earlier_map(
    owner_client, project, existing_map, django_capture_on_commit_callbacks
):
    post_generate(owner_client, project.pk, django_capture_on_commit_callbacks, confirm=True)

    assert Generation.objects.get().status == Generation.Status.SUCCEEDED
    assert "Handwritten activity" not in activity_titles(project)
    assert MapSnapshot.objects.get().counts["activities"] == 1


def test_append_needs_no_confirmation(owner_client, project, existing_map, django_capture_on_commit_callbacks):
    post_generate(owner_client, project.pk, django_capture_on_commit_callbacks, mode="append", confirm=False)

    assert Generation.objects.get().status == Generation.Status.SUCCEEDED
    assert activity_titles(project)[0] == "Handwritten activity"


@pytest.mark.parametrize("description", ["", "   "])
def test_an_empty_description_on_the_form_is_refused_with_a_message(owner_client, project, description):
    response = owner_client.post(generate_page(project.pk), {"description": description, "mode": "replace"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errorlist" id="id_description_error"' in html
    assert "This field is required." in html
    assert not Generation.objects.exists()


def test_an_unknown_mode_on_the_form_is_refused(owner_client, project):
    response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "merge"})

    assert response.status_code == 400
    assert 'id="id_mode_error"' in response.content.decode()
    assert not Generation.objects.exists()


def test_an_unverified_email_is_refused_on_the_form_when_the_setting_requires_it(owner_client, project, settings):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_AI = True

    response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "replace"})

    assert response.status_code == 400
    assert "Confirm your email address before generating maps with AI." in response.content.decode()
    assert not Generation.objects.exists()


def test_the_eleventh_generation_an_hour_from_the_form_is_refused(owner_client, project, frozen_ratelimit_clock):
    for _ in range(10):
        response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "replace"})
        assert response.status_code == 302

    response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "replace"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Generation.objects.count() == 10


# --- The generation page and its status ------------------------------------------------


def test_a_failed_generation_shows_its_error_and_that_the_map_was_not_changed(
    owner_client, project, existing_map, monkeypatch, django_capture_on_commit_callbacks
):
    fail_the_offline_provider(monkeypatch, "The planner needs a few more words about who uses the product.")

    path, _ = generation_path(post_generate(owner_client, project.pk, django_capture_on_commit_callbacks))
    response = owner_client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The map could not be generated" in html
    assert escape("The planner needs a few more words about who uses the product.") in html
    assert "Your map was not changed." in html
    assert f'href="{generate_page(project.pk)}"' in html
    assert Generation.objects.get().status == Generation.Status.FAILED
    assert activity_titles(project) == ["Handwritten activity"]
    assert Story.objects.filter(project=project).count() == 1
    assert not MapSnapshot.objects.exists()


def test_a_queued_generation_page_waits_and_polls_its_status(owner_client, project):
    # Without running the on-commit callbacks the task never starts: the generation stays queued.
    response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "replace"})
    path, generation_id = generation_path(response)

    response = owner_client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Drafting your story map" in html
    assert "Waiting for a free worker." in html
    assert f'data-status-url="/generations/{generation_id}/status/"' in html
    assert "Your map was not changed." not in html


def test_a_running_generation_page_shows_its_progress(owner_client, project):
    response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "replace"})
    path, _ = generation_path(response)
    Generation.objects.update(
        status=Generation.Status.RUNNING,
        progress={"stage": "stories", "activities_total": 6, "activities_done": 3},
    )

    html = owner_client.get(path).content.decode()

    assert "Backbone ready · stories for 3 of 6 activities" in html
    assert re.search(r'<progress class="generation__bar"[^>]*max="6" value="3"\s*>', html), html
    assert owner_client.get(f"{path}status/").json()["progress_text"] == (
        "Backbone ready · stories for 3 of 6 activities"
    )


def test_the_backbone_stage_page_hides_the_progress_bar(owner_client, project):
    response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "replace"})
    path, _ = generation_path(response)
    Generation.objects.update(
        status=Generation.Status.RUNNING,
        progress={"stage": "backbone", "activities_total": None, "activities_done": 0},
    )

    html = owner_client.get(path).content.decode()

    assert "Drafting the backbone: personas, releases, activities and their steps." in html
    assert re.search(r'<progress class="generation__bar"[^>]*hidden', html), html


def test_the_status_of_a_queued_generation(owner_client, project):
    response = owner_client.post(generate_page(project.pk), {"description": VET_CLINIC, "mode": "replace"})
    path, _ = generation_path(response)

    response = owner_client.get(f"{path}status/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "queued",
        "error": "",
        "finished": False,
        "progress": {"stage": "queued", "activities_total": None, "activities_done": 0},
        "progress_text": "Waiting for a free worker.",
        "next": path,
    }


def test_the_status_of_a_succeeded_generation(owner_client, project, django_capture_on_commit_callbacks):
    path, _ = generation_path(post_generate(owner_client, project.pk, django_capture_on_commit_callbacks))

    response = owner_client.get(f"{path}status/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    total = Activity.objects.filter(project=project).count()
    assert response.json() == {
        "status": "succeeded",
        "error": "",
        "finished": True,
        "progress": {"stage": "done", "activities_total": total, "activities_done": total},
        "progress_text": "Map ready · putting it on the board…",
        "next": path,
    }


def test_the_status_of_a_failed_generation_carries_its_error(
    owner_client, project, monkeypatch, django_capture_on_commit_callbacks
):
    fail_the_offline_provider(monkeypatch, "The planner is out of ideas.")
    path, _ = generation_path(post_generate(owner_client, project.pk, django_capture_on_commit_callbacks))

    response = owner_client.get(f"{path}status/")

    assert response.json() == {
        "status": "failed",
        "error": "The planner is out of ideas.",
        "finished": True,
        "progress": {"stage": "backbone", "activities_total": None, "activities_done": 0},
        "progress_text": "",
        "next": path,
    }


def test_an_unknown_generation_answers_404(owner_client):
    generation_id = uuid.uuid4()
    assert owner_client.get(f"/generations/{generation_id}/").status_code == 404
    assert owner_client.get(f"/generations/{generation_id}/status/").status_code == 404


# --- The board's way in ------------------------------------------------------------------


def test_the_empty_board_offers_to_generate_a_map_with_ai(owner_client, project):
    html = owner_client.get(board_page(project.pk)).content.decode()

    assert "This map is empty" in html
    assert re.search(rf'<a class="button" href="{generate_page(project.pk)}">Generate a map with AI</a>', html)


def test_the_board_links_to_generation_and_earlier_maps(owner_client, project, existing_map):
    html = owner_client.get(board_page(project.pk)).content.decode()

    assert re.search(rf'href="{generate_page(project.pk)}">Generate with AI</a>', html)
    assert re.search(rf'href="{history_page(project.pk)}">Earlier maps</a>', html)
    assert "Generate a map with AI" not in html


# --- Someone else's project ------------------------------------------------------------------


def test_an_outsider_cannot_open_or_submit_the_generate_form(outsider_client, project, existing_map):
    assert outsider_client.get(generate_page(project.pk)).status_code == 404
    response = outsider_client.post(generate_page(project.pk), {"description": BAKERY, "mode": "replace"})

    assert response.status_code == 404
    assert not Generation.objects.exists()
    assert activity_titles(project) == ["Handwritten activity"]


def test_an_outsider_cannot_see_a_generation_or_its_status(
    client, owner, outsider, project, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    path, _ = generation_path(post_generate(client, project.pk, django_capture_on_commit_callbacks))
    client.force_login(outsider)

    assert client.get(path).status_code == 404
    assert client.get(f"{path}status/").status_code == 404
