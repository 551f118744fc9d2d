from django.db.models import QuerySet

from accounts.models import User
from projects.access import project_access_filter

from .models import Generation, Proposal


def generations_for_user(user: User) -> QuerySet[Generation]:
    return Generation.objects.filter(project_access_filter(user, prefix="project__"), user=user)


def proposals_for_user(user: User) -> QuerySet[Proposal]:
    """The person's own proposals, on projects they can still see."""
    return Proposal.objects.filter(project_access_filter(user, prefix="project__"), user=user).select_related("project")
