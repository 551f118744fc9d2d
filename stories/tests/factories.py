"""Small builders for story-map tests, and readers of what a map holds."""

from projects.models import Project
from stories import services
from stories.models import Activity, Persona, Release, Step, Story


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


def handwritten_map(project: Project) -> Activity:
    """One activity, one step, one story, as a person would start a map; returns the activity."""
    activity = services.activity_create(project=project, title="Handwritten activity")
    step = services.step_create(project=project, activity=activity, title="Handwritten step")
    services.story_create(project=project, step=step, title="Handwritten story")
    return activity


def vet_clinic_map(project: Project) -> Project:
    """A small map that is not empty: two activities, a release, a persona, three stories."""
    check_in = services.activity_create(project=project, title="Check in")
    arrive = services.step_create(project=project, activity=check_in, title="Arrive")
    pay = services.activity_create(project=project, title="Pay")
    at_desk = services.step_create(project=project, activity=pay, title="Pay at the desk")
    mvp = services.release_create(project=project, name="mvp", goal="Open the doors")
    owner_persona = services.persona_create(project=project, name="pet owner", goals=["Be seen on time"])
    services.story_create(project=project, step=arrive, release=mvp, title="Scan the QR code", persona=owner_persona)
    services.story_create(project=project, step=arrive, title="Ring the bell")
    services.story_create(project=project, step=at_desk, release=mvp, title="Pay by card", estimate=2)
    return project


def activity_titles(project: Project) -> list[str]:
    return list(Activity.objects.filter(project=project).order_by("position").values_list("title", flat=True))


def board_of(project: Project) -> dict:
    """{activity: {step: {release name or None: [story titles in order]}}}, in board order."""
    board_map: dict = {}
    for activity in Activity.objects.filter(project=project).order_by("position"):
        steps = board_map.setdefault(activity.title, {})
        for step in activity.steps.order_by("position"):
            cells = steps.setdefault(step.title, {})
            for card in step.stories.select_related("release").order_by("position"):
                cells.setdefault(card.release.name if card.release else None, []).append(card.title)
    return board_map


def assert_positions_gapless(project: Project) -> None:
    def gapless(rows) -> bool:
        return sorted(row.position for row in rows) == list(range(len(rows)))

    assert gapless(list(Activity.objects.filter(project=project)))
    assert gapless(list(Release.objects.filter(project=project)))
    assert gapless(list(Persona.objects.filter(project=project)))
    for activity in Activity.objects.filter(project=project):
        assert gapless(list(activity.steps.all())), activity.title
    for step in Step.objects.filter(project=project):
        for release_id in {story.release_id for story in step.stories.all()}:
            cell = step.stories.filter(release_id=release_id)  # type: ignore[misc]  # None: IS NULL
            assert gapless(list(cell)), (step.title, release_id)
