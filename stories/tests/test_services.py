"""Positions stay gapless and in the intended order after any sequence of writes."""

import random

import pytest
from django.core.exceptions import ValidationError

from projects.services import project_create
from stories import services
from stories.models import Activity, Release, Step, Story

pytestmark = pytest.mark.django_db


def assert_gapless(project) -> None:
    groups = [
        list(Activity.objects.filter(project=project).values_list("position", flat=True)),
        list(Release.objects.filter(project=project).values_list("position", flat=True)),
    ]
    for activity in Activity.objects.filter(project=project):
        groups.append(list(activity.steps.values_list("position", flat=True)))
    cells: dict[tuple[int, int | None], list[int]] = {}
    for story in Story.objects.filter(project=project):
        cells.setdefault((story.step_id, story.release_id), []).append(story.position)
    groups.extend(cells.values())
    for positions in groups:
        assert sorted(positions) == list(range(len(positions))), positions


def test_positions_stay_gapless_through_random_writes(owner):
    project = project_create(owner=owner, name="Chaos")
    generator = random.Random(20261125)
    activities = [services.activity_create(project=project, title=f"A{i}") for i in range(3)]
    releases = [services.release_create(project=project, name=f"R{i}") for i in range(3)]
    steps = [
        services.step_create(project=project, activity=a, title=f"S{a.pk}.{i}") for a in activities for i in range(2)
    ]
    stories = [
        services.story_create(
            project=project, step=generator.choice(steps), release=generator.choice([*releases, None]), title=f"T{i}"
        )
        for i in range(30)
    ]
    for _ in range(150):
        action = generator.randrange(6)
        if action == 0:
            story = Story.objects.get(pk=generator.choice(stories).pk)
            services.story_move(
                story=story,
                step=generator.choice(steps),
                release=generator.choice([*releases, None]),
                position=generator.randrange(8),
            )
        elif action == 1:
            step = Step.objects.get(pk=generator.choice(steps).pk)
            services.step_move(step=step, activity=generator.choice(activities), position=generator.randrange(4))
        elif action == 2:
            services.activity_move(activity=generator.choice(activities), position=generator.randrange(4))
        elif action == 3:
            services.release_move(release=generator.choice(releases), position=generator.randrange(4))
        elif action == 4:
            story = Story.objects.get(pk=generator.choice(stories).pk)
            services.story_update(
                story=story, step=generator.choice(steps), release=generator.choice([*releases, None])
            )
        else:
            stories.append(
                services.story_create(
                    project=project, step=generator.choice(steps), title="new", position=generator.randrange(5)
                )
            )
        assert_gapless(project)

    release = Release.objects.filter(project=project)[0]
    services.release_delete(release=release)
    assert_gapless(project)
    services.step_delete(step=Step.objects.filter(project=project)[0])
    assert_gapless(project)
    services.activity_delete(activity=Activity.objects.filter(project=project)[0])
    assert_gapless(project)


def test_a_story_lands_exactly_where_it_was_dropped(owner):
    project = project_create(owner=owner, name="Order")
    activity = services.activity_create(project=project, title="A")
    step = services.step_create(project=project, activity=activity, title="S")
    _first, _second, third = (services.story_create(project=project, step=step, title=t) for t in "123")
    services.story_move(story=third, step=step, release=None, position=0)
    assert list(Story.objects.order_by("position").values_list("title", flat=True)) == ["3", "1", "2"]
    services.story_move(story=Story.objects.get(pk=third.pk), step=step, release=None, position=99)
    assert list(Story.objects.order_by("position").values_list("title", flat=True)) == ["1", "2", "3"]


def test_writes_refuse_objects_of_another_project(owner):
    project = project_create(owner=owner, name="Mine")
    other = project_create(owner=owner, name="Other")
    step = services.step_create(
        project=project, activity=services.activity_create(project=project, title="A"), title="S"
    )
    foreign_release = services.release_create(project=other, name="R")
    with pytest.raises(ValidationError) as error:
        services.story_create(project=project, step=step, release=foreign_release, title="x")
    assert "release" in error.value.message_dict
    assert not Story.objects.exists()


def test_a_stale_version_raises_a_conflict_and_changes_nothing(owner):
    project = project_create(owner=owner, name="Mine")
    step = services.step_create(
        project=project, activity=services.activity_create(project=project, title="A"), title="S"
    )
    story = services.story_create(project=project, step=step, title="Original")
    services.story_update(story=story, version=1, title="First save")
    with pytest.raises(services.StoryConflict) as conflict:
        services.story_update(story=story, version=1, title="Second save")
    assert conflict.value.story.title == "First save"
    assert Story.objects.get().title == "First save"
