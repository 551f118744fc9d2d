from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404

from accounts.emails import send_templated_email
from accounts.models import User
from stories.labels import clean_label_names
from stories.limits import LabelColour

from .access import require_role
from .limits import MEMBER_ROLES, Role
from .models import Membership, Project


@transaction.atomic
def project_create(
    *, owner: User, name: str, description: str = "", label_names: Mapping[str, str] | None = None
) -> Project:
    project = Project(owner=owner, name=name.strip(), description=description.strip())
    project.label_names = clean_label_names(dict(label_names or {}))
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    name: str | None = None,
    description: str | None = None,
    label_names: Mapping[str, str] | None = None,
) -> Project:
    """Change what is given; `label_names` names some colours or all (see project_labels_update)."""
    # Saving the caller's copy of a project deleted meanwhile would insert it again.
    project = project_lock(project)
    if name is not None:
        project.name = name.strip()
    if description is not None:
        project.description = description.strip()
    if label_names is not None:
        project.label_names = _label_names_after(project, label_names)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_labels_update(*, project: Project, names: Mapping[str, str]) -> Project:
    """Rename some of the project's label colours, or all: an empty name gives a colour back its palette name.

    Colours left out keep their names. The names are checked together with the ones
    kept (ValidationError keyed `label_names`, naming the colour), under the project's
    lock, so that two renamings at once cannot leave two colours with one name.
    """
    project = project_lock(project)
    project.label_names = _label_names_after(project, names)
    project.save(update_fields=["label_names", "updated"])
    return project


def _label_names_after(project: Project, names: Mapping[str, str]) -> dict[str, str]:
    # As stored, less anything that is not a colour's name (the admin edits the JSON as it likes).
    stored = project.label_names if isinstance(project.label_names, dict) else {}
    kept = {key: value for key, value in stored.items() if key in LabelColour.values and isinstance(value, str)}
    return clean_label_names({**kept, **names})


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


# --- Members --------------------------------------------------------------------------


def _member_email(*, template: str, membership: Membership, by: User) -> None:
    # Sent once the transaction commits (accounts.emails), so a rolled-back change tells no one.
    send_templated_email(
        template=template,
        to=membership.user.email,
        context={"user": membership.user, "project": membership.project, "by": by, "role": membership.role},
    )


@transaction.atomic
def membership_add(*, project: Project, by: User, email: str, role: str) -> Membership:
    """Make the account with `email` an editor or viewer of `project` (its owner's doing), and tell them."""
    require_role(project, by, Role.OWNER)
    if role not in MEMBER_ROLES:
        raise ValidationError({"role": "Choose editor or viewer."})
    project = project_lock(project)
    try:
        user = User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        raise ValidationError({"email": "No Mapwright account uses this address."}) from None
    if user.pk == project.owner_id:
        raise ValidationError({"email": "This is the project's owner."})
    if Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError({"email": f"{user.email} is a member already: change their role instead."})
    membership = Membership.objects.create(project=project, user=user, role=role)
    _member_email(template="member_added", membership=membership, by=by)
    return membership


@transaction.atomic
def membership_update(*, membership: Membership, by: User, role: str) -> Membership:
    """Change a member's role (the owner's doing)."""
    require_role(membership.project, by, Role.OWNER)
    if role not in MEMBER_ROLES:
        raise ValidationError({"role": "Choose editor or viewer."})
    project_lock(membership.project)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Take a member off the project: the owner's doing, or the member's own (leaving it)."""
    leaving = membership.user_id == by.pk
    if not leaving:
        require_role(membership.project, by, Role.OWNER)
    project_lock(membership.project)
    Membership.objects.filter(pk=membership.pk).delete()
    if not leaving:
        _member_email(template="member_removed", membership=membership, by=by)
