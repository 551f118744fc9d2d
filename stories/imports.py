"""Reading an uploaded file into a story map document: the JSON document, a spreadsheet CSV, or Jira's CSV.

Spreadsheet CSV columns: Activity, Step, Story, Description, Release, Priority,
Estimate, Labels (in any order; Story may also be called Summary; Labels holds
label names separated by commas). The Jira CSV that Mapwright exports (Issue ID,
Issue Type, Summary, Description, Parent, Priority, Labels …, Story Points, Fix
Version, Status, Persona: see stories.exports) reads back too, whether its epics
are the activities or the steps. Whatever the file, the result goes through
document_parse with the import limits, and problems are reported by line or
field, at most 20, before anything is saved.

A CSV file has no list of label names: a label that is an annotation or a
palette colour's name (Risky, Red) is that label, and any other takes the first
colour no label of the file uses, in the order the file first gives them.
"""

import csv
import io
import json
import re
from collections.abc import Callable

from .document import IMPORTED_LIMITS, DocumentInvalid, MapDocument, RawObject, document_parse
from .exports import FORMULA_STARTS, JIRA_PRIORITIES, JIRA_STATUSES, _label
from .labels import PALETTE_NAMES, keys_for_names, label_name_problem, normalised
from .limits import Annotation, LabelColour, StoryStatus

MAX_IMPORT_BYTES = 5 * 1024 * 1024
SPREADSHEET_COLUMNS = ["Activity", "Step", "Story", "Description", "Release", "Priority", "Estimate", "Labels"]
STATUS_NAMES = {
    **{normalised(name): key for key, name in JIRA_STATUSES.items()},
    **{normalised(label): key for key, label in StoryStatus.choices},
    **{normalised(key): key for key in StoryStatus.values},
}
PRIORITY_NAMES = {
    **{name.lower(): key for key, name in JIRA_PRIORITIES.items()},
    "highest": "must",
    "must": "must",
    "should": "should",
    "could": "could",
    "won't": "wont",
    "wont": "wont",
    "medium": "should",
}
CRITERIA_HEADING = "Acceptance criteria:"


def document_from_file(content: bytes, *, filename: str = "", content_type: str = "") -> MapDocument:
    """The validated document in an uploaded file, or DocumentInvalid saying what is wrong and where."""
    if len(content) > MAX_IMPORT_BYTES:
        raise DocumentInvalid([f"The file is {len(content) / 1024 / 1024:.2f} MB; at most 5 MB can be imported."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentInvalid(
            [f"The file is not UTF-8 text (byte {error.start + 1} cannot be read): save it as UTF-8 and try again."]
        ) from None
    if not text.strip():
        raise DocumentInvalid(["The file is empty."])
    is_json = "json" in content_type or filename.lower().endswith(".json")
    is_csv = "csv" in content_type or filename.lower().endswith(".csv")
    if is_json or (not is_csv and text.lstrip().startswith(("{", "["))):
        return document_parse(_json(text), limits=IMPORTED_LIMITS)
    return document_parse(_csv(text), limits=IMPORTED_LIMITS)


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DocumentInvalid([f"Line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})."]) from None
    except (RecursionError, ValueError):  # absurd nesting, or a number of thousands of digits
        raise DocumentInvalid(["The JSON is nested too deeply or holds a number too long to read."]) from None


def _csv(text: str) -> RawObject:
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DocumentInvalid([f"The CSV could not be read: {error}."]) from None
    rows = [[_unescape(cell) for cell in row] for row in rows]
    header = [cell.strip() for cell in rows[0]]
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        raise DocumentInvalid(["The CSV has a header but no rows: there is nothing to import."])
    if {"Issue Type", "Summary"} <= set(header):
        return _jira(header, body)
    columns = {name.lower(): index for index, name in enumerate(header)}
    if "summary" in columns and "story" not in columns:
        columns["story"] = columns["summary"]
    missing = [name for name in ("Activity", "Step", "Story") if name.lower() not in columns]
    if missing:
        raise DocumentInvalid(
            [
                f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
                f"The first line must name the columns: {', '.join(SPREADSHEET_COLUMNS)}."
            ]
        )
    return _spreadsheet(columns, body)


def _unescape(cell: str) -> str:
    # The export puts a ' before cells a spreadsheet would run as a formula.
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name.lower())
    return row[index].strip() if index is not None and index < len(row) else ""


def _priority(value: str, number: int, problems: list[str]) -> str | None:
    if not value:
        return None
    # Spreadsheets curl the apostrophe of "won't" as you type.
    key = value.lower().replace("\u2019", "'")
    if key in PRIORITY_NAMES:
        return PRIORITY_NAMES[key]
    problems.append(f"Line {number}: Priority {value!r} is not one of must, should, could, won't.")
    return None


def _estimate(value: str, number: int, problems: list[str], column: str) -> int | None:
    if not value:
        return None
    try:
        number_value = float(value)
    except ValueError:
        number_value = -1
    if number_value < 0 or not number_value.is_integer():
        problems.append(f"Line {number}: {column} {value!r} is not a whole number of points.")
        return None
    return int(number_value)


def _status(value: str, number: int, problems: list[str]) -> str | None:
    if not value:
        return None
    if normalised(value) in STATUS_NAMES:
        return STATUS_NAMES[normalised(value)]
    problems.append(f"Line {number}: Status {value!r} is not one of {', '.join(JIRA_STATUSES.values())}.")
    return None


def _label_names(
    rows: list[tuple[int, list[str]]], *, readable: Callable[[str], str], problems: list[str]
) -> tuple[list[RawObject], dict[str, str]]:
    """The document's `labels` for the labels CSV rows give (line number, labels), and each label's name by
    `normalised` text. Annotations and palette names are themselves; the rest take free colours in turn."""
    reserved = set()
    new: dict[str, tuple[int, str]] = {}  # normalised text: (line, name), in the order the file gives them
    for number, texts in rows:
        for text in texts:
            keys, _ = keys_for_names([text], project_names=PALETTE_NAMES)
            if keys:
                reserved.update(keys)
            else:
                new.setdefault(normalised(text), (number, " ".join(readable(text).split())))
    free = [colour for colour in LabelColour.values if colour not in reserved]
    named: dict[str, str] = {}
    names = {normalised(text): text for _, texts in rows for text in texts if normalised(text) not in new}
    for (key, (number, name)), colour in zip(new.items(), [*free, *[None] * len(new)], strict=False):
        if colour is None:
            annotations = ", ".join(Annotation.labels)
            problems.append(
                f"Line {number}: the label “{name[:60]}” would be colour number {len(LabelColour.values) + 1}: "
                f"a map has {len(LabelColour.values)} colour labels besides the annotations ({annotations})."
            )
            break
        problem = label_name_problem(colour, name, named=named)
        if problem:
            problems.append(f"Line {number}: label {problem}.")
            continue
        named[colour] = name
        names[key] = name
    return [{"colour": colour, "name": name} for colour, name in named.items()], names


def _story_label_texts(cells: list[str]) -> list[str]:
    return [cell.strip() for cell in cells if cell.strip()]


def _spreadsheet(columns: dict[str, int], body: list[tuple[int, list[str]]]) -> RawObject:
    problems: list[str] = []
    activities: dict[str, RawObject] = {}
    label_rows = [(number, _story_label_texts(_cell(row, columns, "Labels").split(","))) for number, row in body]
    label_docs, label_names = _label_names(label_rows, readable=str, problems=problems)
    for (number, row), (_, labels) in zip(body, label_rows, strict=True):
        activity_title, step_title = _cell(row, columns, "Activity"), _cell(row, columns, "Step")
        title = _cell(row, columns, "Story")
        story_fields = [_cell(row, columns, name) for name in ("Description", "Release", "Priority", "Estimate")]
        if not activity_title:
            problems.append(f"Line {number}: Activity is empty.")
            continue
        if not step_title:
            problems.append(f"Line {number}: Step is empty.")
            continue
        activity = activities.setdefault(activity_title.lower(), {"title": activity_title, "steps": {}})
        step = activity["steps"].setdefault(step_title.lower(), {"title": step_title, "stories": []})
        if not title:
            if any(story_fields) or _cell(row, columns, "Labels"):
                problems.append(f"Line {number}: Story is empty; every story needs a title.")
            continue  # a row naming only an activity and a step adds them without a story
        step["stories"].append(
            {
                "title": title,
                "description": story_fields[0],
                "release": story_fields[1] or None,
                "priority": _priority(story_fields[2], number, problems),
                "estimate": _estimate(story_fields[3], number, problems, "Estimate"),
                "labels": [label_names[normalised(text)] for text in labels if normalised(text) in label_names],
            }
        )
    if problems:
        raise DocumentInvalid(sorted(problems, key=_line_number))
    return {
        "schema_version": 1,
        "labels": label_docs,
        "activities": [
            {"title": activity["title"], "steps": list(activity["steps"].values())} for activity in activities.values()
        ],
    }


def _label_title(label: str) -> str:
    words = label.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def _split_description(text: str) -> tuple[str, list[str]]:
    if CRITERIA_HEADING not in text:
        return text.strip(), []
    description, criteria = text.split(CRITERIA_HEADING, 1)
    items = [re.sub(r"^\s*[-*]\s*", "", line).strip() for line in criteria.splitlines()]
    return description.strip(), [item for item in items if item]


def _jira(header: list[str], body: list[tuple[int, list[str]]]) -> RawObject:
    """Epics become activities, and a story's step is its first label (as Mapwright exports it), else "Stories".

    Epics that are steps (exported with `epics=steps`: an epic's label is then its
    activity, not its own summary) become steps, grouped into activities by that label.
    """
    columns = {name.lower(): index for index, name in enumerate(header)}
    # "Labels" repeats: the first is the step (an epic's activity), the others the story's labels.
    label_columns = [index for index, name in enumerate(header) if name.lower() == "labels"]
    problems: list[str] = []

    def labels_of(row: list[str]) -> list[str]:
        return [row[index].strip() for index in label_columns if index < len(row)]

    epic_rows: list[tuple[str, str, str, str]] = []  # (issue id, summary, description, first label)
    for number, row in body:
        summary = _cell(row, columns, "Summary")
        if not summary:
            problems.append(f"Line {number}: Summary is empty; every issue needs one.")
        elif _cell(row, columns, "Issue Type").lower() == "epic":
            first = (labels_of(row) or [""])[0]
            epic_rows.append((_cell(row, columns, "Issue ID"), summary, _cell(row, columns, "Description"), first))
    steps_are_epics = any(first and first != _label(summary) for _, summary, _, first in epic_rows)

    groups: list[RawObject] = []  # the activities, in the order the file gives them
    by_title: dict[str, RawObject] = {}
    parents: dict[str, tuple[RawObject, RawObject | None]] = {}  # issue id: (activity, its step when epics are steps)
    for issue_id, summary, description, first in epic_rows:
        if steps_are_epics:
            title = _label_title(first) or "Unsorted"
            activity = by_title.get(title.lower())
            if activity is None:
                activity = by_title[title.lower()] = {"title": title, "description": "", "steps": {}}
                groups.append(activity)
            step = activity["steps"].setdefault(
                summary.lower(), {"title": summary, "description": description, "stories": []}
            )
            parents[issue_id] = (activity, step)
        else:
            activity = {"title": summary, "description": description, "steps": {}}
            groups.append(activity)
            parents[issue_id] = (activity, None)
    orphans: RawObject = by_title.get("unsorted") or {"title": "Unsorted", "description": "", "steps": {}}

    stories = [
        (number, row)
        for number, row in body
        if _cell(row, columns, "Summary") and _cell(row, columns, "Issue Type").lower() != "epic"
    ]
    label_rows = [(number, _story_label_texts(labels_of(row)[1:])) for number, row in stories]
    label_docs, label_names = _label_names(label_rows, readable=_label_title, problems=problems)
    for (number, row), (_, labels) in zip(stories, label_rows, strict=True):
        activity, step = parents.get(_cell(row, columns, "Parent"), (orphans, None))
        if step is None:
            step_title = _label_title((labels_of(row) or [""])[0]) or "Stories"
            step = activity["steps"].setdefault(step_title.lower(), {"title": step_title, "stories": []})
        description, criteria = _split_description(_cell(row, columns, "Description"))
        step["stories"].append(
            {
                "title": _cell(row, columns, "Summary"),
                "description": description,
                "acceptance_criteria": criteria,
                "release": _cell(row, columns, "Fix Version") or None,
                "priority": _priority(_cell(row, columns, "Priority"), number, problems),
                "estimate": _estimate(_cell(row, columns, "Story Points"), number, problems, "Story Points"),
                "status": _status(_cell(row, columns, "Status"), number, problems),
                "persona": _cell(row, columns, "Persona") or None,
                "labels": [label_names[normalised(text)] for text in labels if normalised(text) in label_names],
            }
        )
    if problems:
        raise DocumentInvalid(sorted(problems, key=_line_number))
    if orphans["steps"] and all(group is not orphans for group in groups):
        groups.append(orphans)
    return {
        "schema_version": 1,
        "labels": label_docs,
        "activities": [
            {"title": group["title"], "description": group["description"], "steps": list(group["steps"].values())}
            for group in groups
        ],
    }


def _line_number(problem: str) -> int:
    # Problems are found in passes (labels first): they are reported in the order of the file's lines.
    found = re.match(r"Line (\d+):", problem)
    return int(found.group(1)) if found else 0
