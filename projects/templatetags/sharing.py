"""The board's people: the members' initials in its header, and the membership a member can leave."""

from typing import Any

from django import template

from accounts.addresses import EMAIL_MAX
from accounts.models import User
from projects.limits import INVITATION_DAYS, MEMBER_ROLE_CHOICES
from projects.models import Membership, Project
from projects.selectors import project_avatars

register = template.Library()


@register.inclusion_tag("stories/includes/member_avatars.html")
def member_avatars(project: Project) -> dict[str, Any]:
    """The owner's and the members' initials, the owner first (one query)."""
    avatars, more = project_avatars(project=project)
    return {"avatars": avatars, "more": more}


@register.simple_tag
def membership_id(project: Project, user: User) -> int | None:
    """`user`'s membership of `project`, for "Leave project" (None for its owner)."""
    return Membership.objects.filter(project=project, user=user).values_list("pk", flat=True).first()


@register.inclusion_tag("stories/includes/share_dialog.html", takes_context=True)
def share_dialog(context: template.Context, project: Project) -> dict[str, Any]:
    """The owner's Share dialog: static/js/share.js fills its lists from the API when it opens.

    Shown to the owner only, so the owner is the person looking (no query for them).
    """
    return {
        "project": project,
        "owner": context["request"].user,
        "role_choices": MEMBER_ROLE_CHOICES,
        "invitation_days": INVITATION_DAYS,
        "email_max": EMAIL_MAX,
    }
