"""The embedded default's database cache: counters that hold across processes."""

import threading

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

DATABASE_CACHE = {"default": {"BACKEND": "config.cache.AtomicDatabaseCache", "LOCATION": "mapwright_cache"}}


@pytest.fixture
def database_cache():
    with override_settings(CACHES=DATABASE_CACHE):
        # With REDIS_URL set the test database was made without this table.
        call_command("createcachetable", verbosity=0)
        yield caches["default"]


@pytest.mark.django_db
def test_incr_adds_to_a_stored_counter(database_cache):
    database_cache.set("hits", 5, timeout=60)
    assert database_cache.incr("hits") == 6
    assert database_cache.incr("hits", 10) == 16
    assert database_cache.get("hits") == 16


@pytest.mark.django_db
def test_incr_of_a_missing_or_expired_key_raises_value_error(database_cache):
    with pytest.raises(ValueError):
        database_cache.incr("never-set")
    database_cache.set("short-lived", 1, timeout=60)
    # Its time runs out: the row's expiry moves into the past, as a minute would move it.
    key = database_cache.make_and_validate_key("short-lived")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE mapwright_cache SET expires = %s WHERE cache_key = %s", ["2000-01-01 00:00:00", key])
    assert database_cache.get("short-lived") is None
    with pytest.raises(ValueError):
        database_cache.incr("short-lived")


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs DATABASE_URL=postgres://…: the SQLite test database lives in one connection's memory",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_are_never_lost(database_cache):
    database_cache.set("concurrent", 0, timeout=60)
    threads, rounds = 4, 25

    def hammer() -> None:
        try:
            for _ in range(rounds):
                database_cache.incr("concurrent")
        finally:
            connection.close()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert database_cache.get("concurrent") == threads * rounds


@pytest.mark.django_db
def test_add_of_a_key_already_there_is_a_read_not_a_write(database_cache):
    from django.test.utils import CaptureQueriesContext

    assert database_cache.add("window", 1, timeout=60) is True
    with CaptureQueriesContext(connection) as queries:
        assert database_cache.add("window", 5, timeout=60) is False
    statements = " ".join(query["sql"].upper() for query in queries.captured_queries)
    # On SQLite every write transaction queues for the database's one write lock.
    assert "INSERT" not in statements and "UPDATE" not in statements and "DELETE" not in statements
    assert database_cache.get("window") == 1
    assert database_cache.incr("window") == 2
