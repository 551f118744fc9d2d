from django.db.models import Aggregate, Count, IntegerField, Model, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from stories.models import Activity, Story

from .access import projects_for_user
from .models import Project


def _count_of(model: type[Model], *, field: str = "pk", aggregate: type[Aggregate] = Count) -> Coalesce:
    rows = model._default_manager.filter(project=OuterRef("pk")).order_by().values("project")
    return Coalesce(Subquery(rows.annotate(total=aggregate(field)).values("total"), output_field=IntegerField()), 0)


def project_list_for_user(*, user: User) -> QuerySet[Project]:
    """The user's projects, newest change first, each with its counts (one query)."""
    return projects_for_user(user).annotate(
        activity_count=_count_of(Activity),
        story_count=_count_of(Story),
        point_total=_count_of(Story, field="estimate", aggregate=Sum),
    )
