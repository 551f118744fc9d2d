import secrets
from collections.abc import Mapping
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.addresses import normalise_email, validate_storable_email
from accounts.emails import send_templated_email
from accounts.models import User
from stories.labels import clean_label_names
from stories.limits import LabelColour

from . import live
from .access import require_role
from .events import Verb, event_record
from .limits import INVITATION_DAYS, MEMBER_ROLES, SHARE_TOKEN_BYTES, Role
from .models import Invitation, Membership, Project
from .selectors import share_token_digest


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
def membership_add(*, project: Project, by: User, email: str, role: str, site_url: str = "") -> Membership | Invitation:
    """Make the account with `email` an editor or viewer of `project` (its owner's doing), and tell them.

    An address with no account is invited instead (see invitation_accept_for); `site_url`
    roots the link in that email (settings.SITE_URL when not given).
    """
    require_role(project, by, Role.OWNER)
    if role not in MEMBER_ROLES:
        raise ValidationError({"role": "Choose editor or viewer."})
    project = project_lock(project)
    try:
        user = User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        return _invitation_create(project=project, by=by, email=email, role=role, site_url=site_url)
    if user.pk == project.owner_id:
        raise ValidationError({"email": "This is the project's owner."})
    if Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError({"email": f"{user.email} is a member already: change their role instead."})
    membership = Membership.objects.create(project=project, user=user, role=role)
    # An invitation sent before they had an account is spent: it must not re-add them after a removal.
    Invitation.objects.filter(project=project, email=user.email, accepted__isnull=True).update(accepted=timezone.now())
    event_record(project=project, actor=by, verb=Verb.MEMBER_ADDED, subject=user.email)
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
    transaction.on_commit(partial(live.member_removed, membership.project_id, membership.user_id))
    if leaving:
        event_record(project=membership.project, actor=by, verb=Verb.MEMBER_LEFT)
    else:
        event_record(project=membership.project, actor=by, verb=Verb.MEMBER_REMOVED, subject=membership.user.email)
    if not leaving:
        _member_email(template="member_removed", membership=membership, by=by)


@transaction.atomic
def project_owner_transfer(*, project: Project, by: User, member: Membership) -> Project:
    """Hand `project` to one of its editors (the owner's doing): they become the owner, and the owner an editor.

    Only an editor can take it: whoever owns a map changes it, and a viewer was trusted only to read.
    """
    require_role(project, by, Role.OWNER)
    if member.project_id != project.pk:
        raise Http404("No member with that id.")
    if member.role != Role.EDITOR:
        raise ValidationError({"member_id": "Only an editor can become the owner: make them an editor first."})
    project = project_lock(project)
    previous_owner = project.owner
    Membership.objects.filter(pk=member.pk).delete()
    project.owner = member.user
    project.save(update_fields=["owner", "updated"])
    Membership.objects.create(project=project, user=previous_owner, role=Role.EDITOR)
    event_record(project=project, actor=by, verb=Verb.OWNER_CHANGED, subject=member.user.get_full_name())
    send_templated_email(
        template="owner_changed",
        to=member.user.email,
        context={"user": member.user, "project": project, "by": by},
    )
    return project


# --- Invitations ----------------------------------------------------------------------
#
# An invitation carries no secret: its email links to the sign-up page with the address
# filled in, and only an account that confirms that address (accounts.services) turns it
# into a membership. So a forwarded or intercepted email lets no one else in.


def _invitation_email(*, invitation: Invitation, by: User, site_url: str) -> None:
    root = site_url or settings.SITE_URL
    link = f"{root}{reverse('accounts:signup')}?{urlencode({'email': invitation.email})}"
    send_templated_email(
        template="invitation",
        to=invitation.email,
        context={
            "project": invitation.project,
            "by": by,
            "role": invitation.role,
            "link": link,
            "expires": invitation.expires,
            "days": INVITATION_DAYS,
        },
    )


def _invitation_create(*, project: Project, by: User, email: str, role: str, site_url: str) -> Invitation:
    """Invite an address with no account (inside membership_add, with the project locked)."""
    email = normalise_email(email)
    try:
        validate_email(email)
        validate_storable_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages[0]}) from None
    now = timezone.now()
    pending = Invitation.objects.filter(project=project, email=email, accepted__isnull=True).first()
    if pending is not None and pending.expires > now:
        raise ValidationError({"email": f"{email} is invited already: re-send the invitation instead."})
    if pending is not None:  # expired: a fresh invitation replaces it
        pending.delete()
    invitation = Invitation.objects.create(
        project=project,
        email=email,
        role=role,
        invited_by=by,
        expires=now + timedelta(days=INVITATION_DAYS),
        last_sent=now,
    )
    event_record(project=project, actor=by, verb=Verb.INVITED, subject=email)
    _invitation_email(invitation=invitation, by=by, site_url=site_url)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, site_url: str = "") -> Invitation:
    """Send the invitation again (the owner's doing): it stands for INVITATION_DAYS from now."""
    require_role(invitation.project, by, Role.OWNER)
    project_lock(invitation.project)
    now = timezone.now()
    invitation.expires = now + timedelta(days=INVITATION_DAYS)
    invitation.last_sent = now
    invitation.sent_count = F("sent_count") + 1
    invitation.save(update_fields=["expires", "last_sent", "sent_count"])
    invitation.refresh_from_db(fields=["sent_count"])
    _invitation_email(invitation=invitation, by=by, site_url=site_url)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, by: User) -> None:
    """Withdraw a pending invitation (the owner's doing): its email then leads to no membership."""
    require_role(invitation.project, by, Role.OWNER)
    project_lock(invitation.project)
    Invitation.objects.filter(pk=invitation.pk, accepted__isnull=True).delete()


@transaction.atomic
def invitation_accept_for(*, user: User) -> list[Membership]:
    """Turn the pending, unexpired invitations to `user`'s confirmed address into memberships.

    Called by accounts.services in the transaction that confirms the address (at sign-up,
    or a change of address), and by nothing else: an unconfirmed account is no member.
    """
    if not user.email_verified:
        return []
    now = timezone.now()
    invitations = Invitation.objects.select_related("project", "invited_by").filter(
        email=normalise_email(user.email), accepted__isnull=True, expires__gt=now
    )
    memberships = []
    for invitation in invitations.order_by("pk"):
        project = project_lock(invitation.project)
        if project.owner_id != user.pk and not Membership.objects.filter(project=project, user=user).exists():
            memberships.append(Membership.objects.create(project=project, user=user, role=invitation.role))
            # The inviter's doing, as the feed tells it: they asked for this person.
            event_record(project=project, actor=invitation.invited_by, verb=Verb.MEMBER_ADDED, subject=user.email)
        Invitation.objects.filter(pk=invitation.pk).update(accepted=now)
    return memberships


# --- The read-only share link -------------------------------------------------------


@transaction.atomic
def share_link_create(*, project: Project, by: User) -> str:
    """A new read-only link's token (the owner's doing), replacing any earlier link, which stops working.

    Only its sha256 is stored: the token is returned once, for the owner to copy.
    """
    require_role(project, by, Role.OWNER)
    project_lock(project)
    token = secrets.token_urlsafe(SHARE_TOKEN_BYTES)
    Project.objects.filter(pk=project.pk).update(
        share_token_hash=share_token_digest(token), share_created=timezone.now()
    )
    return token


@transaction.atomic
def share_link_revoke(*, project: Project, by: User) -> None:
    """Revoke the read-only link (the owner's doing): its URL answers 404 from the next request on."""
    require_role(project, by, Role.OWNER)
    project_lock(project)
    Project.objects.filter(pk=project.pk).update(share_token_hash=None, share_created=None)
