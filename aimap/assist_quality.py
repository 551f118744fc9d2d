"""How good the offline assists are on the sample maps: the figures `make eval` prints after the planner's.

For each sample description the planner drafts a map, and then, as a person would on the board:

- every step is asked for new cards: how many steps get one, and three; whether any suggestion repeats a
  title on the map, pads one (aimap.quality.padded_titles), shares a benefit or a criterion with another
  suggestion of the same step, or has two articles collided;
- every story is asked for new criteria: how many get one, and two; whether any repeats one it has;
- the first two cards of each step with two are joined with "and" into one story, as people write
  them ("Book an appointment and pay for it"), and split: how many split, and how many back into exactly the two;
- each step of each activity is taken out in turn and the activity's gaps asked for: how often the step
  comes back, at its place.
"""

import copy
import re
import time
from dataclasses import dataclass, field
from typing import Any

from stories.document import GENERATED_LIMITS, MapDocument, StoryDoc, document_parse, title_key

from .quality import benefit, collisions, padded_titles

_GOAL = re.compile(r"I want (?:to )?.*?, so that")


@dataclass
class AssistFigures:
    steps: int = 0
    steps_one: int = 0
    steps_three: int = 0
    suggestions: int = 0
    repeats: int = 0
    padded: int = 0
    shared_benefits: int = 0
    shared_criteria: int = 0
    collided: int = 0
    stories: int = 0
    criteria_one: int = 0
    criteria_two: int = 0
    criteria_repeats: int = 0
    joined: int = 0
    split: int = 0
    split_back: int = 0
    removed: int = 0
    returned: int = 0
    milliseconds: list[float] = field(default_factory=list)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


def _shared(values: list[str]) -> int:
    return len(values) - len(set(values))


def _suggest(figures: AssistFigures, document: MapDocument) -> None:
    from .planner.suggest import suggest_stories

    on_map = [story["title"] for a in document["activities"] for s in a["steps"] for story in s["stories"]]
    keys = {title_key(title) for title in on_map}
    for a, activity in enumerate(document["activities"]):
        for s, _ in enumerate(activity["steps"]):
            started = time.perf_counter()
            cards = suggest_stories(document, activity=a, step=s)
            figures.milliseconds.append((time.perf_counter() - started) * 1000)
            figures.steps += 1
            figures.steps_one += len(cards) >= 1
            figures.steps_three += len(cards) >= 3
            figures.suggestions += len(cards)
            titles = [card["title"] for card in cards]
            figures.repeats += sum(title_key(title) in keys for title in titles)
            figures.padded += len(set(padded_titles([*on_map, *titles])) & set(titles))
            figures.shared_benefits += _shared([benefit(card["description"]) or "" for card in cards])
            figures.shared_criteria += _shared([text for card in cards for text in card["acceptance_criteria"]])
            cell: dict[str, Any] = {"activities": [{"title": "", "steps": [{"title": "", "stories": cards}]}]}
            figures.collided += len(collisions(cell))


def _criteria(figures: AssistFigures, document: MapDocument) -> None:
    from .planner.story_assists import suggest_criteria

    for a, activity in enumerate(document["activities"]):
        for s, step in enumerate(activity["steps"]):
            for t, story in enumerate(step["stories"]):
                new = suggest_criteria(document, activity=a, step=s, story=t)
                figures.stories += 1
                figures.criteria_one += len(new) >= 1
                figures.criteria_two += len(new) >= 2
                had = {text.lower().rstrip(".") for text in story["acceptance_criteria"]}
                figures.criteria_repeats += sum(text.lower().rstrip(".") in had for text in new)


def _joined(first: StoryDoc, second: StoryDoc) -> str:
    return f"{first['title']} and {second['title'][:1].lower()}{second['title'][1:]}"


def _split(figures: AssistFigures, document: MapDocument) -> None:
    from .planner.story_assists import split_story

    for a, activity in enumerate(document["activities"]):
        for s, step in enumerate(activity["steps"]):
            if len(step["stories"]) < 2:
                continue
            first, second = step["stories"][:2]
            joined = copy.deepcopy(document)
            cell = joined["activities"][a]["steps"][s]["stories"]
            title = _joined(first, second)
            # Written as a person would: the joined goal in the description too.
            description = _GOAL.sub(f"I want to {title[:1].lower()}{title[1:]}, so that", first["description"], count=1)
            cell[:2] = [{**first, "title": title, "description": description}]
            parts = split_story(joined, activity=a, step=s, story=0)
            figures.joined += 1
            figures.split += bool(parts)
            figures.split_back += [part["title"] for part in parts] == [first["title"], second["title"]]


def _gaps(figures: AssistFigures, document: MapDocument) -> None:
    from .planner.suggest import fill_gaps

    for a, activity in enumerate(document["activities"]):
        for s, step in enumerate(activity["steps"]):
            lacking = copy.deepcopy(document)
            del lacking["activities"][a]["steps"][s]
            figures.removed += 1
            gaps = fill_gaps(lacking, activity=a)
            figures.returned += any(
                title_key(gap["title"]) == title_key(step["title"]) and gap["position"] == s for gap in gaps
            )


def evaluate_assists(descriptions: dict[str, str]) -> AssistFigures:
    from .planner import plan_map

    figures = AssistFigures()
    for text in descriptions.values():
        document = document_parse(plan_map(text), limits=GENERATED_LIMITS)
        _suggest(figures, document)
        _criteria(figures, document)
        _split(figures, document)
        _gaps(figures, document)
    return figures


def format_assists(figures: AssistFigures) -> str:
    times = sorted(figures.milliseconds)
    median = times[len(times) // 2] if times else 0.0
    rows = [
        ("Suggest stories: steps given ≥ 1 new card", _share(figures.steps_one, figures.steps)),
        ("Suggest stories: steps given ≥ 3 new cards", _share(figures.steps_three, figures.steps)),
        (
            "Suggest stories: repeats / padded / shared benefits / shared criteria / collided",
            f"{figures.repeats} / {figures.padded} / {figures.shared_benefits} / {figures.shared_criteria} / "
            f"{figures.collided} (of {figures.suggestions} cards)",
        ),
        (
            "Write criteria: stories given ≥ 1 / ≥ 2 new criteria",
            (f"{_share(figures.criteria_one, figures.stories)} / {_share(figures.criteria_two, figures.stories)}"),
        ),
        ("Write criteria: repeats of a criterion the story has", str(figures.criteria_repeats)),
        (
            "Split: two cards joined with “and” that split / back into the two",
            (f"{_share(figures.split, figures.joined)} / {_share(figures.split_back, figures.joined)}"),
        ),
        ("Fill the gaps: a step taken out comes back at its place", _share(figures.returned, figures.removed)),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    lines.append(f"Suggest stories time per step: median {median:.1f} ms over {figures.steps} steps.")
    return "\n".join(lines) + "\n"
