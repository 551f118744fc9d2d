"""Card-by-card help from the offline planner: new stories for a step, the missing steps of an activity.

Both read a story map document as it stands (a draft of the planner or a map people made by hand)
and recognise its activities as capabilities of the catalogue, the way plan_map does: an activity
the planner drafted from the map's description is found by its title; any other is read as a
sentence ("Book a visit" → book) and scored with Capability.score. A step is then recognised as
one of the capability's steps by its title (the same title, or the same verb and object), and the
cards come from that step's `stories` and `more` in the map's own words. Nothing is offered that
the map holds already, pads a card of the map, or repeats a benefit or a criterion: when nothing
new fits, the answer is an empty list, never generic filler. A step is looked for in its activity's
capabilities first; elsewhere only a close match counts, and an activity read as a capability through
a loose word alone ("See the status" of a claim as watching devices) gets nothing.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from aimap.quality import benefit, collisions, mask_title, normalise, padded_titles
from stories.document import ActivityDoc, MapDocument, StepDoc, StoryDoc, title_key

from . import grammar, words
from .catalogue import GENERIC, Capability, StepPattern, StoryPattern, catalogue, fits_object
from .grammar import NounPhrase
from .plan import (
    DEFAULT_ROLE,
    _best,
    _domain_object,
    _fill,
    _noun,
    _object_lemmas,
    _parse,
    _planned,
    _someone,
    _spaced,
    _story,
    _values,
    side_of,
)
from .reading import Mention, Reading, is_person, read

_DATA = yaml.safe_load((Path(__file__).resolve().parent / "data" / "suggest.yaml").read_text(encoding="utf-8"))
IGNORED: frozenset[str] = frozenset(_DATA["ignored_words"])
LOOSE_OBJECTS: frozenset[str] = frozenset(_DATA["loose_objects"])
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# How a step of the map fits a step of the catalogue (see _fit).
SAME_TITLE = 3.0
SAME_ACTION = 2.0  # the same verb and object, or the same verb where the catalogue's step is a bare verb
SAME_THING = 1.0  # a word of the object in common


class GapStep(StepDoc):
    position: int  # index among the activity's current steps where it belongs (0 = first)


@dataclass(frozen=True)
class _Match:
    """A capability of the catalogue, applied to an activity of the map with the map's own object."""

    capability: Capability
    noun: NounPhrase

    def values(self, product: str) -> dict[str, str]:
        return _values(self.noun, product, "")

    def title(self, step: StepPattern, product: str) -> str:
        return grammar.capitalise(_fill(step.title, self.values(product)))


@dataclass(frozen=True)
class _Reading:
    """What the map's description says, read once per description."""

    reading: Reading
    product: str
    lowered: str  # the description, spaced for domain phrases
    planned: tuple[tuple[str, Capability, NounPhrase], ...]  # (activity title key, capability, object)


@cache
def _read_description(description: str) -> _Reading:
    raw = (description or "").replace("\u2019", "'")
    if not re.search(r"[A-Za-z]", raw):
        return _Reading(Reading(), "the app", " ", ())
    reading = read(raw)
    product = reading.name or (f"the {reading.product_noun}" if reading.product_noun else "the app")
    planned = tuple((title_key(item.title), item.capability, item.noun) for item in _planned(reading, raw))
    return _Reading(reading, product, _spaced(f" {' '.join(raw.lower().split())} "), planned)


# --- who the cards are for -------------------------------------------------------------------------------------


def _most_named(stories: Iterable[StoryDoc]) -> str | None:
    counts = Counter(story.get("persona") for story in stories if story.get("persona"))
    return counts.most_common(1)[0][0] if counts else None


def _persona_for(document: MapDocument, activity: ActivityDoc, step: StepDoc | None) -> str | None:
    """The persona most of the step's cards name, else the activity's, else the map's first."""
    if step is not None and (name := _most_named(step["stories"])):
        return name
    if name := _most_named(story for each in activity["steps"] for story in each["stories"]):
        return name
    return document["personas"][0]["name"] if document["personas"] else None


def _is_name(persona: str) -> bool:
    """ "Maria", "Priya Shah" (a person's name, kept as written) rather than a role ("Pet owner", "Admin")."""
    capitalised = all(word[:1].isupper() and not grammar.lemmas(word.lower()) for word in persona.split())
    return capitalised and not is_person(persona)


def _side_persona(document: MapDocument, persona: str | None, side: str) -> tuple[bool, str | None]:
    """For a step done by one side ("staff"): the persona to give it, and whether the map has one at all."""
    if not side or side_of(persona or DEFAULT_ROLE) == side:
        return True, persona
    other = next((p["name"] for p in document["personas"] if side_of(p["name"]) == side), None)
    return other is not None, other


# --- recognising activities and steps ----------------------------------------------------------------------------


def _lemma_sets(title: str) -> list[frozenset[str]]:
    """Each word of a title as every lemma it may have: "booking" is {booking, book}, "times" {time}."""
    found = []
    for word in _WORD.findall(title.lower()):
        word = word.removesuffix("'s")
        readings = grammar.lemmas(word)
        found.append(frozenset({word, *(lemma for forms in readings.values() for lemma in forms)}))
    return found


def _content(sets: list[frozenset[str]]) -> list[frozenset[str]]:
    return [lemmas for lemmas in sets if not lemmas & IGNORED]


def _overlap(mine: list[frozenset[str]], theirs: list[frozenset[str]]) -> int:
    return sum(1 for lemmas in mine if any(lemmas & other for other in theirs))


def _fit(map_title: str, catalogue_title: str) -> float:
    """How well a step of the map is the catalogue's step: the same title, the same verb and object, a shared
    object word, or not at all (0)."""
    if title_key(map_title) == title_key(catalogue_title):
        return SAME_TITLE
    mine, theirs = _lemma_sets(map_title), _lemma_sets(catalogue_title)
    if not mine or not theirs:
        return 0.0
    my_things, their_things = _content(mine[1:]), _content(theirs[1:])
    shared = _overlap(my_things, their_things)
    if mine[0] & theirs[0] and (shared or not their_things):
        return SAME_ACTION
    return SAME_THING if shared else 0.0


def _matches(document: MapDocument, activity_index: int) -> list[_Match]:
    """The capabilities an activity is, best first: the planner's own when it drafted the activity from the map's
    description, else what the activity's title says."""
    return _activity_reading(document, activity_index)[0]


def _activity_reading(document: MapDocument, activity_index: int) -> tuple[list[_Match], frozenset[str]]:
    """(the activity's capabilities, the ids of those it was read as and is not: see _belongs_elsewhere)."""
    activity = document["activities"][activity_index]
    context = _read_description(document["description"])
    if (planned := _planned_for(document, activity_index)) is not None:
        drafted, noun = planned
        if drafted.id == GENERIC or _belongs_elsewhere(drafted, noun, context.lowered, activity["title"]):
            return [], frozenset({drafted.id})
        return [_Match(drafted, noun)], frozenset()
    persona = _persona_for(document, activity, None) or DEFAULT_ROLE
    side = side_of(persona)
    found: list[_Match] = []
    refused: set[str] = set()
    for mention in _mentions(activity["title"]):
        # The persona's side first; a hand-made map's persona may not say which side it is on.
        for side_tried in (side, "staff" if side == "customer" else "customer"):
            capability, _ = _best(mention, {}, side_tried, role=persona)
            if capability is not None and capability.id != GENERIC:
                named = _noun(mention)
                if named is not None and _belongs_elsewhere(capability, named, context.lowered, activity["title"]):
                    refused.add(capability.id)  # "Follow the status" of a ticket: no device's status
                elif all(match.capability.id != capability.id for match in found):
                    found.append(_Match(capability, _object_for(capability, named, context.lowered)))
                break
    return found, frozenset(refused)


def _planned_for(document: MapDocument, activity_index: int) -> tuple[Capability, NounPhrase] | None:
    """The capability and object the planner drafted the activity from, when it did."""
    key = title_key(document["activities"][activity_index]["title"])
    context = _read_description(document["description"])
    return next(((drafted, noun) for found, drafted, noun in context.planned if found == key), None)


def _belongs_elsewhere(capability: Capability, noun: NounPhrase, lowered: str, title: str) -> bool:
    """Whether the activity was read as the capability only through a general verb and a word many products
    use ("see the status", "see the queue") while the description names nothing else it is about:
    "employees see the status of each claim" reads as watching devices, "team leads see the queue" of
    tickets as a front desk's day. Their cards would be another product's; nothing is better than those.
    A verb of the capability's own ("Compare results") says what it is."""
    head = grammar.noun_singular(noun.head.lower())
    verb = grammar.verb_lemma(title.split(" ", 1)[0]) if title.strip() else ""
    if head not in LOOSE_OBJECTS or verb not in words.GENERAL_VERBS:
        return False
    # Other loose words are no evidence either: "service levels" say nothing of devices.
    others = {word for rule in capability.rules for word in rule.objects} - LOOSE_OBJECTS
    if any(f" {word} " in lowered or f" {grammar.noun_plural(word)} " in lowered for word in others):
        return False
    return not any(f" {domain} " in lowered for domain in capability.domains)


def _mentions(title: str) -> list[Mention]:
    """What a title says someone does, read as the planner reads a description: a title is a verb phrase with
    no subject, so it is read as what users do ("Users browse nearby restaurants."). read's answer is cached:
    the mentions are not to be changed."""
    return read(f"Users {grammar.lower_first(title.strip().rstrip('.'))}.").mentions


def _object_for(capability: Capability, noun: NounPhrase | None, lowered: str) -> NounPhrase:
    """The thing the capability handles on this map, as plan_map chooses it: the title's own object when it
    fits, else what the product's domain handles, else the catalogue's default."""
    domain_object = _domain_object(capability, lowered)
    if noun is None or not fits_object(capability, _object_lemmas(noun)):
        noun = _parse(domain_object) if domain_object else noun
    if noun is None or noun.head.lower() in capability.stand_ins or noun.one.lower() in capability.stand_ins:
        noun = _parse(domain_object or capability.default_object)
    if capability.entries_of and noun.head.lower() in capability.entries:
        noun = NounPhrase(noun.one, capability.entries_of)
    return noun


def _step_of(match: _Match, step_title: str, product: str) -> tuple[int, float]:
    """The catalogue step a step of the map is (index, fit), (-1, 0) when none fits."""
    best, best_fit = -1, 0.0
    for index, pattern in enumerate(match.capability.steps):
        fit = _fit(step_title, match.title(pattern, product))
        if fit > best_fit:
            best, best_fit = index, fit
    return best, best_fit


def _anywhere(
    document: MapDocument, step_title: str, refused: frozenset[str] = frozenset()
) -> tuple[_Match, int] | None:
    """A step the activity's capability does not know, recognised on its own: a mention the catalogue scores
    ("Pay for the order"), or a title that is a catalogue step's own. Never a capability `refused` for the
    step's activity: what its activity is not, its steps are not either."""
    context = _read_description(document["description"])
    for mention in _mentions(step_title):
        capability, score = _best(mention, {}, side_of(DEFAULT_ROLE))
        if capability is None or capability.id in refused | {GENERIC} or score < SAME_ACTION:
            continue
        match = _Match(capability, _object_for(capability, _noun(mention), context.lowered))
        index, fit = _step_of(match, step_title, context.product)
        if fit >= SAME_ACTION:
            return match, index  # outside its activity, a shared word alone is no reason to offer anything
    if not _content(_lemma_sets(step_title)[1:]):
        return None  # "Decide", "Search": a bare verb is a step of many capabilities, and says nothing of which
    for capability in catalogue().values():
        if capability.id in refused | {GENERIC}:
            continue
        match = _Match(capability, _object_for(capability, None, context.lowered))
        index, fit = _step_of(match, step_title, context.product)
        if fit >= SAME_TITLE:
            return match, index
    return None


# --- writing the cards -------------------------------------------------------------------------------------------


class _Guard:
    """What a new card must not repeat: the map's titles (and padded copies of them), benefits and criteria."""

    def __init__(self, document: MapDocument) -> None:
        stories = [
            story for activity in document["activities"] for step in activity["steps"] for story in step["stories"]
        ]
        self.titles = [story["title"] for story in stories]
        self.keys = {title_key(title) for title in self.titles}
        self.padded = set(padded_titles(self.titles))
        self.benefits = {found for story in stories if (found := benefit(story["description"]))}
        self.criteria = {
            _criterion_key(text, story["title"]) for story in stories for text in story["acceptance_criteria"]
        }

    def admits(self, story: StoryDoc) -> bool:
        if title_key(story["title"]) in self.keys:
            return False
        if set(padded_titles([*self.titles, story["title"]])) - self.padded:
            return False  # it pads a card of the map, or a card of the map pads it
        if (found := benefit(story["description"])) is None or found in self.benefits:
            return False
        keys = [_criterion_key(text, story["title"]) for text in story["acceptance_criteria"]]
        if len(set(keys)) < len(keys) or any(key in self.criteria for key in keys):
            return False
        return not collisions({"activities": [{"steps": [{"stories": [dict(story)]}]}]})

    def take(self, story: StoryDoc) -> None:
        self.titles.append(story["title"])
        self.keys.add(title_key(story["title"]))
        self.padded = set(padded_titles(self.titles))
        self.benefits.add(benefit(story["description"]) or "")
        self.criteria.update(_criterion_key(text, story["title"]) for text in story["acceptance_criteria"])


def _criterion_key(text: str, title: str) -> str:
    # A criterion pasted under another title with the title's words changed is the same criterion.
    return mask_title(normalise(text), title)


def _card(pattern: StoryPattern, match: _Match, product: str, persona: str | None) -> StoryDoc:
    role = persona or DEFAULT_ROLE
    drafted = _story(pattern, match.values(product), role, role, "")
    description = str(drafted["description"])
    if persona and _is_name(persona):
        description = description.replace(f"As {_someone(role)},", f"As {persona},", 1)
    return {
        "title": str(drafted["title"]),
        "description": description,
        "acceptance_criteria": [str(text) for text in drafted["acceptance_criteria"]],
        "release": None,
        "priority": str(drafted["priority"]),
        "estimate": int(drafted["estimate"]),
        "persona": persona,
    }


def _pick(
    patterns: Iterable[StoryPattern], match: _Match, product: str, persona: str | None, guard: _Guard, most: int
) -> list[StoryDoc]:
    chosen: list[StoryDoc] = []
    for pattern in patterns:
        if len(chosen) >= most:
            break
        card = _card(pattern, match, product, persona)
        if guard.admits(card):
            guard.take(card)
            chosen.append(card)
    return chosen


def _related(match: _Match, index: int, step: StepDoc, product: str) -> Iterator[StoryPattern]:
    """The capability's other cards that share a word with the step's title, closest first."""
    # The capability's object ("reminder") is in every card: a shared word must say more than that. So is
    # the verb of a title that says more ("see"): "Tell customers who they will see instead" is not part of
    # "See the day at a glance"; a bare verb ("Comment") is all the title says.
    thing = {lemma for lemmas in _lemma_sets(match.noun.one) for lemma in lemmas}
    title_words = _lemma_sets(step["title"])
    said = [lemmas for lemmas in _content(title_words[1:] or title_words) if not lemmas & thing]
    ranked = []
    values = match.values(product)
    side = match.capability.steps[index].side
    for other, pattern in enumerate(match.capability.steps):
        if other == index or pattern.side != side:
            continue  # a card of the other side ("as the provider") is for someone else
        for order, story in enumerate((*pattern.stories, *pattern.more)):
            shared = _overlap(_content(_lemma_sets(_fill(story.title, values))), said)
            if shared:
                ranked.append((-shared, other, order, story))
    for *_, story in sorted(ranked, key=lambda item: item[:3]):
        yield story


def suggest_stories(document: MapDocument, *, activity: int, step: int, most: int = 5) -> list[StoryDoc]:
    """Up to `most` new cards for a step of the map; [] when the step is not one the catalogue knows or it has
    every card the catalogue would offer."""
    if most <= 0:
        return []
    the_activity = document["activities"][activity]
    the_step = the_activity["steps"][step]
    product = _read_description(document["description"]).product
    # Within the activity's own capabilities first (the best fit of them); elsewhere only a close one, and
    # never one the activity was read as and is not.
    found: tuple[_Match, int] | None = None
    best_fit = 0.0
    matches, refused = _activity_reading(document, activity)
    for match in matches:
        index, fit = _step_of(match, the_step["title"], product)
        if fit >= SAME_THING and fit > best_fit:
            found, best_fit = (match, index), fit
    if found is None:
        found = _anywhere(document, the_step["title"], refused)
    if found is None:
        return []
    match, index = found
    pattern = match.capability.steps[index]
    persona = _persona_for(document, the_activity, the_step)
    guard = _Guard(document)
    chosen = _pick((*pattern.stories, *pattern.more), match, product, persona, guard, most)
    if len(chosen) < most:
        chosen += _pick(_related(match, index, the_step, product), match, product, persona, guard, most - len(chosen))
    return chosen


# --- the missing steps -------------------------------------------------------------------------------------------

GAP_STORIES = 2


def fill_gaps(document: MapDocument, *, activity: int, most: int = 4) -> list[GapStep]:
    """The steps the activity's capabilities expect and the activity lacks, each with its first new cards,
    in journey order; [] when the activity is no capability of the catalogue or lacks nothing."""
    if most <= 0:
        return []
    the_activity = document["activities"][activity]
    product = _read_description(document["description"]).product
    persona = _persona_for(document, the_activity, None)
    guard = _Guard(document)
    taken = {title_key(step["title"]) for step in the_activity["steps"]}
    gaps: list[GapStep] = []
    for match in _matches(document, activity):
        present = _present(match, the_activity["steps"], product)
        for index, pattern in enumerate(match.capability.steps):
            title = match.title(pattern, product)
            if index in present or title_key(title) in taken:
                continue
            has_side, who = _side_persona(document, persona, pattern.side)
            if not has_side:
                continue  # "Handle changes as the provider" on a map with no one on the provider's side
            stories = _pick((*pattern.stories, *pattern.more), match, product, who, guard, GAP_STORIES)
            if not stories:
                continue
            taken.add(title_key(title))
            gaps.append(
                {
                    "title": title,
                    "description": "",
                    "stories": stories,
                    "position": _position(present, index, len(the_activity["steps"])),
                }
            )
    gaps.sort(key=lambda gap: gap["position"])  # stable: gaps at one position stay in journey order
    return gaps[:most]


def _present(match: _Match, steps: list[StepDoc], product: str) -> dict[int, int]:
    """The catalogue steps the activity has: {catalogue step index: index of the map's step}."""
    present: dict[int, int] = {}
    for position, step in enumerate(steps):
        index, fit = _step_of(match, step["title"], product)
        if fit >= SAME_THING and index not in present:
            present[index] = position
    return present


def _position(present: dict[int, int], index: int, count: int) -> int:
    """Where a missing catalogue step goes among the activity's steps: after the steps that come before it in the
    journey, else before the first that comes after it, else at the end."""
    before = [position for other, position in present.items() if other < index]
    if before:
        return max(before) + 1
    after = [position for other, position in present.items() if other > index]
    if after:
        return min(after)
    return count
