"""Django's Redis cache backend, for a cache that is an accelerator and nothing more.

When Redis cannot be reached, does not answer in time or refuses writes (full with no eviction
policy, or a read-only replica after a failover), every operation behaves as if the cache were
empty: a read is a miss, a write stores nothing. Pages are rendered without the cache and no
editor's work fails because of it.

After a failure the backend does not ask Redis again for ``backoff_seconds`` (an OPTIONS entry,
5 by default): a Redis that has stopped answering would otherwise cost every request a connect
or read timeout. An outage is logged once when it starts and once when Redis answers again, not
once per request.

Only those are forgiven: anything else (a value that cannot be pickled, a wrong command) is a
bug and still raises.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What "Redis is not there" looks like to redis-py (a refused password is a ConnectionError too),
# and what a Redis that takes no more writes answers.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OutOfMemoryError, ReadOnlyError)
DEFAULT_BACKOFF_SECONDS = 5.0


def _address(location):
    """Host and port only: a Redis URL may carry a password, which has no place in a log."""
    parts = urlsplit(location)
    return f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else location


class _Outage:
    """Whether one Redis is taken as down, shared by every thread of the process: Django makes a
    cache backend per thread, and each must not find out about the outage on its own."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0

    def skipping(self):
        return self.down and time.monotonic() < self.retry_at

    def failed(self, address, backoff, error):
        with self.lock:
            self.retry_at = time.monotonic() + backoff
            if self.down:
                return
            self.down = True
        logger.warning(
            "Redis at %s cannot be used (%s): pages are served without the cache, and Redis is "
            "tried again every %g seconds.",
            address,
            error,
            backoff,
        )

    def answered(self, address):
        if not self.down:  # the usual case, without taking the lock on every cache hit
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
        logger.warning("Redis at %s answers again: pages are served from the cache.", address)


_outages = {}
_outages_lock = threading.Lock()


def _outage_for(servers):
    with _outages_lock:
        return _outages.setdefault(tuple(servers), _Outage())


class FailSoftRedisCache(RedisCache):
    """``RedisCache`` whose every operation takes an unavailable Redis for an empty cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        # Our own option, not redis-py's: taken out before the rest reaches the connection pool.
        self._options = dict(self._options)
        self.backoff = float(self._options.pop("backoff_seconds", DEFAULT_BACKOFF_SECONDS))
        self._outage = _outage_for(self._servers)
        self._address = ", ".join(_address(location) for location in self._servers)

    def _attempt(self, fallback, operation, *args, **kwargs):
        if self._outage.skipping():
            return fallback
        try:
            result = operation(*args, **kwargs)
        except UNAVAILABLE as error:
            self._outage.failed(self._address, self.backoff, error)
            return fallback
        self._outage.answered(self._address)
        return result

    def get(self, key, default=None, version=None):
        return self._attempt(default, super().get, key, default, version=version)

    def get_many(self, keys, version=None):
        return self._attempt({}, super().get_many, keys, version=version)

    def has_key(self, key, version=None):
        return self._attempt(False, super().has_key, key, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, super().add, key, value, timeout, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(None, super().set, key, value, timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # set_many answers the keys it could not store: here, all of them.
        return self._attempt(list(data), super().set_many, data, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, super().touch, key, timeout, version=version)

    def delete(self, key, version=None):
        return self._attempt(False, super().delete, key, version=version)

    def delete_many(self, keys, version=None):
        return self._attempt(None, super().delete_many, keys, version=version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._attempt(missing, super().incr, key, delta, version=version)
        if result is missing:  # what an empty cache answers
            raise ValueError(f"Key '{key}' not found.")
        return result

    def clear(self):
        return self._attempt(False, super().clear)
