"""Words in the right form: plurals, articles, verb forms, with the lexicons that ship inside the packages.

inflect (articles, plurals) and lemminflect (lemmas and inflections, from the
NIH SPECIALIST lexicon) carry their data in their wheels: nothing is downloaded.
"""

from dataclasses import dataclass
from functools import cache

import inflect
from lemminflect import getAllInflections, getAllLemmas, getInflection, getLemma

_engine = inflect.engine()


@cache
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Every reading of a word: {"NOUN": ("track",), "VERB": ("track",)}."""
    found: dict[str, tuple[str, ...]] = getAllLemmas(word.lower())
    return found


def can_be_verb(word: str) -> bool:
    return "VERB" in lemmas(word)


def can_be_noun(word: str) -> bool:
    readings = lemmas(word)
    return "NOUN" in readings or "PROPN" in readings or not readings


def verb_lemma(word: str) -> str:
    found = getLemma(word.lower(), upos="VERB")
    return found[0] if found else word.lower()


def noun_singular(word: str) -> str:
    """ "households" → "household"; a word that is singular already stays as it is."""
    lower = word.lower()
    if "'" in lower or (not lower.isalpha() and "-" not in lower):
        return word
    readings = lemmas(lower).get("NOUN")
    if readings and readings[0] != lower:
        return _same_case(word, readings[0])
    if readings:
        return word
    singular = _engine.singular_noun(lower)
    return _same_case(word, singular) if singular else word


def noun_plural(word: str) -> str:
    lower = word.lower()
    if len(word) > 1 and word.isupper():
        return f"{word}s"  # "IDs", "PDFs"
    if lower != noun_singular(lower):
        return word  # plural already
    return _same_case(word, _engine.plural_noun(lower))


def uncountable(word: str, known: frozenset[str] = frozenset()) -> bool:
    """ "data", "furniture", "progress" (the lexicon knows one form only), or a word of `known`."""
    lower = word.lower()
    if lower in known:
        return True
    plurals: tuple[str, ...] | None = getAllInflections(lower, upos="NOUN").get("NNS")
    return plurals == (lower,)


def is_plural(word: str) -> bool:
    return noun_singular(word).lower() != word.lower()


def with_article(phrase: str) -> str:
    """ "an appointment", "a user", "an hour"."""
    return _engine.a(phrase)


def verb_form(verb: str, tag: str) -> str:
    """A verb phrase ("check in") in the form `tag`: VBZ checks in, VBG checking in, VBN checked in."""
    head, _, rest = verb.partition(" ")
    forms = getInflection(head, tag=tag)
    inflected = forms[0] if forms else head
    return f"{inflected} {rest}".strip()


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym or a name ("CSV", "iPhone")."""
    first = text.split(" ", 1)[0]
    if (
        first == "I"
        or first.startswith("I'")
        or (len(first) > 1 and (first.isupper() or any(c.isupper() for c in first[1:])))
    ):
        return text
    return text[:1].lower() + text[1:]


def join_words(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _same_case(original: str, word: str) -> str:
    return capitalise(word) if original[:1].isupper() else word


@dataclass(frozen=True)
class NounPhrase:
    """A thing as the product's text names it, in each form the stories need."""

    modifiers: str  # "vaccination"
    head: str  # "reminder", singular
    countable: bool = True

    @classmethod
    def from_words(cls, words: list[str], *, countable: bool | None = None) -> "NounPhrase":
        head = words[-1]
        singular = noun_singular(head)
        if countable is None:
            countable = True
        modifiers = " ".join(word.removesuffix("'s").removesuffix("'") for word in words[:-1])
        return cls(modifiers=modifiers, head=singular.lower() if head.islower() else singular, countable=countable)

    @property
    def one(self) -> str:
        return f"{self.modifiers} {self.head}".strip()

    @property
    def many(self) -> str:
        head = noun_plural(self.head) if self.countable else self.head
        return f"{self.modifiers} {head}".strip()

    @property
    def with_article(self) -> str:
        return with_article(self.one) if self.countable else f"some {self.one}"

    def placeholders(self) -> dict[str, str]:
        return {"object": self.one, "objects": self.many, "an_object": self.with_article}
