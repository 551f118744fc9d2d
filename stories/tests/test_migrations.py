"""MapSnapshot moved from aimap to stories: a database migrated before the move keeps its snapshots."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stories.models import MapSnapshot

# The last migrations before the move.
BEFORE_THE_MOVE = [("aimap", "0002_generation_progress"), ("stories", "0001_initial")]


def migrate(targets: list[tuple[str, str]] | None = None):
    """Migrate the test database to `targets` (all the latest migrations when None); returns the state's apps."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_snapshots_saved_before_the_move_are_read_through_the_stories_model():
    old = migrate(BEFORE_THE_MOVE)
    try:
        assert "aimap_mapsnapshot" in connection.introspection.table_names()
        user = old.get_model("accounts", "User").objects.create(email="olive@example.com", password="!")
        project = old.get_model("projects", "Project").objects.create(owner=user, name="Vet clinic")
        document = {"schema_version": 1, "title": "Vet clinic", "activities": [{"title": "Book", "steps": []}]}
        kept = old.get_model("aimap", "MapSnapshot").objects.create(
            project=project, reason="Before AI generation", document=document, counts={"activities": 1}
        )
        readers = old.get_model("auth", "Group").objects.create(name="Snapshot readers")
        readers.permissions.add(
            old.get_model("auth", "Permission").objects.get(
                content_type__app_label="aimap", codename="view_mapsnapshot"
            )
        )
    finally:
        migrate()

    tables = connection.introspection.table_names()
    assert "stories_mapsnapshot" in tables
    assert "aimap_mapsnapshot" not in tables
    snapshot = MapSnapshot.objects.select_related("project").get()
    assert (snapshot.pk, snapshot.project.name, snapshot.reason) == (kept.pk, "Vet clinic", "Before AI generation")
    assert snapshot.document == document
    assert snapshot.counts == {"activities": 1}
    # The content type moved with the model, so permissions given before still hold.
    assert list(ContentType.objects.filter(model="mapsnapshot").values_list("app_label", flat=True)) == ["stories"]
    permission = Group.objects.get(name="Snapshot readers").permissions.get()
    assert (permission.content_type.app_label, permission.codename) == ("stories", "view_mapsnapshot")
    # New snapshots carry on after the rows that were there.
    newer = MapSnapshot.objects.create(project=snapshot.project, reason="Before an import", document={}, counts={})
    assert newer.pk > snapshot.pk
    assert MapSnapshot.objects.first() == newer
