"""Reads of accounts."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from .addresses import normalise_email
from .models import User


def user_find_active_by_email(*, email: str) -> User | None:
    return get_user_model().objects.filter(email=normalise_email(email), is_active=True).first()


def user_from_uidb64(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < pk < 2**63:  # beyond any primary key; the database would refuse the query
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything Mapwright holds about `user`, as JSON-ready data: the account and every project's map."""
    from projects.access import projects_for_user, role_of  # accounts sits below the apps that hold maps
    from projects.models import Membership
    from stories.models import Comment
    from stories.selectors import document_from_map

    # The projects shared with them too: their role says which are theirs.
    projects = [
        {
            "name": project.name,
            "role": role_of(project, user),
            "created": project.created.isoformat(),
            "map": document_from_map(project=project),
        }
        for project in projects_for_user(user).order_by("created", "pk")
    ]
    memberships = [
        {"project": membership.project.name, "role": membership.role, "joined": membership.joined.isoformat()}
        for membership in Membership.objects.filter(user=user).select_related("project").order_by("joined", "pk")
    ]
    return {
        "format": "mapwright-account-export",
        "version": 1,
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "email_verified": user.email_verified,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "projects": projects,
        "memberships": memberships,
        # Every comment they wrote, on any project, with the card it is on.
        "comments": [
            {
                "project": comment.project.name,
                "story": comment.story.title,
                "body": comment.body,
                "created": comment.created.isoformat(),
            }
            for comment in Comment.objects.filter(author=user)
            .select_related("project", "story")
            .order_by("created", "pk")
        ],
    }
