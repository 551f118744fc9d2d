"""Writes of AI map generation: asking for a map, running it, applying a document, snapshots."""

import hashlib
import json
import logging
import math
import time
import uuid
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from projects.models import Project
from projects.services import project_create, project_lock
from stories.models import Activity, Persona, Release, Step, Story

from .document import GENERATED_LIMITS, DocumentInvalid, document_counts
from .models import Generation, MapSnapshot
from .providers import (
    PROMPT_VERSION,
    VALIDATION_RETRIES,
    Progress,
    ProviderError,
    ProviderResult,
    get_provider,
    progress_state,
)
from .selectors import document_from_map
from .stages import title_key

logger = logging.getLogger("mapwright.aimap")

LOCK_POLL_SECONDS = 0.2


def normalise_description(description: str) -> str:
    return " ".join(description.split())


def generation_prompt_hash(*, provider: str, model: str, description: str) -> str:
    """What identifies one generation's answer: the cache key, and the hash recorded with it."""
    key = {
        "prompt": PROMPT_VERSION,
        "provider": provider,
        "model": model,
        "description": normalise_description(description),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _lock_seconds() -> int:
    """How long a generation may hold the single-flight lock: longer than its slowest possible run."""
    per_call = settings.AI_TIMEOUT * (1 + settings.AI_HTTP_RETRIES) * (1 + VALIDATION_RETRIES)
    rounds = 1 + math.ceil(GENERATED_LIMITS.activities / max(settings.AI_CONCURRENCY, 1))  # backbone, then stories
    return int(per_call * rounds) + 30


def document_generate(
    *, description: str, provider_name: str | None = None, progress: Progress | None = None
) -> tuple[ProviderResult, bool, str]:
    """A validated document for `description`: from the cache, or from the provider exactly once.

    Identical requests running at the same time wait for the first one's
    answer instead of calling the model again (a lock in the cache).
    `progress` hears of each finished stage, in this thread.
    Returns (result, cached, prompt hash).
    """
    provider = get_provider(provider_name)
    prompt_hash = generation_prompt_hash(provider=provider.name, model=provider.model, description=description)
    key, lock_key = f"aimap:document:{prompt_hash}", f"aimap:lock:{prompt_hash}"
    lock_seconds = _lock_seconds()
    deadline = time.monotonic() + lock_seconds
    token = uuid.uuid4().hex
    while True:
        if (document := cache.get(key)) is not None:
            if progress is not None:
                total = len(document["activities"])
                progress(progress_state("done", total=total, done=total))
            return ProviderResult(document=document), True, prompt_hash
        added = cache.add(lock_key, token, timeout=lock_seconds)
        # None, not False, is django-redis's answer when Redis is down: no one can hold the lock then.
        if added or added is None:
            break
        if time.monotonic() > deadline:
            break  # the lock holder died: generate rather than wait forever
        time.sleep(LOCK_POLL_SECONDS)
    try:
        result = provider.generate(description, progress=progress)
        cache.set(key, result.document, timeout=settings.AI_CACHE_TTL)
        return result, False, prompt_hash
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)


@transaction.atomic
def generation_request(
    *, user: User, project: Project, description: str | None = None, mode: str = "replace"
) -> Generation:
    """Record a generation and queue it; it runs once the transaction commits."""
    description = (project.description if description is None else description).strip()
    errors = {}
    if not description:
        errors["description"] = "Describe the product first: who uses it and what they do with it."
    elif len(description) > 10_000:
        errors["description"] = "At most 10,000 characters."
    if mode not in Generation.Mode.values:
        errors["mode"] = "Choose replace or append."
    if settings.REQUIRE_VERIFIED_EMAIL_FOR_AI and not user.email_verified:
        errors["email"] = "Confirm your email address before generating maps with AI."
    if errors:
        raise ValidationError(errors)
    provider = get_provider()
    generation = Generation.objects.create(
        user=user,
        project=project,
        description=description,
        mode=mode,
        provider=provider.name,
        model=provider.model,
        prompt_hash=generation_prompt_hash(provider=provider.name, model=provider.model, description=description),
    )
    from .tasks import run_generation  # the task module imports this one

    transaction.on_commit(partial(run_generation.enqueue, generation_id=str(generation.pk)))
    return generation


def generation_run(*, generation_id: str) -> Generation:
    """Generate, validate and apply the map of one generation; on any failure the map stays as it was."""
    generation = Generation.objects.select_related("project").get(pk=generation_id)
    if generation.is_finished:
        return generation
    generation.status, generation.started = Generation.Status.RUNNING, timezone.now()
    generation.progress = progress_state("backbone")
    generation.save(update_fields=["status", "started", "progress"])
    began = time.monotonic()

    def report(state: dict) -> None:
        # Called by the provider in this thread (its stage 2 threads never touch the database).
        generation.progress = state
        generation.save(update_fields=["progress"])

    try:
        result, cached, _ = document_generate(
            description=generation.description, provider_name=generation.provider, progress=report
        )
        with transaction.atomic():
            counts = map_apply_document(
                project=generation.project,
                document=result.document,
                mode=generation.mode,
                snapshot_reason="Before AI generation",
            )
    except (ProviderError, DocumentInvalid) as error:
        generation.status, generation.error = Generation.Status.FAILED, str(error)
    except Exception:
        logger.exception("generation %s failed unexpectedly", generation.pk)
        generation.status = Generation.Status.FAILED
        generation.error = "An unexpected error stopped the generation. The map was not changed; please try again."
    else:
        generation.status, generation.cached, generation.counts = Generation.Status.SUCCEEDED, cached, counts
        generation.prompt_tokens, generation.completion_tokens = result.prompt_tokens, result.completion_tokens
    generation.finished = timezone.now()
    generation.duration_ms = int((time.monotonic() - began) * 1000)
    generation.save()
    return generation


def _clear_map(project: Project) -> None:
    Story.objects.filter(project=project).delete()
    Step.objects.filter(project=project).delete()
    Activity.objects.filter(project=project).delete()
    Release.objects.filter(project=project).delete()
    Persona.objects.filter(project=project).delete()


def _named(model, project: Project, field: str, items: list[dict], extra: tuple[str, ...]) -> dict[str, object]:
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


def _next_position(rows, key) -> dict:
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
    if mode == Generation.Mode.REPLACE:
        current = document_from_map(project=project)
        if current["activities"] or current["releases"] or current["personas"]:
            MapSnapshot.objects.create(
                project=project, reason=snapshot_reason, document=current, counts=document_counts(current)
            )
        _clear_map(project)
    releases = _named(Release, project, "name", document["releases"], ("goal",))
    personas = _named(Persona, project, "name", document["personas"], ("description", "goals"))

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
        mode=Generation.Mode.REPLACE,
        snapshot_reason="Before restoring an earlier map",
    )


@transaction.atomic
def project_import(*, owner: User, document: dict, name: str = "", filename: str = "") -> Project:
    """A new project holding the imported map, named by `name`, else the document's title, else the file's name."""
    title = name.strip() or document["title"] or PurePath(filename).stem or "Imported story map"
    project = project_create(owner=owner, name=title[:120], description=document["description"])
    map_apply_document(project=project, document=document, mode=Generation.Mode.APPEND, snapshot_reason="")
    return project


@transaction.atomic
def map_import(*, project: Project, document: dict, mode: str) -> Project:
    """Import into an existing project: replace its map (keeping a snapshot) or append to it."""
    if mode not in Generation.Mode.values:
        raise ValidationError({"mode": "Choose replace or append."})
    map_apply_document(project=project, document=document, mode=mode, snapshot_reason="Before an import")
    return project
