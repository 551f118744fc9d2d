"""Writes to a story map. Pages, the board, the API, imports and AI generation all call these.

Every write locks its project first, so two writes to one map never
interleave and positions stay gapless (0, 1, 2, …) within each group:
activities of a project, steps of an activity, releases and personas of a
project, stories of a step by release cell. Errors are ValidationErrors keyed
by the field the caller sent. A whole map is written from a story map document
(`map_apply_document`), which replacing keeps as a snapshot first.
"""

from collections.abc import Callable, Hashable, Iterable
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Model, QuerySet

from accounts.models import User
from projects.models import Project
from projects.services import project_create, project_lock

from .document import document_counts, title_key
from .models import Activity, MapMode, MapSnapshot, Persona, Release, Step, Story
from .selectors import document_from_map

CRITERION_MAX = 500
CRITERIA_MAX = 50
STORY_FIELDS = {"title", "description", "acceptance_criteria", "status", "priority", "estimate", "persona"}


class StoryConflict(Exception):
    """The story changed since the caller read it."""

    def __init__(self, story: Story) -> None:
        super().__init__("This story was changed by someone else since you opened it.")
        self.story = story


# --- Ordering -----------------------------------------------------------------------


def _place(obj: Model, siblings: QuerySet, position: int | None) -> None:
    """Put `obj` (saved) at `position` among `siblings` (end when None) and renumber them all."""
    rows = list(siblings.order_by("position", "pk"))
    # The row as stored: the caller's instance may hold an outdated position.
    stored = next((item for item in rows if item.pk == obj.pk), obj)
    ordered = [item for item in rows if item.pk != obj.pk]
    index = len(ordered) if position is None else min(position, len(ordered))
    ordered.insert(index, stored)
    _renumber(type(obj), ordered)
    obj.position = stored.position


def _renumber(model: type[Model], ordered: Iterable[Model]) -> None:
    changed = []
    for index, item in enumerate(ordered):
        if item.position != index:
            item.position = index
            changed.append(item)
    if changed:
        model.objects.bulk_update(changed, ["position"])


def _close_gap(siblings: QuerySet) -> None:
    _renumber(siblings.model, list(siblings.order_by("position", "pk")))


def _check_position(position: int | None) -> None:
    if position is not None and (not isinstance(position, int) or position < 0):
        raise ValidationError({"position": "Position must be a whole number, 0 or more."})


def _fresh[M: Model](obj: M) -> M:
    """Lock the object's project, then read the object as stored: the caller's copy may predate another write."""
    project_lock(obj.project)
    return type(obj).objects.select_related("project").get(pk=obj.pk)


def _save(obj: Model, *, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude)
    obj.save()


def _unique_name(model: type[Model], project: Project, name: str, *, excluding: Model | None = None) -> None:
    # Releases and personas are named in stories, exports and imports: a name must say which one.
    others = model.objects.filter(project=project, name__iexact=name.strip())
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    if others.exists():
        raise ValidationError(
            {"name": f"This project already has a {model._meta.verbose_name} called “{name.strip()}”."}
        )


def _same_project(project: Project, field: str, obj: Model | None) -> None:
    if obj is not None and obj.project_id != project.pk:
        raise ValidationError({field: f"This {obj._meta.verbose_name} belongs to another project."})


# --- Activities ----------------------------------------------------------------------


@transaction.atomic
def activity_create(*, project: Project, title: str, description: str = "", position: int | None = None) -> Activity:
    _check_position(position)
    project_lock(project)
    activity = Activity(project=project, title=title.strip(), description=description.strip(), position=10**6)
    _save(activity)
    _place(activity, project.activities.all(), position)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, title: str | None = None, description: str | None = None) -> Activity:
    activity = _fresh(activity)
    if title is not None:
        activity.title = title.strip()
    if description is not None:
        activity.description = description.strip()
    _save(activity)
    return activity


@transaction.atomic
def activity_move(*, activity: Activity, position: int) -> Activity:
    _check_position(position)
    activity = _fresh(activity)
    _place(activity, activity.project.activities.all(), position)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    activity = _fresh(activity)
    activity.delete()
    _close_gap(activity.project.activities.all())


# --- Steps ----------------------------------------------------------------------------


@transaction.atomic
def step_create(
    *, project: Project, activity: Activity, title: str, description: str = "", position: int | None = None
) -> Step:
    _check_position(position)
    _same_project(project, "activity", activity)
    project_lock(project)
    step = Step(project=project, activity=activity, title=title.strip(), description=description.strip())
    step.position = 10**6
    _save(step)
    _place(step, activity.steps.all(), position)
    return step


@transaction.atomic
def step_update(*, step: Step, title: str | None = None, description: str | None = None) -> Step:
    step = _fresh(step)
    if title is not None:
        step.title = title.strip()
    if description is not None:
        step.description = description.strip()
    _save(step)
    return step


@transaction.atomic
def step_move(*, step: Step, position: int, activity: Activity | None = None) -> Step:
    """Move `step` to `position` within `activity` (its own when None), taking its stories along."""
    _check_position(position)
    _same_project(step.project, "activity", activity)
    step = _fresh(step)
    old_activity_id = step.activity_id
    if activity is not None and activity.pk != old_activity_id:
        step.activity = activity
        step.save(update_fields=["activity"])
        _close_gap(Step.objects.filter(activity_id=old_activity_id))
    _place(step, Step.objects.filter(activity_id=step.activity_id), position)
    return step


@transaction.atomic
def step_delete(*, step: Step) -> None:
    step = _fresh(step)
    activity_id = step.activity_id
    step.delete()
    _close_gap(Step.objects.filter(activity_id=activity_id))


# --- Releases -------------------------------------------------------------------------


@transaction.atomic
def release_create(*, project: Project, name: str, goal: str = "", position: int | None = None) -> Release:
    _check_position(position)
    project_lock(project)
    _unique_name(Release, project, name)
    release = Release(project=project, name=name.strip(), goal=goal.strip(), position=10**6)
    _save(release)
    _place(release, project.releases.all(), position)
    return release


@transaction.atomic
def release_update(*, release: Release, name: str | None = None, goal: str | None = None) -> Release:
    release = _fresh(release)
    if name is not None:
        _unique_name(Release, release.project, name, excluding=release)
        release.name = name.strip()
    if goal is not None:
        release.goal = goal.strip()
    _save(release)
    return release


@transaction.atomic
def release_move(*, release: Release, position: int) -> Release:
    _check_position(position)
    release = _fresh(release)
    _place(release, release.project.releases.all(), position)
    return release


@transaction.atomic
def release_delete(*, release: Release) -> None:
    """Delete the release; its stories move to the end of their steps' Unplanned cells."""
    release = _fresh(release)
    project = release.project
    stories = list(release.stories.order_by("step_id", "position", "pk"))
    release.delete()
    for step_id in {story.step_id for story in stories}:
        unplanned = Story.objects.filter(step_id=step_id, release__isnull=True)
        ordered = [s for s in unplanned.order_by("position", "pk") if s.pk not in {m.pk for m in stories}]
        ordered += [s for s in stories if s.step_id == step_id]
        _renumber(Story, ordered)
    Story.objects.filter(pk__in=[s.pk for s in stories]).update(version=F("version") + 1)
    _close_gap(project.releases.all())


# --- Personas -------------------------------------------------------------------------


def _clean_text_list(values: Any, *, field: str, max_items: int = CRITERIA_MAX) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValidationError({field: "Give a list of texts."})
    cleaned = [value.strip() for value in values if value.strip()]
    if len(cleaned) > max_items:
        raise ValidationError({field: f"At most {max_items} entries."})
    if any(len(value) > CRITERION_MAX for value in cleaned):
        raise ValidationError({field: f"Each entry can have at most {CRITERION_MAX} characters."})
    return cleaned


@transaction.atomic
def persona_create(*, project: Project, name: str, description: str = "", goals: list[str] | None = None) -> Persona:
    project_lock(project)
    _unique_name(Persona, project, name)
    persona = Persona(
        project=project,
        name=name.strip(),
        description=description.strip(),
        goals=_clean_text_list(goals or [], field="goals"),
        position=project.personas.count(),
    )
    _save(persona)
    return persona


@transaction.atomic
def persona_update(
    *, persona: Persona, name: str | None = None, description: str | None = None, goals: list[str] | None = None
) -> Persona:
    persona = _fresh(persona)
    if name is not None:
        _unique_name(Persona, persona.project, name, excluding=persona)
        persona.name = name.strip()
    if description is not None:
        persona.description = description.strip()
    if goals is not None:
        persona.goals = _clean_text_list(goals, field="goals")
    _save(persona)
    return persona


@transaction.atomic
def persona_delete(*, persona: Persona) -> None:
    persona = _fresh(persona)
    project = persona.project
    Story.objects.filter(persona=persona).update(version=F("version") + 1)
    persona.delete()
    _close_gap(project.personas.all())


# --- Stories --------------------------------------------------------------------------


def _apply_story_fields(story: Story, fields: dict[str, Any]) -> None:
    unknown = set(fields) - STORY_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    if "persona" in fields:
        _same_project(story.project, "persona", fields["persona"])
    if "acceptance_criteria" in fields:
        fields["acceptance_criteria"] = _clean_text_list(fields["acceptance_criteria"], field="acceptance_criteria")
    for name in ("title", "description"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    for name, value in fields.items():
        setattr(story, name, value)


@transaction.atomic
def story_create(
    *,
    project: Project,
    step: Step,
    title: str,
    release: Release | None = None,
    position: int | None = None,
    **fields: Any,
) -> Story:
    """Add a story to the cell of `step` by `release` (Unplanned when None), at `position` or at the end."""
    _check_position(position)
    _same_project(project, "step", step)
    _same_project(project, "release", release)
    project_lock(project)
    story = Story(project=project, step=step, release=release, position=10**6)
    _apply_story_fields(story, {**fields, "title": title})
    _save(story)
    _place(story, Story.objects.filter(step=step, release=release), position)
    return story


def _lock_story(story: Story, version: int | None) -> Story:
    current = _fresh(story)
    if version is not None and version != current.version:
        raise StoryConflict(current)
    return current


@transaction.atomic
def story_update(*, story: Story, version: int | None = None, **fields: Any) -> Story:
    """Change a story's fields. With `version`, refuse (StoryConflict) if it was saved since that version."""
    _same_project(story.project, "step", fields.get("step"))
    _same_project(story.project, "release", fields.get("release"))
    current = _lock_story(story, version)
    # Unless told otherwise the story stays where it is now, not where the caller last saw it.
    target_step = fields.pop("step", None) or current.step
    target_release = fields.pop("release") if "release" in fields else current.release
    moved = (target_step.pk, getattr(target_release, "pk", None)) != (current.step_id, current.release_id)
    _apply_story_fields(current, fields)
    current.version += 1
    if moved:
        _leave_cell(current)
        current.step, current.release = target_step, target_release
        current.position = 10**6
    _save(current)
    if moved:
        _place(current, Story.objects.filter(step=target_step, release=target_release), None)
    return current


def _leave_cell(story: Story) -> None:
    cell = Story.objects.filter(step_id=story.step_id, release_id=story.release_id).exclude(pk=story.pk)
    _close_gap(cell)


@transaction.atomic
def story_move(
    *, story: Story, step: Step, release: Release | None, position: int | None = None, version: int | None = None
) -> Story:
    """Move a story to `position` in the cell of `step` by `release` (the end when None)."""
    _check_position(position)
    _same_project(story.project, "step", step)
    _same_project(story.project, "release", release)
    current = _lock_story(story, version)
    if (step.pk, getattr(release, "pk", None)) != (current.step_id, current.release_id):
        _leave_cell(current)
        current.step, current.release = step, release
    current.version += 1
    current.save(update_fields=["step", "release", "version", "updated"])
    _place(current, Story.objects.filter(step=step, release=release), position)
    return current


@transaction.atomic
def story_delete(*, story: Story) -> None:
    story = _fresh(story)
    step_id, release_id = story.step_id, story.release_id
    story.delete()
    _close_gap(Story.objects.filter(step_id=step_id, release_id=release_id))


# --- Whole maps: documents, snapshots, imports ---------------------------------------


def _clear_map(*, project: Project) -> None:
    Story.objects.filter(project=project).delete()
    Step.objects.filter(project=project).delete()
    Activity.objects.filter(project=project).delete()
    Release.objects.filter(project=project).delete()
    Persona.objects.filter(project=project).delete()


def _named[M: Release | Persona](
    *, model: type[M], project: Project, field: str, items: list[dict], extra: tuple[str, ...]
) -> dict[str, M]:
    """Existing rows of `model` by lower-cased name, plus new ones for the names not there yet."""
    existing = {getattr(row, field).lower(): row for row in model.objects.filter(project=project)}
    start = len(existing)
    new = []
    for item in items:
        if item[field].lower() not in existing:
            row = model(project=project, position=start + len(new), **{name: item[name] for name in (field, *extra)})
            new.append(row)
            existing[item[field].lower()] = row
    model.objects.bulk_create(new)
    return existing


def _next_position[R: Model](rows: Iterable[R], key: Callable[[R], Hashable]) -> dict:
    """The first free position after the rows of each group (`key` of a row)."""
    following: dict = {}
    for row in rows:
        following[key(row)] = max(following.get(key(row), 0), row.position + 1)
    return following


@transaction.atomic
def map_apply_document(*, project: Project, document: dict, mode: str, snapshot_reason: str) -> dict[str, int]:
    """Write a validated document into the project's map: replace it (keeping a snapshot) or append to it.

    Appending never repeats an activity the map already has under the same
    title (case and spacing aside): the document's steps join that activity,
    and the stories of a step it already has join that step, after its own.
    The document itself is written as it is. The number of queries does not
    grow with the document (bulk writes).
    """
    project_lock(project)
    if mode == MapMode.REPLACE:
        current = document_from_map(project=project)
        if current["activities"] or current["releases"] or current["personas"]:
            MapSnapshot.objects.create(
                project=project, reason=snapshot_reason, document=current, counts=document_counts(current)
            )
        _clear_map(project=project)
    releases = _named(model=Release, project=project, field="name", items=document["releases"], extra=("goal",))
    personas = _named(
        model=Persona, project=project, field="name", items=document["personas"], extra=("description", "goals")
    )

    # What the map held before: the activities and steps an appended one joins, by title.
    old_activities = list(Activity.objects.filter(project=project).order_by("position", "pk"))
    old_steps = list(Step.objects.filter(project=project).order_by("position", "pk"))
    activity_by_title: dict[str, Activity] = {}
    for activity in old_activities:
        activity_by_title.setdefault(title_key(activity.title), activity)
    step_by_title: dict[tuple[int, str], Step] = {}
    for step in old_steps:
        step_by_title.setdefault((step.activity_id, title_key(step.title)), step)
    next_activity = max((activity.position + 1 for activity in old_activities), default=0)
    next_step = _next_position(old_steps, lambda step: step.activity_id)

    activity_rows, new_activities = [], []
    for item in document["activities"]:
        row = activity_by_title.get(title_key(item["title"]))
        if row is None:
            row = Activity(
                project=project, title=item["title"], description=item["description"], position=next_activity
            )
            next_activity += 1
            new_activities.append(row)
        activity_rows.append(row)
    Activity.objects.bulk_create(new_activities)

    step_rows, new_steps = [], []
    for activity, source in zip(activity_rows, document["activities"], strict=True):
        for item in source["steps"]:
            row = step_by_title.get((activity.pk, title_key(item["title"])))
            if row is None:
                position = next_step.get(activity.pk, 0)
                next_step[activity.pk] = position + 1
                row = Step(
                    project=project,
                    activity=activity,
                    title=item["title"],
                    description=item["description"],
                    position=position,
                )
                new_steps.append(row)
            step_rows.append(row)
    Step.objects.bulk_create(new_steps)

    # Stories go after those already in their cell (step and release) of a step that was joined.
    joined = {step.pk for step in old_steps} & {step.pk for step in step_rows}
    next_story: dict[tuple[int, int | None], int] = {}
    if joined:
        cells = Story.objects.filter(step_id__in=joined).order_by().values("step_id", "release_id")
        for cell in cells.annotate(last=Max("position")):
            next_story[(cell["step_id"], cell["release_id"])] = cell["last"] + 1
    sources = [step for activity in document["activities"] for step in activity["steps"]]
    stories = []
    for step, source in zip(step_rows, sources, strict=True):
        for item in source["stories"]:
            release = releases[item["release"].lower()] if item["release"] else None
            persona = personas[item["persona"].lower()] if item["persona"] else None
            cell = (step.pk, release.pk if release else None)
            position = next_story.get(cell, 0)
            next_story[cell] = position + 1
            stories.append(
                Story(
                    project=project,
                    step=step,
                    release=release,
                    persona=persona,
                    title=item["title"],
                    description=item["description"],
                    acceptance_criteria=item["acceptance_criteria"],
                    priority=item["priority"] or Story.Priority.SHOULD,
                    status=item["status"],
                    estimate=item["estimate"],
                    position=position,
                )
            )
    Story.objects.bulk_create(stories, batch_size=500)
    project.save(update_fields=["updated"])
    return document_counts(document)


@transaction.atomic
def snapshot_restore(*, snapshot: MapSnapshot) -> dict[str, int]:
    """Put a snapshot's map back; the map it replaces becomes a snapshot in turn."""
    return map_apply_document(
        project=snapshot.project,
        document=snapshot.document,
        mode=MapMode.REPLACE,
        snapshot_reason="Before restoring an earlier map",
    )


@transaction.atomic
def project_import(*, owner: User, document: dict, name: str = "", filename: str = "") -> Project:
    """A new project holding the imported map, named by `name`, else the document's title, else the file's name."""
    title = name.strip() or document["title"] or PurePath(filename).stem or "Imported story map"
    project = project_create(owner=owner, name=title[:120], description=document["description"])
    map_apply_document(project=project, document=document, mode=MapMode.APPEND, snapshot_reason="")
    return project


@transaction.atomic
def map_import(*, project: Project, document: dict, mode: str) -> Project:
    """Import into an existing project: replace its map (keeping a snapshot) or append to it."""
    if mode not in MapMode.values:
        raise ValidationError({"mode": "Choose replace or append."})
    map_apply_document(project=project, document=document, mode=mode, snapshot_reason="Before an import")
    return project
