from django.apps import AppConfig


class AimapConfig(AppConfig):
    name = "aimap"
    verbose_name = "AI map generation"

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - connects the stale-generation sweep to task_started
