"""Reads of a story map, in board order and in a fixed number of queries; the map as a document and exports."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from projects.models import Project

from .document import SCHEMA_VERSION, MapDocument, label_docs
from .exports import document_to_jira_csv, document_to_markdown
from .labels import Label, label_names, label_palette
from .limits import StoryPriority, StoryStatus
from .models import Activity, Comment, MapSnapshot, Persona, Release, Step, Story


@dataclass
class ReleaseRow:
    """A horizontal slice of the board; `release` is None for the Unplanned row."""

    release: Release | None
    columns: list["Column"]
    cells: list[list[Story]] = field(default_factory=list)  # one per column, in column order

    @property
    def slots(self) -> list[tuple["Column", list[Story]]]:
        return list(zip(self.columns, self.cells, strict=True))

    @property
    def story_count(self) -> int:
        return sum(len(cell) for cell in self.cells)

    @property
    def point_total(self) -> int:
        return sum(story.estimate or 0 for cell in self.cells for story in cell)


@dataclass(eq=False)
class Column:
    """One column of the board: a step, or the empty slot of an activity that has no step yet, with its totals."""

    activity: Activity
    step: Step | None
    story_count: int = 0
    point_total: int = 0


@dataclass(eq=False)
class ActivityGroup:
    """An activity over its columns, with the totals of all its stories: the board's top header row."""

    activity: Activity
    columns: list[Column]
    story_count: int = 0
    point_total: int = 0


@dataclass
class StoryMap:
    project: Project
    personas: list[Persona]
    releases: list[Release]
    activities: list[Activity]  # each with .step_list, and each step with .story_list
    columns: list[Column]  # left to right
    rows: list[ReleaseRow]  # the releases in order, then Unplanned; cells line up with columns
    groups: list[ActivityGroup] = field(default_factory=list)  # the activities, each over its columns
    labels: list[Label] = field(default_factory=list)  # the project's palette, as named there
    comment_counts: dict[int, int] = field(default_factory=dict)  # story id → its comments, for those that have any

    @property
    def story_count(self) -> int:
        return sum(row.story_count for row in self.rows)

    @property
    def is_empty(self) -> bool:
        return not self.activities

    @property
    def card_names(self) -> dict[str, Any]:
        """What the board's cards show for the keys and ids they carry: once a page, not once a card."""
        return {
            "priority": dict(StoryPriority.choices),
            "status": dict(StoryStatus.choices),
            "persona": {str(persona.pk): persona.name for persona in self.personas},
            "label": {label.key: label.name for label in self.labels},
            "annotations": [label.key for label in self.labels if label.kind == "annotation"],
            "comments": {str(pk): count for pk, count in self.comment_counts.items()},
        }

    @property
    def status_choices(self) -> list[tuple[str, str]]:
        return list(StoryStatus.choices)

    @property
    def priority_choices(self) -> list[tuple[str, str]]:
        return list(StoryPriority.choices)


@dataclass
class Backbone:
    """Everything of a map but its stories: few rows, read whole."""

    personas: list[Persona]
    releases: list[Release]
    activities: list[Activity]
    steps: list[Step]


def backbone_get(*, project: Project) -> Backbone:
    """Four queries."""
    return Backbone(
        personas=list(Persona.objects.filter(project=project)),
        releases=list(Release.objects.filter(project=project)),
        activities=list(Activity.objects.filter(project=project)),
        steps=list(Step.objects.filter(project=project).order_by("position", "pk")),
    )


def story_map_get(*, project: Project, backbone: Backbone | None = None) -> StoryMap:
    """The whole map of `project`: five queries whatever its size, one when given its fresh `backbone_get`."""
    backbone = backbone or backbone_get(project=project)
    personas, releases, activities, steps = backbone.personas, backbone.releases, backbone.activities, backbone.steps
    # Each card's number of comments rides on the stories' own query: the board stays at its query count.
    comment_rows = Comment.objects.filter(story=OuterRef("pk")).order_by().values("story")
    comment_count = Subquery(comment_rows.annotate(total=Count("pk")).values("total"), output_field=IntegerField())
    stories = list(
        Story.objects.filter(project=project)
        # Story declares the attribute for its readers; the stubs' plugin sees the annotation as a second one.
        .annotate(comment_count=Coalesce(comment_count, 0))  # type: ignore[no-redef]
        .order_by("position", "pk")
    )

    steps_by_activity: dict[int, list[Step]] = {activity.pk: [] for activity in activities}
    for step in steps:
        step.story_list = []
        steps_by_activity[step.activity_id].append(step)
    columns: list[Column] = []
    groups: list[ActivityGroup] = []
    for activity in activities:
        activity.step_list = steps_by_activity[activity.pk]
        slots: list[Step | None] = [*activity.step_list] or [None]
        group = ActivityGroup(activity, [Column(activity, step) for step in slots])
        groups.append(group)
        columns.extend(group.columns)

    release_order: dict[int | None, int] = {release.pk: index for index, release in enumerate(releases)}
    column_of = {column.step.pk: index for index, column in enumerate(columns) if column.step}
    group_of = {column.step.pk: group for group in groups for column in group.columns if column.step}
    rows = [ReleaseRow(release, columns, [[] for _ in columns]) for release in [*releases, None]]
    persona_names: dict[int | None, str] = {persona.pk: persona.name for persona in personas}
    for story in stories:
        # Set here so that templates never follow the foreign key (one query per card).
        story.persona_name = persona_names.get(story.persona_id, "")
        row_index = release_order.get(story.release_id, len(releases))
        column = columns[column_of[story.step_id]]
        rows[row_index].cells[column_of[story.step_id]].append(story)
        points = story.estimate or 0
        column.story_count += 1
        column.point_total += points
        group_of[story.step_id].story_count += 1
        group_of[story.step_id].point_total += points
    # Under each step, the stories of the top release first: the board read down a column.
    for row in rows:
        for column, cell in zip(columns, row.cells, strict=True):
            if column.step is not None:
                column.step.story_list.extend(cell)
    return StoryMap(
        project=project,
        personas=personas,
        releases=releases,
        activities=activities,
        columns=columns,
        rows=rows,
        groups=groups,
        labels=label_palette(project),
        comment_counts={story.pk: story.comment_count for story in stories if story.comment_count},
    )


@dataclass(frozen=True)
class Places:
    """Where each row of a map sits in its document: indexes into activities, their steps, their stories."""

    activities: dict[int, int]
    steps: dict[int, tuple[int, int]]
    stories: dict[int, tuple[int, int, int]]


def document_from_map(*, project: Project) -> MapDocument:
    """The project's map as a story map document, version 1, in board order."""
    return document_with_places(project=project)[0]


def document_with_places(*, project: Project) -> tuple[MapDocument, Places]:
    """The project's map as a document, and where each of its activities, steps and stories is in it."""
    story_map = story_map_get(project=project)
    places = Places(
        activities={activity.pk: a for a, activity in enumerate(story_map.activities)},
        steps={
            step.pk: (a, s)
            for a, activity in enumerate(story_map.activities)
            for s, step in enumerate(activity.step_list)
        },
        stories={
            story.pk: (a, s, t)
            for a, activity in enumerate(story_map.activities)
            for s, step in enumerate(activity.step_list)
            for t, story in enumerate(step.story_list)
        },
    )
    releases: dict[int | None, str] = {release.pk: release.name for release in story_map.releases}
    personas: dict[int | None, str] = {persona.pk: persona.name for persona in story_map.personas}
    names = label_names(project)
    document: MapDocument = {
        "schema_version": SCHEMA_VERSION,
        "title": project.name,
        "description": project.description,
        "labels": label_docs(project.label_names),
        "personas": [
            {"name": persona.name, "description": persona.description, "goals": list(persona.goals)}
            for persona in story_map.personas
        ],
        "releases": [{"name": release.name, "goal": release.goal} for release in story_map.releases],
        "activities": [
            {
                "title": activity.title,
                "description": activity.description,
                "steps": [
                    {
                        "title": step.title,
                        "description": step.description,
                        "stories": [
                            {
                                "title": story.title,
                                "description": story.description,
                                "acceptance_criteria": list(story.acceptance_criteria),
                                "release": releases.get(story.release_id),
                                "priority": story.priority,
                                "estimate": story.estimate,
                                "persona": personas.get(story.persona_id),
                                "status": story.status,
                                "labels": [names[key] for key in story.labels if key in names],
                            }
                            for story in step.story_list
                        ],
                    }
                    for step in activity.step_list
                ],
            }
            for activity in story_map.activities
        ],
    }
    return document, places


def snapshots_for_project(*, project: Project) -> QuerySet[MapSnapshot]:
    return MapSnapshot.objects.filter(project=project).defer("document")


EXPORT_FORMATS = {
    "json": ("application/json; charset=utf-8", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "svg": ("image/svg+xml; charset=utf-8", "svg"),
}


def project_export(*, project: Project, export_format: str, epic_level: str = "activities") -> tuple[str, str, str]:
    """The project's map as (content, content type, file name) in one of EXPORT_FORMATS."""
    if export_format == "svg":
        # A picture of the board, not a document: laid out from the map itself.
        from .svg import story_map_svg  # only this format needs the layout code

        svg_type, _ = EXPORT_FORMATS["svg"]
        return story_map_svg(story_map_get(project=project)), svg_type, f"{slugify(project.name) or 'story-map'}.svg"
    document = document_from_map(project=project)
    if export_format == "json":
        content = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    elif export_format == "csv":
        content = document_to_jira_csv(document, epic_level=epic_level)
    else:
        content = document_to_markdown(document)
    content_type, extension = EXPORT_FORMATS[export_format]
    return content, content_type, f"{slugify(project.name) or 'story-map'}.{extension}"


def comments_for_story(*, story: Story) -> QuerySet[Comment]:
    """The card's comments, oldest first, each with its author (one query)."""
    return Comment.objects.filter(story=story).select_related("author", "project").order_by("created", "pk")
