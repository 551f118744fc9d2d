"""The story map document, version 1: the one JSON format for AI output, export and import.

    {"schema_version": 1, "title": str, "description": str,
     "labels": [{"colour": "red" | "orange" | … | "grey", "name": str}] (optional),
     "personas": [{"name", "description", "goals": [str]}],
     "releases": [{"name", "goal"}],
     "activities": [{"title", "description", "steps": [{"title", "description", "stories": [
        {"title", "description", "acceptance_criteria": [str], "release": name | null,
         "priority": "must" | "should" | "could" | "wont" | null, "estimate": int | null,
         "persona": name | null, "status": "todo" | "in_progress" | "done" (optional),
         "labels": [name] (optional)}]}]}]}

Order in each list is board order. Unknown fields are ignored, missing optional
ones take their defaults (a story needs only a title), and a release or persona
a story names without listing it is added. `document_parse` checks all of it,
limits included, before anything is saved, and returns the document complete
and normalised.

Labels are written by name, for people: the top-level list names colours of the
palette (stories.limits.LabelColour; a colour it leaves out keeps its palette
name, "Red"), and a story's labels are names of those colours or of the
annotations (Risky, Blocked, Unclear, Needs split), matched as
stories.labels.normalised says, first against the document's own list. A name
that is no label is a problem; the parsed story lists the names as the document
calls them, once each, in palette order.
"""

import re
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

from projects.limits import PROJECT_DESCRIPTION_MAX

from .labels import PALETTE_NAMES, keys_for_names, label_name_problem, names_with_defaults, normalised
from .limits import (
    CRITERIA_MAX,
    CRITERION_MAX,
    ESTIMATE_MAX,
    ESTIMATE_MIN,
    LABEL_NAME_MAX,
    LABELS_PER_STORY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    LabelColour,
)
from .models import Story

SCHEMA_VERSION = 1
# The story model's choices, as the document writes them.
PRIORITIES: tuple[str, ...] = tuple(Story.Priority.values)
STATUSES: tuple[str, ...] = tuple(Story.Status.values)
MAX_PROBLEMS = 20


class PersonaDoc(TypedDict):
    name: str
    description: str
    goals: list[str]


class ReleaseDoc(TypedDict):
    name: str
    goal: str


class StoryDoc(TypedDict):
    title: str
    description: str
    acceptance_criteria: list[str]
    release: str | None
    priority: str | None
    estimate: int | None
    persona: str | None
    # document_parse always sets these; what a model writes (DOCUMENT_JSON_SCHEMA) leaves them out.
    status: NotRequired[str]
    labels: NotRequired[list[str]]  # names, as the document's `labels` and the palette call them


class StepDoc(TypedDict):
    title: str
    description: str
    stories: list[StoryDoc]


class ActivityDoc(TypedDict):
    title: str
    description: str
    steps: list[StepDoc]


class LabelDoc(TypedDict):
    colour: str  # a stories.limits.LabelColour value
    name: str


class MapDocument(TypedDict):
    """A story map document as document_parse returns it: complete and normalised."""

    schema_version: int
    title: str
    description: str
    # The colours the map names, in palette order; document_parse always sets it, a model need not.
    labels: NotRequired[list[LabelDoc]]
    personas: list[PersonaDoc]
    releases: list[ReleaseDoc]
    activities: list[ActivityDoc]


# A part of a document before document_parse has checked it: any JSON at all.
RawObject = dict[str, Any]
# The document's lists that hold named things (stories refer to them by name).
NamedList = Literal["personas", "releases"]


def title_key(title: str) -> str:
    """What makes two titles the same: case and spacing do not."""
    return " ".join(title.split()).casefold()


@dataclass(frozen=True)
class DocumentLimits:
    """How much one document may hold. Personas and releases count those that stories name, too."""

    activities: int
    steps_per_activity: int
    stories: int
    # The defaults are those of an AI-generated map (which stage 2 of a generation also parses with).
    personas: int = 20
    releases: int = 20


GENERATED_LIMITS = DocumentLimits(activities=20, steps_per_activity=30, stories=500)
IMPORTED_LIMITS = DocumentLimits(activities=50, steps_per_activity=50, stories=5_000, personas=50, releases=50)
# What one project's map may hold, however it was built (one by one, imported, appended to):
# as much as one import may bring, so that any map can be exported and imported again.
MAP_LIMITS = IMPORTED_LIMITS

# NUL cannot be stored in PostgreSQL text, and a lone surrogate is not a character at all
# (it cannot be encoded as UTF-8): JSON can carry both ("\u0000", "\ud800").
_NOT_ALLOWED = re.compile("[\x00\ud800-\udfff]")
NOT_ALLOWED_MESSAGE = "contains a character that is not allowed"


def has_forbidden_character(value: str) -> bool:
    return _NOT_ALLOWED.search(value) is not None


class DocumentInvalid(Exception):
    """What is wrong with a document, one problem per entry, each naming where it is."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.total = len(problems)
        more = len(problems) - len(self.problems)
        summary = "; ".join(self.problems) + (f"; and {more} more" if more > 0 else "")
        super().__init__(f"The story map is not valid: {summary}")


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def text(self, obj: RawObject, key: str, where: str, *, limit: int, required: bool = False) -> str:
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "is required")
            return ""
        if not isinstance(value, str):
            self.problem(f"{where}.{key}", "must be a string")
            return ""
        value = value.strip()
        if has_forbidden_character(value):
            self.problem(f"{where}.{key}" if where else key, NOT_ALLOWED_MESSAGE)
            return ""
        if required and not value:
            self.problem(f"{where}.{key}" if where else key, "must not be empty")
        if len(value) > limit:
            self.problem(f"{where}.{key}" if where else key, f"is longer than {limit} characters")
        return value

    def name_ref(self, obj: RawObject, key: str, where: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(f"{where}.{key}", "must be a name (a string) or null")
            return None
        value = value.strip()
        if has_forbidden_character(value):
            self.problem(f"{where}.{key}", NOT_ALLOWED_MESSAGE)
            return None
        if len(value) > TITLE_MAX:
            self.problem(f"{where}.{key}", f"is longer than {TITLE_MAX} characters")
        return value or None

    def text_list(self, obj: RawObject, key: str, where: str) -> list[str]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(f"{where}.{key}", "must be a list of strings")
            return []
        for index, item in enumerate(value):
            if has_forbidden_character(item):
                self.problem(f"{where}.{key}[{index}]", NOT_ALLOWED_MESSAGE)
                return []
        items = [item.strip() for item in value if item.strip()]
        if len(items) > CRITERIA_MAX:
            self.problem(f"{where}.{key}", f"has more than {CRITERIA_MAX} entries")
        if any(len(item) > CRITERION_MAX for item in items):
            self.problem(f"{where}.{key}", f"has an entry longer than {CRITERION_MAX} characters")
        return items

    def objects(self, obj: RawObject, key: str, where: str) -> list[RawObject]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"{where}.{key}" if where else key, "must be a list")
            return []
        good: list[RawObject] = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.problem(f"{where}.{key}[{index}]" if where else f"{key}[{index}]", "must be an object")
        return good


def _priority(reader: _Reader, story: RawObject, where: str) -> str | None:
    value = story.get("priority")
    if value is None:
        return None
    if isinstance(value, str):
        normalised = value.strip().lower().replace("'", "").replace("\u2019", "")
        if normalised in PRIORITIES:
            return normalised
    reader.problem(f"{where}.priority", f"must be one of {', '.join(PRIORITIES)} or null")
    return None


def _status(reader: _Reader, story: RawObject, where: str) -> str:
    # Optional: exports and snapshots carry it so that a restore keeps what was done; models need not send it.
    value = story.get("status")
    if value is None:
        return Story.Status.TODO.value
    if isinstance(value, str) and value.strip().lower().replace(" ", "_") in STATUSES:
        return value.strip().lower().replace(" ", "_")
    reader.problem(f"{where}.status", f"must be one of {', '.join(STATUSES)}")
    return Story.Status.TODO.value


def _estimate(reader: _Reader, story: RawObject, where: str) -> int | None:
    value = story.get("estimate")
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not ESTIMATE_MIN <= value <= ESTIMATE_MAX:
        reader.problem(f"{where}.estimate", f"must be a whole number from {ESTIMATE_MIN} to {ESTIMATE_MAX}, or null")
        return None
    return value


def _labels(reader: _Reader, data: RawObject) -> tuple[list[LabelDoc], dict[str, str]]:
    """The document's names for its colours, and every label key with the name the document calls it by."""
    named: dict[str, str] = {}
    for index, item in enumerate(reader.objects(data, "labels", "")):
        where = f"labels[{index}]"
        colour = item.get("colour")
        colour = colour.strip().lower() if isinstance(colour, str) else None
        if colour not in LabelColour.values:
            reader.problem(f"{where}.colour", f"must be one of {', '.join(LabelColour.values)}")
            continue
        if colour in named:
            reader.problem(f"{where}.colour", f"names {colour} a second time")
            continue
        name = " ".join(reader.text(item, "name", where, limit=LABEL_NAME_MAX, required=True).split())
        if not name or len(name) > LABEL_NAME_MAX:
            continue  # reported by reader.text
        problem = label_name_problem(colour, name, named=named)
        if problem:
            reader.problem(f"{where}.name", problem)
        elif normalised(name) != normalised(PALETTE_NAMES[colour]):
            named[colour] = name
    labels: list[LabelDoc] = [{"colour": key, "name": named[key]} for key in LabelColour.values if key in named]
    return labels, names_with_defaults(named)


def _story_labels(reader: _Reader, story: RawObject, where: str, names: dict[str, str]) -> list[str]:
    value = story.get("labels")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        reader.problem(f"{where}.labels", "must be a list of label names")
        return []
    if len(value) > LABELS_PER_STORY_MAX:
        most = LABELS_PER_STORY_MAX
        reader.problem(f"{where}.labels", f"has {len(value)} entries; a story has at most {most} labels")
        return []
    keys, unknown = keys_for_names([item for item in value if item.strip()], project_names=names)
    for name in unknown:
        shown = " ".join(name.split())
        shown = shown if len(shown) <= LABEL_NAME_MAX else shown[:LABEL_NAME_MAX] + "…"
        reader.problem(f"{where}.labels", f"no label called “{shown}”")
    return [names[key] for key in keys]


def document_parse(data: Any, *, limits: DocumentLimits) -> MapDocument:
    """The document complete and normalised, or DocumentInvalid listing (at most 20) problems."""
    if not isinstance(data, dict):
        raise DocumentInvalid(["the document must be a JSON object"])
    reader = _Reader()
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        reader.problem("schema_version", f"must be {SCHEMA_VERSION}")

    labels, names = _labels(reader, data)
    document: MapDocument = {
        "schema_version": SCHEMA_VERSION,
        "title": reader.text(data, "title", "", limit=TITLE_MAX).strip(),
        "description": reader.text(data, "description", "", limit=PROJECT_DESCRIPTION_MAX),
        "labels": labels,
        "personas": [],
        "releases": [],
        "activities": [],
    }
    for index, persona in enumerate(reader.objects(data, "personas", "")):
        where = f"personas[{index}]"
        document["personas"].append(
            {
                "name": reader.text(persona, "name", where, limit=TITLE_MAX, required=True),
                "description": reader.text(persona, "description", where, limit=TEXT_MAX),
                "goals": reader.text_list(persona, "goals", where),
            }
        )
    for index, release in enumerate(reader.objects(data, "releases", "")):
        where = f"releases[{index}]"
        document["releases"].append(
            {
                "name": reader.text(release, "name", where, limit=TITLE_MAX, required=True),
                "goal": reader.text(release, "goal", where, limit=TEXT_MAX),
            }
        )

    activities = reader.objects(data, "activities", "")
    if len(activities) > limits.activities:
        reader.problem("activities", f"has {len(activities)} activities; at most {limits.activities} are allowed")
    story_count = 0
    for a_index, activity in enumerate(activities[: limits.activities]):
        where = f"activities[{a_index}]"
        steps = reader.objects(activity, "steps", where)
        if len(steps) > limits.steps_per_activity:
            reader.problem(f"{where}.steps", f"has {len(steps)} steps; at most {limits.steps_per_activity} are allowed")
        parsed_steps: list[StepDoc] = []
        for s_index, step in enumerate(steps[: limits.steps_per_activity]):
            step_where = f"{where}.steps[{s_index}]"
            stories = reader.objects(step, "stories", step_where)
            story_count += len(stories)
            parsed_steps.append(
                {
                    "title": reader.text(step, "title", step_where, limit=TITLE_MAX, required=True),
                    "description": reader.text(step, "description", step_where, limit=TEXT_MAX),
                    "stories": [
                        _story(reader, story, f"{step_where}.stories[{t_index}]", names)
                        for t_index, story in enumerate(stories)
                    ],
                }
            )
        document["activities"].append(
            {
                "title": reader.text(activity, "title", where, limit=TITLE_MAX, required=True),
                "description": reader.text(activity, "description", where, limit=TEXT_MAX),
                "steps": parsed_steps,
            }
        )
    if story_count > limits.stories:
        reader.problem("activities", f"hold {story_count} stories; at most {limits.stories} are allowed")

    _add_named_references(document, reader)
    # Counted after the names stories give are added: those are personas and releases too.
    most_by_list: tuple[tuple[NamedList, int], ...] = (("personas", limits.personas), ("releases", limits.releases))
    for key, most in most_by_list:
        if len(document[key]) > most:
            count = len(document[key])
            reader.problem(key, f"has {count} {key} (with those its stories name); at most {most} are allowed")
    if reader.problems:
        raise DocumentInvalid(reader.problems)
    return document


def _story(reader: _Reader, story: RawObject, where: str, names: dict[str, str]) -> StoryDoc:
    return {
        "title": reader.text(story, "title", where, limit=TITLE_MAX, required=True),
        "description": reader.text(story, "description", where, limit=TEXT_MAX),
        "acceptance_criteria": reader.text_list(story, "acceptance_criteria", where),
        "release": reader.name_ref(story, "release", where),
        "priority": _priority(reader, story, where),
        "estimate": _estimate(reader, story, where),
        "persona": reader.name_ref(story, "persona", where),
        "status": _status(reader, story, where),
        "labels": _story_labels(reader, story, where, names),
    }


def _add_named_references(document: MapDocument, reader: _Reader) -> None:
    """Add the releases and personas that stories name but the lists leave out; refuse duplicate names."""
    labels: tuple[tuple[NamedList, str], ...] = (("releases", "release"), ("personas", "persona"))
    for key, label in labels:
        seen: set[str] = set()
        for index, item in enumerate(document[key]):
            name = item["name"].lower()
            if name and name in seen:
                reader.problem(f"{key}[{index}].name", f"another {label} is already called {item['name']!r}")
            seen.add(name)
    known_releases = {release["name"].lower() for release in document["releases"]}
    known_personas = {persona["name"].lower() for persona in document["personas"]}
    for activity in document["activities"]:
        for step in activity["steps"]:
            for story in step["stories"]:
                if story["release"] and story["release"].lower() not in known_releases:
                    known_releases.add(story["release"].lower())
                    document["releases"].append({"name": story["release"], "goal": ""})
                if story["persona"] and story["persona"].lower() not in known_personas:
                    known_personas.add(story["persona"].lower())
                    document["personas"].append({"name": story["persona"], "description": "", "goals": []})


def document_label_names(document: MapDocument) -> dict[str, str]:
    """Every label key with the name `document` calls it by (its own names, else the palette's)."""
    return names_with_defaults({item["colour"]: item["name"] for item in document.get("labels", [])})


def label_docs(named: Any) -> list[LabelDoc]:
    """A project's `label_names` as the document's `labels`: the colours it names, in palette order."""
    names = names_with_defaults(named)
    return [
        {"colour": colour, "name": names[colour]}
        for colour in LabelColour.values
        if normalised(names[colour]) != normalised(PALETTE_NAMES[colour])
    ]


def document_counts(document: MapDocument) -> dict[str, int]:
    steps = [step for activity in document["activities"] for step in activity["steps"]]
    return {
        "personas": len(document["personas"]),
        "releases": len(document["releases"]),
        "activities": len(document["activities"]),
        "steps": len(steps),
        "stories": sum(len(step["stories"]) for step in steps),
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_TEXT = {"type": "string"}
_TEXTS = {"type": "array", "items": _TEXT}

# For response_format={"type": "json_schema", ...}. The answer is checked by
# document_parse all the same: not every server enforces a schema.
DOCUMENT_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "schema_version": {"type": "integer", "enum": [SCHEMA_VERSION]},
        "title": _TEXT,
        "description": _TEXT,
        "personas": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": _TEXT, "description": _TEXT, "goals": _TEXTS},
                "required": ["name", "description", "goals"],
                "additionalProperties": False,
            },
        },
        "releases": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": _TEXT, "goal": _TEXT},
                "required": ["name", "goal"],
                "additionalProperties": False,
            },
        },
        "activities": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": _TEXT,
                    "description": _TEXT,
                    "steps": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "title": _TEXT,
                                "description": _TEXT,
                                "stories": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "title": _TEXT,
                                            "description": _TEXT,
                                            "acceptance_criteria": _TEXTS,
                                            "release": _nullable(_TEXT),
                                            "priority": _nullable({"type": "string", "enum": list(PRIORITIES)}),
                                            "estimate": _nullable({"type": "integer"}),
                                            "persona": _nullable(_TEXT),
                                        },
                                        "required": [
                                            "title",
                                            "description",
                                            "acceptance_criteria",
                                            "release",
                                            "priority",
                                            "estimate",
                                            "persona",
                                        ],
                                        "additionalProperties": False,
                                    },
                                },
                            },
                            "required": ["title", "description", "stories"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["title", "description", "steps"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["schema_version", "title", "description", "personas", "releases", "activities"],
    "additionalProperties": False,
}
