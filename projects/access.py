"""Who may see and change a project: the one place that decides.

Everything inside a project (activities, steps, releases, personas, stories)
is reached through these helpers, by pages and API alike. A project is its
owner's, and its members' in their roles (projects.limits.Role): a viewer
reads, an editor also changes the map, the owner also manages the project.

Whatever is not yours answers 404, never 403, so that ids reveal nothing. What
is yours but beyond your role answers 403 with a plain message. Every lookup
names the role it needs, and it needs an editor unless it says otherwise: a
page that forgets to say is refused to viewers rather than opened to them.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import CharField, Model, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User

from .limits import ROLE_RANK, Role
from .models import Membership, Project

REFUSED = {
    Role.EDITOR: "You can read this map but not change it: ask its owner to make you an editor.",
    Role.OWNER: "Only the project's owner can do that.",
}


def project_access_filter(user: User | AnonymousUser, *, prefix: str = "") -> Q:
    """The condition on a project (reached through `prefix`, e.g. "project__") for `user` to see it."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    # A subquery, not a join: a join would repeat the owner's project once per member.
    shared = Membership.objects.filter(user=user).values("project_id")
    return Q(**{f"{prefix}owner": user}) | Q(**{f"{prefix}pk__in": shared})


def projects_for_user(user: User) -> QuerySet[Project]:
    """The projects `user` owns or is a member of, each with `member_role` (None for the owner's own)."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    # Project declares the attribute for its readers; the stubs' plugin sees the annotation as a second one.
    return Project.objects.filter(project_access_filter(user)).annotate(
        member_role=Subquery(role, output_field=CharField())  # type: ignore[no-redef]
    )


def role_of(project: Project, user: User) -> Role:
    """`user`'s role in `project`, read from a project that projects_for_user (or a lookup here) gave."""
    if project.owner_id == user.pk:
        return Role.OWNER
    return Role(getattr(project, "member_role", None) or _member_role(project, user))


def _member_role(project: Project, user: User) -> str:
    role = Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    if role is None:
        raise Http404("No project with that id.")
    return role


def require_role(project: Project, user: User, need: Role) -> Role:
    """`user`'s role in `project`, or PermissionDenied (a 403 with a plain message) if it is below `need`."""
    role = role_of(project, user)
    if ROLE_RANK[role] < ROLE_RANK[need]:
        raise PermissionDenied(REFUSED.get(need, REFUSED[Role.EDITOR]))
    return role


def project_get_for_user(*, user: User, project_id: int, need: Role = Role.EDITOR) -> Project:
    """The project, if `user` may see it (404 otherwise) and do what `need` allows (403 otherwise)."""
    project = get_object_or_404(projects_for_user(user), pk=project_id)
    project.role = require_role(project, user, need)
    return project


def map_object_get_for_user[M: Model](model: type[M], *, user: User, pk: int, need: Role = Role.EDITOR) -> M:
    """An activity, step, release, persona or story of a project `user` may see (else 404), within `need` (else 403)."""
    queryset = model._default_manager.select_related("project").filter(project_access_filter(user, prefix="project__"))
    try:
        obj = queryset.get(pk=pk)
    except ObjectDoesNotExist:  # model.DoesNotExist, which the stubs cannot see on a type variable
        raise Http404(f"No {model._meta.verbose_name} with that id.") from None
    project: Project = obj.project  # type: ignore[attr-defined]  # every map object has its project
    project.role = require_role(project, user, need)
    return obj
