from django.db import transaction

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
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description.strip()
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    project.delete()


def project_lock(project: Project) -> Project:
    """Hold the project's row until the transaction ends, so that writes to one map happen one at a time."""
    return Project.objects.select_for_update().get(pk=project.pk)
