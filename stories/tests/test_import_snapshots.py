"""Replacing a map keeps it as a snapshot, but never the same map twice in a row."""

import json
from collections.abc import Mapping
from typing import Any

import pytest

from aimap import services as ai_services
from projects.services import project_create
from stories import services
from stories.models import MapSnapshot
from stories.selectors import document_from_map
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db

OTHER_MAP = {"activities": [{"title": "Farm", "steps": [{"title": "Sell", "stories": [{"title": "Sell eggs"}]}]}]}


def import_replacing(client, project, document: Mapping[str, Any]):
    response = client.generic(
        "POST",
        f"/api/v1/projects/{project.pk}/import/?mode=replace",
        json.dumps(document).encode(),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response


@pytest.fixture
def clinic(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


def test_four_identical_replacing_imports_keep_each_different_map_once(owner_api, clinic):
    first_map = document_from_map(project=clinic)

    for _ in range(4):
        import_replacing(owner_api, clinic, OTHER_MAP)

    snapshots = list(MapSnapshot.objects.filter(project=clinic).order_by("created", "id"))
    # The clinic map before the first import, then the imported map (replaced by itself three times) once.
    assert len(snapshots) == 2
    assert snapshots[0].document == first_map
    assert [activity["title"] for activity in snapshots[1].document["activities"]] == ["Farm"]


def test_the_same_map_again_after_another_one_is_kept_again(owner_api, clinic):
    """Only the newest snapshot is compared: A, B, A is three snapshots."""
    clinic_map = document_from_map(project=clinic)
    import_replacing(owner_api, clinic, OTHER_MAP)  # keeps the clinic map
    import_replacing(owner_api, clinic, clinic_map)  # keeps the farm map
    import_replacing(owner_api, clinic, OTHER_MAP)  # keeps the clinic map again

    titles = [
        [activity["title"] for activity in snapshot.document["activities"]]
        for snapshot in MapSnapshot.objects.filter(project=clinic).order_by("created", "id")
    ]
    assert titles == [["Check in", "Pay"], ["Farm"], ["Check in", "Pay"]]


def test_a_changed_story_makes_the_map_different(owner_api, clinic):
    import_replacing(owner_api, clinic, OTHER_MAP)
    import_replacing(owner_api, clinic, OTHER_MAP)  # keeps the farm map
    assert MapSnapshot.objects.filter(project=clinic).count() == 2
    story = clinic.stories.get()
    services.story_update(story=story, estimate=8)
    import_replacing(owner_api, clinic, OTHER_MAP)

    snapshots = MapSnapshot.objects.filter(project=clinic).order_by("created", "id")
    assert snapshots.count() == 3
    assert snapshots.last().document["activities"][0]["steps"][0]["stories"][0]["estimate"] == 8


def test_the_snapshot_is_the_map_as_its_export_shows_it(owner_api, clinic):
    """The snapshot, read under the write lock without model instances, is the same document as the export."""
    before = document_from_map(project=clinic)

    import_replacing(owner_api, clinic, OTHER_MAP)

    assert MapSnapshot.objects.get(project=clinic).document == before
    assert MapSnapshot.objects.get(project=clinic).counts == {
        "personas": 1,
        "releases": 1,
        "activities": 2,
        "steps": 2,
        "stories": 3,
    }


def test_four_identical_replacing_generations_keep_the_generated_map_once(
    owner, clinic, django_capture_on_commit_callbacks
):
    description = "Pet owners book visits at a vet clinic; vets see the day's visits and write notes."
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            generation = ai_services.generation_request(
                user=owner, project=clinic, description=description, mode="replace"
            )
        generation.refresh_from_db()
        assert generation.status == "succeeded", generation.error

    snapshots = MapSnapshot.objects.filter(project=clinic).order_by("created", "id")
    # The hand-made map, then the generated one once (each later generation wrote the same map again).
    assert [snapshot.reason for snapshot in snapshots] == ["Before AI generation", "Before AI generation"]
    assert snapshots[1].document == document_from_map(project=clinic)
