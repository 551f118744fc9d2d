"""Django's database cache with an atomic incr().

The embedded default has no Redis, yet its rate limits must hold across
gunicorn workers; django-ratelimit counts with add() and incr(), and Django's
own DatabaseCache.incr() is a read followed by a write that races. Here the
read and the write share one transaction holding the row (SELECT ... FOR
UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers).
"""

import base64
import contextvars
import functools
import pickle  # nosec B403
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now
from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


# pickle (bandit B403, B301): the cache table is written only by this cache, as
# Django's own database cache reads it.
class AtomicDatabaseCache(DatabaseCache):
    _table: str  # set by DatabaseCache.__init__; the stubs leave it out

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        # Nearly every add (a rate-limit window's counter) finds its key already
        # there: answer those with a plain read. Django's add is a write
        # transaction, and on SQLite every write transaction queues for the one
        # write lock, behind a large import if one is running. A key that expires
        # between the read and the caller's incr only goes uncounted once.
        if self.has_key(key, version=version):
            return False
        return super().add(key, value, timeout, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        now = tz_now().replace(microsecond=0, tzinfo=None)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # Only quoted identifiers are interpolated; values travel as parameters.
        select = (
            f"SELECT {quote_name('value')} FROM {table} "  # noqa: S608  # nosec B608
            f"WHERE {quote_name('cache_key')} = %s AND {quote_name('expires')} > %s{lock}"
        )
        update = f"UPDATE {table} SET {quote_name('value')} = %s WHERE {quote_name('cache_key')} = %s"  # noqa: S608  # nosec B608
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(select, [key, connection.ops.adapt_datetimefield_value(now)])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            # The cache table is written only by this cache, as Django's own reads it.
            value: int = pickle.loads(base64.b64decode(row[0].encode(), validate=True)) + delta  # noqa: S301  # nosec B301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(update, [encoded, key])
        return value


# --- Redis with a per-request circuit ------------------------------------------------
#
# A hung Redis costs REDIS_TIMEOUT per call; a page makes several calls (session, rate limits,
# the AI cache). After the first failure within a request the circuit opens and the request's
# further calls answer as misses at once, so an outage costs one timeout per request. Each request
# starts with a closed circuit (CacheCircuitMiddleware), so Redis coming back is noticed at once.

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class CacheCircuit:
    """One request's view of the cache: open once a call has failed."""

    def __init__(self) -> None:
        self.open = False


_circuit: contextvars.ContextVar[CacheCircuit | None] = contextvars.ContextVar("cache_circuit", default=None)


def circuit_begin() -> contextvars.Token[CacheCircuit | None]:
    """A fresh, closed circuit for the code that runs from here (a request); pass the token to circuit_end."""
    return _circuit.set(CacheCircuit())


def circuit_end(token: contextvars.Token[CacheCircuit | None]) -> None:
    _circuit.reset(token)


def _guarded(name: str, on_outage: Callable[..., Any]) -> Callable[..., Any]:
    parent = getattr(DefaultClient, name)

    @functools.wraps(parent)
    def method(self: DefaultClient, *args: Any, **kwargs: Any) -> Any:
        circuit = _circuit.get()
        if circuit is not None and circuit.open:
            return on_outage(*args, **kwargs)
        try:
            return parent(self, *args, **kwargs)
        except ConnectionInterrupted:
            if circuit is not None:
                circuit.open = True
            raise
        except OUTAGE_ERRORS as error:
            # touch() and a few others let redis's own errors out; IGNORE_EXCEPTIONS only knows this one.
            if circuit is not None:
                circuit.open = True
            raise ConnectionInterrupted(connection=None) from error

    return method


def _default_of_get(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return kwargs.get("default", default)


def _nothing(*args: Any, **kwargs: Any) -> None:
    # None, not False, from add(): what django-redis answers in an outage, when no one can hold a lock.
    return None


class CircuitClient(DefaultClient):
    """django-redis's client; once a call of this request failed, the others answer as misses at once.

    The first failure is raised as ConnectionInterrupted, which the cache's IGNORE_EXCEPTIONS turns into
    a miss (and logs); the calls after it do not reach Redis.
    """

    get = _guarded("get", _default_of_get)
    get_many = _guarded("get_many", lambda *args, **kwargs: {})
    has_key = _guarded("has_key", lambda *args, **kwargs: False)
    set = _guarded("set", _nothing)
    add = _guarded("add", _nothing)
    set_many = _guarded("set_many", _nothing)
    delete = _guarded("delete", _nothing)
    delete_many = _guarded("delete_many", _nothing)
    touch = _guarded("touch", _nothing)
    incr = _guarded("incr", _nothing)
    decr = _guarded("decr", _nothing)
    ttl = _guarded("ttl", _nothing)
    expire = _guarded("expire", _nothing)
    persist = _guarded("persist", _nothing)
    clear = _guarded("clear", _nothing)
