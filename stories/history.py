"""Undo, redo and the Trash: every change a person makes to a map, kept as the rows it touched.

A service that changes the map runs its write inside `recording(...)`, which reads
the rows the write may touch (its scopes) before and after, and keeps the rows
that differ as one MapChange: their states before and after. Undo writes the
"before" states back, redo the "after" ones. A deleted activity, step, release,
persona or story is a MapChange of kind delete, which the Trash lists for
TRASH_DAYS and Restore undoes, whoever made it.

Why not a history package: django-pghistory needs PostgreSQL triggers, and the
embedded default is SQLite. django-simple-history and django-reversion keep a
copy of a row after each save, row by row; a board change touches many rows at
once (a move renumbers its neighbours, deleting an activity cascades to its steps
and stories, and bulk position updates send no signals), and undoing it needs the
state before, together with the rows it created, as one unit. Keeping exactly
that is one row per change here, where the packages would keep one per row.

Undo is refused, with a message, when a later change by anyone would be lost:
when a field the change set is no longer what it set, a row it would put back
under has gone, or a row it would delete has gained children since. Positions
are not compared: the rows go back to their places and each group they touch is
renumbered, so that a neighbour added meanwhile moves over instead of blocking.
A story's version is always raised, never put back, so that an editor open on an
older version still gets its conflict.
"""

import datetime
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from projects.events import Verb, event_record
from projects.models import Project
from projects.services import project_lock

from .limits import TRASH_DAYS, UNDO_DEPTH
from .models import Activity, Comment, MapChange, Persona, Release, Step, Story

Kind = MapChange.Kind

# What the activity feed says a kept change was.
FEED_VERB: dict[str, str] = {
    Kind.CREATE: Verb.CREATED,
    Kind.EDIT: Verb.EDITED,
    Kind.MOVE: Verb.MOVED,
    Kind.DELETE: Verb.DELETED,
}

# Parents before children: the order rows are put back in (and deleted in, reversed).
MODELS: dict[str, type[Model]] = {
    "persona": Persona,
    "release": Release,
    "activity": Activity,
    "step": Step,
    "story": Story,
    # Not part of the map, but deleting a card takes its discussion along, and undo must bring it back.
    "comment": Comment,
}
# The fields that say where a row sits, and so which group is renumbered after a change.
GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "persona": ("project_id",),
    "release": ("project_id",),
    "activity": ("project_id",),
    "step": ("activity_id",),
    "story": ("step_id", "release_id"),
    "comment": (),  # in the order they were written: no positions
}
# Fields a change never compares or puts back: kept by the database as they are now.
UNTRACKED = {"updated", "created", "version"}
# The rows another row points at, by its field: what must be there for it to go back.
PARENTS: dict[str, dict[str, str]] = {
    "step": {"activity_id": "activity"},
    "story": {"step_id": "step", "release_id": "release", "persona_id": "persona"},
    "comment": {"story_id": "story"},
}
# The rows that point at a row, which deleting it would take along or change: (model, field).
CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "activity": (("step", "activity_id"),),
    "step": (("story", "step_id"),),
    "release": (("story", "release_id"),),
    "persona": (("story", "persona_id"),),
    "story": (("comment", "story_id"),),
}


class UndoRefused(ValidationError):
    """Nothing to undo or redo, or doing it would lose someone's later change; the message says which."""


@dataclass(frozen=True)
class Scope:
    """Rows a write may touch: `model`'s rows matching `where`, read before and after it."""

    model: type[Model]
    where: Q

    def rows(self) -> QuerySet[Any]:
        return self.model._default_manager.filter(self.where)


@dataclass
class Recorder:
    """What the service tells the recording once it knows: the row a create made."""

    subject: Model | None = None


@dataclass(frozen=True)
class ChangeRef:
    id: int
    label: str


@dataclass(frozen=True)
class HistoryState:
    undo: ChangeRef | None
    redo: ChangeRef | None


@dataclass(frozen=True)
class Done:
    change: MapChange
    focus: str | None  # the board element to focus afterwards ("story-12"), if it is on the board
    state: HistoryState


@dataclass(frozen=True)
class TrashItem:
    change: MapChange
    noun: str
    title: str
    contents: str  # "with 3 steps and 8 stories", or ""
    expires: datetime.datetime


@dataclass
class _Row:
    model: str
    pk: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: list[str] = field(default_factory=list)


def _name(model: type[Model]) -> str:
    return model._meta.model_name or ""


def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _state(values: dict[str, Any]) -> dict[str, Any]:
    # As JSON keeps it, so that a state read now compares equal to one read back from a MapChange.
    decoded: dict[str, Any] = json.loads(json.dumps(values, cls=DjangoJSONEncoder))
    return decoded


def _read(scopes: Sequence[Scope]) -> dict[tuple[str, int], dict[str, Any]]:
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for scope in scopes:
        for values in scope.rows().values(*_attnames(scope.model)):
            rows[(_name(scope.model), values["id"])] = _state(values)
    return rows


def _diff(
    before: dict[tuple[str, int], dict[str, Any]], after: dict[tuple[str, int], dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = []
    for key in sorted(set(before) | set(after), key=lambda key: (list(MODELS).index(key[0]), key[1])):
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None:
            changed = [name for name in new if name not in UNTRACKED and old.get(name) != new[name]]
            if not changed:
                continue
        else:
            changed = [name for name in (old or new or {}) if name not in UNTRACKED]
        rows.append({"model": key[0], "pk": key[1], "before": old, "after": new, "changed": changed})
    return rows


def _display(obj: Model) -> str:
    return str(getattr(obj, "title", None) or getattr(obj, "name", None) or obj)


@contextmanager
def recording(
    *,
    project: Project,
    by: User | None,
    kind: str,
    verb: str,
    subject: Model | None,
    scopes: Sequence[Scope],
    what: str | None = None,
    feed_verb: str | None = None,
) -> Iterator[Recorder]:
    """Keep the write run inside as one undoable change of `by` (nothing is kept when `by` is None).

    Call it under the project lock, inside the write's transaction. `verb` starts the
    label ("delete"), which goes on with the subject's noun and name: "delete activity “Book a visit”",
    or with `what` when one change makes several writes ("2 suggested stories to step “Find a time”").
    The feed says the change with the kind's verb, or `feed_verb`.
    """
    recorder = Recorder(subject)
    if by is None:
        yield recorder
        return
    before = _read(scopes)
    yield recorder
    rows = _diff(before, _read(scopes))
    subject = recorder.subject
    if not rows or subject is None:
        return
    what = what or f"{subject._meta.verbose_name} “{_display(subject)}”"
    label = f"{verb} {what}"
    MapChange.objects.filter(project=project, user=by, undone=True).delete()  # a new change ends the redo list
    MapChange.objects.create(
        project=project,
        user=by,
        kind=kind,
        label=label[:300],
        subject_model=_name(type(subject)),
        subject_pk=subject.pk,
        rows=rows,
    )
    event_record(
        project=project, actor=by, verb=feed_verb or FEED_VERB[kind], subject=what, story_id=_story_id_of(subject)
    )
    _prune(project=project, user=by)


def _story_id_of(subject: Model) -> int | None:
    return subject.pk if isinstance(subject, Story) else None


def _feed(change: MapChange, *, project: Project, user: User, verb: str, subject: str) -> None:
    """One line of the feed for an undo, a redo or a restore of `change`."""
    story_id = change.subject_pk if change.subject_model == _name(Story) else None
    event_record(project=project, actor=user, verb=verb, subject=subject, story_id=story_id)


def _prune(*, project: Project, user: User) -> None:
    """Keep a person's last UNDO_DEPTH changes of a map, and deletions for the Trash until they expire."""
    mine = MapChange.objects.filter(project=project, user=user)
    keep = list(mine.order_by("-id").values_list("pk", flat=True)[:UNDO_DEPTH])
    trash_from = timezone.now() - datetime.timedelta(days=TRASH_DAYS)
    old = mine.exclude(pk__in=keep)
    old.exclude(kind=Kind.DELETE, undone=False, created__gte=trash_from).delete()
    MapChange.objects.filter(project=project, kind=Kind.DELETE, created__lt=trash_from).delete()


# --- Reading the history ---------------------------------------------------------------


def history_state(*, project: Project, user: User) -> HistoryState:
    """What the Undo and Redo buttons say for `user` on `project`: one query.

    Undo takes the newest of the person's last UNDO_DEPTH changes not undone yet. Undone
    changes are always newer than the person's others (a new change drops them), so
    Redo takes the one undone last: the oldest of them, unless someone restored it from
    the Trash meanwhile.
    """
    newest = MapChange.objects.filter(project=project, user=user).order_by("-id")
    undo: ChangeRef | None = None
    redo: ChangeRef | None = None
    for pk, label, undone, restored in newest.values_list("pk", "label", "undone", "restored")[:UNDO_DEPTH]:
        if not undone:
            undo = ChangeRef(pk, label)
            break
        if restored is None:
            redo = ChangeRef(pk, label)
    return HistoryState(undo=undo, redo=redo)


# --- Applying a change backwards or forwards --------------------------------------------


def _current(rows: Sequence[_Row]) -> dict[tuple[str, int], dict[str, Any]]:
    current: dict[tuple[str, int], dict[str, Any]] = {}
    for name, model in MODELS.items():
        pks = [row.pk for row in rows if row.model == name]
        if pks:
            for values in model._default_manager.filter(pk__in=pks).values(*_attnames(model)):
                current[(name, values["id"])] = _state(values)
    return current


def _what(row: _Row, state: dict[str, Any] | None) -> str:
    """ "The story “Pay by card”", to start a sentence."""
    noun = MODELS[row.model]._meta.verbose_name
    values = state or row.before or row.after or {}
    text = values.get("title") or values.get("name")
    return f"The {noun} “{text}”" if text else f"A {noun}"


def _check(rows: Sequence[_Row], *, source: str, target: str, current: dict[tuple[str, int], dict[str, Any]]) -> None:
    """Refuse (UndoRefused) if putting `target` states back would lose a change made since."""
    touched = {(row.model, row.pk) for row in rows}
    coming = {(row.model, row.pk) for row in rows if getattr(row, target) is not None}
    for row in rows:
        expected, wanted, now = getattr(row, source), getattr(row, target), current.get((row.model, row.pk))
        if expected is None and now is not None:
            raise UndoRefused(f"{_what(row, now)} is back on the map already.")
        if expected is not None and now is None:
            if wanted is None:
                continue  # deleted since, which is what this would do anyway
            raise UndoRefused(f"{_what(row, expected)} was deleted since.")
        if expected is not None and now is not None:
            moved_fields = set(GROUP_FIELDS[row.model])
            for name in row.changed:
                if name != "position" and now.get(name) != expected.get(name):
                    what = "moved" if name in moved_fields else "changed"
                    raise UndoRefused(f"{_what(row, now)} was {what} since.")
        if wanted is not None:
            for name, parent in PARENTS.get(row.model, {}).items():
                parent_pk = wanted.get(name)
                if parent_pk is None or (parent, parent_pk) in coming:
                    continue
                if not MODELS[parent]._default_manager.filter(pk=parent_pk).exists():
                    raise UndoRefused(
                        f"{_what(row, wanted)} belonged to a {MODELS[parent]._meta.verbose_name} "
                        "that was deleted since: restore that first."
                    )
        if wanted is None and now is not None:
            for child, column in CHILDREN.get(row.model, ()):
                others = MODELS[child]._default_manager.filter(**{column: row.pk})
                if others.exclude(pk__in=[pk for model, pk in touched if model == child]).exists():
                    raise UndoRefused(f"{_what(row, now)} has gained {MODELS[child]._meta.verbose_name_plural} since.")


def _python(model: type[Model], state: dict[str, Any]) -> dict[str, Any]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return {
        name: fields[name].to_python(value) if value is not None else None
        for name, value in state.items()
        if name in fields
    }


def _apply(rows: Sequence[_Row], *, source: str, target: str) -> None:
    current = _current(rows)
    _check(rows, source=source, target=target, current=current)
    now = timezone.now()
    groups: dict[str, set[tuple[Any, ...]]] = {name: set() for name in MODELS}
    placed: set[tuple[str, int]] = set()

    def note_group(name: str, state: dict[str, Any] | None) -> None:
        if state is not None and GROUP_FIELDS[name]:
            groups[name].add(tuple(state.get(column) for column in GROUP_FIELDS[name]))

    # Deletions, children first: the rows the change had created (undo) or removed (redo).
    for name in reversed(MODELS):
        pks = [row.pk for row in rows if row.model == name and getattr(row, target) is None]
        for row in rows:
            if row.model == name and getattr(row, target) is None:
                note_group(name, current.get((name, row.pk)))
        if pks:
            MODELS[name]._default_manager.filter(pk__in=pks).delete()
    # Inserts and updates, parents first.
    for name, model in MODELS.items():
        for row in rows:
            wanted = getattr(row, target)
            if row.model != name or wanted is None:
                continue
            now_state = current.get((name, row.pk))
            note_group(name, now_state)
            note_group(name, wanted)
            placed.add((name, row.pk))
            if now_state is None:
                values = _python(model, wanted)
                if name == "comment" and not _author_still_here(values):
                    continue  # their account was deleted, and their words with it: they stay gone
                if name == "story":
                    values.update(updated=now, version=(wanted.get("version") or 0) + 1)
                model(**values).save(force_insert=True)
                if values.get("created") is not None:
                    # auto_now_add stamped it now; a row put back keeps the time it was first made.
                    model._default_manager.filter(pk=row.pk).update(created=values["created"])
            else:
                names = [column for column in row.changed if column in wanted]
                values = _python(model, {column: wanted[column] for column in names})
                if name == "story":
                    values.update(updated=now, version=(now_state.get("version") or 0) + 1)
                if values:
                    model._default_manager.filter(pk=row.pk).update(**values)
    _renumber_groups(groups, placed)


def _author_still_here(values: dict[str, Any]) -> bool:
    author_id = values.get("author_id")
    return author_id is None or User.objects.filter(pk=author_id).exists()


def _renumber_groups(groups: dict[str, set[tuple[Any, ...]]], placed: set[tuple[str, int]]) -> None:
    """Gapless positions again in every group the change touched; the rows put back keep their places."""
    for name, keys in groups.items():
        model = MODELS[name]
        for key in keys:
            where = dict(zip(GROUP_FIELDS[name], key, strict=True))
            rows = list(model._default_manager.filter(**where).order_by("position", "pk").values_list("pk", "position"))
            ordered = sorted(rows, key=lambda item: (item[1], 0 if (name, item[0]) in placed else 1, item[0]))
            moved = [model(pk=pk, position=index) for index, (pk, position) in enumerate(ordered) if position != index]
            if moved:
                model._default_manager.bulk_update(moved, ["position"])


def _rows(change: MapChange) -> list[_Row]:
    return [
        _Row(model=row["model"], pk=row["pk"], before=row["before"], after=row["after"], changed=row.get("changed", []))
        for row in change.rows
    ]


def _focus(change: MapChange, *, target: str) -> str | None:
    for row in _rows(change):
        if row.model == change.subject_model and row.pk == change.subject_pk and getattr(row, target) is not None:
            return f"{row.model}-{row.pk}"
    return None


def change_undo(*, project: Project, user: User) -> Done:
    """Undo `user`'s latest change on `project` that is not undone yet."""
    return _step(project=project, user=user, redo=False)


def change_redo(*, project: Project, user: User) -> Done:
    """Make again the change `user` undid last."""
    return _step(project=project, user=user, redo=True)


@transaction.atomic
def _step(*, project: Project, user: User, redo: bool) -> Done:
    project_lock(project)
    state = history_state(project=project, user=user)
    ref = state.redo if redo else state.undo
    if ref is None:
        raise UndoRefused(f"Nothing to {'redo' if redo else 'undo'}.")
    change = MapChange.objects.get(pk=ref.id)
    source, target = ("before", "after") if redo else ("after", "before")
    _apply(_rows(change), source=source, target=target)
    change.undone = not redo
    change.save(update_fields=["undone"])
    _feed(change, project=project, user=user, verb=Verb.REDID if redo else Verb.UNDID, subject=change.label)
    return Done(change, _focus(change, target=target), history_state(project=project, user=user))


# --- The Trash ----------------------------------------------------------------------------


def trash_changes(*, project: Project) -> QuerySet[MapChange]:
    """The project's deletions that can still be restored, newest first."""
    since = timezone.now() - datetime.timedelta(days=TRASH_DAYS)
    return MapChange.objects.filter(project=project, kind=Kind.DELETE, undone=False, created__gte=since).select_related(
        "user"
    )


def _contents(change: MapChange) -> str:
    counts: dict[str, int] = {}
    for row in _rows(change):
        if row.after is None and not (row.model == change.subject_model and row.pk == change.subject_pk):
            counts[row.model] = counts.get(row.model, 0) + 1
    parts = []
    for name in ("step", "story", "comment"):
        if counts.get(name):
            meta = MODELS[name]._meta
            parts.append(f"{counts[name]} {meta.verbose_name if counts[name] == 1 else meta.verbose_name_plural}")
    if not parts:
        return ""
    return "with " + (parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}")


def trash_list(*, project: Project) -> list[TrashItem]:
    items = []
    for change in trash_changes(project=project):
        subject = next(
            (row for row in _rows(change) if row.model == change.subject_model and row.pk == change.subject_pk), None
        )
        state = subject.before if subject is not None and subject.before else {}
        items.append(
            TrashItem(
                change=change,
                noun=str(MODELS[change.subject_model]._meta.verbose_name),
                title=str(state.get("title") or state.get("name") or ""),
                contents=_contents(change),
                expires=change.created + datetime.timedelta(days=TRASH_DAYS),
            )
        )
    return items


@transaction.atomic
def trash_restore(*, change: MapChange, user: User) -> Done:
    """Put a deleted row, and what was deleted with it, back where it was."""
    project = change.project
    project_lock(project)
    change = MapChange.objects.select_for_update().get(pk=change.pk)
    if change.kind != Kind.DELETE or change.undone:
        raise UndoRefused("This is no longer in the Trash.")
    # Restoring is undoing someone's deletion, so it is not a change of its own to undo.
    _apply(_rows(change), source="after", target="before")
    change.undone = True
    change.restored = timezone.now()
    change.save(update_fields=["undone", "restored"])
    _feed(change, project=project, user=user, verb=Verb.RESTORED, subject=change.label.removeprefix("delete "))
    return Done(change, _focus(change, target="before"), history_state(project=project, user=user))
