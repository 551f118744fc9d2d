"""The admin pages of generations and proposals: read-only records, never added by hand."""

import pytest

from accounts.models import User
from aimap.models import Generation
from conftest import assert_admin_offers_no_add
from projects.services import project_create

pytestmark = pytest.mark.django_db

PROMPT_HASH = "3f" * 32


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x-long-password-1"))
    return client


@pytest.fixture
def generations(owner):
    vet = project_create(owner=owner, name="Vet clinic", description="A booking app for a vet clinic.")
    bakery = project_create(owner=owner, name="Corner bakery", description="An online shop for a bakery.")
    succeeded = Generation.objects.create(
        user=owner,
        project=vet,
        description=vet.description,
        provider="offline",
        model="planner-v1",
        prompt_hash=PROMPT_HASH,
        status=Generation.Status.SUCCEEDED,
        counts={"activities": 3, "steps": 9, "stories": 20, "personas": 2, "releases": 2},
        duration_ms=4321,
    )
    failed = Generation.objects.create(
        user=owner,
        project=bakery,
        description=bakery.description,
        provider="offline",
        model="planner-v1",
        prompt_hash="ab" * 32,
        status=Generation.Status.FAILED,
        error="The planner could not read this description.",
        duration_ms=17,
    )
    return {"succeeded": succeeded, "failed": failed}


def test_the_admin_lists_generations(admin_client, generations):
    response = admin_client.get("/admin/aimap/generation/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Vet clinic" in html
    assert "Corner bakery" in html
    assert "olive@example.com" in html


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [("failed", "Corner bakery", "Vet clinic"), ("succeeded", "Vet clinic", "Corner bakery")],
)
def test_the_admin_filters_generations_by_status(admin_client, generations, status, shown, hidden):
    response = admin_client.get("/admin/aimap/generation/", {"status__exact": status})

    assert response.status_code == 200
    html = response.content.decode()
    assert shown in html
    assert hidden not in html


def test_the_admin_finds_a_generation_by_prompt_hash(admin_client, generations):
    html = admin_client.get("/admin/aimap/generation/", {"q": PROMPT_HASH}).content.decode()

    assert "Vet clinic" in html
    assert "Corner bakery" not in html


def test_a_generations_change_page_shows_provider_model_prompt_hash_and_duration(admin_client, generations):
    generation = generations["succeeded"]

    response = admin_client.get(f"/admin/aimap/generation/{generation.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "offline" in html
    assert "planner-v1" in html
    assert PROMPT_HASH in html
    assert "Duration ms" in html
    assert "4321" in html


def test_a_failed_generations_change_page_shows_its_error(admin_client, generations):
    html = admin_client.get(f"/admin/aimap/generation/{generations['failed'].pk}/change/").content.decode()

    assert "The planner could not read this description." in html


def test_a_generation_is_read_only_in_the_admin(admin_client, generations):
    generation = generations["succeeded"]

    html = admin_client.get(f"/admin/aimap/generation/{generation.pk}/change/").content.decode()

    assert 'name="provider"' not in html
    assert 'name="prompt_hash"' not in html
    assert 'name="status"' not in html


def test_adding_is_not_offered(admin_client, generations):
    assert_admin_offers_no_add(admin_client, "aimap/generation")


def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(client, owner, generations):
    client.force_login(owner)

    response = client.get("/admin/aimap/generation/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.fixture
def proposal(owner):
    from datetime import timedelta

    from django.utils import timezone

    from aimap.models import Proposal

    vet = project_create(owner=owner, name="Vet clinic")
    return Proposal.objects.create(
        user=owner,
        project=vet,
        kind=Proposal.Kind.SPLIT,
        target_id=1,
        target_title="Book and pay for an appointment",
        basis="version:1",
        items=[],
        provider="offline",
        expires=timezone.now() + timedelta(hours=1),
    )


def test_the_admin_lists_proposals_read_only_and_offers_no_add(admin_client, proposal):
    listing = admin_client.get("/admin/aimap/proposal/")
    assert listing.status_code == 200
    assert "Book and pay for an appointment" in listing.content.decode()
    page = admin_client.get(f"/admin/aimap/proposal/{proposal.pk}/change/")
    assert page.status_code == 200
    assert 'name="target_title"' not in page.content.decode()  # shown, not editable
    assert_admin_offers_no_add(admin_client, "aimap/proposal")
