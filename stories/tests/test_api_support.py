"""Builders the story-map API tests share, and checks that they build what they promise.

`build_board` makes a small map through the services (so positions are what
the services keep); `build_big_board` bulk-creates 1,000 stories for the
query-count tests. `snapshot` captures every map row, to show a refused
request changed nothing.
"""

from dataclasses import dataclass

import pytest
from django.db.models import QuerySet

from accounts.models import User
from projects.models import Project
from projects.services import project_create
from stories import services
from stories.models import Activity, Persona, Release, Step, Story

pytestmark = pytest.mark.django_db


@dataclass
class Board:
    project: Project
    browse: Activity
    buy: Activity
    search: Step  # under browse
    view: Step  # under browse
    pay: Step  # under buy
    mvp: Release
    later: Release
    shopper: Persona
    keyword: Story  # search by mvp, position 0
    price: Story  # search by mvp, position 1
    saved: Story  # search by Unplanned
    card: Story  # pay by later


def build_board(owner: User, name: str = "Shop") -> Board:
    project = project_create(owner=owner, name=name, description="Selling things online.")
    browse = services.activity_create(project=project, title="Browse")
    buy = services.activity_create(project=project, title="Buy")
    search = services.step_create(project=project, activity=browse, title="Search")
    view = services.step_create(project=project, activity=browse, title="View item")
    pay = services.step_create(project=project, activity=buy, title="Pay")
    mvp = services.release_create(project=project, name="MVP", goal="Sell the first thing.")
    later = services.release_create(project=project, name="Later")
    shopper = services.persona_create(project=project, name="Shopper", goals=["Find it fast"])
    keyword = services.story_create(
        project=project,
        step=search,
        release=mvp,
        title="Search by keyword",
        persona=shopper,
        estimate=3,
        acceptance_criteria=["Matches titles", "Ignores case"],
        priority="must",
    )
    price = services.story_create(project=project, step=search, release=mvp, title="Filter by price", estimate=2)
    saved = services.story_create(project=project, step=search, release=None, title="Saved searches")
    card = services.story_create(project=project, step=pay, release=later, title="Pay by card", estimate=5)
    return Board(project, browse, buy, search, view, pay, mvp, later, shopper, keyword, price, saved, card)


def build_big_board(
    owner: User, *, activities: int = 10, steps: int = 5, releases: int = 4, stories: int = 5, name: str = "Big"
) -> Project:
    """activities times steps columns, releases rows, `stories` cards in each cell: 1,000 stories by default."""
    project = project_create(owner=owner, name=name)
    activity_rows = Activity.objects.bulk_create(
        Activity(project=project, title=f"Activity {a}", position=a) for a in range(activities)
    )
    release_rows = Release.objects.bulk_create(
        Release(project=project, name=f"Release {r}", position=r) for r in range(releases)
    )
    step_rows = Step.objects.bulk_create(
        Step(project=project, activity=activity, title=f"Step {a}.{s}", position=s)
        for a, activity in enumerate(activity_rows)
        for s in range(steps)
    )
    Story.objects.bulk_create(
        Story(project=project, step=step, release=release, title=f"Story {step.pk}/{release.pk}/{n}", position=n)
        for step in step_rows
        for release in release_rows
        for n in range(stories)
    )
    return project


def snapshot() -> dict[str, list[dict]]:
    """Every project and map row, as values: equal snapshots mean nothing changed."""
    models = {"project": Project, "activity": Activity, "step": Step, "release": Release}
    models |= {"persona": Persona, "story": Story}
    return {name: list(model._default_manager.order_by("pk").values()) for name, model in models.items()}


def positions(queryset: QuerySet) -> list[int]:
    return list(queryset.order_by("position", "pk").values_list("position", flat=True))


def titles(queryset: QuerySet, field: str = "title") -> list[str]:
    return list(queryset.order_by("position", "pk").values_list(field, flat=True))


# --- The builders themselves -------------------------------------------------------------


def test_build_board_makes_a_small_gapless_board(owner):
    board = build_board(owner)

    assert titles(board.project.activities.all()) == ["Browse", "Buy"]
    assert titles(board.browse.steps.all()) == ["Search", "View item"]
    assert titles(Story.objects.filter(step=board.search, release=board.mvp)) == [
        "Search by keyword",
        "Filter by price",
    ]
    assert positions(Story.objects.filter(step=board.search, release=None)) == [0]
    assert Story.objects.filter(project=board.project).count() == 4


def test_build_big_board_makes_a_thousand_stories_in_gapless_cells(owner):
    project = build_big_board(owner)

    assert Story.objects.filter(project=project).count() == 1000
    step = Step.objects.filter(project=project).first()
    release = Release.objects.filter(project=project).first()
    assert positions(Story.objects.filter(step=step, release=release)) == [0, 1, 2, 3, 4]
