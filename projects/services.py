from django.db import transaction
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
    try:
        return Project.objects.select_for_update().get(pk=project.pk)
    except Project.DoesNotExist:
        raise Http404("No project with that id.") from None
