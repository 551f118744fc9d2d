"""Generating a map end to end: the request, the background run, the cache, and what it does to the map."""

import datetime
import json
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError

from aimap import services
from aimap.models import Generation
from aimap.providers import ProviderError
from aimap.tests.fake_openai import (
    backbone_answer,
    closed_port,
    completion,
    delay,
    error,
    fake_openai_server,  # noqa: F401 - the `fake_openai` fixture
    misbehave,
    stories_answer,
    story_map_answer,
    well_behaved,
)
from projects.services import project_create
from stories import services as board
from stories.document import GENERATED_LIMITS, MapDocument, document_counts, document_parse
from stories.models import Activity, MapSnapshot, Persona, Release, Step, Story
from stories.selectors import document_from_map
from stories.tests.factories import assert_positions_gapless, board_of, vet_clinic_map

pytestmark = pytest.mark.django_db

DESCRIPTION = "A vet clinic where pet owners book visits and receptionists run the day."
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def project(owner):
    """A project whose map is small but not empty: two activities, a release, a persona, three stories."""
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic", description=DESCRIPTION))


def answer(document: dict) -> str:
    return json.dumps(document)


def generate(user, project, description: str = DESCRIPTION, mode: str = "replace", *, capture) -> Generation:
    """Ask for a generation and let it run, as the request's commit would."""
    with capture(execute=True):
        generation = services.generation_request(user=user, project=project, description=description, mode=mode)
    generation.refresh_from_db()
    return generation


# --- A generation that works ------------------------------------------------------------


def test_a_requested_generation_runs_once_committed_and_writes_the_map(
    fake_openai, owner, project, django_capture_on_commit_callbacks
):
    backbone = completion(answer(backbone_answer()), prompt_tokens=800, completion_tokens=2000)
    fake_openai.script(delay(0.1, backbone), stage="backbone")
    fake_openai.script(
        lambda request: completion(answer(stories_answer(request)), prompt_tokens=6, completion_tokens=24),
        stage="stories",
    )
    with django_capture_on_commit_callbacks(execute=True):
        generation = services.generation_request(user=owner, project=project, description=DESCRIPTION)
        assert generation.status == Generation.Status.QUEUED
        assert generation.progress == {"stage": "queued", "activities_total": None, "activities_done": 0}
        assert fake_openai.calls == 0  # nothing runs before the commit
    generation.refresh_from_db()

    expected = document_parse(story_map_answer(), limits=GENERATED_LIMITS)
    assert generation.status == Generation.Status.SUCCEEDED, generation.error
    assert generation.error == ""
    assert [request.stage for request in fake_openai.requests] == ["backbone", "stories", "stories"]
    assert generation.progress == {"stage": "done", "activities_total": 2, "activities_done": 2}
    assert Activity.objects.filter(project=project).count() == 2
    assert Step.objects.filter(project=project).count() == 4
    assert Story.objects.filter(project=project).count() == 8
    written = document_from_map(project=project)
    assert written["activities"] == expected["activities"]
    assert written["releases"] == expected["releases"]
    assert written["personas"] == expected["personas"]
    assert generation.counts == document_counts(expected)
    assert generation.counts == {"personas": 1, "releases": 2, "activities": 2, "steps": 4, "stories": 8}
    assert (generation.provider, generation.model) == ("openai", "fake-model")
    assert generation.prompt_hash == services.generation_prompt_hash(
        provider="openai", model="fake-model", description=DESCRIPTION
    )
    assert (generation.prompt_tokens, generation.completion_tokens) == (812, 2048)
    assert generation.cached is False
    assert generation.duration_ms is not None and generation.duration_ms >= 100
    assert generation.started is not None and generation.finished is not None
    assert generation.finished >= generation.started
    assert_positions_gapless(project)


def test_the_description_defaults_to_the_projects_own(fake_openai, owner, project, django_capture_on_commit_callbacks):
    well_behaved(fake_openai)
    with django_capture_on_commit_callbacks(execute=True):
        generation = services.generation_request(user=owner, project=project)
    generation.refresh_from_db()
    assert generation.description == DESCRIPTION
    assert generation.status == Generation.Status.SUCCEEDED
    assert DESCRIPTION in fake_openai.last_request.messages[1]["content"]


# --- Failures leave the map alone -----------------------------------------------------------


def never_valid(document: dict):
    return completion('{"title": "Vet clinic", "activities": "lots", "steps": "lots"}')


def cut_off(document: dict):
    return completion(answer(document)[:80], finish_reason="length")


def oversized(document: dict):
    if "activities" in document:
        return completion(answer(backbone_answer(activities=21)))
    document["steps"][0]["stories"] = [{"title": f"Card {index}"} for index in range(501)]
    return completion(answer(document))


FAILURES = {
    "never-valid": (never_valid, 0, "after 3 attempts. Last problem: "),
    "cut-off": (cut_off, 0, "the answer was cut off"),
    "http-500": (lambda document: error(500, "upstream exploded"), 0, "error (500)"),
    "timeout": (lambda document: delay(1.5, completion(answer(document))), 0.5, "did not answer within 0.5 seconds"),
    "oversized": (oversized, 0, "at most 500 are allowed"),
}
LABELS = {"backbone": "Backbone: ", "stories": "Stories for “Activity 0”: "}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
@pytest.mark.parametrize("stage", ["backbone", "stories"])
@pytest.mark.parametrize("mode", ["replace", "append"])
def test_a_failed_generation_leaves_the_map_as_it_was_and_says_why(
    fake_openai, settings, owner, project, django_capture_on_commit_callbacks, failure, stage, mode
):
    reply, timeout, expected_error = failure
    if timeout:
        settings.AI_TIMEOUT = timeout
    misbehave(fake_openai, stage, reply)
    if stage == "backbone" and reply is oversized:
        expected_error = "at most 20 are allowed"
    before = document_from_map(project=project)

    generation = generate(owner, project, mode=mode, capture=django_capture_on_commit_callbacks)

    assert fake_openai.requests_for(stage)
    assert generation.status == Generation.Status.FAILED
    assert generation.error.startswith(LABELS[stage]), generation.error
    assert expected_error in generation.error
    assert "Traceback" not in generation.error and 'File "' not in generation.error
    assert generation.counts == {}
    assert generation.finished is not None
    assert generation.progress["stage"] == stage  # where it stopped
    assert document_from_map(project=project) == before
    assert not MapSnapshot.objects.filter(project=project).exists()


def test_one_failed_activity_of_several_leaves_the_map_as_it_was(
    fake_openai, settings, owner, project, django_capture_on_commit_callbacks
):
    def stories(request):
        if request.activity["title"] == "Activity 2":
            return completion('{"steps": []}')
        return completion(answer(stories_answer(request)))

    fake_openai.script(completion(answer(backbone_answer(activities=4))), stage="backbone")
    fake_openai.script(stories, stage="stories")
    before = document_from_map(project=project)

    generation = generate(owner, project, capture=django_capture_on_commit_callbacks)

    assert generation.status == Generation.Status.FAILED
    assert generation.error.startswith("Stories for “Activity 2”: the model did not return valid stories")
    assert document_from_map(project=project) == before
    assert not MapSnapshot.objects.filter(project=project).exists()


# --- The cache -----------------------------------------------------------------------------


def test_the_same_request_again_is_answered_from_the_cache(
    fake_openai, owner, project, django_capture_on_commit_callbacks
):
    well_behaved(fake_openai)
    first = generate(owner, project, capture=django_capture_on_commit_callbacks)
    assert fake_openai.calls == 3
    second = generate(owner, project, capture=django_capture_on_commit_callbacks)
    assert fake_openai.calls == 3  # the assembled map was cached, not the stages
    assert (first.cached, second.cached) == (False, True)
    assert second.progress == {"stage": "done", "activities_total": 2, "activities_done": 2}
    assert second.status == Generation.Status.SUCCEEDED
    assert second.prompt_hash == first.prompt_hash
    assert second.counts == first.counts
    assert Activity.objects.filter(project=project).count() == 2  # the cached map was written again


def test_spacing_alone_does_not_make_a_new_request(fake_openai, owner, project, django_capture_on_commit_callbacks):
    fake_openai.script(completion(answer(story_map_answer())))
    generate(owner, project, description="Pet owners   book visits.", capture=django_capture_on_commit_callbacks)
    again = generate(
        owner, project, description="Pet owners\nbook visits.  ", capture=django_capture_on_commit_callbacks
    )
    assert fake_openai.calls == 1
    assert again.cached is True


def test_a_different_description_asks_the_model_again(fake_openai, owner, project, django_capture_on_commit_callbacks):
    fake_openai.script(completion(answer(story_map_answer())))
    generate(owner, project, description="Pet owners book visits.", capture=django_capture_on_commit_callbacks)
    other = generate(owner, project, description="Farmers sell eggs.", capture=django_capture_on_commit_callbacks)
    assert fake_openai.calls == 2
    assert other.cached is False


def test_another_model_does_not_share_the_cache(fake_openai, settings):
    fake_openai.script(completion(answer(story_map_answer())))
    services.document_generate(description=DESCRIPTION)
    settings.AI_MODEL = "another-model"
    _, cached, _ = services.document_generate(description=DESCRIPTION)
    assert cached is False
    assert fake_openai.calls == 2
    assert fake_openai.last_request.body["model"] == "another-model"


def test_a_failed_answer_is_not_cached(fake_openai):
    fake_openai.script(error(500), error(500), completion(answer(story_map_answer())))
    with pytest.raises(ProviderError):
        services.document_generate(description=DESCRIPTION)
    result, cached, _ = services.document_generate(description=DESCRIPTION)
    assert cached is False
    assert result.document["title"] == "Vet clinic"
    assert fake_openai.calls == 3


def seconds_left_in_cache(key: str) -> float:
    """How long the default cache will keep `key`, read from Redis or from the cache table."""
    from django.core.cache import cache
    from django.db import connection
    from django.utils import timezone

    if hasattr(cache, "ttl"):  # django-redis
        return float(cache.ttl(key))
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM mapwright_cache WHERE cache_key = %s", [cache.make_and_validate_key(key)])
        (expires,) = cursor.fetchone()
    if isinstance(expires, str):  # SQLite hands the column back as text
        expires = datetime.datetime.fromisoformat(expires)
    if timezone.is_naive(expires):
        expires = timezone.make_aware(expires, datetime.UTC)
    return (expires - timezone.now()).total_seconds()


def test_the_cache_forgets_an_answer_after_ai_cache_ttl(fake_openai, settings):
    from django.core.cache import cache

    settings.AI_CACHE_TTL = 120
    fake_openai.script(completion(answer(story_map_answer())))
    _, _, prompt_hash = services.document_generate(description=DESCRIPTION)
    _, cached, _ = services.document_generate(description=DESCRIPTION)
    assert cached is True
    assert fake_openai.calls == 1
    # The answer is kept for AI_CACHE_TTL, not for ever; once that time is up
    # (here: the entry goes, as at its expiry) the model is asked again.
    key = f"aimap:document:{prompt_hash}"
    assert 115 <= seconds_left_in_cache(key) <= 120
    cache.delete(key)
    _, cached, _ = services.document_generate(description=DESCRIPTION)
    assert cached is False
    assert fake_openai.calls == 2


def test_identical_requests_at_the_same_time_call_the_model_once(fake_openai, settings):
    # The single-flight lock is cache.add(). The embedded default's database
    # cache lives in the test database, and on SQLite the test connection
    # (an in-memory database, inside this test's transaction) is not one the
    # other threads can share, so they would not see each other's lock. An
    # in-process LocMemCache is shared by all threads of this process and has
    # an atomic add(); with REDIS_URL set the real Redis is used instead.
    if settings.CACHES["default"]["BACKEND"] != "django_redis.cache.RedisCache":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"aimap-single-flight-{uuid.uuid4().hex}",
            }
        }
    fake_openai.script(delay(1.0, completion(answer(story_map_answer()))))
    workers = 5
    start = threading.Barrier(workers)
    outcomes: list[tuple[MapDocument, bool]] = []
    failures: list[BaseException] = []
    guard = threading.Lock()

    def ask() -> None:
        try:
            start.wait(timeout=5)
            result, cached, _ = services.document_generate(description=DESCRIPTION)
            with guard:
                outcomes.append((result.document, cached))
        except BaseException as exc:  # reported below, not lost in the thread
            with guard:
                failures.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert not failures
    assert not any(thread.is_alive() for thread in threads)
    assert fake_openai.calls == 1
    assert len(outcomes) == workers
    documents = [document for document, _ in outcomes]
    assert all(document == documents[0] for document in documents)
    assert documents[0] == document_parse(story_map_answer(), limits=GENERATED_LIMITS)
    assert sorted(cached for _, cached in outcomes) == [False] + [True] * (workers - 1)


class FakeClock:
    """Stands in for the `time` module of aimap.services: sleeping only moves the clock on."""

    def __init__(self) -> None:
        self.waited = 0.0

    def monotonic(self) -> float:
        return 1_000.0 + self.waited

    def sleep(self, seconds: float) -> None:
        self.waited += seconds


def test_an_unreachable_cache_does_not_hold_a_generation_back(fake_openai, settings, monkeypatch):
    # Redis down: django-redis (IGNORE_EXCEPTIONS, as in production) answers
    # every get() and add() with None. No one holds the lock then, so the
    # model should be asked at once, not after waiting out the lock's timeout.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
            },
        }
    }
    clock = FakeClock()
    monkeypatch.setattr(services, "time", clock)
    fake_openai.script(completion(answer(story_map_answer())))

    result, cached, _ = services.document_generate(description=DESCRIPTION)

    assert result.document["title"] == "Vet clinic"
    assert cached is False
    assert fake_openai.calls == 1
    assert clock.waited < 1, f"the generation waited {clock.waited:.0f} s for a lock no one holds"


# --- Replace, append, snapshots ------------------------------------------------------------


def test_replace_keeps_the_old_map_as_a_snapshot_that_restore_brings_back(
    fake_openai, owner, project, django_capture_on_commit_callbacks
):
    fake_openai.script(completion(answer(story_map_answer())))
    before = document_from_map(project=project)

    generate(owner, project, mode="replace", capture=django_capture_on_commit_callbacks)
    generated = document_from_map(project=project)
    assert [activity["title"] for activity in generated["activities"]] == ["Activity 0", "Activity 1"]
    snapshot = MapSnapshot.objects.get(project=project)
    assert snapshot.document == before
    assert snapshot.counts == document_counts(before)
    assert snapshot.counts["stories"] == 3
    assert snapshot.reason == "Before AI generation"

    board.snapshot_restore(snapshot=snapshot)
    assert document_from_map(project=project) == before
    assert_positions_gapless(project)
    assert MapSnapshot.objects.filter(project=project).count() == 2
    newest = MapSnapshot.objects.filter(project=project).first()
    assert newest.pk != snapshot.pk
    assert newest.document == generated


def test_replacing_an_empty_map_keeps_no_snapshot(fake_openai, owner, django_capture_on_commit_callbacks):
    empty = project_create(owner=owner, name="Empty", description=DESCRIPTION)
    fake_openai.script(completion(answer(story_map_answer())))
    generation = generate(owner, empty, capture=django_capture_on_commit_callbacks)
    assert generation.status == Generation.Status.SUCCEEDED
    assert not MapSnapshot.objects.filter(project=empty).exists()


def test_append_adds_after_the_existing_map_and_reuses_releases_and_personas_by_name(
    fake_openai, owner, project, django_capture_on_commit_callbacks
):
    fake_openai.script(completion(answer(story_map_answer())))
    before = document_from_map(project=project)
    existing_mvp = Release.objects.get(project=project, name="mvp")
    existing_owner = Persona.objects.get(project=project, name="pet owner")

    generation = generate(owner, project, mode="append", capture=django_capture_on_commit_callbacks)

    assert generation.status == Generation.Status.SUCCEEDED, generation.error
    after = document_from_map(project=project)
    titles = [activity["title"] for activity in after["activities"]]
    assert titles == ["Check in", "Pay", "Activity 0", "Activity 1"]
    assert after["activities"][:2] == before["activities"]  # the old map is untouched
    # "MVP" in the answer is the project's "mvp"; "Release 2" is new.
    assert [release.name for release in Release.objects.filter(project=project)] == ["mvp", "Release 2"]
    assert [persona.name for persona in Persona.objects.filter(project=project)] == ["pet owner"]
    new_musts = Story.objects.filter(project=project, title__endswith=".must")
    assert new_musts.count() == 4
    assert set(new_musts.values_list("release_id", flat=True)) == {existing_mvp.pk}
    assert set(new_musts.values_list("persona_id", flat=True)) == {existing_owner.pk}
    assert Story.objects.filter(project=project).count() == 3 + 8
    assert not MapSnapshot.objects.filter(project=project).exists()  # nothing was replaced
    assert_positions_gapless(project)


# --- Who may ask, and for what ----------------------------------------------------------------


def test_an_unverified_user_is_refused_when_verification_is_required(fake_openai, settings, owner, project):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_AI = True
    assert owner.email_verified is False
    with pytest.raises(ValidationError) as caught:
        services.generation_request(user=owner, project=project, description=DESCRIPTION)
    assert "email" in caught.value.message_dict
    assert not Generation.objects.exists()
    assert fake_openai.calls == 0


def test_a_verified_user_may_generate_when_verification_is_required(
    fake_openai, settings, owner, project, django_capture_on_commit_callbacks
):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_AI = True
    owner.email_verified = True
    owner.save(update_fields=["email_verified"])
    fake_openai.script(completion(answer(story_map_answer())))
    assert generate(owner, project, capture=django_capture_on_commit_callbacks).status == Generation.Status.SUCCEEDED


@pytest.mark.parametrize("description", ["", "   \n\t "])
def test_an_empty_description_is_refused(fake_openai, owner, project, description):
    with pytest.raises(ValidationError) as caught:
        services.generation_request(user=owner, project=project, description=description)
    assert "description" in caught.value.message_dict
    assert not Generation.objects.exists()
    assert fake_openai.calls == 0


def test_a_description_over_10000_characters_is_refused(fake_openai, owner, project):
    with pytest.raises(ValidationError) as caught:
        services.generation_request(user=owner, project=project, description="x" * 10_001)
    assert "description" in caught.value.message_dict
    assert "10,000" in caught.value.message_dict["description"][0]


def test_an_unknown_mode_is_refused(fake_openai, owner, project):
    with pytest.raises(ValidationError) as caught:
        services.generation_request(user=owner, project=project, description=DESCRIPTION, mode="merge")
    assert "mode" in caught.value.message_dict
    assert not Generation.objects.exists()


def test_a_project_without_a_description_needs_one_given(fake_openai, owner):
    bare = project_create(owner=owner, name="Bare")
    with pytest.raises(ValidationError) as caught:
        services.generation_request(user=owner, project=bare)
    assert "description" in caught.value.message_dict


# --- Appending joins what the map already has (stories/tests/test_apply_document.py has the rest) ---


def test_a_generation_appended_to_a_map_joins_its_activities(
    fake_openai, owner, project, django_capture_on_commit_callbacks
):
    backbone = backbone_answer(activities=2)
    backbone["activities"][0]["title"] = "Check In"
    backbone["activities"][0]["steps"][0]["title"] = "arrive"
    fake_openai.script(completion(answer(backbone)), stage="backbone")
    fake_openai.script(lambda request: completion(answer(stories_answer(request))), stage="stories")

    generation = generate(owner, project, mode="append", capture=django_capture_on_commit_callbacks)

    assert generation.status == Generation.Status.SUCCEEDED, generation.error
    titles = list(Activity.objects.filter(project=project).order_by("position").values_list("title", flat=True))
    assert titles == ["Check in", "Pay", "Activity 1"]
    check_in = board_of(project)["Check in"]
    assert list(check_in) == ["Arrive", "Step 0.1"]
    assert check_in["Arrive"]["mvp"] == ["Scan the QR code", "Story arrive.must"]
    assert check_in["Arrive"][None] == ["Ring the bell"]
    assert check_in["Arrive"]["Release 2"] == ["Story arrive.could"]
    assert_positions_gapless(project)
