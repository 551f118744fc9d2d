"""Reading a product description: who uses the product (roles) and what they do with it (mentions).

The part-of-speech tags come from textblob's bundled Pattern lexicon, which
works offline. It tags many verbs of product prose as nouns ("owners *book*
appointments", "households *track* food"), so each tag is checked against
lemminflect's lexicon: a word that can be a verb, coming after a word that can
only be a noun (the subject), a modal or "to", is the verb.
"""

import re
from dataclasses import dataclass, field
from functools import cache

from textblob.en.taggers import PatternTagger

from . import grammar, words
from .catalogue import catalogue_verbs

MODALS = frozenset({"can", "could", "will", "would", "should", "shall", "may", "might", "must", "to"})
AUXILIARIES = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "does", "do", "did"}
)
# Between a subject and its verb: "owners should be able to book", "they also need to see".
BRIDGE = frozenset(
    {
        "also",
        "easily",
        "quickly",
        "then",
        "just",
        "simply",
        "directly",
        "even",
        "only",
        "instantly",
        "able",
        "want",
        "wants",
        "need",
        "needs",
        "like",
        "likes",
        "be",
        "are",
        "is",
        "not",
        "never",
        "always",
        "often",
        "usually",
        "still",
        "first",
        "later",
        "shouldn't",
        "can't",
        "don't",
    }
)
COORDINATORS = frozenset({",", "and", "or", "plus", "&", "then", "but", "yet"})
# Prepositions whose phrase may qualify an activity's title: "export reports to CSV", "search recipes by ingredient".
QUALIFYING = frozenset({"by", "to", "from", "with", "via", "for", "between", "across"})
TITLE_QUALIFYING = frozenset({"by", "to", "via", "from"})
PREPOSITIONS = QUALIFYING | {"in", "on", "at", "of", "into", "over", "per", "about", "through", "without", "like"}
RELATIVES = frozenset({"who", "that", "which"})
WH_WORDS = frozenset({"where", "who", "whose", "which", "that", "when", "while", "whom", "if", "because", "so", "what"})
DETERMINERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "these", "those"})
OBJECT_STOPS = frozenset(
    {
        "it's",
        "that's",
        "there's",
        "what's",
        "they're",
        "up",
        "out",
        "off",
        "over",
        "down",
        "online",
        "offline",
        "together",
        "instantly",
        "anywhere",
        "later",
        "now",
        "afterwards",
        "again",
        "automatically",
        "once",
        "too",
        "as",
        "than",
        "such",
        "when",
        "until",
        "straight",
        "away",
        "back",
        "they",
        "them",
        "it",
        "we",
        "you",
        "he",
        "she",
        "what",
        "whatever",
        "everyone",
        "everything",
        "anyone",
        "someone",
        "something",
        "i",
        "me",
        "us",
        "how",
        "why",
        "whether",
        "yet",
        "but",
        "themselves",
        "himself",
        "herself",
        "myself",
        "ourselves",
        "yourself",
        "itself",
    }
)
NUMBER_WORDS = frozenset({"one", "two", "three", "four", "five", "ten", "few", "several", "a", "an"})
SEEING_VERBS = frozenset({"see", "check", "know", "find out", "view", "show"})
QUALIFIER_STOPS = frozenset({"so", "that", "which", "who", "where", "when", "and", "or", "to", "until", "if"})
NOUN_TAGS = ("NN", "JJ", "CD", "VBG", "FW")
MAX_SUBJECT_WORDS = 3
MAX_OBJECT_WORDS = 4
MAX_QUALIFIER_WORDS = 4

_TOKEN = re.compile(r"[^\W_][\w'&-]*[^\W_]'?|[^\W_]|[,()]")  # words in any script: "Café Olé" stays whole
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|(?<=[a-z0-9)])[.!?;:]$")
_BULLET = re.compile(r"^\s*(?:[-*•>]+|\d+[.)])\s*")
_ASIDES = re.compile(r"\([^()]*\)|\"[^\"\n]*\"|“[^”\n]*”")
_MAKERS = frozenset({"we", "i", "us", "our"})
# Subjects that are people without naming a role: their activities belong to the product's main persona.
_SOMEONE = frozenset({"they", "he", "she", "you", "people", "everyone", "everybody", "anyone", "anybody", "someone"})


@dataclass
class Mention:
    """One thing the text says people do: "owners book appointments for their pets"."""

    verb: str  # lemma, with its particle: "book", "check in"
    object_words: list[str]  # the object's first noun phrase as written, determiners dropped
    object_text: str  # the whole object, coordinated parts included: "flights and hotels"
    determiner: str = ""  # the word before the object, if any: "the", "each", "their"
    qualifier: str = ""  # "by ingredient", "to CSV", "online"
    purpose: str = ""  # in the first person: "I can do my taxes"
    role: str | None = None
    order: int = 0


@dataclass
class Reading:
    mentions: list[Mention] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # singular, in the order the text names them
    name: str = ""  # the product's own name, when the text gives one ("PawCare")
    title: str = ""
    product_noun: str = ""  # "app", "site", "platform"


@cache
def _tagger() -> PatternTagger:
    return PatternTagger()


def _is_noun_only(word: str) -> bool:
    return grammar.can_be_noun(word) and not grammar.can_be_verb(word)


def is_person(phrase: str) -> bool:
    """Whether a noun phrase can name a role: "pet owner", "household", "HR" — not "camera" or "order"."""
    lower = phrase.lower()
    head = lower.split()[-1]
    if lower in words.NOT_PEOPLE or head in words.NOT_PEOPLE or head in words.NOT_ROLES:
        return False
    if lower in words.PEOPLE or head in words.PEOPLE:
        return True
    return len(head) > 3 and head.endswith(words.PERSON_ENDINGS)


def _role(subject: list[str]) -> str | None:
    if not subject:
        return None
    head = subject[-1]
    if head.lower() in words.NOT_ROLES or head.lower() in words.PRODUCT_NOUNS or not grammar.can_be_noun(head):
        return None
    if any(word.lower() in words.NOT_ROLES or word[:1].isdigit() for word in subject):
        return None
    parts = [_case(word.removesuffix("'s")) for word in subject[:-1]] + [_case(grammar.noun_singular(head))]
    role = " ".join(parts)
    return role if is_person(role) else None


def _case(word: str) -> str:
    return word if len(word) > 1 and word.isupper() else word.lower()


class _Sentence:
    """One sentence, tagged, with the positions of its verbs."""

    def __init__(self, tagged: list[tuple[str, str]]) -> None:
        self.words = [word for word, _ in tagged]
        self.lower = [word.lower() for word in self.words]
        self.tags = [tag for _, tag in tagged]
        self.verbs: list[int] = []
        self._find_verbs()

    def __len__(self) -> int:
        return len(self.words)

    def _in_object(self, index: int) -> bool:
        """Whether the word at `index` belongs to the object of a verb just before it ("track the school bus")."""
        for back in range(index - 1, max(-1, index - 4), -1):
            if back in self.verbs:
                return True
            if self.lower[back] in COORDINATORS | PREPOSITIONS | WH_WORDS:
                return False
        return False

    def _previous(self, index: int) -> int | None:
        for previous in range(index - 1, -1, -1):
            if self.lower[previous] not in BRIDGE:
                return previous
        return None

    def _inside_phrase(self, coordinator: int) -> bool:
        """ "by text or email": the word after this coordinator continues a prepositional phrase."""
        for index in range(coordinator - 1, max(-1, coordinator - 4), -1):
            word = self.lower[index]
            if word in PREPOSITIONS:
                return True
            if word in COORDINATORS or index in self.verbs:
                return False
        return False

    def _is_verb(self, index: int) -> bool:
        word, tag = self.lower[index], self.tags[index]
        if word in MODALS | AUXILIARIES | DETERMINERS | PREPOSITIONS or word in words.NOT_ROLES:
            return False
        if not grammar.can_be_verb(word):
            return False
        if index == 0 and tag == "VBZ" and grammar.is_plural(word):
            return False  # "Vets write notes": a sentence that opens with an -s word opens with its subject
        previous = self._previous(index)
        if previous is None:
            return False
        before, before_tag = self.lower[previous], self.tags[previous]
        if before in DETERMINERS or before.endswith("'") or before.endswith("'s"):
            return False  # "a nudge", "farmers' market": a determiner or possessive is followed by its noun
        if before_tag.startswith("JJ") or (before == "new" and word in words.KEPT_AFTER_NEW):
            return False  # "new hires": an adjective is followed by its noun
        if before in MODALS or before_tag == "MD":
            return True
        if before in {"i", "we", "you", "they", "he", "she", "who", "that"} or before in words.ENABLERS:
            return True
        if before_tag == "NN" and tag == "VBZ" and is_person(before) and not grammar.is_plural(word):
            return True  # "the owner sets the prices"
        following_tag = self.tags[index + 1] if index + 1 < len(self) else ""
        collective = before in words.PEOPLE and grammar.can_be_noun(before) and grammar.verb_lemma(word) == word
        if collective and following_tag != "VBZ" and not self._in_object(previous):
            return True  # "our staff check guests in": a collective subject, then a verb
        if _is_noun_only(before) and (grammar.is_plural(before) or before_tag.startswith("NNP")):
            return True
        if before_tag in {"NNS", "NNP", "NNPS"} and grammar.is_plural(before) and grammar.verb_lemma(word) == word:
            return True  # "home cooks share": a plural subject, then a verb in its base form
        if before in COORDINATORS and self.verbs and not self._inside_phrase(previous):
            following = self.lower[index + 1] if index + 1 < len(self) else None
            is_base = grammar.verb_lemma(word) == word or tag in {"VB", "VBP", "VBZ"}
            if not is_base:
                return False
            if (
                not grammar.can_be_noun(word)
                or following is None
                or following in PREPOSITIONS | COORDINATORS | OBJECT_STOPS
            ):
                return True  # "… and navigate to the restaurant", "book, move or cancel appointments"
            # "… and track workouts" (a verb the catalogue knows), not "… and ticket types" (a noun phrase).
            known = tag in {"VB", "VBP"} or word in catalogue_verbs()
            return known and (following in DETERMINERS or grammar.can_be_noun(following))
        return tag.startswith("VB") and tag not in {"VBG", "VBN"} and index > 0

    def _find_verbs(self) -> None:
        skip_until = -1
        for index in range(len(self)):
            if index <= skip_until:
                continue
            if self._is_verb(index):
                self.verbs.append(index)
                skip_until = self._object_start(index)
        first = self.lower[0] if self.words else ""
        if not first or not grammar.can_be_verb(first) or first in AUXILIARIES | MODALS | PREPOSITIONS:
            return
        if first in words.NOT_ROLES or grammar.verb_lemma(first) != first:
            return
        first_subject, first_subject_start = self.subject(self.verbs[0]) if self.verbs else ([], -1)
        if first_subject and first_subject_start == 0:
            return  # "Pet owners book appointments": the first words are the subject
        if len(self) > 1 and self.lower[1].endswith("ing") and grammar.can_be_verb(self.lower[1]):
            return  # "Plant watering reminders", "Ride sharing": a name, not an instruction
        # An imperative or a bullet: "Book appointments", "Track the courier until the food arrives".
        self.verbs = [0]
        skip_until = self._object_start(0)
        for index in range(skip_until + 1, len(self)):
            if index > skip_until and self._is_verb(index):
                self.verbs.append(index)
                skip_until = self._object_start(index)

    def _object_start(self, verb_at: int) -> int:
        """The last position of what must be the verb's object's first noun ("list produce", "get a nudge")."""
        index = verb_at + 1
        while index < len(self) and self.lower[index] in words.SKIP_IN_OBJECT:
            index += 1
        if index < len(self) and grammar.can_be_noun(self.lower[index]) and self.lower[index] not in COORDINATORS:
            return index
        return verb_at

    def subordinate(self, verb_at: int, subject_start: int) -> bool:
        """Whether the verb sits in a condition ("… when a door is left unlocked")."""
        previous_verbs = [verb for verb in self.verbs if verb < verb_at]
        start = previous_verbs[-1] + 1 if previous_verbs else 0
        return any(self.lower[index] in words.SUBORDINATORS for index in range(start, subject_start))

    def embedded_question(self, verb_at: int) -> bool:
        """ "… see who is available and who has asked …": "who" after a verb or "and" asks, it does not relate."""
        index = verb_at - 1
        while index >= 0 and (self.lower[index] in BRIDGE | MODALS | AUXILIARIES or self.tags[index] == "MD"):
            index -= 1
        if index < 1 or self.lower[index] not in {"who", "what", "which"}:
            return False
        before = self.lower[index - 1]
        return before in COORDINATORS or index - 1 in self.verbs or before in {"see", "know", "check", "show"}

    def subject(self, verb_at: int) -> tuple[list[str], int]:
        """The noun phrase before the verb, and where it starts."""
        index = verb_at - 1
        while index >= 0 and (self.lower[index] in BRIDGE | MODALS or self.tags[index] == "MD"):
            index -= 1
        if index >= 0 and self.lower[index] in RELATIVES:
            index -= 1  # "customers who order food"
        subject: list[str] = []
        while index >= 0 and len(subject) < MAX_SUBJECT_WORDS:
            word, tag = self.lower[index], self.tags[index]
            before = self.lower[index - 1] if index > 0 else ""
            base_verb = grammar.can_be_verb(word) and grammar.verb_lemma(word) == word
            if subject and (before in MODALS or before in COORDINATORS) and base_verb:
                break  # "… and spot students who": "spot" is a verb before the subject
            keep_new = word == "new" and subject and subject[0].lower() in words.KEPT_AFTER_NEW
            if not keep_new and word in words.SKIP_IN_OBJECT | WH_WORDS | COORDINATORS | MODALS | AUXILIARIES:
                break
            if word in PREPOSITIONS:
                break
            if word in words.ENABLERS or index in self.verbs or (subject and self._in_object(index)):
                break
            if not (keep_new or tag.startswith(("NN", "JJ", "PRP")) or grammar.can_be_noun(word)):
                break
            subject.insert(0, self.words[index])
            index -= 1
        if index >= 0 and self.lower[index] in {"our", "my"} and subject:
            people = is_person(" ".join(subject)) and subject[-1].lower() not in words.ORGANISATIONS
            if not people:
                subject = ["we"]  # "our town library wants …": the makers speaking; "our staff" are users
        while len(subject) > 1 and subject[0].lower() in words.NOT_ROLES:
            subject = subject[1:]  # "something members can use"
        return subject, index + 1


def _display(word: str) -> str:
    return word.removesuffix("'s")


def _first_person(clause: list[str]) -> str:
    spoken: list[str] = []
    for index, word in enumerate(clause):
        lower = word.lower()
        if lower in words.FIRST_PERSON:
            spoken.append(words.FIRST_PERSON[lower])
        elif index > 0 and clause[index - 1].lower() in {"they", "he", "she"}:
            agreement = {"are": "am", "were": "was", "have": "have", "has": "have"}
            spoken.append(agreement.get(lower, grammar.verb_lemma(word)))
        else:
            spoken.append(word)
    return " ".join(spoken).replace(" ,", ",")


def _clause(words_: list[str], start: int, end: int, *, stops: frozenset[str] = frozenset()) -> list[str]:
    clause: list[str] = []
    for word in words_[start:end]:
        if word in {",", "(", ")"} or word.lower() in stops:
            break
        clause.append(word)
    return clause


class _Reader:
    def __init__(self) -> None:
        self.role: str | None = None
        self.section_role: str | None = None
        self.mentions: list[Mention] = []
        self.roles: list[str] = []

    def _note_role(self, role: str) -> None:
        if role not in self.roles:
            self.roles.append(role)

    def sentence(self, sentence: _Sentence) -> None:
        words_, lower, tags = sentence.words, sentence.lower, sentence.tags
        pending: list[Mention] = []  # verbs that share the object of the next one: "book, move or cancel appointments"
        first_order = len(self.mentions)
        for position, verb_at in enumerate(sentence.verbs):
            end = sentence.verbs[position + 1] if position + 1 < len(sentence.verbs) else len(sentence)
            subject, subject_start = sentence.subject(verb_at)
            if sentence.subordinate(verb_at, subject_start):
                continue
            if not subject and sentence.embedded_question(verb_at):
                continue  # "see who has asked for time off": a question about others, not an activity
            if subject and subject[-1].lower() in _MAKERS:
                continue  # "we run a small clinic": the makers speaking, not a user's activity
            # "an app to book classes" is for people to book; "the tool should build a plan" is the tool's work.
            for_people = (
                verb_at > 0 and lower[verb_at - 1] == "to" and subject and subject[-1].lower() in words.PRODUCT_NOUNS
            )
            thing = subject and subject[-1].lower() not in _SOMEONE and not for_people
            if thing and _role(subject) is None:
                continue  # "the food arrives", "a camera sees motion": a thing, not a person, does it
            verb = grammar.verb_lemma(lower[verb_at])
            if verb in words.ENABLERS:
                continue  # "Pantry helps households track food": the subject is the product, not a role
            role = _role(subject)
            if role:
                self.role = role  # "let moderators work through a queue, hide or remove them": the moderators hide
            index = verb_at + 1
            if index < end and lower[index] in words.PARTICLES.get(verb, ()):
                verb = f"{verb} {lower[index]}"
                index += 1
            if verb in words.WEAK_VERBS:
                if role:
                    self.role = role
                    self._note_role(role)
                continue
            attached = index + 1 < end and lower[index] in {"on", "with", "for", "about", "at", "to"}
            if attached and (lower[index] != "to" or not grammar.can_be_verb(lower[index + 1])):
                verb = f"{verb} {lower[index]}"  # "comment on dishes", "chat with agents"
                index += 1
            question = object_text = ""
            if verb in SEEING_VERBS and index + 1 < end and lower[index] in {"when", "which", "what", "where"}:
                question = lower[index]  # "see when their pet's vaccinations are due": the vaccinations
                index += 1
            object_words: list[str] = []
            resolved, pronoun_determiner = False, ""
            if index < end and lower[index] in {"them", "it", "these", "those"} and self.mentions and not question:
                # "report bugs …, assign them to a teammate": them are the bugs
                last = self.mentions[-1]
                if last.object_words and last.order >= first_order:
                    object_words, object_text, pronoun_determiner = (
                        list(last.object_words),
                        last.object_text,
                        last.determiner,
                    )
                    resolved = True
                    index += 1
            determiner = ""
            while index < end and lower[index] in words.SKIP_IN_OBJECT:
                if lower[index] == "new" and index + 1 < end and lower[index + 1] in words.KEPT_AFTER_NEW:
                    break
                determiner = determiner or lower[index]
                index += 1
            if resolved:
                determiner = pronoun_determiner
            while not resolved and index < end and len(object_words) < MAX_OBJECT_WORDS:
                word, tag = lower[index], tags[index]
                if word == "off" and object_words and object_words[-1].lower() == "time":
                    object_words.append(words_[index])  # "time off" is one thing
                    index += 1
                    continue
                if word in COORDINATORS | PREPOSITIONS | WH_WORDS | MODALS | AUXILIARIES | OBJECT_STOPS:
                    break
                if object_words and (index in sentence.verbs or word in DETERMINERS or index + 1 in sentence.verbs):
                    break  # "… appointments owners book …": a noun right before a verb is that verb's subject
                describes = "ADJ" in grammar.lemmas(word) or tag == "VBN"  # "a live session", "used bikes"
                adjective = describes and index + 1 < end and grammar.can_be_noun(lower[index + 1])
                if not (tag.startswith(NOUN_TAGS) or grammar.can_be_noun(word) or "'" in word or adjective):
                    break  # ("a live conversation session": "live" describes the session)
                object_words.append(words_[index])
                index += 1
            gerund = object_words and object_words[-1].lower().endswith("ing") and grammar.can_be_verb(object_words[-1])
            if object_words and len(object_words) == 1 and (tags[index - 1] == "VBG" or gerund):
                object_words = []  # "Ride sharing", "Shift scheduling": a gerund is no object
            counted = determiner in NUMBER_WORDS or (object_words and object_words[0][:1].isdigit())
            counted = counted or " " in verb  # "route for the day": a time after a preposition is no object
            if object_words and counted and object_words[-1].lower() in words.TIME_NOUNS:
                object_words = []  # "warn 2 days before": a time is no object
            if question and object_words:
                state = lower[index : index + 2]
                said = [question, " ".join(_display(word) for word in object_words)]
                if len(state) == 2 and state[0] in {"is", "are"} and tags[index + 1].startswith("JJ"):
                    said += state  # "… are due", "… is free"
                    index += 2
                object_text = " ".join(said)
            if object_words and index < end and lower[index] in words.PARTICLES.get(verb, ()):
                verb = f"{verb} {lower[index]}"  # "check guests in"
                index += 1
            if not question and not resolved:
                object_text = " ".join(object_words)
            # "flights and hotels": a second noun phrase that is no verb joins the object.
            if object_words and index + 1 < end and lower[index] in {"and", "or", "&"}:
                extra: list[str] = []
                probe = index + 1
                while probe < end and len(extra) < MAX_OBJECT_WORDS and lower[probe] not in COORDINATORS | PREPOSITIONS:
                    inflected_verb = (
                        grammar.can_be_verb(lower[probe]) and grammar.verb_lemma(lower[probe]) != lower[probe]
                    )
                    if (
                        lower[probe] in OBJECT_STOPS | WH_WORDS
                        or tags[probe].startswith("VB")
                        or (not extra and inflected_verb)
                    ):
                        break  # "… and shares the link", "… and how many words"
                    if not (tags[probe].startswith(NOUN_TAGS) or grammar.can_be_noun(lower[probe])):
                        break
                    extra.append(words_[probe])
                    probe += 1
                # "… repairs and landlords assign a contractor": a noun phrase before a verb is its subject.
                if extra and extra[0].lower() not in DETERMINERS and probe not in sentence.verbs:
                    object_text = f"{object_text} {lower[index]} {' '.join(extra)}"
                    index = probe
            qualifier, purpose = self._tail(
                sentence, index, end, has_object=bool(object_words), last=position + 1 == len(sentence.verbs)
            )
            mention = Mention(
                verb=verb,
                object_words=object_words,
                object_text=object_text,
                determiner=determiner,
                qualifier=qualifier,
                purpose=purpose,
                role=role,
                order=len(self.mentions) + len(pending),
            )
            if object_words and object_words[-1].lower() in words.PRODUCT_NOUNS:
                continue  # "Smart home app", "use the app": the product is no object
            if not object_words and index == verb_at + 1 and end < len(sentence) and lower[end - 1] in COORDINATORS:
                pending.append(mention)
                continue
            for waiting in pending:
                waiting.object_words, waiting.object_text = mention.object_words, mention.object_text
                waiting.determiner = mention.determiner
                waiting.qualifier = waiting.qualifier or mention.qualifier
            group = [*pending, mention]
            pending = []
            for item in group:
                if (
                    not item.object_words
                    and item.verb.split(" ")[0] not in words.INTRANSITIVE
                    and item.verb not in words.INTRANSITIVE
                ):
                    continue
                item.role = item.role or self.section_role or self.role
                if role := item.role:
                    self.role = role
                    self._note_role(role)
                self.mentions.append(item)

    def _tail(self, sentence: _Sentence, index: int, end: int, *, has_object: bool, last: bool) -> tuple[str, str]:
        """What follows the object: a qualifier ("to CSV") and a purpose ("so that they can do their taxes")."""
        words_, lower = sentence.words, sentence.lower
        qualifier = purpose = ""
        while index < end:
            word = lower[index]
            if word == "so" and index + 1 < len(sentence) and lower[index + 1] == "that":
                purpose = _first_person(_clause(words_, index + 2, len(sentence)))
                break
            if word == "to" and index + 1 < len(sentence) and grammar.can_be_verb(lower[index + 1]) and has_object:
                if index + 1 in sentence.verbs and not last:
                    break  # "… to book appointments, get reminders": the next mention, not a purpose
                purpose = "I can " + _first_person(_clause(words_, index + 1, len(sentence)))
                break
            if not qualifier and word == "online":
                qualifier = "online"
            elif not qualifier and word in TITLE_QUALIFYING:
                # Only a bare noun phrase qualifies a title: "to CSV", "by ingredient" — not "with its species".
                qualifier_words = [words_[index], *_clause(words_, index + 1, end, stops=QUALIFIER_STOPS)]
                bare = [
                    word.lower() not in words.SKIP_IN_OBJECT | DETERMINERS | OBJECT_STOPS
                    for word in qualifier_words[1:]
                ]
                digits = any(char.isdigit() for char in "".join(qualifier_words))
                if (
                    1 < len(qualifier_words) <= 3
                    and all(bare)
                    and not digits
                    and not grammar.can_be_verb(qualifier_words[1])
                ):
                    qualifier = " ".join(qualifier_words)
            if word in COORDINATORS and qualifier:
                break
            index += 1
        return qualifier, purpose


def sentences(line: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(line) if part and part.strip(" .!?;:")]


def tokens(sentence: str) -> list[tuple[str, str]]:
    found = _TOKEN.findall(sentence.rstrip(".!?;:"))
    if not found:
        return []
    return list(_tagger().tag(" ".join(found), tokenize=False))


def _heading_role(line: str) -> str | None:
    """ "## Customers", "Couriers:": a heading that names who the lines under it are about."""
    found = _TOKEN.findall(line.strip("#*: "))
    if not found or len(found) > 3 or "," in found:
        return None
    return _role(found) if grammar.is_plural(found[-1]) or found[-1].lower() in words.PEOPLE else None


_NAME_VERBS = frozenset({"is", "helps", "lets", "connects", "gives", "makes", "allows", "enables"})
_PRONOUN_STARTS = frozenset({"we", "we're", "i", "i'm", "every", "it", "this", "there", "when", "if"})
_TITLE_STOPS = frozenset(
    {
        "where",
        "which",
        "that",
        "who",
        "with",
        "in",
        "by",
        "so",
        "is",
        "are",
        "has",
        "have",
        "wants",
        "want",
        "needs",
        "helps",
        "lets",
        "to",
        "on",
        "at",
        "from",
        "near",
    }
)
_SMALL = (
    r"(?:on|in|at|the|a|an|of|to|for|and|or|with|by|we|i|it|our|my|their|is|are|who|which|that|where|when|have"
    r"|has|want|wants|need|needs|can|will)"
)
_CUE = r"(?:^|\b(?:want|wants|need|needs|building|build|is|are|basically|through|:)\s+)"
_DET = r"(?:a|an|the|our|my)\s+"
_PHRASE_WORD = rf"(?!{_SMALL}\b)[a-z][\w'-]*"
_PRODUCT_PHRASE = re.compile(
    rf"{_CUE}(?:{_DET})?((?:{_PHRASE_WORD}\s+){{0,3}}?(?:{'|'.join(sorted(words.PRODUCT_NOUNS))}))"
    rf"(?=\s*(?:[.,;:!?]|$)|\s+(?:for|that|which|where|with|to|who|so|in|on|built|[-\u2013\u2014])(?:\s|$))"
    rf"(\s+for\s+(?:a\s+|an\s+|the\s+)?(?:{_PHRASE_WORD}\s+){{0,2}}{_PHRASE_WORD})?",
    re.IGNORECASE,
)
_MAKERS_PHRASE = re.compile(
    rf"\b(?:we|i)(?:'re|'m|\s+are|\s+am|\s+own|\s+run|\s+want|\s+need|\s+have)\s+(?:{_DET})"
    rf"((?:{_PHRASE_WORD}\s+){{0,3}}{_PHRASE_WORD})",
    re.IGNORECASE,
)
_BUSINESS_PHRASE = re.compile(
    rf"\b(?:we|i)(?:'re|\s+are|\s+own|\s+run|\s+manage)\s+(?:{_DET})((?:{_PHRASE_WORD}\s+){{0,3}}{_PHRASE_WORD})",
    re.IGNORECASE,
)
_NOT_FOR = frozenset({"it", "them", "us", "me", "myself", "ourselves", "you", "everyone"})


def _name(first_sentence: list[tuple[str, str]]) -> str:
    """ "PawCare is a booking app …", "Pantry helps households …": the product's own name."""
    lower = [word.lower() for word, _ in first_sentence]
    for index, (_, tag) in enumerate(first_sentence[:4]):
        if lower[index] in _NAME_VERBS and index > 0:
            candidate = [word for word, _ in first_sentence[:index]]
            if all(word[:1].isupper() or word[:1].isdigit() for word in candidate) and candidate[0].lower() != "it":
                return " ".join(candidate)
            return ""
        if tag.startswith("VB") and index > 0:
            return ""
    return ""


def _title_from(text: str, first: str) -> str:
    """What the product is, in a few words: "Food delivery app", "Recipe sharing for families"."""
    head = text[:1_500]
    if match := _PRODUCT_PHRASE.search(head):
        phrase, purpose = match.group(1), (match.group(2) or "").strip()
        if purpose and purpose.split()[-1].lower() not in _NOT_FOR:
            phrase = f"{phrase} {purpose}"
        phrase = re.sub(r"^(?:(?:a|an|the|our|my|basically)\s+)+", "", phrase, flags=re.IGNORECASE)
        business = _BUSINESS_PHRASE.search(head)
        if " for " in phrase or business is None or any(w in words.PRODUCT_NOUNS for w in business.group(1).split()):
            return grammar.capitalise(phrase)
        return grammar.capitalise(f"{phrase} for {grammar.with_article(business.group(1))}")
    opening = _TOKEN.findall(first)
    sentence = _Sentence(tokens(first))
    if sentence.verbs and sentence.subject(sentence.verbs[0])[0]:
        opening = []  # "Pet owners register their pets": a whole sentence, not a name for the product
    if opening and (opening[0] == "IT" or opening[0].lower() not in _PRONOUN_STARTS):
        while opening and opening[0].lower() in {"a", "an", "the", "basically", "our", "my"}:
            opening = opening[1:]
        fragment: list[str] = []
        for word in opening:
            if word in {",", "(", ")"} or word.lower() in _TITLE_STOPS or len(fragment) == 6:
                break
            fragment.append(word)
        if fragment and fragment[-1].lower() in {"for", "of", "a", "an", "the", "our"}:
            fragment = fragment[: -1 if fragment[-1].lower() != "our" else -2]
        if fragment:
            return grammar.capitalise(" ".join(word for word in fragment if word.lower() not in {"our", "my"}))
    if (maker := _MAKERS_PHRASE.search(head)) and len(maker.group(1).split()) > 1:
        return grammar.capitalise(maker.group(1))
    return ""


def _default_role(text: str) -> str | None:
    """ "… for members", "… for families": the people a product is for, when no sentence names a subject."""
    for match in re.finditer(r"\bfor ((?:[a-z]+ ){0,2}?[a-z]+)\b", text.lower()):
        candidate = match.group(1).split()
        head = candidate[-1]
        if head in words.NOT_ROLES or head in words.PRODUCT_NOUNS or not grammar.is_plural(head):
            continue
        if any(word in words.SKIP_IN_OBJECT for word in candidate):
            continue
        role = " ".join([*candidate[:-1], grammar.noun_singular(head)])
        if is_person(role):
            return role
    return None


def read(text: str) -> Reading:
    reading = Reading()
    reader = _Reader()
    first = True
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace(" w/ ", " with ")
    for raw_line in text.splitlines():
        line = _BULLET.sub("", raw_line).strip()
        if not line:
            continue
        heading = raw_line.lstrip().startswith("#") or (line.endswith(":") and len(line.split()) <= 4)
        if heading:
            role = _heading_role(line)
            reader.section_role = role
            if role:
                reader._note_role(role)
        for part in sentences(_ASIDES.sub(" ", line.lstrip("#").strip())):
            tagged = tokens(part)
            if not tagged:
                continue
            if first:
                reading.name = _name(tagged)
                reading.title = reading.name or _title_from(_ASIDES.sub(" ", text.lstrip("# ")), part)
                reading.product_noun = next(
                    (word for word in reading.title.lower().split() if word in words.PRODUCT_NOUNS), ""
                )
                first = False
            if heading:
                continue
            if len(tagged) <= 3 and (role := _heading_role(part)) is not None:
                reader.section_role = role  # "customers: browse tools, …" — a role before its list
                reader._note_role(role)
                continue
            reader.sentence(_Sentence(tagged))
    reading.mentions = reader.mentions
    for mention in reading.mentions:
        # "owners can read a summary" after "pet owners book …": the same people, named shorter.
        if mention.role and (longer := next((r for r in reader.roles if r.endswith(f" {mention.role}")), None)):
            mention.role = longer
    reading.roles = [role for role in reader.roles if any(m.role == role for m in reader.mentions)]
    if not reading.roles and (default := _default_role(text)):
        reading.roles.append(default)
    return reading
