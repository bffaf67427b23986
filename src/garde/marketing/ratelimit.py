"""A per-address rate limit for the public forms, kept in this process's memory only.

The visitor's IP address is never stored: the limiter keys its counters by an HMAC of the
address (keyed with the site's secret key), and forgets a key once its window has passed. With
several server processes each one counts on its own, so the effective limit is at most
``limit`` times the number of processes: enough to stop a single robot flooding the queue,
without a third-party service or a shared store.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable

from django.conf import settings

# Never more than this many addresses remembered at once; beyond it the oldest are dropped.
MAX_KEYS = 10_000


class RateLimiter:
    """At most ``limit`` hits per ``window_s`` seconds per address (sliding window)."""

    def __init__(
        self, *, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(address: str) -> str:
        secret = str(settings.SECRET_KEY).encode()
        return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, address: str | None) -> bool:
        """Count one submission from ``address``; False when it is over the limit (the refused
        hit is not counted)."""
        key = self.key(address or "unknown")
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= MAX_KEYS:
                    self._forget_expired(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _forget_expired(self, now: float) -> None:
        for key in [
            k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s
        ]:
            del self._hits[key]
        while len(self._hits) >= MAX_KEYS:
            del self._hits[next(iter(self._hits))]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


# Contact and callback forms together: five submissions per address every ten minutes.
form_limiter = RateLimiter(limit=5, window_s=600)
