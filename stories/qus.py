"""The Quality User Story criteria a machine can check on one story's text (Lucassen et al., 2016).

One implementation of each, for the map check (stories/quality.py), the `check_stories` command and
the offline planner's figures (aimap/quality.py imports them). The words they look for are data, in
qus.yaml next to this module, loaded once.

A story is read as Mapwright stores a card: the title is the goal ("Book a visit") and the
description holds the story text ("As a pet owner, I want to book a visit, so that I do not phone").
A line of a backlog file is a story with no title and the line as its description.

- well-formed: the text names a role and a means ("As a …, I want …"); the ends ("so that …") are
  optional in QUS, as in AQUSA. `has_ends` says whether they are there.
- atomic: the goal does not join two actions with "and"/"or" ("add and delete items").
- minimal: no brackets, no "e.g."/"i.e."/"etc.", and the text is one sentence.
- full sentence: the goal has a verb: a title reads as an action ("Book a visit", not "Visit
  booking"), and the means of the text does too ("I want to book…", "I can book…", "I want a
  reminder": there "want" is the verb).
- uniform and unique compare stories with one another; `template_of` and `goal_key` give what they
  compare, and stories/quality.py compares them.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import lemminflect
import yaml

DATA_FILE = Path(__file__).resolve().parent / "qus.yaml"

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A sentence ends and another begins: ". V", "! T".
_SECOND_SENTENCE = re.compile(r"[.!?]\s+[A-Z]")


@dataclass(frozen=True)
class MeansMarker:
    text: str
    takes_object: bool  # "I want a reminder": the marker's own verb makes the sentence
    canonical: str


@dataclass(frozen=True)
class Words:
    role_markers: tuple[str, ...]
    means_markers: tuple[MeansMarker, ...]
    ends_markers: tuple[str, ...]
    conjunctions: frozenset[str]
    sequence_words: frozenset[str]
    object_starts: frozenset[str]
    abbreviations: tuple[str, ...]
    brackets: str
    determiners: frozenset[str]
    finite_verbs: frozenset[str]
    adverbs: frozenset[str]


@dataclass(frozen=True)
class Parsed:
    """A story text split into its parts; `means` without a leading "to"."""

    role_marker: str
    role: str
    marker: MeansMarker
    infinitive: bool  # "I want to book" or "I can book": a verb comes first in `means`
    means: str
    ends_marker: str | None
    ends: str


def _strings(data: dict[str, Any], key: str) -> list[str]:
    values = data[key]
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError(f"{DATA_FILE.name}: {key} must be a list of strings")
    return [value.lower() for value in values]


@cache
def words() -> Words:
    """The word lists of qus.yaml, checked, once per process."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    markers = []
    for entry in data["means_markers"]:
        if not isinstance(entry, dict) or not {"text", "object", "canonical"} <= entry.keys():
            raise ValueError(f"{DATA_FILE.name}: each means marker needs text, object and canonical")
        markers.append(MeansMarker(str(entry["text"]).lower(), bool(entry["object"]), str(entry["canonical"])))

    def longest_first(values: list[str]) -> tuple[str, ...]:
        # "as an" before "as a", "i want" after "i want to…" markers: the regex tries them in order.
        return tuple(sorted(values, key=len, reverse=True))

    return Words(
        role_markers=longest_first(_strings(data, "role_markers")),
        means_markers=tuple(sorted(markers, key=lambda marker: len(marker.text), reverse=True)),
        ends_markers=longest_first(_strings(data, "ends_markers")),
        conjunctions=frozenset(_strings(data, "conjunctions")),
        sequence_words=frozenset(_strings(data, "sequence_words")),
        object_starts=frozenset(_strings(data, "object_starts")),
        abbreviations=tuple(_strings(data, "abbreviations")),
        brackets=str(data["brackets"]),
        determiners=frozenset(_strings(data, "determiners")),
        finite_verbs=frozenset(_strings(data, "finite_verbs")),
        adverbs=frozenset(_strings(data, "adverbs")),
    )


def _alternatives(values: tuple[str, ...]) -> str:
    # A marker's spaces match any run of spaces; "'" matches the typographic apostrophe too.
    return "|".join(re.escape(value).replace(r"\ ", r"\s+").replace("'", "['\u2019]") for value in values)


@dataclass(frozen=True)
class _Patterns:
    story: re.Pattern[str]
    goal: re.Pattern[str]
    ends: re.Pattern[str]
    markers: dict[str, MeansMarker]


@cache
def _patterns() -> _Patterns:
    w = words()
    roles = _alternatives(w.role_markers)
    means = _alternatives(tuple(marker.text for marker in w.means_markers))
    ends = _alternatives(w.ends_markers)
    return _Patterns(
        story=re.compile(
            # The role runs to the first means marker: never across one, nor across the ends ("so that I can").
            rf"^\s*(?P<role_marker>{roles})\s+(?P<role>(?:(?!\b(?:{means}|{ends})\b).)+?),?\s+"
            rf"(?P<marker>{means})\b\s*(?P<to>to\s+)?"
            rf"(?P<means>.*?)(?:,?\s+(?P<ends_marker>{ends})\b\s*(?P<ends>.*))?$",
            re.IGNORECASE | re.DOTALL,
        ),
        # The means wherever it is: the goal of a text that is not well-formed may still say "I want…".
        goal=re.compile(
            rf"\b(?P<marker>{means})\b\s*(?P<to>to\s+)?(?P<means>.*?)(?:,?\s+(?:{ends})\b|$)", re.IGNORECASE | re.DOTALL
        ),
        ends=re.compile(rf"\b(?:{ends})\b\s*\S", re.IGNORECASE),
        markers={" ".join(marker.text.split()): marker for marker in w.means_markers},
    )


def _marker(text: str) -> MeansMarker:
    return _patterns().markers[" ".join(text.lower().replace("\u2019", "'").split())]


def parse(description: str) -> Parsed | None:
    """The parts of "As a <role>, I want <means>[, so that <ends>]", None when there is no role or no means."""
    match = _patterns().story.match(description or "")
    if match is None or not match.group("means").strip(" .") or not match.group("role").strip():
        return None
    marker = _marker(match.group("marker"))
    ends_marker = match.group("ends_marker")
    return Parsed(
        role_marker=" ".join(match.group("role_marker").lower().split()),
        role=match.group("role").strip(),
        marker=marker,
        infinitive=match.group("to") is not None or not marker.takes_object,
        means=match.group("means").strip(),
        ends_marker=" ".join(ends_marker.lower().split()) if ends_marker else None,
        ends=(match.group("ends") or "").strip(),
    )


def is_well_formed(description: str) -> bool:
    """The text names a role and a means ("As a …, I want …"); QUS leaves the ends optional."""
    return parse(description) is not None


def has_ends(description: str) -> bool:
    """The text says why ("…, so that I do not phone")."""
    return _patterns().ends.search(description or "") is not None


def goal(*, title: str, description: str) -> tuple[str, bool]:
    """(the means of the description, whether a verb opens it: "I want to …", "I can …"); the title if none."""
    match = _patterns().goal.search(description or "")
    if match is None or not match.group("means").strip():
        return title or "", True
    marker = _marker(match.group("marker"))
    return match.group("means").strip(), match.group("to") is not None or not marker.takes_object


def _second_verb(word: str, *, before_is_first_verb: bool, followed_by: str | None) -> bool:
    if word in words().sequence_words:
        return True
    lemmas = lemminflect.getAllLemmas(word)
    if "VERB" not in lemmas:
        return False
    if "NOUN" not in lemmas:
        return True
    # A word that can be both ("book", "track") is a verb when it joins the goal's own verb
    # ("search and book") or takes an object ("… and book a room").
    return before_is_first_verb or followed_by in words().object_starts


def is_atomic(*, title: str, description: str) -> bool:
    """False when the goal joins two actions with "and"/"or": "add and delete items", "pay or track my order"."""
    text, infinitive = goal(title=title, description=description)
    found = _WORD.findall(text.lower())
    for index, word in enumerate(found[:-1]):
        if word not in words().conjunctions or index == 0:
            continue
        following = found[index + 2] if index + 2 < len(found) else None
        if _second_verb(found[index + 1], before_is_first_verb=infinitive and index == 1, followed_by=following):
            return False
    return True


def _abbreviation(text: str) -> str | None:
    lowered = text.lower()
    for abbreviation in words().abbreviations:
        if re.search(rf"(?<![a-z]){re.escape(abbreviation)}", lowered):
            return abbreviation
    return None


def minimal_problem(*, title: str, description: str) -> str | None:
    """What makes the story more than it needs to be, None when it is minimal."""
    description = (description or "").strip()
    brackets = words().brackets
    if any(char in brackets for char in title or "") or any(char in brackets for char in description):
        return "text in brackets"
    abbreviation = _abbreviation(f"{title}\n{description}")
    if abbreviation is not None:
        return f"“{abbreviation}”"
    # An abbreviation's full stop was handled above; a full stop then a capital starts a second sentence.
    if _SECOND_SENTENCE.search(description) is not None:
        return "more than one sentence"
    return None


def is_minimal(*, title: str, description: str) -> bool:
    """No brackets, no "e.g."/"i.e."/"etc." in the title or description, and the description is one sentence."""
    return minimal_problem(title=title, description=description) is None


def can_be_verb(word: str) -> bool:
    """A verb in the lexicon, or a word it does not know at all ("onboard", "unpublish"): no fragment is claimed."""
    word = word.lower()
    if word in words().determiners:
        return False
    lemmas = lemminflect.getAllLemmas(word)
    return "VERB" in lemmas or not lemmas


def _first_verb_slot(found: list[str]) -> str | None:
    # "accurately see", "always have": an adverb before the verb leaves it the verb's sentence.
    for word in found:
        if word not in words().adverbs and not word.endswith("ly"):
            return word
    return None


def _reads_as_action(text: str) -> bool:
    """Opens with a verb ("Book a visit"), or has a finite verb somewhere ("The user can export data")."""
    found = _WORD.findall(text.lower())
    first = _first_verb_slot(found)
    if first is None:
        return False
    return can_be_verb(first) or any(word in words().finite_verbs for word in found)


def is_full_sentence(*, title: str, description: str) -> bool:
    """The goal has a verb: the title reads as an action, and the means of a well-formed text has a verb."""
    if title.strip() and not _reads_as_action(title):
        return False
    parsed = parse(description)
    if parsed is None:
        # No role and means: the title (checked above), or a line of a file on its own, is the whole story.
        return bool(title.strip()) or _reads_as_action(description)
    if not parsed.infinitive:
        return True  # "I want a reminder": "want" is the verb
    first = _first_verb_slot(_WORD.findall(parsed.means.lower()))
    return first is not None and can_be_verb(first)


@dataclass(frozen=True)
class Template:
    """The markers a story is written with. The ends are optional in QUS: a story without them fits any template."""

    role: str  # "As a" ("a" and "an" are one) or "As the"
    means: str  # the canonical means marker: "I want", "I can"
    ends: str | None  # "so that", "in order to", or None

    def __str__(self) -> str:
        return f"{self.role} …, {self.means} …" + (f", {self.ends} …" if self.ends else "")


def template_of(description: str) -> Template | None:
    """The template the text follows ("As a …, I want …, so that …"), None when it is not well-formed."""
    parsed = parse(description)
    if parsed is None:
        return None
    role = "As the" if parsed.role_marker == "as the" else "As a"
    return Template(role, parsed.marker.canonical, parsed.ends_marker)


def goal_key(text: str) -> tuple[str, ...]:
    """A goal compared for uniqueness: lower case, without determiners, each word as its lemma."""
    key = []
    for word in _WORD.findall((text or "").lower()):
        if word in words().determiners:
            continue
        lemmas = cast(dict[str, tuple[str, ...]], lemminflect.getAllLemmas(word))
        forms = lemmas.get("NOUN") or lemmas.get("VERB") or (word,)
        key.append(forms[0])
    return tuple(key)
