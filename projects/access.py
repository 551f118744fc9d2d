"""Who may see and change a project: the one place that decides.

Everything inside a project (activities, steps, releases, personas, stories)
is reached through these helpers, by pages and API alike. Whatever is not
yours answers 404, never 403, so that ids reveal nothing.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import Project


def project_access_filter(user: User | AnonymousUser, *, prefix: str = "") -> Q:
    """The condition on a project (reached through `prefix`, e.g. "project__") for `user` to see it."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{prefix}owner": user})


def projects_for_user(user: User) -> QuerySet[Project]:
    return Project.objects.filter(project_access_filter(user))


def project_get_for_user(*, user: User, project_id: int) -> Project:
    return get_object_or_404(projects_for_user(user), pk=project_id)


def map_object_get_for_user[M: Model](model: type[M], *, user: User, pk: int) -> M:
    """An activity, step, release, persona or story of one of `user`'s projects, or 404."""
    queryset = model._default_manager.select_related("project").filter(project_access_filter(user, prefix="project__"))
    try:
        return queryset.get(pk=pk)
    except ObjectDoesNotExist:  # model.DoesNotExist, which the stubs cannot see on a type variable
        raise Http404(f"No {model._meta.verbose_name} with that id.") from None
