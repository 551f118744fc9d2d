"""Django's database cache with an atomic incr().

The embedded default has no Redis, yet its rate limits must hold across
gunicorn workers; django-ratelimit counts with add() and incr(), and Django's
own DatabaseCache.incr() is a read followed by a write that races. Here the
read and the write share one transaction holding the row (SELECT ... FOR
UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers).
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        now = tz_now().replace(microsecond=0, tzinfo=None)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # Only quoted identifiers are interpolated; values travel as parameters.
        select = (
            f"SELECT {quote_name('value')} FROM {table} "  # noqa: S608
            f"WHERE {quote_name('cache_key')} = %s AND {quote_name('expires')} > %s{lock}"
        )
        update = f"UPDATE {table} SET {quote_name('value')} = %s WHERE {quote_name('cache_key')} = %s"  # noqa: S608
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(select, [key, connection.ops.adapt_datetimefield_value(now)])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            # The cache table is written only by this cache, as Django's own reads it.
            value = pickle.loads(base64.b64decode(row[0].encode(), validate=True)) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(update, [encoded, key])
        return value
