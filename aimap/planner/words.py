"""The planner's word lists, read once from data/words.yaml (see data/README.md)."""

from pathlib import Path

import yaml

_DATA = yaml.safe_load((Path(__file__).resolve().parent / "data" / "words.yaml").read_text(encoding="utf-8"))

NOT_ROLES: frozenset[str] = frozenset(_DATA["not_roles"])
PRODUCT_NOUNS: frozenset[str] = frozenset(_DATA["product_nouns"])
PRODUCT_NOUN_VERBS: dict[str, str] = dict(_DATA["product_noun_verbs"])
WEAK_VERBS: frozenset[str] = frozenset(_DATA["weak_verbs"])
ENABLERS: frozenset[str] = frozenset(_DATA["enablers"])
PARTICLES: dict[str, tuple[str, ...]] = {verb: tuple(items) for verb, items in _DATA["particles"].items()}
SKIP_IN_OBJECT: frozenset[str] = frozenset(_DATA["skip_in_object"])
FIRST_PERSON: dict[str, str] = dict(_DATA["first_person"])
INTRANSITIVE: frozenset[str] = frozenset(_DATA["intransitive"])
GENERAL_VERBS: frozenset[str] = frozenset(_DATA["general_verbs"])
KEPT_AFTER_NEW: frozenset[str] = frozenset(_DATA["kept_after_new"])
SUBORDINATORS: frozenset[str] = frozenset(_DATA["subordinators"])
PERSON_ENDINGS: tuple[str, ...] = tuple(_DATA["person_endings"])
PEOPLE: frozenset[str] = frozenset(_DATA["people"])
NOT_PEOPLE: frozenset[str] = frozenset(_DATA["not_people"])
TIME_NOUNS: frozenset[str] = frozenset(_DATA["time_nouns"])
STAFF_ROLES: frozenset[str] = frozenset(word.lower() for word in _DATA["staff_roles"])
UNCOUNTABLE: frozenset[str] = frozenset(_DATA["uncountable"])
ORGANISATIONS: frozenset[str] = frozenset(_DATA["organisations"])
VAGUE_VERBS: frozenset[str] = frozenset(_DATA["vague_verbs"])
VAGUE_OBJECTS: frozenset[str] = frozenset(_DATA["vague_objects"])
