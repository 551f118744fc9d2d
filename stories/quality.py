""" "Check the map": what a reviewer of a story map would point out, found mechanically, offline, in milliseconds.

Two kinds of criteria:

- the Quality User Story criteria a machine can check (Lucassen et al., 2016), on each card's own
  text (stories/qus.py) and across the cards (uniform, unique), plus estimable by size;
- the map's own shape: a step with no story, an activity with no story in the MVP (the first
  release), a story with no acceptance criteria, two cards with the same title, a persona no story is for.

Each finding names the card, step, activity or persona it concerns, and the fix that helps:
"split", "write-criteria" or "edit" (open the card at `field`), or None. A criterion's score is the
share of what it checks that passes (stories, or steps, activities, personas for the shape checks),
1.0 when there is nothing to check; the map's score is the mean of its criteria's scores.

The map is read once (`story_map_get`: a fixed number of queries whatever its size).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from projects.models import Project

from . import qus
from .limits import SPLIT_ESTIMATE
from .models import Story
from .selectors import story_map_get

Severity = Literal["warning", "notice"]
Fix = Literal["split", "write-criteria", "edit"]
Checks = Literal["stories", "steps", "activities", "personas"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
FIXES: tuple[str, ...] = get_args(Fix)


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    checks: Checks  # what its score is a share of
    severity: Severity
    story_level: bool = False  # judged on story text alone: the check_stories command runs these


# Every criterion, in the order the panel and the API list them: the one definition.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("well-formed", "Well-formed", "stories", "warning", story_level=True),
    Criterion("atomic", "Atomic", "stories", "warning", story_level=True),
    Criterion("minimal", "Minimal", "stories", "notice", story_level=True),
    Criterion("full-sentence", "Full sentence", "stories", "warning", story_level=True),
    Criterion("uniform", "Uniform", "stories", "notice", story_level=True),
    Criterion("unique", "Unique", "stories", "warning", story_level=True),
    Criterion("estimable", "Estimable by size", "stories", "warning"),
    Criterion("empty-step", "Every step has a story", "steps", "notice"),
    Criterion("mvp", "The MVP reaches every activity", "activities", "warning"),
    Criterion("acceptance-criteria", "Acceptance criteria", "stories", "warning"),
    Criterion("duplicate-title", "Distinct titles", "stories", "warning"),
    Criterion("unused-persona", "Every persona has a story", "personas", "notice"),
)
BY_KEY = {criterion.key: criterion for criterion in CRITERIA}
CRITERION_KEYS: tuple[str, ...] = tuple(BY_KEY)  # the API's choice list (config.settings names its schema enum)
STORY_LEVEL = tuple(criterion for criterion in CRITERIA if criterion.story_level)


@dataclass(frozen=True)
class Finding:
    criterion: str
    severity: Severity
    message: str
    subject: str  # the title or name of what it concerns, as the map has it
    story_id: int | None = None
    step_id: int | None = None
    activity_id: int | None = None
    persona_id: int | None = None
    fix: Fix | None = None
    form_field: str | None = None  # the card's form field the fix opens at


@dataclass(frozen=True)
class CriterionScore:
    key: str
    label: str
    score: float
    findings: int


@dataclass(frozen=True)
class MapCheck:
    score: float
    criteria: tuple[CriterionScore, ...]
    findings: tuple[Finding, ...]


# --- The story-level criteria, on any list of stories -------------------------------------


@dataclass(frozen=True)
class StoryText:
    title: str
    description: str
    # A role the card names outside its text (its persona): a card with a persona and no story text
    # is well-formed, its title being the means ("Pet owner" + "Book a visit").
    has_role: bool = False


@dataclass(frozen=True)
class StoryDefect:
    index: int  # into the stories given
    criterion: str
    message: str
    fix: Fix | None
    field: str | None


def _normalised_title(text: str) -> str:
    return " ".join(text.lower().split()).removesuffix(".").rstrip()


def story_defects(stories: Sequence[StoryText], *, titles_apart: bool) -> list[StoryDefect]:
    """The story-level criteria's defects, story by story, then uniform and unique across them.

    `titles_apart`: two stories with the same title (case and spacing aside) are the map's
    "duplicate-title" criterion, so unique reports only goals that are near-same; without it (a
    file of stories), unique reports both.
    """
    defects: list[StoryDefect] = []
    templates: list[qus.Template | None] = []
    for index, story in enumerate(stories):
        title, description = story.title, story.description
        templates.append(qus.template_of(description))
        if not qus.is_well_formed(description) and not (story.has_role and not description.strip()):
            message = "No role and means: write it as “As a …, I want …, so that …”."
            defects.append(StoryDefect(index, "well-formed", message, "edit", "description"))
        if not qus.is_atomic(title=title, description=description):
            message = "Joins two actions with “and” or “or”: split it into one story per action."
            defects.append(StoryDefect(index, "atomic", message, "split", "description"))
        problem = qus.minimal_problem(title=title, description=description)
        if problem is not None:
            message = f"Says more than the story needs ({problem}): move the extra into its criteria or a comment."
            defects.append(StoryDefect(index, "minimal", message, "edit", "description"))
        if not qus.is_full_sentence(title=title, description=description):
            message = "Not a full sentence: its goal has no verb (“Book a visit”, not “Visit booking”)."
            defects.append(StoryDefect(index, "full-sentence", message, "edit", "title" if title else "description"))

    # Uniform: the role and means markers most stories use (the first seen on a tie) are the map's, and so
    # are the ends marker most of those with ends use; a story without ends fits (they are optional).
    def usual(values: list[str]) -> str | None:
        counts = Counter(values)
        return max(counts, key=lambda value: (counts[value], -values.index(value))) if counts else None

    shaped = [template for template in templates if template is not None]
    usual_head = usual([f"{template.role} …, {template.means} …" for template in shaped])
    usual_ends = usual([template.ends for template in shaped if template.ends])
    for index, template in enumerate(templates):
        if template is None:
            continue
        head = f"{template.role} …, {template.means} …"
        if head != usual_head or (template.ends and usual_ends and template.ends != usual_ends):
            expected = f"{usual_head}" + (f", {usual_ends} …" if usual_ends else "")
            message = f"Written as “{template}”, where most stories read “{expected}”."
            defects.append(StoryDefect(index, "uniform", message, "edit", "description"))

    # Unique: a goal that is another's, determiners and word forms aside ("Book a visit", "Book visits").
    first_by_title: dict[str, int] = {}
    first_by_goal: dict[tuple[str, ...], int] = {}
    for index, story in enumerate(stories):
        # A card's goal is its title; a line of a file has none, and its goal is its means ("I want to …").
        text = story.title or qus.goal(title="", description=story.description)[0] or story.description
        title = _normalised_title(text)
        key = qus.goal_key(text)
        if titles_apart and title in first_by_title:
            pass  # the map's duplicate-title criterion says it
        elif key and key in first_by_goal:
            other = stories[first_by_goal[key]]
            message = f"Has the same goal as “{other.title or other.description}”: merge them or tell them apart."
            defects.append(StoryDefect(index, "unique", message, "edit", "title" if story.title else "description"))
        first_by_title.setdefault(title, index)
        if key:
            first_by_goal.setdefault(key, index)
    return defects


# --- The whole map ----------------------------------------------------------------------------


@dataclass
class _Tally:
    checked: dict[str, int] = field(default_factory=dict)
    failed: dict[str, set[int]] = field(default_factory=dict)

    def add(self, finding: Finding, item: int) -> None:
        self.failed.setdefault(finding.criterion, set()).add(item)


def map_check(*, project: Project) -> MapCheck:
    """Every finding on the project's map, in board order within each criterion, and the scores."""
    story_map = story_map_get(project=project)
    stories: list[Story] = []
    step_of: dict[int, int] = {}
    activity_of: dict[int, int] = {}
    for activity in story_map.activities:
        for step in activity.step_list:
            for story in step.story_list:
                stories.append(story)
                step_of[story.pk], activity_of[story.pk] = step.pk, activity.pk

    findings: list[Finding] = []
    tally = _Tally()

    def story_finding(story: Story, criterion: str, message: str, fix: Fix | None, form_field: str | None) -> None:
        finding = Finding(
            criterion=criterion,
            severity=BY_KEY[criterion].severity,
            message=message,
            subject=story.title,
            story_id=story.pk,
            step_id=step_of[story.pk],
            activity_id=activity_of[story.pk],
            fix=fix,
            form_field=form_field,
        )
        findings.append(finding)
        tally.add(finding, story.pk)

    texts = [StoryText(story.title, story.description, has_role=story.persona_id is not None) for story in stories]
    for defect in story_defects(texts, titles_apart=True):
        story_finding(stories[defect.index], defect.criterion, defect.message, defect.fix, defect.field)

    seen_titles: dict[str, Story] = {}
    for story in stories:
        if story.estimate is None:
            story_finding(story, "estimable", "No estimate: size it so that it can be planned.", "edit", "estimate")
        elif story.estimate >= SPLIT_ESTIMATE:
            message = f"Estimated at {story.estimate} points: too big for one iteration, split it."
            story_finding(story, "estimable", message, "split", "description")
        if not [criterion for criterion in story.acceptance_criteria if str(criterion).strip()]:
            message = "No acceptance criteria: write how the team will know it is done."
            story_finding(story, "acceptance-criteria", message, "write-criteria", "acceptance_criteria")
        title = _normalised_title(story.title)
        if title in seen_titles:
            message = "Another card has the same title: rename one, or merge them."
            story_finding(story, "duplicate-title", message, "edit", "title")
        seen_titles.setdefault(title, story)

    mvp = story_map.releases[0] if story_map.releases else None
    steps = [step for activity in story_map.activities for step in activity.step_list]
    for activity in story_map.activities:
        for step in activity.step_list:
            if not step.story_list:
                message = "No story under this step yet."
                severity = BY_KEY["empty-step"].severity
                finding = Finding("empty-step", severity, message, step.title, step_id=step.pk, activity_id=activity.pk)
                findings.append(finding)
                tally.add(finding, step.pk)
        in_mvp = mvp is not None and any(
            story.release_id == mvp.pk for step in activity.step_list for story in step.story_list
        )
        if not in_mvp:
            message = (
                f"None of its stories is in the MVP, “{mvp.name}”: the first release should reach every activity."
                if mvp is not None
                else "The map has no release yet: the first release, the MVP, should reach every activity."
            )
            finding = Finding("mvp", BY_KEY["mvp"].severity, message, activity.title, activity_id=activity.pk)
            findings.append(finding)
            tally.add(finding, activity.pk)

    used = {story.persona_id for story in stories}
    for persona in story_map.personas:
        if persona.pk not in used:
            message = "No story is for this persona: write one for them, or remove the persona."
            finding = Finding(
                "unused-persona", BY_KEY["unused-persona"].severity, message, persona.name, persona_id=persona.pk
            )
            findings.append(finding)
            tally.add(finding, persona.pk)

    sizes: dict[Checks, int] = {
        "stories": len(stories),
        "steps": len(steps),
        "activities": len(story_map.activities),
        "personas": len(story_map.personas),
    }
    scores = []
    for criterion in CRITERIA:
        total, failed = sizes[criterion.checks], len(tally.failed.get(criterion.key, ()))
        count = sum(1 for finding in findings if finding.criterion == criterion.key)
        score = (total - failed) / total if total else 1.0
        scores.append(CriterionScore(criterion.key, criterion.label, round(score, 4), count))
    order = {criterion.key: index for index, criterion in enumerate(CRITERIA)}
    findings.sort(key=lambda finding: order[finding.criterion])  # stable: board order within a criterion
    overall = round(sum(score.score for score in scores) / len(scores), 4)
    return MapCheck(score=overall, criteria=tuple(scores), findings=tuple(findings))
