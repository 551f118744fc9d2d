"""The AI assists: a proposal of new cards, criteria, parts or steps for one step, story or activity.

An assist reads the map as a document, asks the configured provider (the
offline planner, or an OpenAI-compatible server) and keeps what comes back as
a Proposal: nothing is written to the map here. aimap.proposals applies what
the person accepts. Every item, whatever produced it (the planner, a model, or
a person's edit before accepting), goes through the same parsers below, which
are also what a model is told about when its answer is refused.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from stories.document import (
    DOCUMENT_JSON_SCHEMA,
    SCHEMA_VERSION,
    DocumentInvalid,
    DocumentLimits,
    MapDocument,
    StoryDoc,
    document_parse,
    title_key,
)
from stories.limits import CRITERION_MAX, SPLIT_ESTIMATE, TEXT_MAX, TITLE_MAX
from stories.models import Activity, Persona, Release, Step, Story
from stories.selectors import Places, document_with_places

from .limits import ASSIST_ITEMS, CONTEXT_STEPS, GAP_STORIES, PROPOSAL_MINUTES, AssistKind
from .models import Proposal
from .providers import (
    PROMPTS,
    OfflineProvider,
    OpenAIProvider,
    ProviderError,
    Stage,
    fenced_description,
    get_provider,
    json_line,
    prompt_text,
)
from .stages import StageInvalid

logger = logging.getLogger("mapwright.aimap")

ASSIST_PROMPT_VERSION = "assist-v1"
# A part of a proposal written as a one-step document, so that document_parse checks it as it checks a map.
_ONE_STEP = DocumentLimits(activities=1, steps_per_activity=ASSIST_ITEMS[AssistKind.FILL_GAPS][1], stories=50)
_STORY_SCHEMA = DOCUMENT_JSON_SCHEMA["properties"]["activities"]["items"]["properties"]["steps"]["items"]["properties"][
    "stories"
]["items"]
_STORIES_SCHEMA = {
    "type": "object",
    "properties": {"stories": {"type": "array", "items": _STORY_SCHEMA}},
    "required": ["stories"],
    "additionalProperties": False,
}
SCHEMAS: dict[str, dict[str, Any]] = {
    AssistKind.SUGGEST_STORIES: _STORIES_SCHEMA,
    AssistKind.SPLIT: _STORIES_SCHEMA,
    AssistKind.SUGGEST_CRITERIA: {
        "type": "object",
        "properties": {"criteria": {"type": "array", "items": {"type": "string"}}},
        "required": ["criteria"],
        "additionalProperties": False,
    },
    AssistKind.FILL_GAPS: {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "position": {"type": "integer"},
                        "stories": {"type": "array", "items": _STORY_SCHEMA},
                    },
                    "required": ["title", "description", "position", "stories"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["steps"],
        "additionalProperties": False,
    },
}
# The key of each kind's list in a model's answer.
ANSWER_KEYS: dict[str, str] = {
    AssistKind.SUGGEST_STORIES: "stories",
    AssistKind.SPLIT: "stories",
    AssistKind.SUGGEST_CRITERIA: "criteria",
    AssistKind.FILL_GAPS: "steps",
}
WANTED: dict[str, str] = {
    AssistKind.SUGGEST_STORIES: "valid story suggestions",
    AssistKind.SUGGEST_CRITERIA: "valid acceptance criteria",
    AssistKind.SPLIT: "a valid split",
    AssistKind.FILL_GAPS: "valid missing steps",
}


class NothingToPropose(Exception):
    """The assist has nothing honest to offer; the message says why, for the person who asked."""


class StoryItem(TypedDict):
    title: str
    description: str
    acceptance_criteria: list[str]
    priority: str | None
    estimate: int | None
    persona: str | None
    release: str | None


class GapItem(TypedDict):
    title: str
    description: str
    position: int
    stories: list[StoryItem]


@dataclass(frozen=True)
class Target:
    """What an assist works on, read from the map: the row, the whole map as a document and where the row is."""

    kind: str
    row: Activity | Step | Story
    document: MapDocument
    activity: int
    step: int | None = None
    story: int | None = None

    @property
    def title(self) -> str:
        return str(self.row.title)

    def story_doc(self) -> StoryDoc:
        if self.step is None or self.story is None:
            raise TypeError(f"a {self.kind} proposal is not for a story")
        return self.document["activities"][self.activity]["steps"][self.step]["stories"][self.story]


# --- The target's state, to tell whether it changed before accepting -------------------------


def _digest(rows: list[tuple[int, str]]) -> str:
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def target_basis(kind: str, row: Model) -> str:
    """The target's state as far as a proposal depends on it: a story's version, a step's cards, an activity's steps."""
    if isinstance(row, Story):
        return f"version:{row.version}"
    if isinstance(row, Step):
        return _digest(list(Story.objects.filter(step=row).order_by("pk").values_list("pk", "title")))
    if isinstance(row, Activity):
        return _digest(list(Step.objects.filter(activity=row).order_by("pk").values_list("pk", "title")))
    raise TypeError(f"no assist works on {type(row).__name__}")


def _target(kind: str, row: Activity | Step | Story) -> Target:
    document, places = document_with_places(project=row.project)
    return target_at(kind, row, document, places)


def decision_target(kind: str, row: Activity | Step | Story) -> Target:
    """What deciding a proposal needs of the map, and no more: its persona and release names, and the target's
    activity with its steps (and the story itself). Accepting on a map of 1,000 cards reads a few rows, not all."""
    project = row.project
    activity = row if isinstance(row, Activity) else row.activity if isinstance(row, Step) else row.step.activity
    steps = list(Step.objects.filter(activity=activity).order_by("position", "pk").values_list("pk", "title"))
    document: MapDocument = {
        "schema_version": SCHEMA_VERSION,
        "title": project.name,
        "description": "",
        "personas": [
            {"name": name, "description": "", "goals": []}
            for name in Persona.objects.filter(project=project).values_list("name", flat=True)
        ],
        "releases": [
            {"name": name, "goal": ""}
            for name in Release.objects.filter(project=project).values_list("name", flat=True)
        ],
        "activities": [
            {
                "title": activity.title,
                "description": "",
                "steps": [{"title": title, "description": "", "stories": []} for _, title in steps],
            }
        ],
    }
    if not isinstance(row, Story):
        index = next((s for s, (pk, _) in enumerate(steps) if pk == row.pk), None)
        return Target(kind, row, document, 0, index)
    step = next(s for s, (pk, _) in enumerate(steps) if pk == row.step_id)
    document["activities"][0]["steps"][step]["stories"] = [
        {
            "title": row.title,
            "description": row.description,
            "acceptance_criteria": list(row.acceptance_criteria),
            "release": None,
            "priority": row.priority,
            "estimate": row.estimate,
            "persona": None,
        }
    ]
    return Target(kind, row, document, 0, step, 0)


def target_at(kind: str, row: Activity | Step | Story, document: MapDocument, places: Places) -> Target:
    if isinstance(row, Story):
        a, s, t = places.stories[row.pk]
        return Target(kind, row, document, a, s, t)
    if isinstance(row, Step):
        a, s = places.steps[row.pk]
        return Target(kind, row, document, a, s)
    return Target(kind, row, document, places.activities[row.pk])


# --- Parsing items: a model's answer, the planner's, or a person's edit ------------------------


def _local(problem: str, name: str) -> str:
    """A problem of the one-step document, said as the answer has it."""
    for prefix in ("activities[0].steps[0].stories", "activities[0].steps"):
        if problem.startswith(prefix):
            return name + problem.removeprefix(prefix)
    return problem


def _names(document: MapDocument, key: str) -> dict[str, str]:
    field = "name"
    return {title_key(entry[field]): entry[field] for entry in document[key]}  # type: ignore[literal-required]


def _quoted(names: list[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


def parse_stories(raw: Any, *, document: MapDocument, name: str = "stories") -> list[StoryItem]:
    """Story items, checked as a map's stories are, with persona and release names the map's own."""
    if not isinstance(raw, list):
        raise StageInvalid([f"{name}: must be a list of stories"])
    try:
        parsed = document_parse(
            {"activities": [{"title": "-", "steps": [{"title": "-", "stories": raw}]}]}, limits=_ONE_STEP
        )
    except DocumentInvalid as error:
        raise StageInvalid([_local(problem, name) for problem in error.problems]) from error
    problems: list[str] = []
    items: list[StoryItem] = []
    known = {"persona": _names(document, "personas"), "release": _names(document, "releases")}
    for index, story in enumerate(parsed["activities"][0]["steps"][0]["stories"]):
        item: StoryItem = {
            "title": story["title"],
            "description": story["description"],
            "acceptance_criteria": story["acceptance_criteria"],
            "priority": story["priority"],
            "estimate": story["estimate"],
            "persona": story["persona"],
            "release": story["release"],
        }
        for field in ("persona", "release"):
            value = item[field]
            if value is None:
                continue
            if title_key(value) in known[field]:
                item[field] = known[field][title_key(value)]
            else:
                names = list(known[field].values())
                choice = f"one of {_quoted(names)} or null" if names else "null: the map has none"
                problems.append(f"{name}[{index}].{field}: “{value}” is not on the map; use {choice}")
        items.append(item)
    if problems:
        raise StageInvalid(problems)
    return items


def _count(items: list[Any], kind: str, name: str, *, strict: bool) -> list[str]:
    fewest, most = ASSIST_ITEMS[kind]
    if kind == AssistKind.SPLIT or strict:
        if len(items) < fewest:
            noun = "parts" if kind == AssistKind.SPLIT else "items"
            return [f"{name}: give at least {fewest} {noun}"]
        if len(items) > most:
            return [f"{name}: give at most {most}, not {len(items)}"]
    return []


def _map_titles(document: MapDocument) -> set[str]:
    return {
        title_key(story["title"])
        for activity in document["activities"]
        for step in activity["steps"]
        for story in step["stories"]
    }


def _criterion_key(text: str) -> str:
    return " ".join(text.lower().rstrip(".").split())


def parse_items(kind: str, raw: Any, *, target: Target, strict: bool) -> list[Any]:
    """The items of a proposal of `kind`, or StageInvalid naming each problem.

    `strict` is for what an assist proposes: nothing already on the map, no repeats, counts in range.
    A person's own choice when accepting is held only to what the map itself requires.
    """
    name = ANSWER_KEYS[kind]
    document = target.document
    if kind in (AssistKind.SUGGEST_STORIES, AssistKind.SPLIT):
        stories = parse_stories(raw, document=document, name=name)
        problems = _count(stories, kind, name, strict=strict)
        if strict:
            on_map = _map_titles(document)
            if kind == AssistKind.SPLIT:
                on_map.discard(title_key(target.story_doc()["title"]))  # a part may keep the story's own title
            seen: set[str] = set()
            for index, story in enumerate(stories):
                key = title_key(story["title"])
                if key in on_map:
                    problems.append(
                        f"{name}[{index}].title: “{story['title']}” is already on the map; suggest a new card"
                    )
                elif key in seen:
                    problems.append(f"{name}[{index}].title: “{story['title']}” is there twice")
                seen.add(key)
        if problems:
            raise StageInvalid(problems)
        return stories
    if kind == AssistKind.SUGGEST_CRITERIA:
        return _parse_criteria(raw, target=target, strict=strict)
    return _parse_gaps(raw, target=target, strict=strict)


def _parse_criteria(raw: Any, *, target: Target, strict: bool) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise StageInvalid(["criteria: must be a list of strings"])
    criteria = [item.strip() for item in raw]
    problems = _count(criteria, AssistKind.SUGGEST_CRITERIA, "criteria", strict=strict)
    had = {_criterion_key(text) for text in target.story_doc()["acceptance_criteria"]}
    seen: set[str] = set()
    for index, text in enumerate(criteria):
        key = _criterion_key(text)
        if not text:
            problems.append(f"criteria[{index}]: must not be empty")
        elif len(text) > CRITERION_MAX:
            problems.append(f"criteria[{index}]: is longer than {CRITERION_MAX} characters")
        elif strict and key in had:
            problems.append(f"criteria[{index}]: the story has this criterion already; write a new one")
        elif strict and key in seen:
            problems.append(f"criteria[{index}]: is there twice")
        seen.add(key)
    if problems:
        raise StageInvalid(problems)
    return criteria


def _parse_gaps(raw: Any, *, target: Target, strict: bool) -> list[GapItem]:
    name = "steps"
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise StageInvalid([f"{name}: must be a list of steps"])
    activity = target.document["activities"][target.activity]
    there = {title_key(step["title"]) for step in activity["steps"]}
    problems = _count(raw, AssistKind.FILL_GAPS, name, strict=strict)
    gaps: list[GapItem] = []
    seen: set[str] = set()
    for index, step in enumerate(raw):
        where = f"{name}[{index}]"
        title, description, position = step.get("title"), step.get("description", ""), step.get("position")
        if not isinstance(title, str) or not title.strip():
            problems.append(f"{where}.title: is required")
            continue
        title = title.strip()
        if len(title) > TITLE_MAX:
            problems.append(f"{where}.title: is longer than {TITLE_MAX} characters")
        if not isinstance(description, str) or len(description) > TEXT_MAX:
            problems.append(f"{where}.description: must be a string of at most {TEXT_MAX} characters")
            description = ""
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= len(activity["steps"]):
            problems.append(f"{where}.position: must be a whole number from 0 to {len(activity['steps'])}")
            position = len(activity["steps"])
        key = title_key(title)
        if strict and key in there:
            problems.append(f"{where}.title: “{activity['title']}” has the step “{title}” already")
        elif strict and key in seen:
            problems.append(f"{where}.title: “{title}” is there twice")
        seen.add(key)
        try:
            stories = parse_stories(step.get("stories", []), document=target.document, name=f"{where}.stories")
        except StageInvalid as error:
            problems += error.problems
            continue
        fewest, most = GAP_STORIES
        if strict and not fewest <= len(stories) <= most:
            problems.append(f"{where}.stories: give {fewest} to {most} stories")
        gaps.append({"title": title, "description": description.strip(), "position": position, "stories": stories})
    if problems:
        raise StageInvalid(problems)
    return gaps


# --- Asking -------------------------------------------------------------------------------


def _story_context(story: StoryDoc) -> dict[str, Any]:
    return {
        key: story[key] for key in ("title", "description", "acceptance_criteria", "estimate", "persona", "release")
    }


def user_prompt(target: Target) -> str:
    """The request's context: the map around the target, and the product's description between the markers."""
    document = target.document
    activity = document["activities"][target.activity]
    others: list[dict[str, Any]] = []
    budget = CONTEXT_STEPS
    for index, other in enumerate(document["activities"]):
        if index == target.activity:
            continue
        steps = [step["title"] for step in other["steps"][: max(budget, 0)]]
        budget -= len(steps)
        others.append({"title": other["title"], "steps": steps})
    context: dict[str, Any] = {
        "product": document["title"],
        "personas": [persona["name"] for persona in document["personas"]],
        "releases": [release["name"] for release in document["releases"]],
        "other_activities": others,
    }
    this = {
        "title": activity["title"],
        "description": activity["description"],
        "steps": [
            {"title": step["title"], "cards": [story["title"] for story in step["stories"]]}
            for step in activity["steps"]
        ],
    }
    lines = [f"MAP: {json_line(context)}", f"ACTIVITY: {json_line(this)}"]
    if target.step is not None:
        lines.append(f"STEP: {json_line(activity['steps'][target.step]['title'])}")
    if target.story is not None:
        lines.append(f"STORY: {json_line(_story_context(target.story_doc()))}")
    lines.append("The product, described between the markers:")
    lines.append(fenced_description(document["description"] or document["title"]))
    return "\n".join(lines)


def system_prompt(kind: str) -> str:
    return prompt_text(PROMPTS / "assist_common.txt") + "\n" + prompt_text(PROMPTS / f"assist_{kind}.txt")


def _offline(target: Target) -> list[Any]:
    # Imported here: the planner's tagger takes a moment to load, and most processes never use it.
    from .planner import story_assists, suggest

    # The kind decides which indexes a target has: a step's, or a story's and its step's.
    document, a, step, story = target.document, target.activity, target.step or 0, target.story or 0
    kind = target.kind
    if kind == AssistKind.SUGGEST_STORIES:
        return list(suggest.suggest_stories(document, activity=a, step=step))
    if kind == AssistKind.FILL_GAPS:
        return list(suggest.fill_gaps(document, activity=a))
    if kind == AssistKind.SUGGEST_CRITERIA:
        return list(story_assists.suggest_criteria(document, activity=a, step=step, story=story))
    return list(story_assists.split_story(document, activity=a, step=step, story=story))


def _label(target: Target) -> str:
    return f"{AssistKind(target.kind).label} for “{target.title}”"


def _ask(target: Target, provider: OfflineProvider | OpenAIProvider, prompt: str) -> list[Any]:
    if isinstance(provider, OfflineProvider):
        raw = _offline(target)
        if not raw:
            return []  # nothing honest to offer: said as such, never padded
        try:
            return parse_items(target.kind, raw, target=target, strict=True)
        except StageInvalid as error:
            # The planner's own data broke a rule it is tested against: say so plainly, keep the details for us.
            logger.error("offline %s for %r refused: %s", target.kind, target.title, error)
            raise ProviderError(
                f"{_label(target)}: the offline planner's proposal did not hold up; please report it."
            ) from error
    key = ANSWER_KEYS[target.kind]

    def parse(data: Any) -> list[Any]:
        if not isinstance(data, dict) or key not in data:
            raise StageInvalid([f'the answer must be a JSON object: {{"{key}": [...]}}'])
        return parse_items(target.kind, data[key], target=target, strict=bool(data[key]))

    stage = Stage(
        label=_label(target),
        wanted=WANTED[target.kind],
        schema_name=f"mapwright_{target.kind}",
        schema=SCHEMAS[target.kind],
        parse=parse,
    )
    return provider.ask(stage, system_prompt(target.kind), prompt)


def assist_prompt_hash(*, provider: str, model: str, kind: str, prompt: str) -> str:
    key = {"prompt": ASSIST_PROMPT_VERSION, "provider": provider, "model": model, "kind": kind, "request": prompt}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _nothing(target: Target) -> str:
    if target.kind == AssistKind.SUGGEST_STORIES:
        return f"Nothing new to suggest for “{target.title}”: every card the AI would propose for it is on the map."
    if target.kind == AssistKind.SUGGEST_CRITERIA:
        return f"No new criteria to suggest for “{target.title}”: its criteria cover what the AI would write."
    if target.kind == AssistKind.SPLIT:
        return (
            f"The AI found no honest way to split “{target.title}”. Try by workflow step (what the person does "
            "first, then next), by business rule, or by the kinds of data it handles."
        )
    return f"Nothing seems to be missing from “{target.title}”: it has the steps the AI expects of it."


def _split_refusal(target: Target) -> str | None:
    from .planner.story_assists import split_reason

    if split_reason(target.story_doc()) is None:
        return (
            f"“{target.title}” is small enough already: it is estimated under {SPLIT_ESTIMATE} points and does one "
            f"thing. Split a story of {SPLIT_ESTIMATE} points or more, or one that joins two actions with “and” "
            "or “or”."
        )
    return None


def proposal_create(*, user: User, kind: str, row: Activity | Step | Story) -> Proposal:
    """Ask the configured provider for a proposal of `kind` on `row`; nothing of the map is written.

    Raises NothingToPropose (nothing honest to offer), ProviderError (the model failed, with a readable
    message) or ValidationError (the person may not use AI yet). Identical requests share one cached answer.
    """
    if settings.REQUIRE_VERIFIED_EMAIL_FOR_AI and not user.email_verified:
        raise ValidationError({"email": "Confirm your email address before using AI."})
    target = _target(kind, row)
    if kind == AssistKind.SPLIT and (refusal := _split_refusal(target)) is not None:
        raise NothingToPropose(refusal)
    provider = get_provider()
    prompt = user_prompt(target)
    prompt_hash = assist_prompt_hash(provider=provider.name, model=provider.model, kind=kind, prompt=prompt)
    cache_key = f"aimap:assist:{prompt_hash}"
    items = cache.get(cache_key)
    cached = items is not None
    if items is None:
        items = _ask(target, provider, prompt)
        cache.set(cache_key, items, timeout=settings.AI_CACHE_TTL)
    if not items:
        raise NothingToPropose(_nothing(target))
    story = target.story_doc() if target.story is not None else None
    # A person's proposals are only kept while they can be decided, and a day after, for the admin to read.
    Proposal.objects.filter(user=user, expires__lt=timezone.now() - timedelta(days=1)).delete()
    return Proposal.objects.create(
        user=user,
        project=row.project,
        kind=kind,
        target_id=row.pk,
        target_title=target.title[:TITLE_MAX],
        basis=target_basis(kind, row),
        before=None if story is None else _story_context(story),
        items=items,
        provider=provider.name,
        model=provider.model,
        cached=cached,
        expires=timezone.now() + timedelta(minutes=PROPOSAL_MINUTES),
    )
