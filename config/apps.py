from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # The embedded default keeps its cache (and rate-limit counters) in the
    # database; `migrate` alone must leave a working site.
    call_command("createcachetable", database=using, verbosity=0)


class SiteConfig(AppConfig):
    name = "config"
    verbose_name = "Site"

    def ready(self) -> None:
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="mapwright-create-cache-tables")
