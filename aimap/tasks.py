from django.tasks import task


@task
def run_generation(*, generation_id: str) -> str:
    """Run one AI map generation in the background; returns its final status."""
    from .services import generation_run

    return generation_run(generation_id=generation_id).status
