"""Small builders for story-map tests."""

from projects.models import Project
from stories.models import Activity, Release, Step, Story


def build_map(project: Project, *, activities: int, steps: int, releases: int, stories_per_cell: int) -> None:
    """A full map with bulk inserts: activities by steps columns, releases rows (+ Unplanned), stories in every cell."""
    activity_rows = Activity.objects.bulk_create(
        Activity(project=project, title=f"Activity {a}", position=a) for a in range(activities)
    )
    step_rows = Step.objects.bulk_create(
        Step(project=project, activity=activity, title=f"Step {a}.{s}", position=s)
        for a, activity in enumerate(activity_rows)
        for s in range(steps)
    )
    release_rows = Release.objects.bulk_create(
        Release(project=project, name=f"Release {r}", position=r) for r in range(releases)
    )
    Story.objects.bulk_create(
        Story(project=project, step=step, release=release, title=f"Story {step.pk}-{index}", position=index, estimate=1)
        for step in step_rows
        for release in [*release_rows, None]
        for index in range(stories_per_cell)
    )
