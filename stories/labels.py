"""Labels on story cards: the fixed colour palette, named per project, and the fixed annotations.

A story keeps label keys ("red", "risky"); people, documents and exports see
names ("Payments", "Risky"). A colour the project has not named is called by
its palette name.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError

from projects.models import Project

from .limits import LABEL_NAME_MAX, Annotation, LabelColour

KEY_ORDER = {key: index for index, key in enumerate([*LabelColour.values, *Annotation.values])}
# Every label's name before a project renames any: "Red", …, "Risky", "Needs split".
PALETTE_NAMES: dict[str, str] = {
    **{colour.value: str(colour.label) for colour in LabelColour},
    **{annotation.value: str(annotation.label) for annotation in Annotation},
}


@dataclass(frozen=True)
class Label:
    key: str
    name: str
    kind: Literal["colour", "annotation"]


def normalised(name: str) -> str:
    """What makes two label names the same. Case, spacing, hyphens and underscores do not:
    Jira labels cannot hold spaces, so "Needs split" travels as "needs-split" and must come back."""
    return " ".join(name.replace("_", " ").replace("-", " ").split()).casefold()


def names_with_defaults(named: Any) -> dict[str, str]:
    """Every label key with its name, given a colour→name mapping (anything else counts as no names)."""
    given: Mapping[str, Any] = named if isinstance(named, dict) else {}
    names = dict(PALETTE_NAMES)
    for colour in LabelColour.values:
        name = " ".join(str(given.get(colour) or "").split())
        if name:
            names[colour] = name
    return names


def label_names(project: Project) -> dict[str, str]:
    """Every label key of `project` with the name people see."""
    return names_with_defaults(project.label_names)


def colour_names(project: Project) -> dict[str, str]:
    """The eight colours of `project` with their names, in palette order: what the API shows."""
    names = label_names(project)
    return {colour: names[colour] for colour in LabelColour.values}


def label_name_problem(colour: str, name: str, *, named: Mapping[str, str]) -> str | None:
    """Why `name` cannot be what colour `colour` is called, beside the other colours' names `named`; None if it can.

    A name must say which label it is wherever it is read back (documents, CSV
    files, Jira labels), so it cannot be another label's name, palette name or key.
    """
    if len(name) > LABEL_NAME_MAX:
        return f"a label's name can have at most {LABEL_NAME_MAX} characters; “{name[:20]}…” has {len(name)}"
    if not any(character.isalnum() for character in name):
        return f"“{name}” needs a letter or a digit"
    key = normalised(name)
    for other, palette_name in PALETTE_NAMES.items():
        if other == colour:
            continue
        kind = "an annotation" if other in Annotation.values else "another colour"
        if key in {normalised(other), normalised(palette_name)}:
            return f"“{name}” is the name of {kind} ({palette_name}): choose another"
        if other in named and normalised(named[other]) == key:
            return f"“{name}” is already the name of {kind} ({palette_name}): give each colour its own name"
    return None


def label_palette(project: Project) -> list[Label]:
    """The colours, then the annotations, in palette order."""
    names = label_names(project)
    return [Label(key, names[key], "colour") for key in LabelColour.values] + [
        Label(key, names[key], "annotation") for key in Annotation.values
    ]


def clean_label_keys(values: Any, *, field: str = "labels") -> list[str]:
    """A story's labels as stored: known keys, each once, in palette order; a ValidationError naming `field`."""
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValidationError({field: "Give a list of label keys."})
    unknown = sorted({value for value in values if value not in KEY_ORDER})
    if unknown:
        known = ", ".join(KEY_ORDER)
        raise ValidationError({field: f"Unknown label {', '.join(unknown)}: choose from {known}."})
    return sorted(set(values), key=KEY_ORDER.__getitem__)


def clean_label_names(values: Any, *, field: str = "label_names") -> dict[str, str]:
    """A project's names for its colours as stored: {colour key: name} in palette order.

    Blank names, and a colour's own palette name, are dropped (the colour is then
    called by its palette name). Names are unique, case and spacing aside, and
    never another label's name; every problem names its colour ("Red: …").
    """
    if not isinstance(values, dict) or not all(isinstance(name, str) for name in values.values()):
        raise ValidationError({field: "Give an object of colour keys and names."})
    unknown = sorted(str(key) for key in set(values) - set(LabelColour.values))
    if unknown:
        raise ValidationError(
            {field: f"Unknown colour {', '.join(unknown)}: choose from {', '.join(LabelColour.values)}."}
        )
    cleaned = {key: " ".join(values[key].split()) for key in LabelColour.values if key in values}
    cleaned = {
        key: name for key, name in cleaned.items() if name and normalised(name) != normalised(PALETTE_NAMES[key])
    }
    problems: list[str] = []
    accepted: dict[str, str] = {}
    for key, name in cleaned.items():
        problem = label_name_problem(key, name, named=accepted)
        if problem:
            problems.append(f"{PALETTE_NAMES[key]}: {problem}.")
        else:
            accepted[key] = name
    if problems:
        raise ValidationError({field: problems})
    return accepted


def label_names_written(stored: Any, given: Mapping[str, str], *, replace: bool) -> dict[str, str]:
    """A project's colour names (`label_names` as stored) once a document naming colours `given` is written in.

    Replacing the map takes the document's names; appending to it names only the
    colours the project has not named, and never with a name the project uses.
    """
    names = names_with_defaults({} if replace else stored)
    written = {
        colour: names[colour]
        for colour in LabelColour.values
        if normalised(names[colour]) != normalised(PALETTE_NAMES[colour])
    }
    for colour in LabelColour.values:
        name = " ".join(str(given.get(colour) or "").split())
        if colour in written or not name or normalised(name) == normalised(PALETTE_NAMES[colour]):
            continue
        if label_name_problem(colour, name, named=written) is None:
            written[colour] = name
    return {colour: written[colour] for colour in LabelColour.values if colour in written}


def keys_for_names(names: Iterable[str], *, project_names: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Label names (from a document or a CSV) as keys: (keys found, in palette order; names that are no label).

    A name is matched as `normalised` says, against `project_names` (keys with the
    names they go by), then against the keys and palette names themselves: a colour
    renamed "Payments" still answers to "Red".
    """
    by_name: dict[str, str] = {}
    for key, palette_name in PALETTE_NAMES.items():
        by_name.setdefault(normalised(key), key)
        by_name.setdefault(normalised(palette_name), key)
    # The names the map gives come first.
    by_name.update({normalised(name): key for key, name in project_names.items() if key in KEY_ORDER})
    keys: list[str] = []
    unknown: list[str] = []
    for name in names:
        found = by_name.get(normalised(name))
        if found is None:
            unknown.append(name)
        elif found not in keys:
            keys.append(found)
    return sorted(keys, key=KEY_ORDER.__getitem__), unknown
