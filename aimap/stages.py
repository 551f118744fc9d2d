"""A story map drafted in stages, for models too small to write a whole map in one answer.

Stage 1, the backbone: personas, releases, activities and their steps, no stories.
Stage 2, the stories: one request per activity, with the backbone as context.

Each stage has its own JSON schema (sent as the `json_schema` response format)
and its own check of the answer, whose problems name where they are so that the
model can be told what to correct. The assembled map goes through
`document_parse` at the end all the same.
"""

import copy
from typing import Any, Literal

from stories.document import (
    DOCUMENT_JSON_SCHEMA,
    GENERATED_LIMITS,
    MAX_PROBLEMS,
    ActivityDoc,
    DocumentInvalid,
    DocumentLimits,
    MapDocument,
    RawObject,
    StoryDoc,
    document_parse,
    title_key,
)

BACKBONE_SCHEMA_NAME = "story_map_backbone"
STORIES_SCHEMA_NAME = "story_map_stories"


class StageInvalid(Exception):
    """What is wrong with one stage's answer, one problem per entry."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        super().__init__("; ".join(shown) + (f"; and {more} more" if more > 0 else ""))


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    activity = DOCUMENT_JSON_SCHEMA["properties"]["activities"]["items"]
    step = activity["properties"]["steps"]["items"]
    story = step["properties"]["stories"]["items"]

    backbone = copy.deepcopy(DOCUMENT_JSON_SCHEMA)
    backbone_step = backbone["properties"]["activities"]["items"]["properties"]["steps"]["items"]
    del backbone_step["properties"]["stories"]
    backbone_step["required"] = [name for name in backbone_step["required"] if name != "stories"]

    stories = {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "stories": {"type": "array", "items": copy.deepcopy(story)},
                    },
                    "required": ["title", "stories"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["steps"],
        "additionalProperties": False,
    }
    return backbone, stories


# For response_format={"type": "json_schema", ...}; not every server enforces them.
BACKBONE_JSON_SCHEMA, STORIES_JSON_SCHEMA = _schemas()


def _every_step_has_stories(data: RawObject) -> bool:
    activities = data.get("activities")
    if not isinstance(activities, list) or not activities:
        return False
    for activity in activities:
        steps = activity.get("steps") if isinstance(activity, dict) else None
        if not isinstance(steps, list) or not steps:
            return False
        for step in steps:
            stories = step.get("stories") if isinstance(step, dict) else None
            if not isinstance(stories, list) or not stories:
                return False
    return True


def _without_stories(data: RawObject) -> RawObject:
    """`data` with the steps' stories left out: a backbone's stories are asked for again, never half kept."""
    activities = data.get("activities")
    if not isinstance(activities, list):
        return data
    bare: list[Any] = []
    for activity in activities:
        if isinstance(activity, dict) and isinstance(activity.get("steps"), list):
            steps = [
                {key: value for key, value in step.items() if key != "stories"} if isinstance(step, dict) else step
                for step in activity["steps"]
            ]
            activity = {**activity, "steps": steps}
        bare.append(activity)
    return {**data, "activities": bare}


def backbone_parse(data: Any) -> tuple[MapDocument, bool]:
    """(document, complete) from a stage 1 answer, or StageInvalid.

    A complete answer, a map whose every step already has valid stories, is
    used as it is; otherwise the document is the backbone with no stories.
    """
    if not isinstance(data, dict):
        raise StageInvalid(["the answer must be a JSON object holding personas, releases and activities"])
    if _every_step_has_stories(data):
        try:
            return document_parse(data, limits=GENERATED_LIMITS), True
        except DocumentInvalid:
            pass  # its stories are not usable: take it as a backbone and ask for them activity by activity
    try:
        document = document_parse(_without_stories(data), limits=GENERATED_LIMITS)
    except DocumentInvalid as error:
        raise StageInvalid(error.problems) from error
    problems: list[str] = []
    if not document["activities"]:
        problems.append("activities: the backbone needs its activities (3 to 8), each with its steps")
    activity_titles: set[str] = set()
    for a_index, activity in enumerate(document["activities"]):
        where = f"activities[{a_index}]"
        key = title_key(activity["title"])
        if key in activity_titles:
            problems.append(f"{where}.title: another activity is already called “{activity['title']}”")
        activity_titles.add(key)
        if not activity["steps"]:
            problems.append(f"{where}.steps: “{activity['title']}” has no steps; give it 2 to 5")
        step_titles: set[str] = set()
        for s_index, step in enumerate(activity["steps"]):
            key = title_key(step["title"])
            if key in step_titles:
                problems.append(
                    f"{where}.steps[{s_index}].title: “{activity['title']}” already has a step called “{step['title']}”"
                )
            step_titles.add(key)
    if problems:
        raise StageInvalid(problems)
    return document, False


def _local(problem: str) -> str:
    """A problem of the one-activity document, said as the model's answer has it."""
    if problem.startswith("activities[0]."):
        return problem.removeprefix("activities[0].")
    if problem.startswith("activities: hold "):
        return "the answer holds " + problem.removeprefix("activities: hold ") + " in one activity of this map"
    return problem


def stories_budget(activities: int) -> int:
    """How many stories one activity may hold, so that the assembled map stays within the limits."""
    return max(GENERATED_LIMITS.stories // max(activities, 1), 1)


def _quoted(titles: list[str]) -> str:
    return ", ".join(f"“{title}”" for title in titles)


def stories_parse(
    data: Any, *, activity: ActivityDoc, releases: list[str], personas: list[str], budget: int
) -> list[list[StoryDoc]]:
    """The stories of each step of `activity`, in its step order, from a stage 2 answer; or StageInvalid."""
    if isinstance(data, dict) and "steps" not in data:
        activities = data.get("activities")
        if isinstance(activities, list) and len(activities) == 1 and isinstance(activities[0], dict):
            data = activities[0]  # a whole map of this one activity: its steps will do
    if not isinstance(data, dict):
        raise StageInvalid(['the answer must be a JSON object: {"steps": [{"title": …, "stories": […]}]}'])
    if "steps" not in data:
        raise StageInvalid(["steps: is required: the activity's steps, each with its stories"])
    if not isinstance(data["steps"], list):
        raise StageInvalid(["steps: must be a list"])
    limits = DocumentLimits(activities=1, steps_per_activity=GENERATED_LIMITS.steps_per_activity, stories=budget)
    try:
        parsed = document_parse({"activities": [{"title": activity["title"], "steps": data["steps"]}]}, limits=limits)
    except DocumentInvalid as error:
        raise StageInvalid([_local(problem) for problem in error.problems]) from error

    answered = parsed["activities"][0]["steps"]
    expected = activity["steps"]
    index_of = {title_key(step["title"]): index for index, step in enumerate(expected)}
    stories: list[list[StoryDoc]] = [[] for _ in expected]
    matched: set[int] = set()
    unknown: list[int] = []
    for index, step in enumerate(answered):
        key = title_key(step["title"])
        if key in index_of:
            stories[index_of[key]].extend(step["stories"])
            matched.add(index_of[key])
        else:
            unknown.append(index)
    missing = [index for index in range(len(expected)) if index not in matched]
    problems: list[str] = []
    if unknown and len(unknown) == len(missing):
        # Small models reword a step ("Pick a slot" for "Pick a time"): as many left over as
        # are missing, so board order pairs them.
        for answer_index, step_index in zip(unknown, missing, strict=True):
            stories[step_index].extend(answered[answer_index]["stories"])
    else:
        for index in unknown:
            problems.append(
                f"steps[{index}].title: “{answered[index]['title']}” is not a step of “{activity['title']}”; "
                f"its steps are {_quoted([step['title'] for step in expected])}"
            )
    for step, cell in zip(expected, stories, strict=True):
        if not cell:
            problems.append(f"the step “{step['title']}” has no stories; give it 1 to 3")

    known_releases = {title_key(name): name for name in releases}
    known_personas = {title_key(name): name for name in personas}
    seen: set[str] = set()
    named: tuple[tuple[Literal["release", "persona"], dict[str, str], list[str]], ...] = (
        ("release", known_releases, releases),
        ("persona", known_personas, personas),
    )
    for step, cell in zip(expected, stories, strict=True):
        for story in cell:
            where = f"the story “{story['title']}” under “{step['title']}”"
            key = title_key(story["title"])
            if key in seen:
                problems.append(f"{where} is there twice; every card says something of its own")
            seen.add(key)
            for field, known, names in named:
                value = story[field]
                if not known or not value:
                    continue
                if title_key(value) in known:
                    story[field] = known[title_key(value)]  # the backbone's spelling, so that it is the same one
                else:
                    problems.append(
                        f"{where}: the {field} “{story[field]}” is not one of {_quoted(names)}; use one of them"
                    )
    if problems:
        raise StageInvalid(problems)
    return stories
