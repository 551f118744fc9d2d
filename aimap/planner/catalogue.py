"""The catalogue of capability patterns: data/capabilities/*.yaml, read and checked once (see data/README.md)."""

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from . import grammar

DATA = Path(__file__).resolve().parent / "data"
PRIORITIES = ("must", "should", "could")
ESTIMATES = (1, 2, 3, 5, 8)
OBJECT_PLACEHOLDERS = frozenset({"object", "objects", "an_object", "product"})
VERB_PLACEHOLDERS = frozenset({"verb", "verb_ing", "verb_past"})
GENERIC = "generic"
_LOOKING = frozenset({"see", "view", "check", "read", "access", "look", "follow", "track", "watch", "find"})
_RECEIVING = frozenset({"get", "receive"})
_PREPOSITIONS = frozenset({"on", "with", "for", "about", "at", "to", "in", "from"})
SIDES = ("", "customer", "staff")
MORE_MAX = 6


class CatalogueError(Exception):
    """A catalogue file breaks the format: the message names the file and the place."""


@dataclass(frozen=True)
class StoryPattern:
    title: str
    goal: str
    benefit: str
    criteria: tuple[str, ...]
    priority: str
    estimate: int
    mvp: bool


@dataclass(frozen=True)
class StepPattern:
    title: str
    stories: tuple[StoryPattern, ...]
    side: str = ""  # a step done by the other side: "staff" in a customer's capability
    # Extra cards the planner never drafts: what "Suggest stories" offers once a map holds `stories`.
    more: tuple[StoryPattern, ...] = ()


@dataclass(frozen=True)
class MatchRule:
    verbs: frozenset[str]
    objects: frozenset[str]


@dataclass(frozen=True)
class Capability:
    id: str
    name: str
    stage: int
    rules: tuple[MatchRule, ...]
    domains: tuple[str, ...]
    default_object: str
    activity: str
    actors: tuple[str, ...]
    side: str  # "customer" (the people the product serves), "staff" (the people who run it) or "" (either)
    stand_ins: frozenset[str]  # objects that stand for the real one: "update the menu" → its menu items
    domain_objects: tuple[tuple[str, str], ...]  # (phrase, object): what this capability handles in that domain
    entries_of: str  # with `entries`: an object that is one entry ("vaccination") becomes "vaccination record"
    entries: frozenset[str]
    steps: tuple[StepPattern, ...]

    def _does(self, verb: str) -> bool:
        """Whether a general verb can stand for this capability: looking (see, check …) and receiving (get …)
        only where its own verbs look or receive; managing verbs (manage, update, set up …) anywhere."""
        for kind in (_LOOKING, _RECEIVING):
            if verb in kind:
                return any(own.split(" ")[0] in kind for rule in self.rules for own in rule.verbs)
        return True

    def score(self, *, verb: str, object_words: list[str], general_verbs: frozenset[str]) -> float:
        """How well a mention fits: 3 verb and object, 2 a verb that takes any object, 1 the object with a
        general verb ("manage the schedule"), 0 not at all."""
        parts = verb.split(" ")
        head_verb = parts[0]
        # "sign up with" is "sign up" for matching; the attached preposition only helps the title read.
        phrasal = " ".join(parts[:-1]) if len(parts) > 2 or (len(parts) == 2 and parts[1] in _PREPOSITIONS) else verb
        general = verb in general_verbs or head_verb in general_verbs
        best = 0.0
        for rule in self.rules:
            verb_fits = verb in rule.verbs or phrasal in rule.verbs or head_verb in rule.verbs
            object_fits = bool(rule.objects) and any(word in rule.objects for word in object_words)
            if verb_fits and object_fits:
                best = max(best, 3.0)
            elif verb_fits and not rule.objects and not general:
                best = max(best, 2.0)
            elif object_fits and general and self._does(head_verb):
                best = max(best, 1.0)  # "see pages" is no publishing, "get a guide" no writing
        return best


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise CatalogueError(f"{where}: {message}")


def _text(data: dict[str, Any], key: str, where: str, *, allowed: frozenset[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}.{key}: must be a non-empty string")
    names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    _require(names <= allowed, f"{where}.{key}", f"unknown placeholders {sorted(names - allowed)}")
    return " ".join(value.split())


def _story(data: Any, where: str, allowed: frozenset[str]) -> StoryPattern:
    _require(isinstance(data, dict), where, "must be a mapping")
    criteria = data.get("criteria")
    _require(isinstance(criteria, list) and 2 <= len(criteria) <= 4, f"{where}.criteria", "must list 2-4 criteria")
    checked = []
    for index, criterion in enumerate(criteria):
        text = _text({"c": criterion}, "c", f"{where}.criteria[{index}]", allowed=allowed)
        _require(
            text.startswith("Given ") and ", when " in text and ", then " in text,
            f"{where}.criteria[{index}]",
            "must read 'Given …, when …, then …'",
        )
        checked.append(text.rstrip("."))
    _require(data.get("priority") in PRIORITIES, f"{where}.priority", f"must be one of {PRIORITIES}")
    _require(data.get("estimate") in ESTIMATES, f"{where}.estimate", f"must be one of {ESTIMATES}")
    _require(isinstance(data.get("mvp"), bool), f"{where}.mvp", "must be true or false")
    return StoryPattern(
        title=_text(data, "title", where, allowed=allowed),
        goal=_text(data, "goal", where, allowed=allowed).rstrip("."),
        benefit=_text(data, "benefit", where, allowed=allowed).rstrip("."),
        criteria=tuple(checked),
        priority=data["priority"],
        estimate=data["estimate"],
        mvp=data["mvp"],
    )


def _words(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    _require(isinstance(value, list) and all(isinstance(item, str) for item in value), where, "must list words")
    return frozenset(" ".join(item.lower().split()) for item in value)


def _nouns(value: Any, where: str) -> frozenset[str]:
    """Object words as listed and in the singular, which is how the planner looks them up ("hours" → "hour")."""
    listed = _words(value, where)
    return listed | {" ".join([*item.split()[:-1], grammar.noun_singular(item.split()[-1])]) for item in listed}


def _pairs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    _require(isinstance(value, dict), where, "must map phrases to objects")
    _require(all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()), where, "must be text")
    return tuple(sorted((" ".join(k.lower().split()), " ".join(v.split())) for k, v in value.items()))


def capability_parse(data: Any, *, where: str) -> Capability:
    _require(isinstance(data, dict), where, "must be a mapping")
    identifier = data.get("id")
    _require(isinstance(identifier, str) and identifier.isidentifier(), f"{where}.id", "must be an identifier")
    allowed = OBJECT_PLACEHOLDERS | (VERB_PLACEHOLDERS if identifier == GENERIC else frozenset())
    rules = data.get("match")
    _require(isinstance(rules, list), f"{where}.match", "must be a list (empty for the generic journey)")
    steps = data.get("steps")
    _require(isinstance(steps, list) and 2 <= len(steps) <= 5, f"{where}.steps", "must list 2-5 steps")
    parsed_steps = []
    seen_titles = {
        " ".join(str(story.get("title", "")).split()).lower()
        for step in steps
        if isinstance(step, dict) and isinstance(step.get("stories"), list)
        for story in step["stories"]
        if isinstance(story, dict)
    }
    for s_index, step in enumerate(steps):
        step_where = f"{where}.steps[{s_index}]"
        _require(isinstance(step, dict), step_where, "must be a mapping")
        stories = step.get("stories")
        _require(isinstance(stories, list) and 1 <= len(stories) <= 4, f"{step_where}.stories", "must list 1-4 stories")
        _require(step.get("side", "") in SIDES, f"{step_where}.side", "must be customer or staff")
        more = step.get("more", [])
        _require(
            isinstance(more, list) and len(more) <= MORE_MAX, f"{step_where}.more", f"must list 0-{MORE_MAX} stories"
        )
        parsed = StepPattern(
            side=step.get("side", ""),
            title=_text(step, "title", step_where, allowed=allowed),
            stories=tuple(
                _story(story, f"{step_where}.stories[{t_index}]", allowed) for t_index, story in enumerate(stories)
            ),
            more=tuple(_story(story, f"{step_where}.more[{m_index}]", allowed) for m_index, story in enumerate(more)),
        )
        for t_index, pattern in enumerate(parsed.more):
            # A suggestion must be a card the map cannot hold already: no title of the capability twice.
            _require(
                pattern.title.lower() not in seen_titles,
                f"{step_where}.more[{t_index}].title",
                f"{pattern.title!r} is already a story of {identifier}",
            )
            seen_titles.add(pattern.title.lower())
        parsed_steps.append(parsed)
    _require(data.get("side", "") in SIDES, f"{where}.side", "must be customer or staff")
    stage = data.get("stage")
    _require(isinstance(stage, int) and 0 < stage < 100, f"{where}.stage", "must be a number from 1 to 99")
    return Capability(
        id=identifier,
        name=str(data.get("name") or identifier),
        stage=stage,
        rules=tuple(
            MatchRule(verbs=_words(rule.get("verbs"), f"{where}.match"), objects=_nouns(rule.get("objects"), where))
            for rule in rules
            if isinstance(rule, dict)
        ),
        domains=tuple(sorted(_words(data.get("domains"), f"{where}.domains"))),
        default_object=" ".join(str(data.get("default_object") or "item").split()),
        activity=" ".join(str(data.get("activity") or "").split()),
        actors=tuple(sorted(_words(data.get("actors"), f"{where}.actors"))),
        side=data.get("side", ""),
        stand_ins=_words(data.get("stand_ins"), f"{where}.stand_ins"),
        domain_objects=_pairs(data.get("domain_objects"), f"{where}.domain_objects"),
        entries_of=" ".join(str(data.get("entries_of") or "").split()),
        entries=_nouns(data.get("entries"), f"{where}.entries"),
        steps=tuple(parsed_steps),
    )


def fits_object(capability: Capability, object_words: list[str]) -> bool:
    """Whether the object suits the capability: its object lists name it, or it has no object lists at all."""
    lists = [rule.objects for rule in capability.rules if rule.objects]
    return not lists or any(word in objects for objects in lists for word in object_words)


@cache
def catalogue_verbs() -> frozenset[str]:
    """Every verb the catalogue knows: after "and" such a word is read as a verb ("… and track workouts")."""
    return frozenset(
        verb.split(" ")[0] for capability in catalogue().values() for rule in capability.rules for verb in rule.verbs
    )


@cache
def catalogue() -> dict[str, Capability]:
    """Every capability by id, in file-name order (which breaks ties between equally good matches)."""
    found: dict[str, Capability] = {}
    for path in sorted((DATA / "capabilities").glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise CatalogueError(f"{path.name}: not valid YAML ({error})") from error
        capability = capability_parse(data, where=path.name)
        _require(capability.id == path.stem, path.name, f"id {capability.id!r} must match the file name")
        found[capability.id] = capability
    _require(GENERIC in found, "capabilities", "the generic journey (generic.yaml) is missing")
    return found


@dataclass(frozen=True)
class Companion:
    capability: str
    object: str  # a template over {object}: "{object} reminder"; empty keeps the object as it is
    title: str  # a template over {object} / {objects}: "Get {objects}"


def _companion_lists(name: str) -> dict[str, tuple[Companion, ...]]:
    """A data file of "<capability> [as <object>] | <activity title>" lists, keyed by capability or word."""
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    known = catalogue()
    result: dict[str, tuple[Companion, ...]] = {}
    for key, items in data.items():
        parsed = []
        for item in items:
            head, _, title = str(item).partition(" | ")
            capability, _, template = head.partition(" as ")
            _require(capability in known, f"{name}: {key}", f"{capability!r} is not a capability")
            _require(bool(title.strip()), f"{name}: {key}", f"{item!r} needs ' | <activity title>'")
            parsed.append(Companion(capability=capability, object=template.strip(), title=title.strip()))
        result[str(key)] = tuple(parsed)
    return result


@cache
def companions() -> dict[str, tuple[Companion, ...]]:
    """What a map with too few activities adds next, per capability (data/companions.yaml)."""
    result = _companion_lists("companions.yaml")
    known = catalogue()
    for key in result:
        _require(key in known or key == "default", f"companions.yaml: {key}", "is not a capability")
    _require("default" in result, "companions.yaml", "needs a default list")
    return result


@cache
def kinds() -> dict[str, tuple[Companion, ...]]:
    """The activities a kind of product implies when its text names none ("a todo app"; data/kinds.yaml)."""
    return _companion_lists("kinds.yaml")
