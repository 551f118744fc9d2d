"""Reading an uploaded file into a story map document: the JSON document, a spreadsheet CSV, or Jira's CSV.

Spreadsheet CSV columns: Activity, Step, Story, Description, Release, Priority,
Estimate (in any order; Story may also be called Summary). The Jira CSV that
Mapwright exports (Issue ID, Issue Type, Summary, Description, Parent, Priority,
Labels, Story Points, Fix Version) reads back too. Whatever the file, the result
goes through document_parse with the import limits, and problems are reported by
line or field, at most 20, before anything is saved.
"""

import csv
import io
import json
import re

from .document import IMPORTED_LIMITS, DocumentInvalid, MapDocument, RawObject, document_parse
from .exports import FORMULA_STARTS, JIRA_PRIORITIES

MAX_IMPORT_BYTES = 5 * 1024 * 1024
SPREADSHEET_COLUMNS = ["Activity", "Step", "Story", "Description", "Release", "Priority", "Estimate"]
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


def _spreadsheet(columns: dict[str, int], body: list[tuple[int, list[str]]]) -> RawObject:
    problems: list[str] = []
    activities: dict[str, RawObject] = {}
    for number, row in body:
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
            if any(story_fields):
                problems.append(f"Line {number}: Story is empty; every story needs a title.")
            continue  # a row naming only an activity and a step adds them without a story
        step["stories"].append(
            {
                "title": title,
                "description": story_fields[0],
                "release": story_fields[1] or None,
                "priority": _priority(story_fields[2], number, problems),
                "estimate": _estimate(story_fields[3], number, problems, "Estimate"),
            }
        )
    if problems:
        raise DocumentInvalid(problems)
    return {
        "schema_version": 1,
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
    """Epics become activities; a story's step is its label (as Mapwright exports it), else "Stories"."""
    columns = {name.lower(): index for index, name in enumerate(header)}
    problems: list[str] = []
    epics: dict[str, RawObject] = {}
    orphans: RawObject = {"title": "Unsorted", "steps": {}}
    for number, row in body:
        kind = _cell(row, columns, "Issue Type").lower()
        summary = _cell(row, columns, "Summary")
        if not summary:
            problems.append(f"Line {number}: Summary is empty; every issue needs one.")
            continue
        if kind == "epic":
            description = _cell(row, columns, "Description")
            epics[_cell(row, columns, "Issue ID")] = {"title": summary, "description": description, "steps": {}}
    for number, row in body:
        kind, summary = _cell(row, columns, "Issue Type").lower(), _cell(row, columns, "Summary")
        if kind == "epic" or not summary:
            continue
        epic = epics.get(_cell(row, columns, "Parent"), orphans)
        step_title = _label_title(_cell(row, columns, "Labels")) or "Stories"
        step = epic["steps"].setdefault(step_title.lower(), {"title": step_title, "stories": []})
        description, criteria = _split_description(_cell(row, columns, "Description"))
        step["stories"].append(
            {
                "title": summary,
                "description": description,
                "acceptance_criteria": criteria,
                "release": _cell(row, columns, "Fix Version") or None,
                "priority": _priority(_cell(row, columns, "Priority"), number, problems),
                "estimate": _estimate(_cell(row, columns, "Story Points"), number, problems, "Story Points"),
            }
        )
    if problems:
        raise DocumentInvalid(problems)
    groups = [*epics.values(), *([orphans] if orphans["steps"] else [])]
    return {
        "schema_version": 1,
        "activities": [
            {
                "title": group["title"],
                "description": group.get("description", ""),
                "steps": list(group["steps"].values()),
            }
            for group in groups
        ],
    }
