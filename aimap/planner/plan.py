"""A story map document from a product description: the reading, matched against the catalogue.

Each thing the text says people do becomes an activity of the backbone, in
journey order (the catalogue's stages, then the text's order). Its steps and
stories come from the capability pattern that fits it best, in the product's
own words; the product's domain ("food delivery", "smart home") brings in the
capabilities its users expect even when the text leaves them out, and a text
that supports fewer than three activities gets the companions a product manager
would add next. Every story is the pattern's own: no padded copies, no shared
benefit, no pasted criterion. The same text always gives the same map.
"""

import re
from dataclasses import dataclass
from typing import Any

from stories.limits import TEXT_MAX, TITLE_MAX

from . import grammar, words
from .catalogue import GENERIC, Capability, Companion, StoryPattern, catalogue, companions, fits_object, kinds
from .grammar import NounPhrase
from .reading import Mention, Reading, read

MAX_ACTIVITIES = 8
MIN_ACTIVITIES = 3
# Within the document format's limits; the description is cut well below a project's, like any map text.
DESCRIPTION_LIMIT = TEXT_MAX
TITLE_LIMIT = TITLE_MAX
RELEASES = ("MVP", "Release 2", "Later")
DEFAULT_ROLE = "user"
_WORD = re.compile(r"[A-Za-z]")


@dataclass
class Planned:
    """One activity of the map: a capability, applied to the product's own thing."""

    capability: Capability
    title: str
    noun: NounPhrase
    role: str
    verb: str
    purpose: str
    order: int
    stage: int = -1  # journey position; the capability's own unless set

    def __post_init__(self) -> None:
        if self.stage < 0:
            self.stage = self.capability.stage


DEFINITE = frozenset({"the", "my", "your", "his", "her", "its", "our", "their", "this", "that"})
COUNTABLE_DETERMINERS = DEFINITE | {"a", "an", "each", "every", "another", "one"}


def _noun(mention: Mention) -> NounPhrase | None:
    if not mention.object_words:
        return None
    head = mention.object_words[-1]
    # A bare singular object is a mass noun in product prose ("track food", "manage stock"); one with an
    # article or a possessive ("add each pet", "see their pet's history") is a thing that can be counted.
    countable = grammar.is_plural(head) or (
        mention.determiner in COUNTABLE_DETERMINERS and not grammar.uncountable(head, words.UNCOUNTABLE)
    )
    return NounPhrase.from_words(mention.object_words, countable=countable)


def _parse(text: str) -> NounPhrase:
    """A catalogue's object ("new hire", "food"), singular."""
    head = text.split()[-1]
    return NounPhrase(" ".join(text.split()[:-1]), head, countable=not grammar.uncountable(head, words.UNCOUNTABLE))


def side_of(role: str) -> str:
    words_of_role = role.lower().split()
    staff = role.lower() in words.STAFF_ROLES or words_of_role[-1] in words.STAFF_ROLES
    return "staff" if staff else "customer"


def _object_lemmas(noun: NounPhrase | None) -> list[str]:
    """What a catalogue's object list may match: the head noun or the whole phrase, not a modifier."""
    if noun is None:
        return []
    return [noun.head.lower(), noun.one.lower()]


def _title(mention: Mention) -> str:
    """The activity in the text's words: "Book appointments", "Manage the day's schedule", "Add pets"."""
    thing = mention.object_text
    head = mention.object_words[-1] if mention.object_words else ""
    if head and thing == " ".join(mention.object_words) and not grammar.is_plural(head):
        if mention.determiner in DEFINITE:
            thing = f"the {thing}"
        elif mention.determiner in COUNTABLE_DETERMINERS:
            thing = " ".join([*mention.object_words[:-1], grammar.noun_plural(head)])
    verb = mention.verb
    if not thing and verb.split(" ")[-1] in {"for", "to", "with", "on", "about", "at"}:
        verb = verb.rsplit(" ", 1)[0]  # "pay for them": "Pay", not "Pay for"
    parts = [verb, thing, mention.qualifier]
    return grammar.capitalise(" ".join(part for part in parts if part))[:TITLE_LIMIT]


def _coordinated_heads(mention: Mention) -> list[str]:
    """ "days and hours" → ["hour"]: the heads of the object's other parts, which may match too."""
    parts = re.split(r"\s+(?:and|or|&)\s+", mention.object_text)[1:]
    return [grammar.noun_singular(part.split()[-1]).lower() for part in parts if part.split()]


def _best(
    mention: Mention,
    used: dict[str, NounPhrase],
    side: str,
    open_: frozenset[str] = frozenset(),
    weak: dict[str, float] | None = None,
    role: str = "",
) -> tuple[Capability | None, float]:
    """The capability that fits the mention best and how well, each used once; None when the map has it.

    `open_` are capabilities the domain brought in that no sentence has named yet: a mention may take them.
    """
    noun = _noun(mention)
    lemmas = _object_lemmas(noun) + _coordinated_heads(mention)
    ranked = []
    for position, capability in enumerate(catalogue().values()):
        if capability.id == GENERIC or (capability.side and capability.side != side):
            continue
        score = capability.score(verb=mention.verb, object_words=lemmas, general_verbs=words.GENERAL_VERBS)
        if score and capability.actors and role and role.split()[-1].lower() not in capability.actors:
            score -= 0.5  # "restaurants accept orders": couriers accept jobs, restaurants fulfil orders
        if score:
            ranked.append((-score, position, capability))
    # On a tie the capability the product's domain brought in wins: "Pantry … track food" is stock, not a food log.
    passed_over = False
    for score, _, capability in sorted(ranked, key=lambda item: (item[0], item[2].id not in open_, item[1])):
        if (capability.id in open_ or passed_over) and -score < 2:
            continue  # a loose fit does not take what the domain brought in, or what ranks after a taken one
        if capability.id not in used or capability.id in open_ or -score > (weak or {}).get(capability.id, 9):
            return capability, -score  # free, brought in by the domain, or held by a looser fit
        same = {used[capability.id].head.lower(), capability.default_object.split()[-1].lower()}
        if noun is None or noun.head.lower() in same:
            return None, 0  # "book, move or cancel appointments": the map has this activity already
        passed_over = True
    if GENERIC not in used and mention.object_words and not ranked and mention.verb not in words.GENERAL_VERBS:
        return catalogue()[GENERIC], 0.1
    return None, 0


def _role_for(capability: Capability, fallback: str, roles: list[str], text: str) -> str | None:
    """The role a capability brought in by the domain belongs to: one of its actors the text names, else fallback."""
    if not capability.actors:
        return fallback
    for role in roles:
        if role.split()[-1] in capability.actors:
            return role
    for actor in capability.actors:
        if re.search(rf"\b{re.escape(actor)}s?\b", text.lower()):
            return actor
    return None


def _planned(reading: Reading, text: str) -> list[Planned]:
    """The activities of the map: the product's domain first, then what the text says, the best matches first."""
    used: dict[str, NounPhrase] = {}
    candidates: list[tuple[float, Planned]] = []
    generic_options: list[Mention] = []
    # A sentence's mention may name no object, and may match no capability.
    noun: NounPhrase | None
    capability: Capability | None
    primary = reading.roles[0] if reading.roles else DEFAULT_ROLE
    lowered = _spaced(f" {' '.join(text.lower().split())} ")
    for capability in catalogue().values():
        if not any(f" {domain} " in lowered for domain in capability.domains):
            continue
        role = _role_for(capability, primary, reading.roles, text)
        if role is None or (capability.side and capability.side != side_of(role)):
            continue
        noun = _parse(_domain_object(capability, lowered) or capability.default_object)
        used[capability.id] = noun
        title = capability.activity or grammar.capitalise(capability.name)
        default = _parse(capability.default_object)
        if noun.one != default.one:
            # "Borrow and return items" at a tool rental is "Borrow and return tools".
            title = re.sub(rf"\b{re.escape(default.many)}\b", noun.many, title)
        candidates.append((2.5, Planned(capability, title, noun, role, "", "", 10_000 + len(candidates))))
    for mention in reading.mentions:
        role = mention.role or primary
        noun = _noun(mention)
        open_ = frozenset(item.capability.id for _, item in candidates if not item.verb)
        weak = {item.capability.id: held for held, item in candidates if item.verb}
        capability, score = _best(mention, used, side_of(role), open_, weak, role)
        if capability is None:
            continue
        if capability.id == GENERIC:
            if mention.object_words[-1].lower() not in words.VAGUE_OBJECTS:
                generic_options.append(mention)  # the best of these gets the generic journey, below
            continue
        title = _title(mention)
        replaces = next((i for i, (_, item) in enumerate(candidates) if item.capability.id == capability.id), None)
        if any(item.title.lower() == title.lower() for i, (_, item) in enumerate(candidates) if i != replaces):
            continue
        if (domain_object := _domain_object(capability, lowered)) and (
            noun is None or not fits_object(capability, _object_lemmas(noun))
        ):
            noun = _parse(domain_object)  # "book and pay a deposit" at a campsite: what is booked is a pitch
            verb = mention.verb.removesuffix(" for").removesuffix(" to")
            title = grammar.capitalise(" ".join(part for part in (verb, noun.many, mention.qualifier) if part))
        if noun is None or noun.head.lower() in capability.stand_ins or noun.one.lower() in capability.stand_ins:
            noun = _parse(domain_object or capability.default_object)  # "renew loans" at a library renews books
        if capability.entries_of and noun.head.lower() in capability.entries:
            noun = NounPhrase(noun.one, capability.entries_of)  # "pet vaccination" → "pet vaccination record"
        used[capability.id] = noun
        planned = Planned(capability, title, used[capability.id], role, mention.verb, mention.purpose, mention.order)
        if replaces is not None and candidates[replaces][1].verb:
            candidates[replaces] = (score, planned)  # "fill in personal details" fits better than "get welcome emails"
        elif replaces is not None:
            # A sentence that names what the domain brought in gives it the product's words and the right person
            # ("create the new hire" keeps "Onboard new hires": a general verb says less than the catalogue).
            if mention.verb in words.VAGUE_VERBS:
                planned.title, planned.noun = candidates[replaces][1].title, candidates[replaces][1].noun
            candidates[replaces] = (max(2.5, score), planned)
        else:
            candidates.append((score, planned))
    if generic_options and not any(item.capability.id == GENERIC for _, item in candidates):
        # A direct object ("water plants") before a prepositional one ("walk to the car"), then plural things.
        mention = min(
            generic_options, key=lambda m: (" " in m.verb, not grammar.is_plural(m.object_words[-1]), m.order)
        )
        noun = _noun(mention) or _parse(catalogue()[GENERIC].default_object)
        role = mention.role or primary
        planned = Planned(
            catalogue()[GENERIC], _title(mention), noun, role, mention.verb, mention.purpose, mention.order
        )
        candidates.append((0.1, planned))
    chosen = sorted(candidates, key=lambda item: (-item[0], item[1].order))[:MAX_ACTIVITIES]
    planned_list = [item for _, item in chosen]
    if not planned_list:
        planned_list.extend(_from_product_noun(reading, used, primary) or _from_kind(reading, used, primary))
    _add_companions(planned_list, used, primary)
    planned_list.sort(key=lambda item: (item.stage, item.order))
    return planned_list


def _domain_object(capability: Capability, lowered: str) -> str:
    return next((thing for phrase, thing in capability.domain_objects if f" {phrase} " in lowered), "")


def _spaced(text: str) -> str:
    return re.sub(r"[^a-z0-9' ]+", " ", text)


def _from_product_noun(reading: Reading, used: dict[str, NounPhrase], role: str) -> list[Planned]:
    """ "A habit tracker": the product noun says what people do (track) with what (habits)."""
    title_words = [word for word in re.findall(r"[A-Za-z][A-Za-z'-]*", reading.title)]
    lowered = [word.lower() for word in title_words]
    for index, word in enumerate(lowered):
        verb = words.PRODUCT_NOUN_VERBS.get(word)
        if verb and index > 0 and lowered[index - 1] not in words.SKIP_IN_OBJECT:
            thing = grammar.noun_plural(lowered[index - 1])
            mention = Mention(verb=verb, object_words=[thing], object_text=thing, role=role)
            capability, _ = _best(mention, used, side_of(role))
            if capability is not None:
                noun = NounPhrase.from_words([thing])
                used[capability.id] = noun
                return [Planned(capability, _title(mention), noun, role, verb, "", 0)]
    return []


def _from_kind(reading: Reading, used: dict[str, NounPhrase], role: str) -> list[Planned]:
    """ "A todo app for teams", "A job board": the kind of product gives its first activities."""
    for word in re.findall(r"[a-z][a-z-]*", reading.title.lower()):
        if options := kinds().get(word) or kinds().get(grammar.noun_singular(word)):
            found = [_companion(option, None, role, used, order) for order, option in enumerate(options)]
            for planned in found:
                planned.stage = found[0].capability.stage  # in the order the kind lists them
            return found
    return []


def _companion(
    companion: Companion, anchor: "Planned | None", role: str, used: dict[str, NounPhrase], order: int
) -> "Planned":
    capability = catalogue()[companion.capability]
    if companion.object:
        noun = _parse(companion.object.format(object=anchor.noun.one) if anchor else companion.object)
    elif anchor is not None:
        noun = anchor.noun
    else:
        noun = _parse(capability.default_object)
    used[capability.id] = noun
    title = grammar.capitalise(_fill(companion.title, noun.placeholders()))
    planned = Planned(capability, title, noun, anchor.role if anchor else role, "", "", order)
    if anchor is not None:
        planned.stage = anchor.stage  # a companion follows what it accompanies
    return planned


def _add_companions(planned: list[Planned], used: dict[str, NounPhrase], role: str) -> None:
    anchor = planned[0] if planned else None
    options = companions().get(anchor.capability.id if anchor else "default", ()) + companions()["default"]
    for companion in options:
        if len(planned) >= MIN_ACTIVITIES:
            return
        if companion.capability in used:
            continue
        planned.append(_companion(companion, anchor, role, used, 20_000 + len(planned)))


def _values(noun: NounPhrase, product: str, verb: str) -> dict[str, str]:
    values = noun.placeholders() | {"product": product}
    if verb:
        values |= {
            "verb": verb,
            "verb_ing": grammar.verb_form(verb, "VBG"),
            "verb_past": grammar.verb_form(verb, "VBN"),
        }
    return values


def _fill(template: str, values: dict[str, str]) -> str:
    return " ".join(template.format_map(values).split())


def _story(pattern: StoryPattern, values: dict[str, str], role: str, persona: str, release: str) -> dict[str, Any]:
    goal = grammar.lower_first(_fill(pattern.goal, values))
    benefit = _fill(pattern.benefit, values)
    return {
        "title": grammar.capitalise(_fill(pattern.title, values))[:TITLE_LIMIT],
        "description": f"As {_someone(role)}, I want to {goal}, so that {grammar.lower_first(benefit)}.",
        "acceptance_criteria": [grammar.capitalise(_fill(text, values)) + "." for text in pattern.criteria],
        "release": release,
        "priority": pattern.priority,
        "estimate": pattern.estimate,
        "persona": persona,
    }


def _release(pattern: StoryPattern) -> str:
    if pattern.mvp:
        return RELEASES[0]
    return RELEASES[2] if pattern.priority == "could" else RELEASES[1]


def _third_person(title: str) -> str:
    """ "Pair and control devices" → "pairs and controls devices"."""
    out = title.split()
    for index, word in enumerate(out):
        joined = index > 0 and out[index - 1] in {"and", "or"}
        if index == 0 or (joined and grammar.can_be_verb(word) and not grammar.is_plural(word)):
            out[index] = grammar.verb_form(word.lower(), "VBZ")
    return " ".join(out)


def _role_name(role: str) -> str:
    return grammar.capitalise(role)


def _someone(role: str) -> str:
    """ "a pet owner", "an attendee"; a department named by its initials is "a member of HR"."""
    if (len(role) <= 3 and role.isupper()) or grammar.uncountable(role.split()[-1], words.UNCOUNTABLE):
        return f"a member of {_lower_role(role)}"  # "a member of HR", "a member of staff"
    return grammar.with_article(_lower_role(role))


def _lower_role(name: str) -> str:
    return " ".join(word if len(word) > 1 and word.isupper() else word.lower() for word in name.split())


def _is_organisation(name: str) -> bool:
    return name.lower().split()[-1] in words.ORGANISATIONS


def _plural_role(role: str) -> str:
    head = role.split()[-1]
    if grammar.uncountable(head, words.UNCOUNTABLE) or (len(head) > 1 and head.isupper()):
        return role  # "staff", "HR"
    return " ".join([*role.split()[:-1], grammar.noun_plural(head)])


def _release_goals(
    product: str, activities: list[dict[str, Any]], personas: dict[str, list[str]]
) -> list[dict[str, Any]]:
    by_release: dict[str, list[str]] = {name: [] for name in RELEASES}
    for activity in activities:
        firsts: dict[str, str] = {}
        for step in activity["steps"]:
            for story in step["stories"]:
                firsts.setdefault(story["release"], grammar.lower_first(story["title"]))
        for release, title in firsts.items():
            by_release[release].append(title)
    who = [f"{_plural_role(_lower_role(role))} {grammar.join_words(titles[:4])}" for role, titles in personas.items()]
    goals = {
        RELEASES[0]: f"A walking skeleton of {product}, every activity in its simplest form: {'; '.join(who)}.",
        RELEASES[1]: "Deepens every activity: " + grammar.join_words(by_release[RELEASES[1]][:5]) + ".",
        RELEASES[2]: f"Once {product} is in use: " + grammar.join_words(by_release[RELEASES[2]][:4]) + ".",
    }
    return [{"name": name, "goal": goals[name]} for name in RELEASES if by_release[name]]


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0]


def plan_map(description: str) -> dict[str, Any]:
    """A story map document for `description`. ValueError when the text has no words to read."""
    raw = (description or "").replace("\u2019", "'")
    text = " ".join(raw.split())
    if not _WORD.search(text):
        raise ValueError(
            "The description has no words to build a map from: describe who uses the product and what they do."
        )
    reading = read(raw)
    product = reading.name or (f"the {reading.product_noun}" if reading.product_noun else "the app")
    planned = _planned(reading, raw)
    roles = [*reading.roles, *(item.role for item in planned if item.role not in reading.roles)]

    activities: list[dict[str, Any]] = []
    persona_titles: dict[str, list[str]] = {}
    seen_titles: set[str] = set()
    for item in planned:
        persona = _role_name(item.role)
        values = _values(item.noun, product, item.verb if item.capability.id == GENERIC else "")
        steps: list[dict[str, Any]] = []
        purpose_used = False
        for step in item.capability.steps:
            role = item.role
            if step.side and step.side != side_of(item.role):
                # A step done by the other side ("handle changes as the provider") goes to someone on that side.
                other = next((name for name in roles if side_of(name) == step.side), None)
                if other is None:
                    continue
                role = other
            stories: list[dict[str, Any]] = []
            for pattern in step.stories:
                story = _story(pattern, values, role, _role_name(role), _release(pattern))
                if story["title"].lower() in seen_titles:
                    continue
                seen_titles.add(story["title"].lower())
                if item.purpose and not purpose_used and pattern.mvp:
                    # What the text says this is for is the benefit of its core story.
                    story["description"] = (
                        story["description"].rsplit(", so that ", 1)[0] + f", so that {item.purpose}."
                    )
                    purpose_used = True
                stories.append(story)
            if stories:
                steps.append(
                    {"title": grammar.capitalise(_fill(step.title, values)), "description": "", "stories": stories}
                )
        if not any(story["release"] == RELEASES[0] for step in steps for story in step["stories"]) and steps:
            steps[0]["stories"][0]["release"] = RELEASES[0]  # every activity is on the walking skeleton
        plural_role = grammar.capitalise(_plural_role(item.role))
        activities.append(
            {
                "title": item.title,
                "description": f"{plural_role} {grammar.lower_first(item.title)}.",
                "steps": steps,
            }
        )
        persona_titles.setdefault(persona, []).append(grammar.lower_first(item.title))

    personas = [
        {
            "name": name,
            "description": f"{grammar.capitalise(_someone(name))} "
            f"{'that' if _is_organisation(name) else 'who'} "
            f"{grammar.join_words([_third_person(title) for title in titles[:3]])}.",
            "goals": [grammar.capitalise(title) for title in titles],
        }
        for name, titles in persona_titles.items()
    ]
    title = reading.title
    if not title or title.lower() in words.PRODUCT_NOUNS:
        # "An app where dog owners …": say whom the product is for.
        people = grammar.join_words([_plural_role(_lower_role(name)) for name in persona_titles][:3])
        title = f"{grammar.capitalise(reading.product_noun or 'app')} for {people}"
    return {
        "schema_version": 1,
        "title": title[:TITLE_LIMIT],
        "description": _truncate(text, DESCRIPTION_LIMIT),
        "personas": personas,
        "releases": _release_goals(product, activities, persona_titles),
        "activities": activities,
    }
