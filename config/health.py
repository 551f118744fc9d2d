"""Liveness (/health) and readiness (/ready) for load balancers and compose.

Both are open to anyone and carry no rate limit: an orchestrator polls them.
"""

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("mapwright.health")

_migrations_known_applied = False


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    # The cache swallows its own errors (a Redis outage must not take pages
    # down), so a round trip is the only way to know it answers.
    key = f"ready-probe:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return the value just written")
    finally:
        cache.delete(key)


def check_migrations() -> None:
    global _migrations_known_applied
    if _migrations_known_applied:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")
    # Code cannot gain migrations without a restart, so once is enough.
    _migrations_known_applied = True


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "migrations": check_migrations,
}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, str]] = {}
    failed: list[str] = []
    for name, check in READINESS_CHECKS.items():
        if name == "migrations" and "database" in failed:
            checks[name] = {"status": "skipped", "error": "the database is unreachable"}
            failed.append(name)
            continue
        try:
            check()
        except Exception as exc:
            logger.warning("readiness check %s failed: %s", name, exc.__class__.__name__)
            checks[name] = {"status": "failed", "error": exc.__class__.__name__}
            failed.append(name)
        else:
            checks[name] = {"status": "ok"}
    body = {"status": "failed" if failed else "ok", "checks": checks, "failed": failed}
    return JsonResponse(body, status=503 if failed else 200)
