from django.db import transaction
from django.db.models import F
from django.http import Http404

from accounts.models import User

from .models import Project


@transaction.atomic
def project_create(*, owner: User, name: str, description: str = "") -> Project:
    project = Project(owner=owner, name=name.strip(), description=description.strip())
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_update(*, project: Project, name: str | None = None, description: str | None = None) -> Project:
    # Saving the caller's copy of a project deleted meanwhile would insert it again.
    project = project_lock(project)
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description.strip()
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    project_lock(project).delete()


def project_lock(project: Project) -> Project:
    """Hold the project's row until the transaction ends, so that writes to one map happen one at a time.

    The project as stored, or Http404 if it was deleted since the caller looked it up:
    pages and the API answer 404, as for a project that never was.
    """
    # Every write to a map locks its project first, so this is where the map's
    # version goes up. The UPDATE is also what holds the row (PostgreSQL) and
    # the write lock (SQLite) until the transaction ends.
    if not Project.objects.filter(pk=project.pk).update(map_version=F("map_version") + 1):
        raise Http404("No project with that id.")
    return Project.objects.get(pk=project.pk)


def project_map_changed(*, project_id: int) -> None:
    """Raise the map's version for a write that did not go through the services (the admin)."""
    Project.objects.filter(pk=project_id).update(map_version=F("map_version") + 1)
