import logging

from django.dispatch import receiver
from django.tasks import task
from django.tasks.signals import task_started

logger = logging.getLogger("mapwright.aimap")


@task
def run_generation(*, generation_id: str) -> str:
    """Run one AI map generation in the background; returns its final status."""
    from .services import generation_run

    return generation_run(generation_id=generation_id).status


@receiver(task_started)
def fail_stale_generations(sender: type, **kwargs: object) -> None:
    """A worker, before each task it starts, fails the generations a dead worker left running.

    Only for backends with a separate worker (they can run a task later); the in-process backend has no
    worker to lose. A failure here must not stop the task that was about to run.
    """
    if not getattr(sender, "supports_defer", False):
        return
    from .services import generations_fail_stale

    try:
        generations_fail_stale()
    except Exception:
        logger.exception("could not look for stale generations")
