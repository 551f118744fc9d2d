from django.db.models import QuerySet

from accounts.models import User
from projects.access import project_access_filter

from .models import Generation


def generations_for_user(user: User) -> QuerySet[Generation]:
    return Generation.objects.filter(project_access_filter(user, prefix="project__"), user=user)
