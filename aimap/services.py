"""Writes of AI map generation: asking for a map and running it; stories.services writes the map."""

import hashlib
import json
import logging
import math
import time
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from projects.events import Verb, event_record
from projects.limits import PROJECT_DESCRIPTION_MAX
from projects.models import Project
from stories.document import GENERATED_LIMITS, DocumentInvalid
from stories.services import map_apply_document, map_phrase

from .models import Generation, initial_progress
from .providers import (
    PROMPT_VERSION,
    VALIDATION_RETRIES,
    Progress,
    ProgressState,
    ProviderError,
    ProviderResult,
    get_provider,
    progress_state,
)

logger = logging.getLogger("mapwright.aimap")

LOCK_POLL_SECONDS = 0.2
# The openai client's longest wait between two retries of one call.
HTTP_BACKOFF_SECONDS = 8.0
STALE_ERROR = (
    "The generation stopped before it finished: the worker running it went away. "
    "The map was not changed; please try again."
)


class LockBusy(Exception):
    """An identical generation holds the single-flight lock, and this one was asked not to wait for it."""


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


def generation_stale_seconds() -> float:
    """How long a running generation may go without a heartbeat before it counts as lost with its worker.

    A heartbeat comes with every stage that finishes (the backbone, then each activity's stories), so the
    longest silence of a live generation is its slowest model call: every HTTP retry and validation retry
    timing out, with the client's backoff between them.
    """
    retries = settings.AI_HTTP_RETRIES
    per_call = (settings.AI_TIMEOUT * (1 + retries) + HTTP_BACKOFF_SECONDS * retries) * (1 + VALIDATION_RETRIES)
    return per_call + settings.AI_STALE_MARGIN


def _run_seconds() -> float:
    """The slowest possible whole run: how long a waiter keeps waiting for a lock its holder keeps renewing."""
    rounds = 1 + math.ceil(GENERATED_LIMITS.activities / max(settings.AI_CONCURRENCY, 1))  # backbone, then stories
    return generation_stale_seconds() * rounds


def _lock_key(prompt_hash: str) -> str:
    return f"aimap:lock:{prompt_hash}"


def document_generate(
    *,
    description: str,
    provider_name: str | None = None,
    progress: Progress | None = None,
    lock_token: str | None = None,
    wait: bool = True,
) -> tuple[ProviderResult, bool, str]:
    """A validated document for `description`: from the cache, or from the provider exactly once.

    Identical requests running at the same time wait for the first one's
    answer instead of calling the model again (a lock in the cache), or,
    with `wait=False`, raise LockBusy at once. The lock is a lease of
    generation_stale_seconds(), renewed at each finished stage: a holder
    that dies frees it within that bound.
    `progress` hears of each finished stage, in this thread.
    Returns (result, cached, prompt hash).
    """
    provider = get_provider(provider_name)
    prompt_hash = generation_prompt_hash(provider=provider.name, model=provider.model, description=description)
    key, lock_key = f"aimap:document:{prompt_hash}", _lock_key(prompt_hash)
    lease = math.ceil(generation_stale_seconds())
    deadline = time.monotonic() + _run_seconds()
    token = lock_token or uuid.uuid4().hex
    while True:
        if (document := cache.get(key)) is not None:
            if progress is not None:
                total = len(document["activities"])
                progress(progress_state("done", total=total, done=total))
            return ProviderResult(document=document), True, prompt_hash
        added = cache.add(lock_key, token, timeout=lease)
        # None, not False, is django-redis's answer when Redis is down: no one can hold the lock then.
        if added or added is None:
            break
        if not wait:
            raise LockBusy(prompt_hash)
        if time.monotonic() > deadline:
            break  # the holder renews a lease it never finishes: generate rather than wait forever
        time.sleep(LOCK_POLL_SECONDS)

    def renewing(state: ProgressState) -> None:
        try:
            cache.touch(lock_key, lease)
        except Exception:  # django-redis lets touch()'s connection errors out even with IGNORE_EXCEPTIONS
            logger.warning("could not renew the generation lock %s", lock_key)
        if progress is not None:
            progress(state)

    try:
        result = provider.generate(description, progress=renewing)
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
    elif len(description) > PROJECT_DESCRIPTION_MAX:
        errors["description"] = f"At most {PROJECT_DESCRIPTION_MAX:,} characters."
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


def _lock_retry_seconds() -> float:
    """How soon a generation that found its identical twin running asks again (the twin renews its lease)."""
    return max(LOCK_POLL_SECONDS, min(5.0, generation_stale_seconds() / 4))


def _requeue(generation: Generation) -> None:
    """Back in the queue, to run after a while, rather than holding a worker while it waits for the lock."""
    from .tasks import run_generation

    requeued = Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING).update(
        status=Generation.Status.QUEUED, heartbeat=None, progress=initial_progress()
    )
    if requeued:
        run_after = timezone.now() + timedelta(seconds=_lock_retry_seconds())
        run_generation.using(run_after=run_after).enqueue(generation_id=str(generation.pk))


class _Superseded(Exception):
    """The generation was failed as stale while it ran: its late result must not change the map."""


def generation_run(*, generation_id: str) -> Generation:
    """Generate, validate and apply the map of one generation; on any failure the map stays as it was.

    The model's work comes first, outside any transaction; only then one short transaction writes the map,
    so no write lock is held while the model or the single-flight lock is waited for.
    """
    from .tasks import run_generation

    generation = Generation.objects.select_related("project", "user").get(pk=generation_id)
    if generation.is_finished:
        return generation
    now = timezone.now()
    generation.status, generation.started, generation.heartbeat = Generation.Status.RUNNING, now, now
    generation.progress = progress_state("backbone")
    generation.save(update_fields=["status", "started", "heartbeat", "progress"])
    began = time.monotonic()

    def report(state: ProgressState) -> None:
        # Called by the provider in this thread (its stage 2 threads never touch the database).
        generation.progress, generation.heartbeat = state, timezone.now()
        generation.save(update_fields=["progress", "heartbeat"])

    # A worker must not sit waiting for another worker's lock: with a backend that can run a task later,
    # the generation goes back to the queue instead. The in-process backend has no later: it waits.
    wait = not run_generation.get_backend().supports_defer
    try:
        result, cached, _ = document_generate(
            description=generation.description,
            provider_name=generation.provider,
            progress=report,
            lock_token=str(generation.pk),
            wait=wait,
        )
        with transaction.atomic():
            # The generation's row first: one failed as stale meanwhile must not change the map after all.
            running = Generation.objects.select_for_update().filter(pk=generation.pk, status=Generation.Status.RUNNING)
            if not running.exists():
                raise _Superseded
            counts = map_apply_document(
                project=generation.project,
                document=result.document,
                mode=generation.mode,
                snapshot_reason="Before AI generation",
            )
            event_record(
                project=generation.project, actor=generation.user, verb=Verb.GENERATED, subject=map_phrase(counts)
            )
            generation.status, generation.cached, generation.counts = Generation.Status.SUCCEEDED, cached, counts
            generation.prompt_tokens, generation.completion_tokens = result.prompt_tokens, result.completion_tokens
            generation.finished = timezone.now()
            generation.duration_ms = int((time.monotonic() - began) * 1000)
            generation.save()
        return generation
    except LockBusy:
        _requeue(generation)
        generation.refresh_from_db()
        return generation
    except _Superseded:
        generation.refresh_from_db()
        return generation
    except (ProviderError, DocumentInvalid) as error:
        message = str(error)
    except Exception:
        logger.exception("generation %s failed unexpectedly", generation.pk)
        message = "An unexpected error stopped the generation. The map was not changed; please try again."
    Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING).update(
        status=Generation.Status.FAILED,
        error=message,
        finished=timezone.now(),
        duration_ms=int((time.monotonic() - began) * 1000),
    )
    generation.refresh_from_db()
    return generation


def generations_fail_stale(*, generation_ids: list[uuid.UUID] | None = None) -> int:
    """Fail the running generations whose worker went away (no heartbeat within the bound); free their locks.

    Called by the status poll of the page and the API, and by a worker before each task it starts.
    Returns how many were failed.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=generation_stale_seconds())
    stale = Generation.objects.filter(status=Generation.Status.RUNNING).filter(
        Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, started__lt=cutoff)
    )
    if generation_ids is not None:
        stale = stale.filter(pk__in=generation_ids)
    failed = 0
    for generation in stale.only("pk", "prompt_hash", "heartbeat"):
        # Only if its heartbeat is still the stale one: a live worker that has just renewed it keeps it.
        if Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING, heartbeat=generation.heartbeat
        ).update(status=Generation.Status.FAILED, error=STALE_ERROR, finished=now):
            failed += 1
            logger.warning("generation %s failed: no heartbeat since %s", generation.pk, generation.heartbeat)
            lock_key = _lock_key(generation.prompt_hash)
            if cache.get(lock_key) == str(generation.pk):
                cache.delete(lock_key)
    return failed


def generation_fail_if_stale(*, generation: Generation) -> Generation:
    """`generation`, failed first if it runs with no heartbeat within the bound (what a poll calls)."""
    if generation.status == Generation.Status.RUNNING and generations_fail_stale(generation_ids=[generation.pk]):
        generation.refresh_from_db()
    return generation
