"""The offline planner's help on one card: "Write acceptance criteria" and "Split a story".

Both read the story's own title the way a product manager does (its verb, the thing it acts on, the rest)
and answer in the product's words, with no model and no network:

- `suggest_criteria` writes Given/When/Then criteria the story lacks. A story the catalogue wrote (its title
  is a catalogue story's title filled with this map's object) first gets the catalogue's criteria it has
  lost; then the criteria of its verb's class (data/story_assists.yaml): the happy path, the main rule or
  limit, and the failure a person would hit. Looking and receiving verbs have classes of their own.
- `split_story` splits a story the map check would flag, or whose "and" opens a second action the catalogue
  knows (`split_reason`): two actions joined with "and"/"or" become one story each, the shared object given
  to a bare verb, whatever the estimate; a story estimated too big is split by its verb class's pattern
  (manage → add, change, remove; pay → by card, then other ways) only where the parts read well on its
  title, or, failing a class, by the steps of the catalogue capability its verb and object both fit.
  Persona, release, priority and benefit are kept, the estimate is shared out, and the story's criteria
  go to the part they concern.

Every word list and pattern is data (data/story_assists.yaml); the atomic check starts from the map check's
own (stories/qus.py), so everything the panel flags can be split.
"""

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import zip_longest
from pathlib import Path
from typing import Any

import yaml

from aimap import quality
from stories import qus
from stories.document import MapDocument, StoryDoc, title_key
from stories.limits import CRITERIA_MAX, CRITERION_MAX, SPLIT_ESTIMATE, TITLE_MAX

from . import grammar, words
from .catalogue import GENERIC, Capability, StoryPattern, catalogue, catalogue_verbs
from .grammar import NounPhrase

DATA_FILE = Path(__file__).resolve().parent / "data" / "story_assists.yaml"
MOST_CRITERIA = 5
MOST_PARTS = 4
_TOKEN = re.compile(r"[\w'\u2019&-]+|,")
_WORD = re.compile(r"[a-z0-9]+")
_COMMA = ","


# --- The data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitPart:
    title: str
    criteria: tuple[str, ...]  # its own; none: written for it like any story's


@dataclass(frozen=True)
class Template:
    """A criterion and the stories it fits: a criterion true of any story says nothing about this one."""

    text: str
    kinds: frozenset[str] = frozenset()  # only for objects of one of these kinds ("time", "money"); empty: any
    not_kinds: frozenset[str] = frozenset()  # never for objects of these kinds
    many: bool | None = None  # True: only a story about many things (a list); False: only one thing
    words: frozenset[str] = frozenset()  # only when the story or its step says one of these ("offline")
    objects: frozenset[str] = frozenset()  # head nouns it also fits, with `kinds` ("receipt" beside messages)


@dataclass(frozen=True)
class VerbClass:
    name: str
    verbs: frozenset[str]
    objects: frozenset[str]  # head nouns it is limited to; empty: any
    criteria: tuple[Template, ...]
    split: tuple[SplitPart, ...]
    split_verbs: frozenset[str]  # the verbs whose stories it splits; empty: all of its verbs
    split_plural_only: bool  # splits only a story about many things
    split_unless: frozenset[str]  # title words that say the split's choice is made already
    kinds: frozenset[str] = frozenset()  # object kinds it is limited to (an object in either list fits)
    context: frozenset[str] = frozenset()  # words one of which the story, its step or activity must say
    not_objects: frozenset[str] = frozenset()  # head nouns that give the verb another sense
    # What a story must be for its class's split to read well (the parts add words to the title):
    split_rest: tuple[str, ...] = ()  # the words after the object it may have ("for sale"); none: no words
    split_kinds: frozenset[str] = frozenset()  # object kinds it splits (or objects below); empty: any
    split_objects: frozenset[str] = frozenset()  # head nouns it splits besides those kinds
    split_owned: bool = True  # False: never a story about my own thing ("Edit the details of my pet")
    # Words the title itself must say ("quiet" of "Keep quiet hours"): a verb whose sense only its own
    # words give, where the step or activity (context) would let it fit stories of another sense.
    title_words: frozenset[str] = frozenset()
    rest_starts: frozenset[str] = frozenset()  # the words after the object must open with one ("as approved")
    own_object: bool | None = None  # True: only a title naming its object; False: only one naming none
    default_object: str = ""  # what a title naming no object is about ("notification"), not its step's object
    # A narrow sense only criteria read ("Mark … as …"): splitting reads the verb in the classes' own senses.
    criteria_only: bool = False


@dataclass(frozen=True)
class Data:
    determiners: frozenset[str]
    possessives: frozenset[str]
    pronouns: frozenset[str]
    object_ends: frozenset[str]
    object_joiners: frozenset[str]
    of_parts: frozenset[str]
    aspect_verbs: frozenset[str]
    dropped_modifiers: frozenset[str]
    verb_prepositions: dict[str, str]
    looking_open_verb: str
    classes: tuple[VerbClass, ...]
    generic: tuple[Template, ...]
    kinds: dict[str, frozenset[str]]  # kind → the head nouns of that kind
    receiving_trigger: str
    trigger_starts: tuple[str, ...]
    split_filler_words: frozenset[str]
    split_compounds: frozenset[str]  # "order history": after "and", a verb-looking word that opens a noun
    split_through_parts: frozenset[str]  # "the list of pets": a part of a thing a class still splits by
    estimates: tuple[int, ...]
    part_criteria: int
    overlap_stop_words: frozenset[str]
    benefit_subjects: frozenset[str]
    # How criteria alone read a title (splits read it as the shared reading does):
    criteria_object_ends: frozenset[str] = frozenset()  # "the questions people | will answer"
    criteria_modals: frozenset[str] = frozenset()  # after a subject: the object ends before that subject
    criteria_verbs: frozenset[str] = frozenset()  # title verbs the lexicon does not know ("sync")
    criteria_intransitive: frozenset[str] = frozenset()  # "sign up again", never "sign up it again"
    whole_list_verbs: frozenset[str] = frozenset()  # "Download the list of …" is about the list itself

    @property
    def phrasal_verbs(self) -> frozenset[str]:
        """Two-word verbs the classes name ("look at", "top up"), read as one verb in a title."""
        listed = {verb for verb_class in self.classes for verb in verb_class.verbs if " " in verb}
        return frozenset(listed | set(self.verb_prepositions) - {v for v in self.verb_prepositions if " " not in v})


def _list(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{DATA_FILE.name}: {key} must be a list of strings")
    return tuple(" ".join(item.split()) for item in value)


def _words_of(data: dict[str, Any], key: str) -> frozenset[str]:
    return frozenset(item.lower() for item in _list(data, key))


def _templates(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """Texts checked once: known placeholders only, and criteria in Given/When/Then with no final full stop."""
    texts = _list(data, key) if key in data else ()
    _check(texts, key, where)
    return texts


def _criteria(data: dict[str, Any], where: str) -> tuple[Template, ...]:
    """A class's criteria: a plain text fits any story; a mapping says which stories it fits."""
    found = []
    for index, item in enumerate(data.get("criteria") or []):
        entry = {"text": item} if isinstance(item, str) else item
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise ValueError(f"{DATA_FILE.name}: {where}.criteria[{index}] needs a text")
        text = " ".join(entry["text"].split())
        _check((text,), "criteria", where)
        many = entry.get("many")
        if many is not None and not isinstance(many, bool):
            raise ValueError(f"{DATA_FILE.name}: {where}.criteria[{index}].many must be true or false")
        found.append(
            Template(
                text,
                kinds=_words_of(entry, "kinds") if "kinds" in entry else frozenset(),
                not_kinds=_words_of(entry, "not_kinds") if "not_kinds" in entry else frozenset(),
                many=many,
                words=_words_of(entry, "words") if "words" in entry else frozenset(),
                objects=_words_of(entry, "objects") if "objects" in entry else frozenset(),
            )
        )
    return tuple(found)


def _split_parts(entry: dict[str, Any], where: str) -> tuple[SplitPart, ...]:
    parts = []
    for index, item in enumerate(entry.get("split") or []):
        if isinstance(item, str):
            item = {"title": item}
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            raise ValueError(f"{DATA_FILE.name}: {where}.split[{index}] needs a title")
        _check((item["title"],), "split", f"{where}.split[{index}]")
        parts.append(SplitPart(item["title"], _templates(item, "criteria", f"{where}.split[{index}]")))
    if len(parts) == 1 or len(parts) > MOST_PARTS:
        raise ValueError(f"{DATA_FILE.name}: {where}.split must list 2-{MOST_PARTS} parts")
    return tuple(parts)


def _check(texts: tuple[str, ...], key: str, where: str) -> None:
    for text in texts:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        unknown = names - PLACEHOLDERS
        if unknown:
            raise ValueError(f"{DATA_FILE.name}: {where}.{key}: unknown placeholders {sorted(unknown)}")
        if key == "criteria" and not (text.startswith("Given ") and ", when " in text and ", then " in text):
            raise ValueError(f"{DATA_FILE.name}: {where}: {text!r} must read 'Given …, when …, then …'")
        if key == "criteria" and text.endswith("."):
            raise ValueError(f"{DATA_FILE.name}: {where}: {text!r} must not end with a full stop")


PLACEHOLDERS = frozenset(
    {
        "verb",
        "verb_ing",
        "verb_past",
        "verb_it",
        "verb_the_object",
        "object",
        "objects",
        "an_object",
        "the_object",
        "the_objects",
        "view",
        "rest",
        "title",
        "product",
        "trigger",
        "benefit",
        "state",
    }
)


@cache
def data() -> Data:
    """data/story_assists.yaml, checked, once per process."""
    raw = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    classes = []
    # The criteria's own narrow senses come first, and only for writing criteria (see VerbClass.criteria_only).
    narrow = list(raw.get("criteria_classes") or [])
    for index, entry in enumerate([*narrow, *raw["classes"]]):
        where = f"criteria_classes[{index}]" if index < len(narrow) else f"classes[{index - len(narrow)}]"
        classes.append(
            VerbClass(
                criteria_only=index < len(narrow),
                name=str(entry["name"]),
                verbs=_words_of(entry, "verbs"),
                objects=_words_of(entry, "objects") if "objects" in entry else frozenset(),
                criteria=_criteria(entry, where),
                split=_split_parts(entry, where),
                split_verbs=_words_of(entry, "split_verbs") if "split_verbs" in entry else frozenset(),
                split_plural_only=bool(entry.get("split_plural_only", False)),
                split_unless=_words_of(entry, "split_unless") if "split_unless" in entry else frozenset(),
                kinds=_words_of(entry, "kinds") if "kinds" in entry else frozenset(),
                context=_words_of(entry, "context") if "context" in entry else frozenset(),
                not_objects=_words_of(entry, "not_objects") if "not_objects" in entry else frozenset(),
                split_rest=tuple(item.lower() for item in _list(entry, "split_rest")) if "split_rest" in entry else (),
                split_kinds=_words_of(entry, "split_kinds") if "split_kinds" in entry else frozenset(),
                split_objects=_words_of(entry, "split_objects") if "split_objects" in entry else frozenset(),
                split_owned=bool(entry.get("split_owned", True)),
                title_words=_words_of(entry, "title_words") if "title_words" in entry else frozenset(),
                rest_starts=_words_of(entry, "rest_starts") if "rest_starts" in entry else frozenset(),
                own_object=entry.get("own_object"),
                default_object=str(entry.get("default_object", "")),
            )
        )
    prepositions = raw["verb_prepositions"]
    if not isinstance(prepositions, dict):
        raise ValueError(f"{DATA_FILE.name}: verb_prepositions must map verbs to prepositions")
    estimates = tuple(int(value) for value in raw["estimates"])
    known = set(raw["kinds"])
    for verb_class in classes:
        if unknown := verb_class.split_kinds - known:
            raise ValueError(f"{DATA_FILE.name}: {verb_class.name}: unknown split_kinds {sorted(unknown)}")
        for template in verb_class.criteria:
            if unknown := (template.kinds | template.not_kinds | verb_class.kinds) - known:
                raise ValueError(f"{DATA_FILE.name}: {verb_class.name}: unknown kinds {sorted(unknown)}")
    return Data(
        determiners=_words_of(raw, "determiners"),
        possessives=_words_of(raw, "possessives"),
        pronouns=_words_of(raw, "pronouns"),
        object_ends=_words_of(raw, "object_ends"),
        object_joiners=_words_of(raw, "object_joiners"),
        of_parts=_words_of(raw, "of_parts"),
        aspect_verbs=_words_of(raw, "aspect_verbs"),
        dropped_modifiers=_words_of(raw, "dropped_modifiers"),
        verb_prepositions={str(verb): str(word) for verb, word in prepositions.items()},
        looking_open_verb=str(raw["looking_open_verb"]),
        classes=tuple(classes),
        generic=_criteria(raw["generic"], "generic"),
        kinds={str(kind): _words_of(raw["kinds"], kind) for kind in raw["kinds"]},
        receiving_trigger=str(raw["receiving_trigger"]),
        trigger_starts=_list(raw, "trigger_starts"),
        split_filler_words=_words_of(raw, "split_filler_words"),
        split_compounds=_words_of(raw, "split_compounds"),
        split_through_parts=_words_of(raw, "split_through_parts"),
        estimates=tuple(sorted(estimates)),
        part_criteria=int(raw["part_criteria"]),
        overlap_stop_words=_words_of(raw, "overlap_stop_words"),
        benefit_subjects=_words_of(raw, "benefit_subjects"),
        criteria_object_ends=_words_of(raw, "criteria_object_ends"),
        criteria_modals=_words_of(raw, "criteria_modals"),
        criteria_verbs=_words_of(raw, "criteria_verbs"),
        criteria_intransitive=_words_of(raw, "criteria_intransitive"),
        whole_list_verbs=_words_of(raw, "whole_list_verbs"),
    )


# --- Reading a title -----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One verb phrase of a title: "Pay | for | an | appointment | online"."""

    verb: str  # the lemma, with its particle: "check in", "look at"
    preposition: str  # "for" in "pay for an appointment"
    determiners: tuple[str, ...]  # ("all", "my"), as written
    object_words: tuple[str, ...]  # ("upcoming", "appointments"), as written, with an "of …" tail
    rest: str  # "to my account", as written

    @property
    def has_object(self) -> bool:
        return bool(self.object_words)

    @property
    def pronoun(self) -> bool:
        return len(self.object_words) == 1 and not self.determiners and self.object_words[0].lower() in data().pronouns

    def phrase(self) -> str:
        """The action as a title reads it, lower case verb."""
        parts = [self.verb, self.preposition, *self.determiners, *self.object_words, self.rest]
        return " ".join(part for part in parts if part)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.replace("\u2019", "'"))


def parse_action(tokens: list[str]) -> Action | None:
    """A verb-first phrase read as verb, object and rest; None when it does not open with a verb."""
    found = [piece for piece in tokens if piece != _COMMA]
    if not found or not grammar.can_be_verb(found[0]):
        return None
    lower = [token.lower() for token in found]
    verb = grammar.verb_lemma(lower[0])
    if verb in data().aspect_verbs and len(found) > 1 and lower[1].endswith("ing") and grammar.can_be_verb(lower[1]):
        return parse_action(found[1:])  # "Start picking a category" is picking a category
    index = 1
    if index < len(found) and (
        lower[index] in words.PARTICLES.get(verb, ()) or f"{verb} {lower[index]}" in data().phrasal_verbs
    ):
        verb = f"{verb} {lower[index]}"
        index += 1
    preposition = ""
    if index < len(found) and data().verb_prepositions.get(verb) == lower[index]:
        preposition = lower[index]
        index += 1
    determiners: list[str] = []
    while index < len(found) and lower[index] in data().determiners:
        determiners.append(found[index])
        index += 1
    object_words: list[str] = []
    while index < len(found):
        word = lower[index]
        if word in data().object_joiners and object_words and index + 1 < len(found):
            object_words.append(found[index])  # "the price of a menu item": "of" continues the object
        elif object_words and object_words[-1].lower() in data().object_joiners and word in data().determiners:
            object_words.append(found[index])
        elif word in data().object_ends or (object_words and word in data().determiners):
            break
        else:
            object_words.append(found[index])
        index += 1
    if object_words and object_words[-1].lower() in data().object_joiners:
        object_words.pop()
        index -= 1
    return Action(verb, preposition, tuple(determiners), tuple(object_words), " ".join(found[index:]))


@dataclass(frozen=True)
class Thing:
    """The object of a story in the forms criteria need: "my appointment", "the list of my pets"."""

    noun: NounPhrase
    tail: str  # "of a menu item"
    possessive: str  # "my" when the title says "my …"
    plural: bool  # the title names many ("all my pets")
    article: str = ""  # "a" of "a customer's notes"
    owner: str = ""  # "each person's" of "each person's open tickets": whose, read apart from the noun

    @property
    def one(self) -> str:
        return f"{self.noun.one} {self.tail}".strip()

    @property
    def many(self) -> str:
        return f"{self.noun.many} {self.tail}".strip()

    @property
    def an_one(self) -> str:
        return f"{self.noun.with_article} {self.tail}".strip()

    def definite(self, phrase: str) -> str:
        if self.owner:
            return f"{self.owner} {phrase}"
        if self.possessive:
            return f"{self.possessive} {phrase}"
        if phrase.split()[0].endswith(("'s", "s'")):
            # "a customer's notes": the possessive noun is the determiner, with the title's own article.
            return f"{self.article} {phrase}".strip()
        return f"the {phrase}"

    @property
    def view(self) -> str:
        """What a looking story opens: the thing itself, or the list when the title names many."""
        if not self.plural or not self.noun.countable:
            return self.definite(self.one)
        if self.owner:
            return self.definite(self.many)  # "today's sales", not "the list of today's sales"
        return f"the list of {self.definite(self.many)}" if self.possessive else f"the list of {self.many}"


def thing_of(action: Action) -> Thing | None:
    if not action.has_object or action.pronoun:
        return None
    object_words = list(action.object_words)
    dets = [word.lower() for word in action.determiners]
    lowered = [word.lower() for word in object_words]
    joiner = next((at for at, word in enumerate(lowered) if word in data().object_joiners), None)
    tail = ""
    if joiner is not None and joiner > 0 and lowered[joiner - 1] not in data().of_parts:
        # "a photo of my pet": the photo is the object, "of my pet" says whose.
        tail = " ".join(object_words[joiner:])
        object_words = object_words[:joiner]
    elif joiner is not None:
        # "the details of a pet", "the type of appointment I need": what the criteria are about is the pet.
        after = object_words[joiner + 1 :]
        dets = []
        while after and after[0].lower() in data().determiners:
            dets.append(after.pop(0).lower())
        object_words = after
    if not object_words or any(word.lower() in data().pronouns for word in object_words):
        return None
    head = object_words[-1]
    if not grammar.can_be_noun(head) or head.lower() in data().object_ends:
        return None
    object_words = [word for word in object_words[:-1] if word.lower() not in data().dropped_modifiers] + [head]
    plural = grammar.is_plural(head) or any(word in {"all", "every", "several", "these", "those"} for word in dets)
    countable = grammar.is_plural(head) or (
        bool(dets) and not grammar.uncountable(head, words.UNCOUNTABLE) and "some" not in dets
    )
    if not dets and not grammar.is_plural(head):
        countable = not grammar.uncountable(head, words.UNCOUNTABLE)
    modifiers = " ".join(object_words[:-1])
    singular = grammar.noun_singular(head)
    noun = NounPhrase(modifiers, singular.lower() if head.islower() else singular, countable=countable)
    possessive = next((word for word in dets if word in data().possessives), "")
    article = next((word for word in dets if word in {"a", "an", "the"}), "")
    return Thing(noun=noun, tail=tail, possessive=possessive, plural=plural, article=article)


def kinds_of(thing: Thing | None) -> frozenset[str]:
    """What sort of thing the object is ("time" for free times and appointments, "money" for a bill)."""
    if thing is None:
        return frozenset()
    head = thing.noun.head.lower()
    return frozenset(kind for kind, nouns in data().kinds.items() if head in nouns)


def _class_of(action: Action, thing: Thing | None, context: frozenset[str] | None = None) -> VerbClass | None:
    """The first class whose verbs hold the verb (the phrasal verb, else its head) and whose objects fit.

    A verb's sense comes from its context: "confirm" in a booking step finalises my own booking, elsewhere
    it decides on someone's request. A class that needs a context fits only when `context` (the words of
    the story, its step and activity) holds one of its words; with no context known it never fits."""
    head_noun = thing.noun.head.lower() if thing else ""
    kinds = kinds_of(thing)
    for candidate in (action.verb, action.verb.split(" ")[0] if " " not in action.verb else ""):
        if not candidate:
            continue
        for verb_class in data().classes:
            if candidate not in verb_class.verbs or head_noun in verb_class.not_objects:
                continue
            if (verb_class.objects or verb_class.kinds) and not (
                head_noun in verb_class.objects or kinds & verb_class.kinds
            ):
                continue
            if verb_class.context and not (context and context & verb_class.context):
                continue
            if (verb_class.criteria_only and context is None) or not _title_fits(verb_class, action):
                continue
            return verb_class
    return None


def _title_fits(verb_class: VerbClass, action: Action) -> bool:
    """Whether the title's own words give the verb the class's sense ("Mark … as …", "Keep quiet hours")."""
    if verb_class.own_object is not None and verb_class.own_object != (action.has_object and not action.pronoun):
        return False
    if verb_class.title_words and not verb_class.title_words & set(_WORD.findall(action.phrase().lower())):
        return False
    rest = action.rest.lower().split()
    return not verb_class.rest_starts or bool(rest and rest[0] in verb_class.rest_starts)


def _fits(template: Template, thing: Thing, context: frozenset[str]) -> bool:
    """Whether a criterion is true of this story's object, not merely of some object."""
    kinds = kinds_of(thing)
    if (template.kinds or template.objects) and not (
        template.kinds & kinds or thing.noun.head.lower() in template.objects
    ):
        return False
    if template.not_kinds & kinds:
        return False
    if template.many is not None and template.many != (thing.plural and thing.noun.countable):
        return False
    return not template.words or bool(template.words & context)


def _context(document: MapDocument, activity: int, step: int, title: str, description: str) -> frozenset[str]:
    """The words a story is read in: its own, its step's and its activity's."""
    activity_doc = document["activities"][activity]
    texts = [title, description, activity_doc["steps"][step]["title"], activity_doc["title"]]
    return frozenset(_WORD.findall(" ".join(texts).lower()))


def _product(document: MapDocument) -> str:
    """The product as the planner names it in criteria: its name, "the platform", or "the app"."""
    title = " ".join((document.get("title") or "").split())
    if title and " " not in title and title[:1].isupper():
        return title
    noun = next((word for word in title.lower().split() if word in words.PRODUCT_NOUNS), "")
    return f"the {noun}" if noun else "the app"


def _values(action: Action, thing: Thing, *, title: str, product: str) -> dict[str, str]:
    verb = action.verb
    with_preposition = f"{verb} {action.preposition}".strip()
    trigger = grammar.with_article(thing.one) + " is due for me" if thing.noun.countable else f"{thing.one} is due"
    rest = action.rest
    lowered = rest.lower()
    for start in data().trigger_starts:
        if lowered.startswith(f"{start} ") and len(rest.split()) > 2:
            trigger = rest[len(start) + 1 :]
            rest = ""
    values = {
        "verb": verb,
        "verb_ing": grammar.verb_form(verb, "VBG"),
        "verb_past": grammar.verb_form(verb, "VBN"),
        "verb_it": f"{with_preposition} it",
        "verb_the_object": f"{with_preposition} {thing.definite(thing.one)}",
        "object": thing.one,
        "objects": thing.many,
        "an_object": thing.an_one,
        "the_object": thing.definite(thing.one),
        "the_objects": thing.definite(thing.many),
        "view": thing.view,
        "rest": f" {rest}" if rest and rest.split()[0].lower() in _REST_STARTS else "",
        "title": grammar.lower_first(title),
        "product": product,
    }
    values["trigger"] = data().receiving_trigger.format_map(values) if trigger.endswith("due for me") else trigger
    return values


# A rest that reads well after "when I add the pet": a place or means, not a time or a clause.
_REST_STARTS = frozenset({"to", "into", "onto", "from", "with", "on", "in", "at", "for", "via", "by"})


def _fill(template: str, values: dict[str, str]) -> str:
    return grammar.capitalise(" ".join(template.format_map(values).split()))


# --- The catalogue: a story the planner wrote ---------------------------------------------


@dataclass(frozen=True)
class CatalogueMatch:
    capability: Capability
    pattern: StoryPattern
    noun: NounPhrase | None  # what the title filled {object} with; None when its title names none


_PLACEHOLDER = re.compile(r"\{(object|objects|an_object|product)\}")


@cache
def _title_regex(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(title_key(template[position : match.start()])))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        position = match.end()
    parts.append(re.escape(title_key(template[position:])))
    return re.compile("^" + "".join(parts).replace(r"\ ", " ") + "$")


def _noun_from(groups: dict[str, str]) -> NounPhrase | None:
    # A group may hold only spaces ("Search  by keyword"): that names no object.
    groups = {name: value for name, value in groups.items() if value and value.strip()}
    if groups.get("object"):
        text = groups["object"].split()
        return NounPhrase(" ".join(text[:-1]), text[-1], countable=not grammar.uncountable(text[-1], words.UNCOUNTABLE))
    if groups.get("objects"):
        text = groups["objects"].split()
        head = grammar.noun_singular(text[-1])
        return NounPhrase(" ".join(text[:-1]), head, countable=head != text[-1])
    if groups.get("an_object"):
        first, _, rest = groups["an_object"].partition(" ")
        text = rest.split()
        if first in {"a", "an", "some"} and text:
            return NounPhrase(" ".join(text[:-1]), text[-1], countable=first != "some")
    return None


def _matches(title: str) -> list[CatalogueMatch]:
    key = title_key(title)
    found = []
    for capability in catalogue().values():
        if capability.id == GENERIC:
            continue  # its titles are made of the story's own verb: nothing to recognise
        for step in capability.steps:
            for pattern in step.stories:
                if match := _title_regex(pattern.title).match(key):
                    found.append(CatalogueMatch(capability, pattern, _noun_from(match.groupdict())))
    return found


def catalogue_match(document: MapDocument, *, activity: int, title: str) -> CatalogueMatch | None:
    """The catalogue story this title is, with the object the activity uses, or None.

    A title with no placeholder ("Choose who I see") may be in several capabilities: the one most of the
    activity's stories come from wins, and the object comes from those of its stories that name it."""
    own = _matches(title)
    if not own:
        return None
    siblings = [
        found
        for step in document["activities"][activity]["steps"]
        for story in step["stories"]
        for found in _matches(story["title"])
    ]
    counts: dict[str, int] = {}
    for found in siblings:
        counts[found.capability.id] = counts.get(found.capability.id, 0) + 1
    best = max(own, key=lambda found: (found.noun is not None, counts.get(found.capability.id, 0)))
    if best.noun is not None:
        return best
    noun = next((f.noun for f in siblings if f.capability.id == best.capability.id and f.noun is not None), None)
    return CatalogueMatch(best.capability, best.pattern, noun or _default_noun(best.capability))


def _default_noun(capability: Capability) -> NounPhrase:
    text = capability.default_object.split()
    return NounPhrase(" ".join(text[:-1]), text[-1], countable=not grammar.uncountable(text[-1], words.UNCOUNTABLE))


def _catalogue_criteria(match: CatalogueMatch, product: str) -> list[str]:
    noun = match.noun or _default_noun(match.capability)
    values = noun.placeholders() | {"product": product}
    return [_fill(text, values) for text in match.pattern.criteria]


# --- Acceptance criteria -------------------------------------------------------------------


def _story_at(document: MapDocument, activity: int, step: int, story: int) -> StoryDoc:
    return document["activities"][activity]["steps"][step]["stories"][story]


def _collides(text: str) -> bool:
    return bool(quality.collisions({"title": text}))


def _fallback_action(document: MapDocument, activity: int, step: int) -> Action | None:
    """The object of a title that names none ("See who last changed the device"): its step's, else its activity's."""
    activity_doc = document["activities"][activity]
    for title in (activity_doc["steps"][step]["title"], activity_doc["title"]):
        action = parse_action(_tokens(title))
        if action is not None and thing_of(action) is not None:
            return action
    return None


def _generated(document: MapDocument, activity: int, step: int, title: str, description: str) -> list[str]:
    """The verb class's criteria (or the generic ones) filled with the story's verb and object."""
    tokens = _tokens(title)
    actions: list[Action] = _part_actions(tokens)
    if not actions and (single := _criteria_parse(tokens)) is not None:
        actions = [single]
    if not actions:
        goal, infinitive = qus.goal(title=title, description=description)
        if infinitive and (from_goal := parse_action(_tokens(goal))) is not None:
            actions = [from_goal]
    # A story that joins actions gets criteria for each in turn: "book" then "pay", not two of "book".
    context = _context(document, activity, step, title, description)
    benefit = _benefit(description) if len(actions) == 1 else ""
    groups = [
        _action_criteria(document, activity, step, action, title, context=context, benefit=benefit)
        for action in actions
    ]
    return [text for row in zip_longest(*groups) for text in row if text is not None]


def _benefit(description: str) -> str:
    """The story's "so that …" as a clause a criterion's "then" can end with: "the place goes to someone else"."""
    parsed = qus.parse(description)
    if parsed is None or (parsed.ends_marker or "").lower() != "so that":
        return ""
    ends = " ".join(parsed.ends.split()).rstrip(".")
    # A clause with a subject of its own reads after "then"; "so that to …" or a bare verb does not.
    first = ends.split(" ", 1)[0].lower() if ends else ""
    return ends if first in data().benefit_subjects else ""


def _action_criteria(
    document: MapDocument,
    activity: int,
    step: int,
    action: Action,
    title: str,
    *,
    context: frozenset[str],
    benefit: str,
) -> list[str]:
    action = _criteria_action(action)
    thing = _whole_list(action) or _owned(thing_of(action), action)
    borrowed = False
    if thing is None and action.has_object and not action.pronoun:
        return []  # "Get each answer marked": an object it cannot read is not its step's object
    if thing is None:
        # The title names no object: the class may say what it is about, else the step's or activity's object.
        verb_class = _class_of(action, None, context)
        if verb_class is not None and verb_class.default_object:
            thing = _thing_named(verb_class.default_object)
        elif (fallback := _fallback_action(document, activity, step)) is not None:
            thing, borrowed = thing_of(fallback), True
        action = Action(action.verb, action.preposition, (), (), action.rest)
    if thing is None:
        return []
    verb_class = _class_of(action, thing, context)
    templates = verb_class.criteria if verb_class and verb_class.criteria else data().generic
    values = _values(action, thing, title=title, product=_product(document)) | {
        "benefit": benefit,
        "state": _state(action),
    }
    intransitive = action.verb in data().criteria_intransitive
    if intransitive:
        values["verb_it"] = action.verb  # "when I try to sign up again": no object, so none borrowed either
    return [
        _fill(template.text, values)
        for template in templates
        if _fits(template, thing, context)
        and not any(f"{{{name}}}" in template.text and not values[name] for name in ("benefit", "state"))
        # "Given I choose the reminder" of "Choose how early I hear", "when I try to message it" of "Message
        # everyone who holds a ticket": the object is the step's, never the verb's.
        and not (borrowed and _verb_takes_object(template.text, intransitive=intransitive))
    ]


# A criterion that makes its object the verb's: left out when the object is the step's (see _action_criteria).
_VERB_OBJECT = re.compile(
    r"\{verb_the_object\}|\{verb_it\}|\{verb(?:_ing|_past)?\} *\{(?:an_object|the_object|the_objects|objects|object)\}"
)


def _verb_takes_object(text: str, *, intransitive: bool) -> bool:
    """Whether a criterion makes its object the verb's ("{verb_it}" of "sign up" takes none)."""
    return bool(_VERB_OBJECT.search(text.replace("{verb_it}", "{verb}") if intransitive else text))


def _criteria_parse(tokens: list[str]) -> Action | None:
    """A title read for its criteria: as the shared reading does, and also when it opens with a verb the lexicon
    does not know ("Sync busy times from my personal calendar")."""
    action = parse_action(tokens)
    words_of = [token for token in tokens if token != _COMMA]
    if action is None and len(words_of) > 1 and words_of[0].lower() in data().criteria_verbs:
        # Read with a plain stand-in verb that takes no particle or preposition, then given back its own.
        stand_in = parse_action(["name", *words_of[1:]])
        if stand_in is not None:
            return Action(words_of[0].lower(), "", stand_in.determiners, stand_in.object_words, stand_in.rest)
    return action


def _criteria_action(action: Action) -> Action:
    """The object ends where a clause or a comparison starts: "the questions | people will answer" (a subject
    before a modal), "claims | above my limit"."""
    lowered = [word.lower() for word in action.object_words]
    cut = next((at for at, word in enumerate(lowered) if at and word in data().criteria_object_ends), None)
    if cut is None:
        return action
    if lowered[cut] in data().criteria_modals and cut >= 2:
        cut -= 1
    rest = " ".join([*action.object_words[cut:], action.rest]).strip()
    return Action(action.verb, action.preposition, action.determiners, action.object_words[:cut], rest)


def _whole_list(action: Action) -> Thing | None:
    """ "Download the list of languages I picked" is about the list, not one language: the file is the list."""
    lowered = [word.lower() for word in action.object_words]
    if action.verb not in data().whole_list_verbs or len(lowered) < 3 or lowered[:2] != ["list", "of"]:
        return None
    dets = [word.lower() for word in action.determiners]
    possessive = next((word for word in dets if word in data().possessives), "")
    return Thing(
        noun=NounPhrase("", action.object_words[0], countable=True),
        tail=" ".join(action.object_words[1:]),
        possessive=possessive,
        plural=False,
    )


def _state(action: Action) -> str:
    """What "Mark the reply as the answer" makes of its object: "the answer"; "" when the title says none."""
    rest = action.rest.split()
    return " ".join(rest[1:]) if len(rest) > 1 and rest[0].lower() == "as" else ""


def _thing_named(phrase: str) -> Thing:
    """A class's own object for titles that name none: "Get told when it is on its way" is about a notification."""
    text = phrase.split()
    noun = NounPhrase(" ".join(text[:-1]), text[-1], countable=not grammar.uncountable(text[-1], words.UNCOUNTABLE))
    return Thing(noun=noun, tail="", possessive="", plural=False)


def _owned(thing: Thing | None, action: Action) -> Thing | None:
    """ "See each person's open tickets" is about open tickets, each person's: the owner is read apart, so that
    criteria say "there are no open tickets yet", never "there are no person's open tickets"."""
    if thing is None or thing.tail:
        return thing
    modifiers = thing.noun.modifiers.split()
    owners = [at for at, word in enumerate(modifiers) if word.endswith(("'s", "s'"))]
    if not owners:
        return thing
    words_of = list(action.object_words)
    said = next((at for at, word in enumerate(words_of) if word == modifiers[owners[-1]]), None)
    if said is None:
        return thing
    owner = " ".join([*action.determiners, *words_of[: said + 1]])
    noun = NounPhrase(" ".join(modifiers[owners[-1] + 1 :]), thing.noun.head, countable=thing.noun.countable)
    return Thing(noun=noun, tail="", possessive="", plural=thing.plural, owner=owner)


def _keys(text: str, title: str) -> set[Any]:
    """What makes two criteria the same: the text, the text with the title's words masked, and the situation
    its "Given" sets up ("Given my appointment is more than 24 hours away" is "the appointment is …")."""
    given = _given(text)
    keys: set[Any] = {quality.normalise(text), quality.mask_title(text, title)}
    if given:
        keys.add(given)
    return keys


def _given(text: str) -> frozenset[str]:
    return frozenset(_content(text.split(", when ", 1)[0])) if ", when " in text else frozenset()


def _same_situation(given: frozenset[str], givens: list[frozenset[str]], title: str) -> bool:
    """ "Given the time is still free" is the situation of "Given the time I chose is still free": a Given
    of two or more words inside another's sets up the same thing. The title's own words say only what the
    story is about ("Given there are no vet bills yet" is not "Given some vet bills are not paid")."""
    own = frozenset(_content(title))
    given = given - own
    return any(
        min(len(given), len(other - own)) >= 2 and (given <= other - own or other - own <= given)
        for other in givens
        if other
    )


def _restates(words: set[str], wholes: list[set[str]]) -> bool:
    """Every word of a criterion the story has is in this one: it says the same with more words ("Given
    several types, when I pick one, then its length and price are shown" and "Given the app offers several
    types, … shown before I choose a time")."""
    return any(len(whole) >= 3 and whole <= words for whole in wholes)


def _new_criteria(candidates: Iterable[str], *, title: str, existing: list[str], most: int) -> list[str]:
    """The candidates that are new to the story (as written, once its title words are masked, and by the
    situation their Given sets up), in order."""
    seen: set[Any] = set()
    givens: list[frozenset[str]] = []
    wholes: list[set[str]] = []
    for text in existing:
        seen |= _keys(text, title)
        givens.append(_given(text))
        wholes.append(_content(text))
    chosen: list[str] = []
    for text in candidates:
        text = text.strip().rstrip(".")
        keys = _keys(text, title)
        if not text or keys & seen or _collides(text) or len(text) > CRITERION_MAX:
            continue
        if _same_situation(_given(text), givens, title) or _restates(_content(text), wholes):
            continue
        seen |= keys
        givens.append(_given(text))
        chosen.append(text)
        if len(chosen) >= most:
            break
    return chosen


def _criteria_candidates(document: MapDocument, activity: int, step: int, title: str, description: str) -> list[str]:
    found = []
    if match := catalogue_match(document, activity=activity, title=title):
        found.extend(_catalogue_criteria(match, _product(document)))
    found.extend(_generated(document, activity, step, title, description))
    return found


def suggest_criteria(document: MapDocument, *, activity: int, step: int, story: int, most: int = 5) -> list[str]:
    """1-5 new Given/When/Then criteria for one story, none equal to one it has; [] when none is honest.

    The indices are board positions in `document` (IndexError when there is no such story)."""
    card = _story_at(document, activity, step, story)
    existing = list(card["acceptance_criteria"])
    room = min(most, MOST_CRITERIA, CRITERIA_MAX - len(existing))
    candidates = _criteria_candidates(document, activity, step, card["title"], card["description"])
    chosen = _new_criteria(candidates, title=card["title"], existing=existing, most=max(room, 0))
    # One honest criterion is worth more than none; a filler one is not, and the data has none.
    return in_the_style_of(existing, chosen)


def in_the_style_of(existing: list[str], written: list[str]) -> list[str]:
    """`written` ending as the story's own criteria end: with a full stop as the planner's do, unless most of the
    story's criteria have none (they are the team's words, and a card should read as one)."""
    bare = sum(not text.rstrip().endswith(".") for text in existing)
    stop = "" if existing and bare * 2 > len(existing) else "."
    return [text.rstrip(".") + stop for text in written]


# --- Splitting -----------------------------------------------------------------------------


def split_reason(story: StoryDoc) -> str | None:
    """Why this story should be split, or None.

    Everything the map check flags (stories/quality.py), and, read more keenly than the panel reads a
    title it was not asked about, a title whose "and" opens a second action the catalogue knows ("Edit the
    details of my pet and upload documents for my pet"). Two actions come first, whatever the estimate."""
    if _joins_actions(story):
        return "it joins two actions with “and”"
    if story["estimate"] is not None and story["estimate"] >= SPLIT_ESTIMATE:
        return f"its estimate is {SPLIT_ESTIMATE} or more"
    return None


def _joins_actions(story: StoryDoc) -> bool:
    if not qus.is_atomic(title=story["title"], description=story["description"]):
        return True
    goal, infinitive = qus.goal(title=story["title"], description=story["description"])
    texts = [story["title"], goal] if infinitive else [story["title"]]
    return any(len(_segments(_tokens(text), keen=True)) > 1 for text in texts)


@cache
def _action_verbs() -> frozenset[str]:
    """The verbs stories open with: the catalogue's (its rules' and its titles' first words) and the classes'."""
    titles = {
        pattern.title.split(" ", 1)[0].lower()
        for capability in catalogue().values()
        for step in capability.steps
        for pattern in (*step.stories, *step.more)
    }
    listed = {verb.split(" ")[0] for verb_class in data().classes for verb in verb_class.verbs}
    return frozenset(word for word in titles | listed | catalogue_verbs() if word.isalpha())


def _second_action(plain: list[str], index: int) -> bool:
    """Whether the word after the conjunction at `index` opens an action of its own: a verb stories open
    with, in its plain form ("upload", not "uploads"), followed by more words, and not the first word of a
    noun ("order history")."""
    if index == 0 or index + 2 > len(plain) - 1 or not grammar.can_be_verb(plain[0]):
        return False
    lowered, following = plain[index + 1].lower(), plain[index + 2].lower()
    if lowered not in _action_verbs() or not _plain_verb(lowered):
        return False
    return f"{lowered} {following}" not in data().split_compounds


def _joining(tokens: list[str], *, keen: bool = False) -> list[int]:
    """The conjunctions of a title that join two actions, by the map check's own rule.

    Each is checked alone (the others turned into a word that joins nothing), so that the positions qus.py
    reads are the title's own. `keen` (asked to split) also cuts before a second action the map check
    leaves alone (`_second_action`), and never before a name ("… with Apple Pay or Google Pay")."""
    conjunctions = qus.words().conjunctions
    plain = [piece for piece in tokens if piece != _COMMA]
    found = []
    for index, token in enumerate(plain):
        if token.lower() not in conjunctions:
            continue
        following = plain[index + 1] if index + 1 < len(plain) else ""
        if keen and (following[:1].isupper() or not _plain_verb(following)):
            continue  # "or Google Pay" is a name; "late and missing work" are two words for the work
        probe = [word if at == index or word.lower() not in conjunctions else "with" for at, word in enumerate(plain)]
        if not qus.is_atomic(title=" ".join(probe[: index + 3]), description="") or (
            keen and _second_action(plain, index)
        ):
            found.append(index)
    return found


def _plain_verb(word: str) -> bool:
    """A verb as a title's second action starts: its plain form ("pay", not "paid" or "missing"), or "then"."""
    lowered = word.lower()
    return lowered in qus.words().sequence_words or lowered in grammar.lemmas(lowered).get("VERB", ())


def _segments(tokens: list[str], *, keen: bool = False) -> list[list[str]]:
    """The title cut at each conjunction that joins actions, and at the commas of a list of verbs before one."""
    plain = [piece for piece in tokens if piece != _COMMA]
    cuts = _joining(tokens, keen=keen)
    if not cuts:
        return []
    segments: list[list[str]] = []
    start = 0
    for cut in cuts:
        segments.append(plain[start:cut])
        start = cut + 1
    segments.append(plain[start:])
    # "Book, move or cancel appointments": the commas before the first joining word list verbs too.
    items = _comma_items(tokens, plain[cuts[0]])
    if len(items) > 1 and all(len(item) == 1 and grammar.can_be_verb(item[0]) for item in items[1:]):
        segments = [*items, *segments[1:]]
    return [segment for segment in segments if segment]


def _comma_items(tokens: list[str], conjunction: str) -> list[list[str]]:
    """The comma-separated items before the first joining word: [["Book"], ["move"]]."""
    items: list[list[str]] = [[]]
    for piece in tokens[: tokens.index(conjunction)]:
        if piece == _COMMA:
            items.append([])
        else:
            items[-1].append(piece)
    return items


def _part_actions(tokens: list[str]) -> list[Action]:
    """The actions of a title that joins several, each with its object: the shared one, or a pronoun's."""
    segments = _segments(tokens)
    actions = [parse_action(segment) for segment in segments]
    if len(actions) < 2 or any(action is None for action in actions):
        return []
    parsed = [action for action in actions if action is not None]
    last = next((action for action in reversed(parsed) if action.has_object and not action.pronoun), None)
    first = next((action for action in parsed if action.has_object and not action.pronoun), None)
    if any(segment[0][:1].isupper() for segment in segments[1:]):
        return []  # "… with Apple Pay or Google Pay": a name after "or" is no second action
    result = []
    for action in parsed:
        if not action.has_object and action.rest:
            pass  # "See which photos I shared": an action complete in itself
        elif not action.has_object and last is not None:
            # "Book and pay for an appointment": the object is both verbs'; each takes it its own way.
            preposition = data().verb_prepositions.get(action.verb, "")
            action = Action(action.verb, preposition, last.determiners, last.object_words, action.rest or last.rest)
        elif action.pronoun and first is not None:
            # "Name the device and put it in a room": "it" is the device.
            action = Action(action.verb, action.preposition, first.determiners, first.object_words, action.rest)
        result.append(action)
    if any(not action.has_object and not action.rest for action in result) and any(a.has_object for a in result):
        return []
    return result


def _title_of(action: Action) -> str:
    return grammar.capitalise(action.phrase())[:TITLE_MAX]


def _share_estimate(estimate: int | None, parts: int) -> int | None:
    """The whole's estimate over the parts, on the team's scale, each part smaller than the whole."""
    if estimate is None:
        return None
    scale = data().estimates
    share = estimate / parts
    nearest = min(scale, key=lambda value: (abs(value - share), -value))
    smaller = [value for value in scale if value < estimate] or [scale[0]]
    return min(nearest, max(smaller))


def _content(text: str) -> set[str]:
    stop = data().overlap_stop_words
    return {qus.goal_key(word)[0] for word in _WORD.findall(text.lower()) if word not in stop and qus.goal_key(word)}


def _share_criteria(criteria: list[str], titles: list[str]) -> list[list[str]]:
    """Each criterion to the part it concerns: the most words in common with what only that part says."""
    words_of = [_content(title) for title in titles]
    common = set.intersection(*words_of) if words_of else set()
    shared: list[list[str]] = [[] for _ in titles]
    for criterion in criteria:
        said = _content(criterion)
        scores = [(len(said & (own - common)), len(said & own)) for own in words_of]
        best = max(range(len(titles)), key=lambda index: (scores[index], -index))
        shared[best].append(criterion)
    return shared


@dataclass
class _Part:
    title: str
    criteria: list[str] = field(default_factory=list)


def _description(story: StoryDoc, title: str) -> str:
    """The part's story text: the original person and benefit (their words), the part's own goal."""
    parsed = qus.parse(story["description"])
    goal = grammar.lower_first(title)
    if parsed is not None:
        role = f"{grammar.capitalise(parsed.role_marker)} {parsed.role}"
        ends = parsed.ends.strip().rstrip(".")
        return f"{role}, I want to {goal}" + (f", {parsed.ends_marker} {ends}." if ends and parsed.ends_marker else ".")
    who = grammar.with_article((story["persona"] or "user").lower())
    return f"As {who}, I want to {goal}."


def _class_parts(
    story: StoryDoc, action: Action, thing: Thing, product: str, context: frozenset[str]
) -> list[_Part] | None:
    """The parts the verb's class splits into; [] when it has no pattern for it, None when the title has
    made the pattern's choice already or the pattern would not read well on it (then nothing else splits
    it either: the verb's own class knows the story best)."""
    verb_class = _class_of(action, thing, context)
    if verb_class is None or len(verb_class.split) < 2:
        return []
    if verb_class.split_verbs and action.verb not in verb_class.split_verbs:
        return []
    if verb_class.split_plural_only and not (thing.plural and thing.noun.countable):
        return []
    if any(word.endswith(("'s", "s'")) for word in thing.noun.modifiers.split()):
        return []  # "today's reports", "a customer's notes": one owner's things, not a list to split
    title_words = set(_WORD.findall(story["title"].lower()))
    if title_words & verb_class.split_unless:
        return None
    if not _class_splits(verb_class, action, thing):
        return None
    # "{title} by card" is the action itself: "Start downloading a file" splits as "Download a file …".
    values = _values(action, thing, title=action.phrase(), product=product)
    parts = []
    for template in verb_class.split:
        literal = re.sub(r"\{[a-z_]+\}", " ", template.title).lower()
        added = set(_WORD.findall(literal)) - data().split_filler_words
        if added and added <= title_words:
            return None  # "Pay by card" split into "by card" and "other ways": the title has chosen already
        criteria = [_fill(text, values) for text in template.criteria]
        parts.append(_Part(_fill(template.title, values)[:TITLE_MAX], criteria))
    return parts


def _class_splits(verb_class: VerbClass, action: Action, thing: Thing) -> bool:
    """Whether the class's parts read well on this story. A part adds words to the action ("… by email",
    "… one at a time"): after words of the title's own ("Reassign tickets when someone is off") they read
    as a clumsy sentence, and mostly the title has chosen already. A part about the details of a thing
    ("Edit the details of my pet") is not the thing; my own one is not one of many to do at once."""
    rest = action.rest.lower()
    if rest and not any(rest == start or rest.startswith(f"{start} ") for start in verb_class.split_rest):
        return False
    lowered = [word.lower() for word in action.object_words]
    joiner = next((at for at, word in enumerate(lowered) if at and word in data().object_joiners), None)
    part = lowered[joiner - 1] if joiner is not None else ""
    if part in data().of_parts and part not in data().split_through_parts:
        return False
    if not verb_class.split_owned and thing.possessive:
        return False
    if verb_class.split_kinds or verb_class.split_objects:
        return bool(kinds_of(thing) & verb_class.split_kinds) or thing.noun.head.lower() in verb_class.split_objects
    return True


def _capability_parts(document: MapDocument, story: StoryDoc, action: Action, thing: Thing) -> list[_Part]:
    """The first story of each step of the capability the verb and object fit, in this map's words."""
    object_words = [thing.noun.head.lower(), thing.noun.one.lower()]
    scored = [
        (capability.score(verb=action.verb, object_words=object_words, general_verbs=words.GENERAL_VERBS), capability)
        for capability in catalogue().values()
        if capability.id != GENERIC
    ]
    score, capability = max(scored, key=lambda item: item[0], default=(0.0, None))
    if capability is None or score < 3:
        return []  # its verb and its object both: a verb alone ("mark … as registered") fits too much
    if _matches(story["title"]) or action.rest:
        # A story of one step already, or one the title has narrowed ("Mark the new member as registered"):
        # its capability's steps are other stories, not its parts.
        return []
    taken = {title_key(s["title"]) for a in document["activities"] for st in a["steps"] for s in st["stories"]}
    values = thing.noun.placeholders() | {"product": _product(document)}
    parts = []
    for step in capability.steps:
        if step.side and step.side != capability.side:
            continue  # a step for the other side of the product is not part of this person's story
        pattern = next((p for p in step.stories if p.mvp), step.stories[0])
        title = _fill(pattern.title, values)[:TITLE_MAX]
        if title_key(title) in taken:
            continue
        taken.add(title_key(title))
        parts.append(_Part(title, [_fill(text, values) for text in pattern.criteria]))
    return parts[:MOST_PARTS]


def _big_parts(document: MapDocument, story: StoryDoc, context: frozenset[str]) -> list[_Part]:
    action = parse_action(_tokens(story["title"]))
    thing = thing_of(action) if action is not None else None
    if action is None or thing is None:
        return []
    parts = _class_parts(story, action, thing, _product(document), context)
    if parts is None:
        return []
    return parts or _capability_parts(document, story, action, thing)


def _split_titles(tokens: list[str]) -> list[str]:
    """One title per action of a title that joins several: each as written when it is complete in itself
    ("Start sharing a photo"), a bare verb given the object of the action after it ("Approve or decline a
    swap" → "Approve a swap"), a pronoun the object of the action before it ("put it in a room")."""
    segments = _segments(tokens, keen=True)
    found = [parse_action(segment) for segment in segments]
    actions = [action for action in found if action is not None]
    if len(actions) < 2 or len(actions) < len(found):
        return []

    def whole(action: Action) -> bool:
        return action.has_object and not action.pronoun

    titles = []
    for at, (segment, action) in enumerate(zip(segments, actions, strict=True)):
        if whole(action) or (not action.has_object and action.rest):
            titles.append(grammar.capitalise(" ".join(segment))[:TITLE_MAX])
            continue
        if action.pronoun:
            source = next((other for other in reversed(actions[:at]) if whole(other)), None)
            preposition = action.preposition
        else:
            source = next((other for other in actions[at + 1 :] if whole(other)), None)
            preposition = data().verb_prepositions.get(action.verb, "")
        if source is None:
            return []  # "Sign in and go": no object to give it, and no way to read the verb alone
        rest = action.rest or ("" if action.pronoun else source.rest)
        titles.append(_title_of(Action(action.verb, preposition, source.determiners, source.object_words, rest)))
    return titles


def _joined_parts(story: StoryDoc) -> list[_Part]:
    titles = _split_titles(_tokens(story["title"]))
    if not titles:
        goal, infinitive = qus.goal(title=story["title"], description=story["description"])
        titles = _split_titles(_tokens(goal)) if infinitive else []
    return [_Part(title) for title in titles][:MOST_PARTS]


def split_story(document: MapDocument, *, activity: int, step: int, story: int) -> list[StoryDoc]:
    """2-4 smaller stories that together deliver the story; [] when it needs no split or none is honest.

    Each part keeps the story's persona, release, priority and benefit; the estimate is shared out; each
    of its criteria goes to the part it concerns, and a part left with none gets some written for it."""
    card = _story_at(document, activity, step, story)
    reason = split_reason(card)
    if reason is None:
        return []
    # Two actions are split at the conjunction or not at all: the big-story patterns of a title that joins
    # two actions would read "Edit the details of my pet and upload documents … one at a time".
    joined = reason != f"its estimate is {SPLIT_ESTIMATE} or more"
    context = _context(document, activity, step, card["title"], card["description"])
    parts = _joined_parts(card) if joined else _big_parts(document, card, context)
    titles = [part.title for part in parts]
    if len(parts) < 2 or len({title_key(title) for title in titles}) < len(titles):
        return []
    if any(title_key(title) == title_key(card["title"]) for title in titles):
        return []
    if any(len(_segments(_tokens(title), keen=True)) > 1 for title in titles):
        return []  # a part that still joins two actions is no split
    for part, criteria in zip(parts, _share_criteria(list(card["acceptance_criteria"]), titles), strict=True):
        part.criteria = [*criteria, *(c for c in part.criteria if c not in criteria)]
    estimate = _share_estimate(card["estimate"], len(parts))
    result: list[StoryDoc] = []
    given = [text for part in parts for text in part.criteria]
    for part in parts:
        description = _description(card, part.title)
        if not part.criteria:
            # Written for this part, and different from what the other parts were given.
            candidates = _criteria_candidates(document, activity, step, part.title, description)
            fresh = _new_criteria([*given, *candidates], title=part.title, existing=[], most=len(given) + 9)
            written = [text for text in fresh if text not in given][: data().part_criteria]
            part.criteria = in_the_style_of(card["acceptance_criteria"], written)
            given.extend(written)
        result.append(
            {
                "title": part.title,
                "description": description,
                "acceptance_criteria": [text.strip() for text in part.criteria][:CRITERIA_MAX],
                "release": card["release"],
                "priority": card["priority"],
                "estimate": estimate,
                "persona": card["persona"],
            }
        )
    return result
