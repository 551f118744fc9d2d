"""How good a drafted story map is, measured from its text alone: for checking the offline planner.

For one (description, document) pair, `map_quality` counts what a reader of the
map would notice first:

- padded stories: a title that is another story's title with words added at the
  end ("Book a visit" → "Book a visit from my phone"), or another title minus a
  trailing modifier phrase plus something else ("Book a visit quickly" → "Book a
  visit from my phone");
- distinct benefits: how many different "so that …" clauses there are per story;
- distinct criteria: how many acceptance criteria are still different once each
  story's own title words are masked, which catches one criterion pasted
  everywhere with the title slotted in;
- collided articles: two determiners in a row ("my the pet"), anywhere in the
  generated texts;
- invented personas: personas the description never names;
- three of the Quality User Story criteria (Lucassen et al., 2016) a machine can
  check: well-formed, atomic and minimal;
- whether the MVP release reaches every activity of the backbone.

`evaluate` runs the planner over many descriptions (by default the samples in
aimap/planner/samples/) and `format_report` prints one row per product and an
"overall" row computed from the summed counts.
"""

import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import inflect

from stories import qus

SAMPLES_DIR = Path(__file__).resolve().parent / "planner" / "samples"

Document = dict[str, Any]
Planner = Callable[[str], Document]

DETERMINER = r"(?:a|an|the|my|your|their|our|his|her|its)"
# A lookahead, so "my the a" counts twice ("my the", "the a").
_COLLISION = re.compile(rf"\b(?=({DETERMINER}\s+{DETERMINER})\b)", re.IGNORECASE)
_SO_THAT = re.compile(r"\bso that\b(.*)", re.IGNORECASE | re.DOTALL)
_TITLE_WORD = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Words that open a trailing modifier phrase: "… from my phone", "… with a reminder", "… faster".
MODIFIER_STARTS = frozenset(
    {
        "about",
        "across",
        "after",
        "again",
        "anytime",
        "anywhere",
        "at",
        "automatically",
        "before",
        "by",
        "during",
        "easily",
        "faster",
        "for",
        "from",
        "in",
        "instantly",
        "later",
        "offline",
        "on",
        "online",
        "over",
        "quickly",
        "through",
        "using",
        "via",
        "when",
        "while",
        "with",
        "without",
    }
)
MASK = "<title>"


@dataclass(frozen=True)
class Collision:
    """Two determiners in a row: `words` as the text has them, `where` the field's path, `context` the words around."""

    where: str
    words: str
    context: str


class _Shares:
    """Shares (0.0-1.0, None when there is nothing to divide by) computed from the counts of a row."""

    stories: int
    padded_count: int
    distinct_benefits: int
    criteria: int
    distinct_criteria: int
    well_formed: int
    atomic: int
    minimal: int

    @property
    def padded_share(self) -> float | None:
        return _share(self.padded_count, self.stories)

    @property
    def distinct_benefits_share(self) -> float | None:
        return _share(self.distinct_benefits, self.stories)

    @property
    def distinct_criteria_share(self) -> float | None:
        return _share(self.distinct_criteria, self.criteria)

    @property
    def well_formed_share(self) -> float | None:
        return _share(self.well_formed, self.stories)

    @property
    def atomic_share(self) -> float | None:
        return _share(self.atomic, self.stories)

    @property
    def minimal_share(self) -> float | None:
        return _share(self.minimal, self.stories)


@dataclass(frozen=True)
class MapQuality(_Shares):
    """The measurements of one story map. Counts are of stories unless named otherwise."""

    activities: int
    steps: int
    stories: int
    padded: tuple[str, ...]  # titles of the padded stories, in board order
    distinct_benefits: int  # distinct "so that" clauses
    criteria: int
    distinct_criteria: int  # distinct criteria once each story's title words are masked
    collisions: tuple[Collision, ...]
    invented_personas: tuple[str, ...]
    well_formed: int
    atomic: int
    minimal: int
    mvp_covers_all: bool

    # _Shares declares it as an attribute, which Overall's dataclass field is; here it is derived.
    @property
    def padded_count(self) -> int:  # type: ignore[override]
        return len(self.padded)


@dataclass(frozen=True)
class Overall(_Shares):
    """The sum of many maps' counts; its shares are of the sums (distinct counts are per map, then summed)."""

    maps: int
    activities: int
    steps: int
    stories: int
    padded_count: int
    distinct_benefits: int
    criteria: int
    distinct_criteria: int
    collided: int
    invented_personas: int
    well_formed: int
    atomic: int
    minimal: int
    mvp_covers_all: int  # how many maps


@dataclass(frozen=True)
class QualityReport:
    """`rows`: (product, quality) in the order given; `failures`: (product, error) for maps the planner refused."""

    rows: tuple[tuple[str, MapQuality], ...]
    milliseconds: tuple[float, ...]  # planner time per successful map, in row order
    failures: tuple[tuple[str, str], ...] = ()

    @property
    def overall(self) -> Overall:
        return combine([quality for _, quality in self.rows])

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.milliseconds) if self.milliseconds else None

    @property
    def max_ms(self) -> float | None:
        return max(self.milliseconds) if self.milliseconds else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def normalise(text: str) -> str:
    """Lowercased, whitespace collapsed, one final full stop dropped."""
    text = " ".join(text.lower().split())
    return text.removesuffix(".").rstrip()


def stories_of(document: Document) -> Iterator[dict[str, Any]]:
    for activity in document.get("activities") or []:
        for step in activity.get("steps") or []:
            yield from step.get("stories") or []


def _title_words(title: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(title.lower()))


def _cores(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The title without each possible trailing modifier phrase, when at least two words remain."""
    return {words[:index] for index in range(2, len(words)) if words[index] in MODIFIER_STARTS}


def padded_titles(titles: list[str]) -> list[str]:
    """The titles that pad another one: it (≥ 2 words), or it minus a trailing modifier phrase, plus words at the end.

    Only the longer title of a pair is padded ("Book a visit from my phone", not "Book a visit"); two titles that
    differ only in their trailing modifiers ("… quickly", "… from my phone") are both padded; equal titles are not.
    """
    words = [_title_words(title) for title in titles]
    bases: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for own in words:
        for base in {own, *_cores(own)}:
            if len(base) >= 2:
                bases.setdefault(base, set()).add(own)

    def pads(own: tuple[str, ...], other: tuple[str, ...]) -> bool:
        # `other` is a different title and does not itself extend `own` ("Check X" is not padding "Check X before Y").
        return other != own and other[: len(own)] != own

    padded = []
    for title, own in zip(titles, words, strict=True):
        prefixes = (own[:length] for length in range(2, len(own)))
        if any(pads(own, other) for prefix in prefixes for other in bases.get(prefix, ())):
            padded.append(title)
    return padded


def benefit(description: str) -> str | None:
    """The normalised "so that" clause of a story's description, None when it has none."""
    match = _SO_THAT.search(description or "")
    if match is None:
        return None
    clause = normalise(match.group(1))
    return clause or None


def mask_title(criterion: str, title: str) -> str:
    """`criterion` normalised, with every word of `title` of three or more letters replaced by a token."""
    words = sorted({word for word in _TITLE_WORD.findall(title.lower()) if len(word) >= 3}, key=len, reverse=True)
    masked = criterion
    if words:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE)
        masked = pattern.sub(MASK, criterion)
    return normalise(masked)


def _texts(document: Document) -> Iterator[tuple[str, str]]:
    """(path, text) of every generated text. The top-level description is the user's own text, so it is left out."""
    if isinstance(document.get("title"), str):
        yield "title", document["title"]
    for index, persona in enumerate(document.get("personas") or []):
        for key in ("name", "description"):
            if isinstance(persona.get(key), str):
                yield f"personas[{index}].{key}", persona[key]
        for goal_index, goal in enumerate(persona.get("goals") or []):
            yield f"personas[{index}].goals[{goal_index}]", goal
    for index, release in enumerate(document.get("releases") or []):
        for key in ("name", "goal"):
            if isinstance(release.get(key), str):
                yield f"releases[{index}].{key}", release[key]
    for a, activity in enumerate(document.get("activities") or []):
        for key in ("title", "description"):
            if isinstance(activity.get(key), str):
                yield f"activities[{a}].{key}", activity[key]
        for s, step in enumerate(activity.get("steps") or []):
            for key in ("title", "description"):
                if isinstance(step.get(key), str):
                    yield f"activities[{a}].steps[{s}].{key}", step[key]
            for t, story in enumerate(step.get("stories") or []):
                where = f"activities[{a}].steps[{s}].stories[{t}]"
                for key in ("title", "description"):
                    if isinstance(story.get(key), str):
                        yield f"{where}.{key}", story[key]
                for c, criterion in enumerate(story.get("acceptance_criteria") or []):
                    yield f"{where}.acceptance_criteria[{c}]", criterion


def collisions(document: Document) -> list[Collision]:
    """Every pair of determiners in a row ("my the", "a the") in the document's generated texts."""
    found = []
    for where, text in _texts(document):
        for match in _COLLISION.finditer(text):
            words = match.group(1)
            start, end = match.start(), match.start() + len(words)
            before = " ".join(text[:start].split()[-3:])
            after = " ".join(text[end:].split()[:3])
            found.append(Collision(where, words, " ".join(part for part in (before, words, after) if part)))
    return found


@cache
def _inflect() -> inflect.engine:
    return inflect.engine()


def _plural(phrase: str) -> str:
    return _inflect().plural(phrase) if phrase else phrase


def _occurs(phrase: str, text: str) -> bool:
    return bool(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def persona_named(name: str, description: str) -> bool:
    """Whether the description names the persona: the name or its plural, or every word of it (or its plural)."""
    text = description.lower().replace("\u2019", "'")
    name = " ".join(name.lower().replace("\u2019", "'").split())
    if _occurs(name, text) or _occurs(_plural(name).lower(), text):
        return True
    words = name.split()
    return bool(words) and all(_occurs(word, text) or _occurs(_plural(word).lower(), text) for word in words)


def persona_names(document: Document) -> list[str]:
    """The personas listed and those stories name, once each (first spelling wins), in document order."""
    names: dict[str, str] = {}
    listed = [persona.get("name") for persona in document.get("personas") or []]
    for name in [*listed, *(story.get("persona") for story in stories_of(document))]:
        if isinstance(name, str) and name.strip():
            names.setdefault(name.strip().lower(), name.strip())
    return list(names.values())


def invented_personas(document: Document, description: str) -> list[str]:
    return [name for name in persona_names(document) if name.lower() != "user" and not persona_named(name, description)]


# The Quality User Story checks are the map's own (stories/qus.py): these read them off a document's story.


def is_well_formed(description: str) -> bool:
    """Role, means and ends: a drafted story promises all three ("As a …, I want …, so that …")."""
    return qus.is_well_formed(description or "") and qus.has_ends(description or "")


def goal(story: dict[str, Any]) -> tuple[str, bool]:
    """(the "I want" part of the description, whether it is an infinitive "I want to …"); the title if none."""
    return qus.goal(title=story.get("title") or "", description=story.get("description") or "")


def is_atomic(story: dict[str, Any]) -> bool:
    """False when the goal joins two actions with "and"/"or": "add and delete items", "pay or track my order"."""
    return qus.is_atomic(title=story.get("title") or "", description=story.get("description") or "")


def is_minimal(story: dict[str, Any]) -> bool:
    """No brackets or "e.g." in the title or description, and the description is a single sentence."""
    return qus.is_minimal(title=story.get("title") or "", description=story.get("description") or "")


def mvp_release(document: Document) -> str | None:
    """The release named "MVP" (any case), else the first release listed."""
    names = [release.get("name") for release in document.get("releases") or []]
    names = [name for name in names if isinstance(name, str)]
    used = [story.get("release") for story in stories_of(document)]
    for name in [*names, *used]:
        if isinstance(name, str) and name.strip().lower() == "mvp":
            return name
    return names[0] if names else None


def mvp_covers_all(document: Document) -> bool:
    """Whether the MVP release holds at least one story under every activity (and there is an activity)."""
    release = mvp_release(document)
    activities = document.get("activities") or []
    if release is None or not activities:
        return False
    wanted = release.strip().lower()

    def in_mvp(story: dict[str, Any]) -> bool:
        return isinstance(story.get("release"), str) and story["release"].strip().lower() == wanted

    return all(
        any(in_mvp(story) for step in activity.get("steps") or [] for story in step.get("stories") or [])
        for activity in activities
    )


def map_quality(description: str, document: Document) -> MapQuality:
    stories = list(stories_of(document))
    benefits = [benefit(story.get("description") or "") for story in stories]
    masked = [
        mask_title(criterion, story.get("title") or "")
        for story in stories
        for criterion in story.get("acceptance_criteria") or []
    ]
    activities = document.get("activities") or []
    return MapQuality(
        activities=len(activities),
        steps=sum(len(activity.get("steps") or []) for activity in activities),
        stories=len(stories),
        padded=tuple(padded_titles([story.get("title") or "" for story in stories])),
        distinct_benefits=len({clause for clause in benefits if clause is not None}),
        criteria=len(masked),
        distinct_criteria=len(set(masked)),
        collisions=tuple(collisions(document)),
        invented_personas=tuple(invented_personas(document, description)),
        well_formed=sum(is_well_formed(story.get("description") or "") for story in stories),
        atomic=sum(is_atomic(story) for story in stories),
        minimal=sum(is_minimal(story) for story in stories),
        mvp_covers_all=mvp_covers_all(document),
    )


def combine(qualities: list[MapQuality]) -> Overall:
    return Overall(
        maps=len(qualities),
        activities=sum(q.activities for q in qualities),
        steps=sum(q.steps for q in qualities),
        stories=sum(q.stories for q in qualities),
        padded_count=sum(q.padded_count for q in qualities),
        distinct_benefits=sum(q.distinct_benefits for q in qualities),
        criteria=sum(q.criteria for q in qualities),
        distinct_criteria=sum(q.distinct_criteria for q in qualities),
        collided=sum(len(q.collisions) for q in qualities),
        invented_personas=sum(len(q.invented_personas) for q in qualities),
        well_formed=sum(q.well_formed for q in qualities),
        atomic=sum(q.atomic for q in qualities),
        minimal=sum(q.minimal for q in qualities),
        mvp_covers_all=sum(q.mvp_covers_all for q in qualities),
    )


def samples(directory: Path = SAMPLES_DIR) -> dict[str, str]:
    """The sample descriptions, {file name without .txt: text}, in name order."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.txt"))}


def _default_planner() -> Planner:
    from aimap.planner import plan_map  # imported late: the command and tests can run without it

    return plan_map


def evaluate(descriptions: dict[str, str], planner: Planner | None = None) -> QualityReport:
    """Plan a map for each description (with `aimap.planner.plan_map` unless told) and measure it.

    A description the planner refuses (any exception) is reported in `failures`, not measured.
    """
    plan = planner or _default_planner()
    rows: list[tuple[str, MapQuality]] = []
    milliseconds: list[float] = []
    failures: list[tuple[str, str]] = []
    for product, description in descriptions.items():
        started = time.perf_counter()
        try:
            document = plan(description)
        except Exception as error:  # a report lists what failed and carries on
            failures.append((product, f"{type(error).__name__}: {error}"))
            continue
        milliseconds.append((time.perf_counter() - started) * 1000)
        rows.append((product, map_quality(description, document)))
    return QualityReport(rows=tuple(rows), milliseconds=tuple(milliseconds), failures=tuple(failures))


COLUMNS = (
    "product",
    "activities",
    "steps",
    "stories",
    "padded %",
    "distinct benefits %",
    "distinct criteria %",
    "collided",
    "invented personas",
    "well-formed %",
    "atomic %",
    "minimal %",
    "MVP covers all",
)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}"


def _cells(quality: MapQuality | Overall) -> list[str]:
    if isinstance(quality, Overall):
        collided, invented, mvp = (
            quality.collided,
            quality.invented_personas,
            f"{quality.mvp_covers_all}/{quality.maps}",
        )
    else:
        collided, invented = len(quality.collisions), len(quality.invented_personas)
        mvp = "yes" if quality.mvp_covers_all else "no"
    return [
        str(quality.activities),
        str(quality.steps),
        str(quality.stories),
        _percent(quality.padded_share),
        _percent(quality.distinct_benefits_share),
        _percent(quality.distinct_criteria_share),
        str(collided),
        str(invented),
        _percent(quality.well_formed_share),
        _percent(quality.atomic_share),
        _percent(quality.minimal_share),
        mvp,
    ]


def format_report(report: QualityReport) -> str:
    """The report as a text table, one row per product and an overall row, then what the counts were made of."""
    body = [[product, *_cells(quality)] for product, quality in report.rows]
    body.append(["overall", *_cells(report.overall)])
    widths = [max(len(row[column]) for row in [list(COLUMNS), *body]) for column in range(len(COLUMNS))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    lines = [line(list(COLUMNS)), rule, *(line(row) for row in body[:-1])]
    lines += [rule, line(body[-1])] if report.rows else [line(body[-1])]
    details = []
    for product, quality in report.rows:
        if quality.invented_personas:
            details.append(f"{product}: invented personas: {', '.join(quality.invented_personas)}")
        by_words: dict[str, list[Collision]] = {}
        for collision in quality.collisions:
            by_words.setdefault(collision.words.lower(), []).append(collision)
        for words, found in by_words.items():
            first = found[0]
            details.append(f'{product}: collided "{words}" x{len(found)}, e.g. "{first.context}" ({first.where})')
    for product, error in report.failures:
        details.append(f"{product}: the planner failed: {error}")
    if details:
        lines += ["", *details]
    return "\n".join(lines) + "\n"


def _shares(quality: MapQuality | Overall) -> dict[str, float | None]:
    return {
        "padded": quality.padded_share,
        "distinct_benefits": quality.distinct_benefits_share,
        "distinct_criteria": quality.distinct_criteria_share,
        "well_formed": quality.well_formed_share,
        "atomic": quality.atomic_share,
        "minimal": quality.minimal_share,
    }


def report_data(report: QualityReport) -> dict[str, Any]:
    """The report as plain data for JSON: every count, share (0-1) and list."""
    maps = []
    for (product, quality), milliseconds in zip(report.rows, report.milliseconds, strict=True):
        maps.append(
            {
                "product": product,
                "activities": quality.activities,
                "steps": quality.steps,
                "stories": quality.stories,
                "padded": list(quality.padded),
                "distinct_benefits": quality.distinct_benefits,
                "criteria": quality.criteria,
                "distinct_criteria": quality.distinct_criteria,
                "collisions": [{"where": c.where, "words": c.words, "context": c.context} for c in quality.collisions],
                "invented_personas": list(quality.invented_personas),
                "well_formed": quality.well_formed,
                "atomic": quality.atomic,
                "minimal": quality.minimal,
                "mvp_covers_all": quality.mvp_covers_all,
                "shares": _shares(quality),
                "milliseconds": round(milliseconds, 3),
            }
        )
    overall = report.overall
    return {
        "maps": maps,
        "failures": [{"product": product, "error": error} for product, error in report.failures],
        "overall": {
            "maps": overall.maps,
            "activities": overall.activities,
            "steps": overall.steps,
            "stories": overall.stories,
            "padded": overall.padded_count,
            "distinct_benefits": overall.distinct_benefits,
            "criteria": overall.criteria,
            "distinct_criteria": overall.distinct_criteria,
            "collided": overall.collided,
            "invented_personas": overall.invented_personas,
            "well_formed": overall.well_formed,
            "atomic": overall.atomic,
            "minimal": overall.minimal,
            "mvp_covers_all": overall.mvp_covers_all,
            "shares": _shares(overall),
        },
        "timing": {
            "median_ms": None if report.median_ms is None else round(report.median_ms, 3),
            "max_ms": None if report.max_ms is None else round(report.max_ms, 3),
        },
    }
