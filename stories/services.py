"""Writes to a story map. Pages, the board, the API, imports and AI generation all call these.

Every write locks its project first, so two writes to one map never
interleave and positions stay gapless (0, 1, 2, …) within each group:
activities of a project, steps of an activity, releases and personas of a
project, stories of a step by release cell. Errors are ValidationErrors keyed
by the field the caller sent. Every kind of row is added, edited, moved and
deleted through one ordering engine (`_row_create`, `_row_update`, `_row_move`,
`_row_delete`); given `by`, the person making it, each such write is kept as one
undoable change (stories.history). A whole map is written from a story map
document (`map_apply_document`), which replacing keeps as a snapshot first.
"""

import fcntl
import hashlib
import json
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Field, Max, Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from projects.access import require_role
from projects.events import Verb, event_record
from projects.limits import PROJECT_NAME_MAX, Role
from projects.models import Project
from projects.services import project_create, project_lock

from .document import (
    MAP_LIMITS,
    NOT_ALLOWED_MESSAGE,
    SCHEMA_VERSION,
    DocumentInvalid,
    MapDocument,
    document_counts,
    document_label_names,
    has_forbidden_character,
    label_docs,
    title_key,
)
from .history import Scope, recording
from .labels import clean_label_keys, keys_for_names, label_names_written, names_with_defaults
from .limits import COMMENT_MAX, CRITERIA_MAX, CRITERION_MAX
from .models import Activity, Comment, MapChange, MapMode, MapSnapshot, Persona, Release, Step, Story

STORY_FIELDS = {"title", "description", "acceptance_criteria", "status", "priority", "estimate", "persona", "labels"}

# The rows a map is made of: each belongs to a project and keeps a position in its group.
type MapRow = Activity | Step | Release | Persona | Story


ADD, EDIT, MOVE, DELETE = MapChange.Kind.CREATE, MapChange.Kind.EDIT, MapChange.Kind.MOVE, MapChange.Kind.DELETE


def _cell(step_id: int, release_id: int | None) -> Scope:
    """The stories of one cell of the board: a step by a release (None: Unplanned)."""
    where = (
        Q(step_id=step_id, release__isnull=True) if release_id is None else Q(step_id=step_id, release_id=release_id)
    )
    return Scope(Story, where)


class StoryConflict(Exception):
    """The story changed since the caller read it."""

    def __init__(self, story: Story) -> None:
        super().__init__("This story was changed by someone else since you opened it.")
        self.story = story


# --- Ordering -----------------------------------------------------------------------


def _place(obj: MapRow, siblings: QuerySet[MapRow], position: int | None) -> None:
    """Put `obj` (saved) at `position` among `siblings` (end when None) and renumber them all."""
    rows = list(siblings.order_by("position", "pk"))
    # The row as stored: the caller's instance may hold an outdated position.
    stored = next((item for item in rows if item.pk == obj.pk), obj)
    ordered = [item for item in rows if item.pk != obj.pk]
    index = len(ordered) if position is None else min(position, len(ordered))
    ordered.insert(index, stored)
    _renumber(type(obj), ordered)
    obj.position = stored.position


def _renumber(model: type[Model], ordered: Iterable[MapRow]) -> None:
    changed: list[MapRow] = []
    for index, item in enumerate(ordered):
        if item.position != index:
            item.position = index
            changed.append(item)
    if changed:
        model._default_manager.bulk_update(changed, ["position"])


def _close_gap(siblings: QuerySet[MapRow]) -> None:
    _renumber(siblings.model, list(siblings.order_by("position", "pk")))


def _check_position(position: int | None) -> None:
    if position is not None and (not isinstance(position, int) or position < 0):
        raise ValidationError({"position": "Position must be a whole number, 0 or more."})


def _fresh[M: (Activity, Step, Release, Persona, Story)](obj: M) -> M:
    """Lock the object's project, then read the object as stored: the caller's copy may predate another write.

    Deleted since the caller looked it up: Http404, which pages and the API answer as 404.
    """
    project_lock(obj.project)
    try:
        return type(obj)._default_manager.select_related("project").get(pk=obj.pk)
    except ObjectDoesNotExist:
        raise Http404(f"No {obj._meta.verbose_name} with that id.") from None


def _still_there(**named: MapRow | None) -> None:
    """Under the project lock: the other rows a write names (keyword: the caller's field) still exist.

    The caller found them before the lock; one deleted since would fail as a
    foreign key violation (a 500) instead of a refusal naming the field.
    """
    for field, obj in named.items():
        if obj is not None and not type(obj)._default_manager.filter(pk=obj.pk).exists():
            raise ValidationError({field: f"No such {obj._meta.verbose_name} in this project."})


def _save(obj: Model, *, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude)
    obj.save()


def _unique_name(
    model: type[Release | Persona], project: Project, name: str, *, excluding: Model | None = None
) -> None:
    # Releases and personas are named in stories, exports and imports: a name must say which one.
    others = model._default_manager.filter(project=project, name__iexact=name.strip())
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    if others.exists():
        raise ValidationError(
            {"name": f"This project already has a {model._meta.verbose_name} called “{name.strip()}”."}
        )


def _same_project(project: Project, field: str, obj: MapRow | None) -> None:
    if obj is not None and obj.project_id != project.pk:
        raise ValidationError({field: f"This {obj._meta.verbose_name} belongs to another project."})


def _room_for_one_more(rows: QuerySet[Model], *, most: int, holder: str, noun: str) -> None:
    # Counted under the project lock, so two adds at once cannot both take the last place.
    if rows.count() >= most:
        raise ValidationError(f"{holder} holds at most {most} {noun}.")


# --- The ordering engine: one way to add, edit, move and delete any row of a map ------
#
# Each kind's services below are thin: they check what is particular to it (names, limits,
# the activity a step moves to) and say which group a row is ordered in, and these do
# the rest: lock, write, renumber the group gapless, and record one undoable change.


def _row_create(obj: MapRow, *, group: Scope, position: int | None, by: User | None) -> None:
    """Save the new `obj` at `position` in `group` (the end when None). Call under the project lock."""
    obj.position = 10**6
    with recording(project=obj.project, by=by, kind=ADD, verb="add", subject=obj, scopes=[group]):
        _save(obj)
        _place(obj, group.rows(), position)


def _row_update(obj: MapRow, *, by: User | None, **values: Any) -> None:
    """Set the given fields of `obj` (read fresh, under the lock); None leaves a field as it is, text is trimmed."""
    scopes = [Scope(type(obj), Q(pk=obj.pk))]
    with recording(project=obj.project, by=by, kind=EDIT, verb="edit", subject=obj, scopes=scopes):
        for name, value in values.items():
            if value is not None:
                setattr(obj, name, value.strip() if isinstance(value, str) else value)
        _save(obj)


def _row_move(
    obj: MapRow,
    *,
    group: Scope,
    position: int | None,
    by: User | None,
    leaving: Scope | None = None,
    change_group: Callable[[], None] | None = None,
) -> None:
    """Move `obj` to `position` in `group` (the end when None).

    `change_group` first moves it into `group` from `leaving`, its old group.
    """
    scopes = [group] if leaving is None else [group, leaving]
    with recording(project=obj.project, by=by, kind=MOVE, verb="move", subject=obj, scopes=scopes):
        if change_group is not None and leaving is not None:
            change_group()
            _close_gap(leaving.rows())
        _place(obj, group.rows(), position)


def _row_delete(
    obj: MapRow, *, group: Scope, by: User | None, also: Sequence[Scope] = (), then: Callable[[], None] | None = None
) -> None:
    """Delete `obj` (and what cascades with it, in `also`), close the gap in `group`; `then` tidies up after."""
    with recording(project=obj.project, by=by, kind=DELETE, verb="delete", subject=obj, scopes=[group, *also]):
        pk = obj.pk
        obj.delete()
        obj.pk = pk  # the recording names it
        if then is not None:
            then()
        _close_gap(group.rows())


# --- Activities ----------------------------------------------------------------------


def _activities(project: Project) -> Scope:
    return Scope(Activity, Q(project=project))


@transaction.atomic
def activity_create(
    *, project: Project, title: str, description: str = "", position: int | None = None, by: User | None = None
) -> Activity:
    _check_position(position)
    project_lock(project)
    _room_for_one_more(project.activities.all(), most=MAP_LIMITS.activities, holder="A map", noun="activities")
    activity = Activity(project=project, title=title.strip(), description=description.strip())
    _row_create(activity, group=_activities(project), position=position, by=by)
    return activity


@transaction.atomic
def activity_update(
    *, activity: Activity, title: str | None = None, description: str | None = None, by: User | None = None
) -> Activity:
    activity = _fresh(activity)
    _row_update(activity, by=by, title=title, description=description)
    return activity


@transaction.atomic
def activity_move(*, activity: Activity, position: int, by: User | None = None) -> Activity:
    _check_position(position)
    activity = _fresh(activity)
    _row_move(activity, group=_activities(activity.project), position=position, by=by)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, by: User | None = None) -> None:
    """Delete the activity with its steps and their stories."""
    activity = _fresh(activity)
    cascade = [
        Scope(Step, Q(activity_id=activity.pk)),
        Scope(Story, Q(step__activity_id=activity.pk)),
        Scope(Comment, Q(story__step__activity_id=activity.pk)),
    ]
    _row_delete(activity, group=_activities(activity.project), by=by, also=cascade)


# --- Steps ----------------------------------------------------------------------------


def _steps(activity_id: int) -> Scope:
    return Scope(Step, Q(activity_id=activity_id))


@transaction.atomic
def step_create(
    *,
    project: Project,
    activity: Activity,
    title: str,
    description: str = "",
    position: int | None = None,
    by: User | None = None,
) -> Step:
    _check_position(position)
    _same_project(project, "activity", activity)
    project_lock(project)
    _still_there(activity=activity)
    _room_for_one_more(activity.steps.all(), most=MAP_LIMITS.steps_per_activity, holder="An activity", noun="steps")
    step = Step(project=project, activity=activity, title=title.strip(), description=description.strip())
    _row_create(step, group=_steps(activity.pk), position=position, by=by)
    return step


@transaction.atomic
def step_update(
    *, step: Step, title: str | None = None, description: str | None = None, by: User | None = None
) -> Step:
    step = _fresh(step)
    _row_update(step, by=by, title=title, description=description)
    return step


@transaction.atomic
def step_move(*, step: Step, position: int, activity: Activity | None = None, by: User | None = None) -> Step:
    """Move `step` to `position` within `activity` (its own when None), taking its stories along."""
    _check_position(position)
    _same_project(step.project, "activity", activity)
    step = _fresh(step)
    _still_there(activity=activity)
    if activity is None or activity.pk == step.activity_id:
        _row_move(step, group=_steps(step.activity_id), position=position, by=by)
        return step
    _room_for_one_more(activity.steps.all(), most=MAP_LIMITS.steps_per_activity, holder="An activity", noun="steps")

    def join_activity() -> None:
        step.activity = activity
        step.save(update_fields=["activity"])

    leaving = _steps(step.activity_id)
    _row_move(step, group=_steps(activity.pk), position=position, by=by, leaving=leaving, change_group=join_activity)
    return step


@transaction.atomic
def step_delete(*, step: Step, by: User | None = None) -> None:
    """Delete the step and its stories."""
    step = _fresh(step)
    cascade = [Scope(Story, Q(step_id=step.pk)), Scope(Comment, Q(story__step_id=step.pk))]
    _row_delete(step, group=_steps(step.activity_id), by=by, also=cascade)


# --- Releases -------------------------------------------------------------------------


def _releases(project: Project) -> Scope:
    return Scope(Release, Q(project=project))


@transaction.atomic
def release_create(
    *, project: Project, name: str, goal: str = "", position: int | None = None, by: User | None = None
) -> Release:
    _check_position(position)
    project_lock(project)
    _room_for_one_more(project.releases.all(), most=MAP_LIMITS.releases, holder="A map", noun="releases")
    _unique_name(Release, project, name)
    release = Release(project=project, name=name.strip(), goal=goal.strip())
    _row_create(release, group=_releases(project), position=position, by=by)
    return release


@transaction.atomic
def release_update(
    *, release: Release, name: str | None = None, goal: str | None = None, by: User | None = None
) -> Release:
    release = _fresh(release)
    if name is not None:
        _unique_name(Release, release.project, name, excluding=release)
    _row_update(release, by=by, name=name, goal=goal)
    return release


@transaction.atomic
def release_move(*, release: Release, position: int, by: User | None = None) -> Release:
    _check_position(position)
    release = _fresh(release)
    _row_move(release, group=_releases(release.project), position=position, by=by)
    return release


@transaction.atomic
def release_delete(*, release: Release, by: User | None = None) -> None:
    """Delete the release; its stories move to the end of their steps' Unplanned cells."""
    release = _fresh(release)
    stories = list(release.stories.order_by("step_id", "position", "pk"))
    steps = {story.step_id for story in stories}
    moving = Scope(Story, Q(pk__in=[story.pk for story in stories]) | Q(step_id__in=steps, release__isnull=True))

    def join_unplanned() -> None:
        for step_id in steps:
            unplanned = Story.objects.filter(step_id=step_id, release__isnull=True)
            ordered = [s for s in unplanned.order_by("position", "pk") if s.pk not in {m.pk for m in stories}]
            ordered += [s for s in stories if s.step_id == step_id]
            _renumber(Story, ordered)
        Story.objects.filter(pk__in=[s.pk for s in stories]).update(version=F("version") + 1)

    _row_delete(release, group=_releases(release.project), by=by, also=[moving], then=join_unplanned)


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


def _personas(project: Project) -> Scope:
    return Scope(Persona, Q(project=project))


@transaction.atomic
def persona_create(
    *, project: Project, name: str, description: str = "", goals: list[str] | None = None, by: User | None = None
) -> Persona:
    project_lock(project)
    _room_for_one_more(project.personas.all(), most=MAP_LIMITS.personas, holder="A map", noun="personas")
    _unique_name(Persona, project, name)
    goals = _clean_text_list(goals or [], field="goals")
    persona = Persona(project=project, name=name.strip(), description=description.strip(), goals=goals)
    _row_create(persona, group=_personas(project), position=None, by=by)
    return persona


@transaction.atomic
def persona_update(
    *,
    persona: Persona,
    name: str | None = None,
    description: str | None = None,
    goals: list[str] | None = None,
    by: User | None = None,
) -> Persona:
    persona = _fresh(persona)
    if name is not None:
        _unique_name(Persona, persona.project, name, excluding=persona)
    cleaned = _clean_text_list(goals, field="goals") if goals is not None else None
    _row_update(persona, by=by, name=name, description=description, goals=cleaned)
    return persona


@transaction.atomic
def persona_move(*, persona: Persona, position: int, by: User | None = None) -> Persona:
    _check_position(position)
    persona = _fresh(persona)
    _row_move(persona, group=_personas(persona.project), position=position, by=by)
    return persona


@transaction.atomic
def persona_delete(*, persona: Persona, by: User | None = None) -> None:
    """Delete the persona; its stories keep their text and lose their persona."""
    persona = _fresh(persona)
    stories = list(Story.objects.filter(persona=persona).values_list("pk", flat=True))

    def bump_versions() -> None:
        Story.objects.filter(pk__in=stories).update(version=F("version") + 1)

    also = [Scope(Story, Q(pk__in=stories))]
    _row_delete(persona, group=_personas(persona.project), by=by, also=also, then=bump_versions)


# --- Stories --------------------------------------------------------------------------


def _apply_story_fields(story: Story, fields: dict[str, Any]) -> None:
    unknown = set(fields) - STORY_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    if "persona" in fields:
        _same_project(story.project, "persona", fields["persona"])
    if "acceptance_criteria" in fields:
        fields["acceptance_criteria"] = _clean_text_list(fields["acceptance_criteria"], field="acceptance_criteria")
    if "labels" in fields:
        fields["labels"] = clean_label_keys(fields["labels"])
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
    by: User | None = None,
    **fields: Any,
) -> Story:
    """Add a story to the cell of `step` by `release` (Unplanned when None), at `position` or at the end."""
    _check_position(position)
    _same_project(project, "step", step)
    _same_project(project, "release", release)
    project_lock(project)
    _still_there(step=step, release=release, persona=fields.get("persona"))
    _room_for_one_more(project.stories.all(), most=MAP_LIMITS.stories, holder="A map", noun="stories")
    story = Story(project=project, step=step, release=release)
    _apply_story_fields(story, {**fields, "title": title})
    _row_create(story, group=_cell(step.pk, getattr(release, "pk", None)), position=position, by=by)
    return story


def _lock_story(story: Story, version: int | None) -> Story:
    current = _fresh(story)
    if version is not None and version != current.version:
        raise StoryConflict(current)
    return current


@transaction.atomic
def story_update(*, story: Story, version: int | None = None, by: User | None = None, **fields: Any) -> Story:
    """Change a story's fields. With `version`, refuse (StoryConflict) if it was saved since that version."""
    _same_project(story.project, "step", fields.get("step"))
    _same_project(story.project, "release", fields.get("release"))
    current = _lock_story(story, version)
    _still_there(step=fields.get("step"), release=fields.get("release"), persona=fields.get("persona"))
    # Unless told otherwise the story stays where it is now, not where the caller last saw it.
    target_step = fields.pop("step", None) or current.step
    target_release = fields.pop("release") if "release" in fields else current.release
    leaving = _cell(current.step_id, current.release_id)
    target = _cell(target_step.pk, getattr(target_release, "pk", None))
    scopes = [Scope(Story, Q(pk=current.pk))] if target == leaving else [leaving, target]
    with recording(project=current.project, by=by, kind=EDIT, verb="edit", subject=current, scopes=scopes):
        _apply_story_fields(current, fields)
        current.version += 1
        if target != leaving:
            current.step, current.release = target_step, target_release
            current.position = 10**6
        _save(current)
        if target != leaving:
            _close_gap(leaving.rows())
            _place(current, target.rows(), None)
    return current


@transaction.atomic
def story_move(
    *,
    story: Story,
    step: Step,
    release: Release | None,
    position: int | None = None,
    version: int | None = None,
    by: User | None = None,
) -> Story:
    """Move a story to `position` in the cell of `step` by `release` (the end when None)."""
    _check_position(position)
    _same_project(story.project, "step", step)
    _same_project(story.project, "release", release)
    current = _lock_story(story, version)
    _still_there(step=step, release=release)
    target = _cell(step.pk, getattr(release, "pk", None))
    leaving = _cell(current.step_id, current.release_id)

    def join_cell() -> None:
        current.step, current.release = step, release
        current.version += 1
        current.save(update_fields=["step", "release", "version", "updated"])

    if target == leaving:
        join_cell()  # the version goes up all the same: the story was written
        _row_move(current, group=target, position=position, by=by)
    else:
        _row_move(current, group=target, position=position, by=by, leaving=leaving, change_group=join_cell)
    return current


@transaction.atomic
def story_delete(*, story: Story, by: User | None = None) -> None:
    story = _fresh(story)
    _row_delete(story, group=_cell(story.step_id, story.release_id), by=by, also=[Scope(Comment, Q(story_id=story.pk))])


# --- Whole maps: documents, snapshots, imports ---------------------------------------


# On SQLite a write transaction locks the whole database, so that the slow part of writing a
# whole map (reading and checking the file, building the rows, adapting values for the
# database) happens before the transaction; inside it run a fixed number of statements, with
# the rows inserted by executemany rather than the ORM's per-value compilation: other
# people's writes wait for it well under a second.


# How long a whole-map write keeps its turn after committing: longer than the 100 ms that
# SQLite's busy handler sleeps between tries, and than a request's few short transactions
# (its rate-limit count in the database cache, then its write), so that writers who waited
# get the lock before the next import in line does.
TURN_GAP_SECONDS = 0.3
_process_turn = threading.Lock()


@contextmanager
def _whole_map_turn() -> Iterator[None]:
    """One whole-map write at a time per SQLite file, across processes; a no-op elsewhere.

    SQLite has one write lock for the whole database. Imports that queue for it behind one
    another would keep everyone else waiting through all of them; taking turns here, before
    the transaction, lets other writes in between. PostgreSQL locks only the project's row.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # never wait for a turn while holding the write lock: that could deadlock
        return
    name = str(connection.settings_dict["NAME"])
    in_memory = name == ":memory:" or "mode=memory" in name
    with _process_turn, nullcontext() if in_memory else open(f"{name}.imports.lock", "a") as lock_file:
        if lock_file is not None:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            time.sleep(TURN_GAP_SECONDS)
            if lock_file is not None:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def _quoted_table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _concrete_field(model: type[Model], name: str) -> Field[Any, Any]:
    # The names given here are all concrete fields; get_field is typed to return relations too.
    return cast(Field[Any, Any], model._meta.get_field(name))


def _column(model: type[Model], name: str) -> str:
    return cast(str, _concrete_field(model, name).column)  # None only for fields with no column


def _quoted_columns(model: type[Model], fields: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(_column(model, name)) for name in fields)


def _insert_rows(model: type[Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    placeholders = ", ".join(["%s"] * len(fields))
    # Only quoted identifiers are interpolated; values travel as parameters.
    sql = f"INSERT INTO {_quoted_table(model)} ({_quoted_columns(model, fields)}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _ids_after(model: type[Model], *, project: Project, after: int) -> list[int]:
    """The ids of the project's `model` rows inserted since the largest id was `after`, in insertion order."""
    return list(
        model._default_manager.filter(project=project, pk__gt=after).order_by("pk").values_list("pk", flat=True)
    )


def _last_id(model: type[Model], *, project: Project) -> int:
    return model._default_manager.filter(project=project).aggregate(last=Max("pk"))["last"] or 0


def _clear_map(*, project: Project) -> None:
    # Stories first, then what they point at: plain deletes by project, with nothing left to cascade.
    quote_name = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (Story, Step, Activity, Release, Persona):
            column = quote_name(model._meta.get_field("project").column)
            cursor.execute(f"DELETE FROM {_quoted_table(model)} WHERE {column} = %s", [project.pk])  # noqa: S608  # nosec B608


def _document_hash(document: Mapping[str, Any]) -> str:
    """What makes two documents the same: their canonical JSON (keys sorted, as jsonb keeps them anyway)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _map_document(*, project: Project) -> MapDocument:
    """The project's map as a story map document, the same as selectors.document_from_map gives.

    Read as plain values rather than model instances: replacing a map reads it for the
    snapshot while holding the write lock, and this is several times faster.
    """
    personas = list(
        Persona.objects.filter(project=project)
        .order_by("position", "pk")
        .values_list("pk", "name", "description", "goals")
    )
    releases = list(
        Release.objects.filter(project=project).order_by("position", "pk").values_list("pk", "name", "goal")
    )
    activities = list(
        Activity.objects.filter(project=project).order_by("position", "pk").values_list("pk", "title", "description")
    )
    steps = list(
        Step.objects.filter(project=project)
        .order_by("position", "pk")
        .values_list("pk", "activity_id", "title", "description")
    )
    stories = Story.objects.filter(project=project).values_list(
        "pk",
        "step_id",
        "release_id",
        "persona_id",
        "position",
        "title",
        "description",
        "acceptance_criteria",
        "priority",
        "estimate",
        "status",
        "labels",
    )

    # As stored: the caller's copy of the project may predate a renaming.
    named = Project.objects.filter(pk=project.pk).values_list("label_names", flat=True).first()
    label_names = names_with_defaults(named)
    release_names = {pk: name for pk, name, _ in releases}
    persona_names = {pk: name for pk, name, _, _ in personas}
    # Down a step's column: release by release in board order (Unplanned last), then by position.
    release_order = {pk: index for index, (pk, _, _) in enumerate(releases)}
    by_step: dict[int, list[tuple[Any, ...]]] = {}
    for story in sorted(stories, key=lambda row: (release_order.get(row[2], len(releases)), row[4], row[0])):
        by_step.setdefault(story[1], []).append(story)
    steps_by_activity: dict[int, list[tuple[Any, ...]]] = {}
    for step in steps:
        steps_by_activity.setdefault(step[1], []).append(step)
    return {
        "schema_version": SCHEMA_VERSION,
        "title": project.name,
        "description": project.description,
        "labels": label_docs(named),
        "personas": [
            {"name": name, "description": description, "goals": list(goals)} for _, name, description, goals in personas
        ],
        "releases": [{"name": name, "goal": goal} for _, name, goal in releases],
        "activities": [
            {
                "title": title,
                "description": description,
                "steps": [
                    {
                        "title": step_title,
                        "description": step_description,
                        "stories": [
                            {
                                "title": story[5],
                                "description": story[6],
                                "acceptance_criteria": list(story[7]),
                                "release": release_names.get(story[2]),
                                "priority": story[8],
                                "estimate": story[9],
                                "persona": persona_names.get(story[3]),
                                "status": story[10],
                                "labels": [label_names[key] for key in story[11] if key in label_names],
                            }
                            for story in by_step.get(step_pk, [])
                        ],
                    }
                    for step_pk, _, step_title, step_description in steps_by_activity.get(activity_pk, [])
                ],
            }
            for activity_pk, title, description in activities
        ],
    }


@dataclass(frozen=True)
class SnapshotHint:
    """The newest snapshot of a project and its document's hash, read before the transaction: snapshots never change."""

    snapshot_id: int
    counts: dict[str, int]
    document_hash: str


def snapshot_hint(*, project: Project) -> SnapshotHint | None:
    newest = (
        MapSnapshot.objects.filter(project=project)
        .order_by("-created", "-id")
        .values("pk", "counts", "document")
        .first()
    )
    if newest is None:
        return None
    return SnapshotHint(
        snapshot_id=newest["pk"], counts=newest["counts"], document_hash=_document_hash(newest["document"])
    )


def snapshot_take(*, project: Project, reason: str, hint: SnapshotHint | None = None) -> MapSnapshot | None:
    """Keep the project's map as a snapshot, unless it is empty or the same as the newest snapshot.

    Only the newest is compared, and only when its counts already agree; `hint` (from
    snapshot_hint, before the transaction) saves reading it again if it is still the newest.
    """
    current = _map_document(project=project)
    if not (current["activities"] or current["releases"] or current["personas"]):
        return None
    counts = document_counts(current)
    newest = MapSnapshot.objects.filter(project=project).order_by("-created", "-id").values("pk", "counts").first()
    if newest is not None and newest["counts"] == counts:
        if hint is not None and hint.snapshot_id == newest["pk"]:
            newest_hash = hint.document_hash
        else:
            newest_hash = _document_hash(MapSnapshot.objects.values_list("document", flat=True).get(pk=newest["pk"]))
        if newest_hash == _document_hash(current):
            return None
    return MapSnapshot.objects.create(project=project, reason=reason, document=current, counts=counts)


def _named[M: (Release, Persona)](
    *, model: type[M], project: Project, field: str, items: Sequence[Mapping[str, Any]], extra: tuple[str, ...]
) -> dict[str, M]:
    """Existing rows of `model` by lower-cased name, plus new ones for the names not there yet."""
    existing = {getattr(row, field).lower(): row for row in model._default_manager.filter(project=project)}
    start = len(existing)
    new: list[M] = []
    for item in items:
        if item[field].lower() not in existing:
            row = model(project=project, position=start + len(new), **{name: item[name] for name in (field, *extra)})
            new.append(row)
            existing[item[field].lower()] = row
    model._default_manager.bulk_create(new)
    return existing


STEP_COLUMNS = ("project", "activity", "title", "description", "position")
STORY_COLUMNS = (
    "project",
    "step",
    "release",
    "persona",
    "title",
    "description",
    "acceptance_criteria",
    "status",
    "priority",
    "estimate",
    "labels",
    "version",
    "created",
    "updated",
    "position",
)


@dataclass(frozen=True)
class PreparedMap:
    """A document's rows, built and adapted for the database before any transaction starts.

    `steps` are (activity index in the document, title, description); `stories` are
    (step index in the document's step order, release key, persona key, the values of
    STORY_COLUMNS from title to updated).
    """

    document: MapDocument
    steps: list[tuple[int, str, str]]
    stories: list[tuple[int, str | None, str | None, tuple[Any, ...]]]
    snapshot_hint: SnapshotHint | None = None


def map_prepare(*, document: MapDocument, replacing: Project | None = None) -> PreparedMap:
    """Everything about writing `document` that needs no lock: call it before the transaction.

    `replacing` is the project whose map it is to replace: its newest snapshot is read now.
    """
    now = timezone.now()
    stamp = _concrete_field(Story, "created").get_db_prep_save(now, connection)
    criteria_field = _concrete_field(Story, "acceptance_criteria")
    labels_field = _concrete_field(Story, "labels")

    # A story's labels are names in the document; the row keeps keys.
    label_names = document_label_names(document)
    steps: list[tuple[int, str, str]] = []
    stories: list[tuple[int, str | None, str | None, tuple[Any, ...]]] = []
    for activity_index, activity in enumerate(document["activities"]):
        for step in activity["steps"]:
            step_index = len(steps)
            steps.append((activity_index, step["title"], step["description"]))
            for story in step["stories"]:
                label_keys, _ = keys_for_names(story.get("labels") or [], project_names=label_names)
                values = (
                    story["title"],
                    story["description"],
                    criteria_field.get_db_prep_save(list(story["acceptance_criteria"]), connection),
                    story.get("status") or Story.Status.TODO.value,
                    story["priority"] or Story.Priority.SHOULD.value,
                    story["estimate"],
                    labels_field.get_db_prep_save(label_keys, connection),
                    1,
                    stamp,
                    stamp,
                )
                release = story["release"].lower() if story["release"] else None
                persona = story["persona"].lower() if story["persona"] else None
                stories.append((step_index, release, persona, values))
    hint = snapshot_hint(project=replacing) if replacing is not None else None
    return PreparedMap(document=document, steps=steps, stories=stories, snapshot_hint=hint)


def _check_map_limits(*, counts: Mapping[str, int], steps_per_activity: Mapping[Hashable, int]) -> None:
    """Refuse a write that would leave the map holding more than MAP_LIMITS (an append to a full map, say)."""
    problems = [
        f"{key}: the map would hold {counts[key]} {key}; a map holds at most {most}"
        for key, most in (
            ("activities", MAP_LIMITS.activities),
            ("stories", MAP_LIMITS.stories),
            ("releases", MAP_LIMITS.releases),
            ("personas", MAP_LIMITS.personas),
        )
        if counts[key] > most
    ]
    crowded = max(steps_per_activity.values(), default=0)
    if crowded > MAP_LIMITS.steps_per_activity:
        problems.append(
            f"steps: an activity would hold {crowded} steps; an activity holds at most {MAP_LIMITS.steps_per_activity}"
        )
    if problems:
        raise DocumentInvalid(problems)


@transaction.atomic
def map_apply_document(
    *, project: Project, document: MapDocument, mode: str, snapshot_reason: str, prepared: PreparedMap | None = None
) -> dict[str, int]:
    """Write a validated document into the project's map: replace it (keeping a snapshot) or append to it.

    Appending never repeats an activity the map already has under the same
    title (case and spacing aside): the document's steps join that activity,
    and the stories of a step it already has join that step, after its own.
    The document itself is written as it is. The number of queries does not
    grow with the document (bulk writes). `prepared` is `map_prepare(document=document)`,
    made before the transaction by callers that can; DocumentInvalid if the map
    would grow past MAP_LIMITS. The document's label names become the project's
    (replacing: all of them; appending: those of colours the project has not named).
    """
    if prepared is None or prepared.document is not document:
        prepared = map_prepare(document=document)
    project_lock(project)
    if mode == MapMode.REPLACE:
        snapshot_take(project=project, reason=snapshot_reason, hint=prepared.snapshot_hint)
        _clear_map(project=project)
    releases = _named(model=Release, project=project, field="name", items=document["releases"], extra=("goal",))
    personas = _named(
        model=Persona, project=project, field="name", items=document["personas"], extra=("description", "goals")
    )

    # What the map held before: the activities and steps an appended one joins, by title.
    old_activities = list(Activity.objects.filter(project=project).order_by("position", "pk"))
    old_steps = list(
        Step.objects.filter(project=project)
        .order_by("position", "pk")
        .values_list("pk", "activity_id", "title", "position")
    )
    activity_by_title: dict[str, Activity] = {}
    for activity in old_activities:
        activity_by_title.setdefault(title_key(activity.title), activity)
    step_by_title: dict[tuple[int, str], int] = {}
    next_step: dict[Hashable, int] = {}
    step_id: int | None  # a step's id; None for one of the document's, until it is inserted
    for step_id, activity_id, title, position in old_steps:
        step_by_title.setdefault((activity_id, title_key(title)), step_id)
        next_step[activity_id] = max(next_step.get(activity_id, 0), position + 1)
    next_activity = max((activity.position + 1 for activity in old_activities), default=0)

    activity_rows: list[Activity] = []
    new_activities: list[Activity] = []
    for item in document["activities"]:
        activity_row = activity_by_title.get(title_key(item["title"]))
        if activity_row is None:
            activity_row = Activity(
                project=project, title=item["title"], description=item["description"], position=next_activity
            )
            next_activity += 1
            new_activities.append(activity_row)
        activity_rows.append(activity_row)
    Activity.objects.bulk_create(new_activities)

    step_ids: list[int | None] = []
    new_steps: list[tuple[Any, ...]] = []
    new_step_slots: list[int] = []
    for activity_index, title, description in prepared.steps:
        activity_id = activity_rows[activity_index].pk
        found = step_by_title.get((activity_id, title_key(title)))
        if found is None:
            position = next_step.get(activity_id, 0)
            next_step[activity_id] = position + 1
            new_step_slots.append(len(step_ids))
            new_steps.append((project.pk, activity_id, title, description, position))
        step_ids.append(found)

    story_count = Story.objects.filter(project=project).count() if old_steps else 0
    _check_map_limits(
        counts={
            "activities": len(old_activities) + len(new_activities),
            "stories": story_count + len(prepared.stories),
            "releases": len(releases),
            "personas": len(personas),
        },
        steps_per_activity=next_step,
    )
    last_step = _last_id(Step, project=project)
    _insert_rows(Step, STEP_COLUMNS, new_steps)
    for slot, step_id in zip(new_step_slots, _ids_after(Step, project=project, after=last_step), strict=True):
        step_ids[slot] = step_id

    # Stories go after those already in their cell (step and release) of a step that was joined.
    joined = {row[0] for row in old_steps} & set(step_ids)
    next_story: dict[tuple[int | None, int | None], int] = {}
    if joined:
        cells = Story.objects.filter(step_id__in=joined).order_by().values("step_id", "release_id")
        for found_cell in cells.annotate(last=Max("position")):
            next_story[(found_cell["step_id"], found_cell["release_id"])] = found_cell["last"] + 1
    story_rows: list[tuple[Any, ...]] = []
    for step_index, release_key, persona_key, values in prepared.stories:
        step_id = step_ids[step_index]
        release_id = releases[release_key].pk if release_key else None
        persona_id = personas[persona_key].pk if persona_key else None
        cell = (step_id, release_id)
        position = next_story.get(cell, 0)
        next_story[cell] = position + 1
        story_rows.append((project.pk, step_id, release_id, persona_id, *values, position))
    _insert_rows(Story, STORY_COLUMNS, story_rows)
    update_fields = ["updated"]
    # A document that names no labels (an AI draft, an old snapshot) leaves the project's names alone.
    if document.get("labels"):
        stored = Project.objects.filter(pk=project.pk).values_list("label_names", flat=True).first()
        given = {item["colour"]: item["name"] for item in document["labels"]}
        project.label_names = label_names_written(stored, given, replace=mode == MapMode.REPLACE)
        update_fields.append("label_names")
    project.save(update_fields=update_fields)
    return document_counts(document)


def map_phrase(counts: Mapping[str, int]) -> str:
    """What the activity feed says a whole map was: "a map of 3 activities and 12 stories"."""
    parts = [
        f"{counts.get(key, 0)} {noun if counts.get(key, 0) == 1 else plural}"
        for key, noun, plural in (("activities", "activity", "activities"), ("stories", "story", "stories"))
    ]
    return f"a map of {' and '.join(parts)}"


def snapshot_restore(*, snapshot: MapSnapshot, by: User | None = None) -> dict[str, int]:
    """Put a snapshot's map back; the map it replaces becomes a snapshot in turn."""
    document = snapshot.document
    prepared = map_prepare(document=document, replacing=snapshot.project)
    with _whole_map_turn(), transaction.atomic():
        counts = map_apply_document(
            project=snapshot.project,
            document=document,
            mode=MapMode.REPLACE,
            snapshot_reason="Before restoring an earlier map",
            prepared=prepared,
        )
        if by is not None:
            event_record(project=snapshot.project, actor=by, verb=Verb.RESTORED, subject="an earlier map")
        return counts


def project_import(*, owner: User, document: MapDocument, name: str = "", filename: str = "") -> Project:
    """A new project holding the imported map, named by `name`, else the document's title, else the file's name."""
    if has_forbidden_character(name):
        raise ValidationError({"name": f"The name {NOT_ALLOWED_MESSAGE}."})
    stem = PurePath(filename).stem
    title = (
        name.strip() or document["title"] or (stem if not has_forbidden_character(stem) else "") or "Imported story map"
    )
    prepared = map_prepare(document=document)
    with _whole_map_turn(), transaction.atomic():
        project = project_create(owner=owner, name=title[:PROJECT_NAME_MAX], description=document["description"])
        counts = map_apply_document(
            project=project, document=document, mode=MapMode.APPEND, snapshot_reason="", prepared=prepared
        )
        event_record(project=project, actor=owner, verb=Verb.IMPORTED, subject=map_phrase(counts))
    return project


def map_import(*, project: Project, document: MapDocument, mode: str, by: User | None = None) -> Project:
    """Import into an existing project: replace its map (keeping a snapshot) or append to it."""
    if mode not in MapMode.values:
        raise ValidationError({"mode": "Choose replace or append."})
    prepared = map_prepare(document=document, replacing=project if mode == MapMode.REPLACE else None)
    with _whole_map_turn(), transaction.atomic():
        counts = map_apply_document(
            project=project, document=document, mode=mode, snapshot_reason="Before an import", prepared=prepared
        )
        if by is not None:
            event_record(project=project, actor=by, verb=Verb.IMPORTED, subject=map_phrase(counts))
    return project


# --- Comments on cards ------------------------------------------------------------------


def _comment_body(body: Any) -> str:
    """The body as kept: trimmed plain text, 1 to COMMENT_MAX characters (ValidationError keyed `body`)."""
    if not isinstance(body, str):
        raise ValidationError({"body": "Write the comment as text."})
    text = body.strip()
    if not text:
        raise ValidationError({"body": "Write something first: the comment is empty."})
    if len(text) > COMMENT_MAX:
        raise ValidationError(
            {"body": f"A comment can have at most {COMMENT_MAX:,} characters (this has {len(text):,})."}
        )
    if has_forbidden_character(text):
        raise ValidationError({"body": f"The comment {NOT_ALLOWED_MESSAGE}."})
    return text


@transaction.atomic
def comment_create(*, story: Story, by: User, body: str) -> Comment:
    """Leave a comment on a card: anyone of the project may, viewers too (it does not change the map)."""
    text = _comment_body(body)
    require_role(story.project, by, Role.VIEWER)
    # Not under the project lock: a comment changes no row of the map, so it need not wait for
    # (or hold up) a write to it. The card may have been deleted since the caller found it.
    if not Story.objects.filter(pk=story.pk).exists():
        raise Http404("No story with that id.")
    comment = Comment.objects.create(project_id=story.project_id, story=story, author=by, body=text)
    event_record(
        project=story.project, actor=by, verb=Verb.COMMENTED, subject=f"story “{story.title}”", story_id=story.pk
    )
    return comment


def comment_may_delete(*, comment: Comment, user: User) -> bool:
    """Whether `user` may delete `comment`: its author, or the project's owner."""
    return comment.author_id == user.pk or comment.project.owner_id == user.pk


@transaction.atomic
def comment_delete(*, comment: Comment, by: User) -> None:
    require_role(comment.project, by, Role.VIEWER)
    if not comment_may_delete(comment=comment, user=by):
        raise PermissionDenied("Only the comment's author or the project's owner can delete it.")
    Comment.objects.filter(pk=comment.pk).delete()
