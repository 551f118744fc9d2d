"""A story map document written out as Jira-ready CSV or as a Markdown outline.

The Jira CSV has one header row and these columns:

    Issue ID, Issue Type, Summary, Description, Parent, Priority,
    Labels (the step, or an epic's activity), Labels … (the story's labels, one a column),
    Story Points, Fix Version, Status (To Do | In Progress | Done), Persona

Jira's importer reads a repeated "Labels" column as several labels; there are
as many as the most labelled story needs. Status maps onto Jira's Status field,
Persona is a custom column (map it to a field of your own, or skip it).
stories.imports reads the file back: exported, imported and exported again it
gives the same CSV.
"""

import csv
import io
import re
from collections.abc import Sequence
from typing import NotRequired, TypedDict

from .document import MapDocument, StoryDoc
from .limits import StoryStatus

# The columns of a map whose stories carry no labels; each label a story has past that adds a "Labels" column.
JIRA_COLUMNS = [
    "Issue ID",
    "Issue Type",
    "Summary",
    "Description",
    "Parent",
    "Priority",
    "Labels",
    "Story Points",
    "Fix Version",
    "Status",
    "Persona",
]
JIRA_PRIORITIES = {"must": "High", "should": "Medium", "could": "Low", "wont": "Lowest"}
# Jira's own workflow, as its importer names the statuses.
JIRA_STATUSES: dict[str, str] = {
    StoryStatus.TODO.value: "To Do",
    StoryStatus.IN_PROGRESS.value: "In Progress",
    StoryStatus.DONE.value: "Done",
}
EPIC_LEVELS = ("activities", "steps")
FORMULA_STARTS = ("=", "+", "-", "@")


class _Epic(TypedDict):
    title: str
    description: str
    activity: NotRequired[str]  # an epic made of a step carries its activity's title


def _safe(cell: object) -> object:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading '."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


class _SafeWriter:
    """csv.writer whose rows cannot run as spreadsheet formulas."""

    def __init__(self, output: io.StringIO) -> None:
        self.writer = csv.writer(output)

    def writerow(self, cells: Sequence[object]) -> None:
        self.writer.writerow([_safe(cell) for cell in cells])


def _label(text: str) -> str:
    # Jira labels cannot hold spaces.
    return re.sub(r"[^\w-]+", "-", text.strip().lower()).strip("-")[:255]


def story_jira_labels(story: StoryDoc) -> list[str]:
    """A story's labels as Jira labels, each once, sorted: the order cannot depend on the colours
    a file is read back into, so a round trip gives the same cells."""
    return sorted({label for label in (_label(name) for name in story.get("labels", [])) if label})


def jira_header(label_columns: int) -> list[str]:
    """The header for stories with at most `label_columns` labels."""
    at = JIRA_COLUMNS.index("Labels") + 1
    return [*JIRA_COLUMNS[:at], *["Labels"] * label_columns, *JIRA_COLUMNS[at:]]


def _story_description(story: StoryDoc) -> str:
    parts = [story["description"]] if story["description"] else []
    if story["acceptance_criteria"]:
        parts.append("Acceptance criteria:\n" + "\n".join(f"- {item}" for item in story["acceptance_criteria"]))
    return "\n\n".join(parts)


def document_to_jira_csv(document: MapDocument, *, epic_level: str = "activities") -> str:
    """One row per epic, then one per story, its Parent the epic's Issue ID. UTF-8 text with a header row."""
    if epic_level not in EPIC_LEVELS:
        raise ValueError(f"epic_level must be one of {', '.join(EPIC_LEVELS)}")
    epics: list[tuple[_Epic, list[tuple[str, StoryDoc]]]] = []  # (epic source, [(step title, story)])
    for activity in document["activities"]:
        if epic_level == "activities":
            stories = [(step["title"], story) for step in activity["steps"] for story in step["stories"]]
            epics.append(({"title": activity["title"], "description": activity["description"]}, stories))
        else:
            for step in activity["steps"]:
                label: _Epic = {
                    "title": step["title"],
                    "description": step["description"],
                    "activity": activity["title"],
                }
                epics.append((label, [(step["title"], story) for story in step["stories"]]))

    # By identity: two stories of a map may be equal.
    story_labels = {id(story): story_jira_labels(story) for _, stories in epics for _, story in stories}
    label_columns = max((len(labels) for labels in story_labels.values()), default=0)
    output = io.StringIO()
    writer = _SafeWriter(output)
    writer.writerow(jira_header(label_columns))
    for index, (epic, _) in enumerate(epics, start=1):
        labels = _label(epic.get("activity", epic["title"]))
        no_labels = [""] * label_columns
        # An epic has no points, release, status or persona.
        row = [f"E{index}", "Epic", epic["title"], epic["description"], "", "", labels, *no_labels]
        writer.writerow([*row, "", "", "", ""])
    number = 0
    for index, (_, stories) in enumerate(epics, start=1):
        for step_title, story in stories:
            number += 1
            labels_of_story = story_labels[id(story)]
            writer.writerow(
                [
                    f"S{number}",
                    "Story",
                    story["title"],
                    _story_description(story),
                    f"E{index}",
                    JIRA_PRIORITIES.get(story["priority"] or "", ""),
                    _label(step_title),
                    *labels_of_story,
                    *[""] * (label_columns - len(labels_of_story)),
                    "" if story["estimate"] is None else story["estimate"],
                    story["release"] or "",
                    JIRA_STATUSES.get(story.get("status") or StoryStatus.TODO.value, ""),
                    story["persona"] or "",
                ]
            )
    return output.getvalue()


def _md(text: str) -> str:
    """Plain text for one Markdown line: no line breaks, and markup characters shown as themselves."""
    return re.sub(r"([\\`*_#\[\]<>|])", r"\\\1", " ".join(text.split()))


def document_to_markdown(document: MapDocument) -> str:
    """The map as an outline: personas, activities and steps with their stories, then a section per release."""
    lines = [f"# {_md(document['title'] or 'Story map')}", ""]
    if document["description"]:
        lines += [_md(document["description"]), ""]
    if document["personas"]:
        lines += ["## Personas", ""]
        for persona in document["personas"]:
            detail = f": {_md(persona['description'])}" if persona["description"] else ""
            lines.append(f"- **{_md(persona['name'])}**{detail}")
            lines += [f"  - Goal: {_md(goal)}" for goal in persona["goals"]]
        lines.append("")

    lines += ["## Map", ""]
    for activity in document["activities"]:
        lines += [f"### {_md(activity['title'])}", ""]
        if activity["description"]:
            lines += [_md(activity["description"]), ""]
        for step in activity["steps"]:
            lines += [f"#### {_md(step['title'])}", ""]
            for story in step["stories"]:
                lines += _story_lines(story)
            if not step["stories"]:
                lines.append("_No stories yet._")
            lines.append("")

    releases = [release["name"] for release in document["releases"]]
    for name in [*releases, None]:
        stories = [
            (activity["title"], step["title"], story)
            for activity in document["activities"]
            for step in activity["steps"]
            for story in step["stories"]
            if story["release"] == name
        ]
        if name is None and not stories:
            continue
        goal = next((release["goal"] for release in document["releases"] if release["name"] == name), "")
        lines += [f"## Release: {_md(name)}" if name else "## Unplanned", ""]
        if goal:
            lines += [_md(goal), ""]
        points = sum(story["estimate"] or 0 for _, _, story in stories)
        lines += [f"{_count(len(stories), 'story', 'stories')}, {_count(points, 'point', 'points')}.", ""]
        lines += [f"- {_md(activity)} / {_md(step)}: {_md(story['title'])}" for activity, step, story in stories]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _story_lines(story: StoryDoc) -> list[str]:
    estimate = story["estimate"]
    facts = [story["priority"], _count(estimate, "point", "points") if estimate is not None else None]
    facts += [story["release"] or "Unplanned", story["persona"]]
    line = f"- **{_md(story['title'])}** ({', '.join(_md(str(fact)) for fact in facts if fact)})"
    if story.get("labels"):
        line += f" — Labels: {', '.join(_md(name) for name in story.get('labels', []))}"
    lines = [line]
    if story["description"]:
        lines.append(f"  {_md(story['description'])}")
    lines += [f"  - [ ] {_md(criterion)}" for criterion in story["acceptance_criteria"]]
    return lines
