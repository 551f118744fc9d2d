"""Writes of AI map generation: asking for a map and running it; stories.services writes the map."""

import hashlib
import json
import logging
import math
import time
import uuid
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from projects.models import Project
from stories.document import GENERATED_LIMITS, DocumentInvalid
from stories.services import map_apply_document

from .models import Generation
from .providers import (
    PROMPT_VERSION,
    VALIDATION_RETRIES,
    Progress,
    ProviderError,
    ProviderResult,
    get_provider,
    progress_state,
)

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
