"""Fixed-window rate limits on Django's cache: the public certificate lookup (per address) and
the API (per token).

Not django-ratelimit: its system checks refuse the per-process memory cache
(django_ratelimit.E003), which is the only cache this project runs, and a cache server is an
operator's choice. With the memory cache each worker process counts for itself, so the effective
limit is the rate times the workers; an operator who sets a shared cache (Redis, memcached) in
CACHES gets one count for all workers, with no change here."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Rate:
    """So many requests per so many seconds: "20/10m" (units s, m, h)."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str, setting: str = "rate") -> Rate:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smh]?)\s*", text)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"{setting}: {text!r} is not like '20/10m'")
        unit = {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(3)]
        return cls(int(match.group(1)), max(1, int(match.group(2) or 1) * unit))


def seconds_to_wait(scope: str, who: str, rate: Rate) -> int:
    """Count one request of `who` in `scope`; the seconds to wait when over `rate`, 0 when the
    request may go ahead. `who` is kept hashed: the cache holds no personal data in clear."""
    now = int(time.time())
    window = now // rate.seconds
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"matrica:{scope}:{digest}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ran out between add and incr
        cache.set(key, 1, timeout=rate.seconds + 1)
        count = 1
    return rate.seconds - now % rate.seconds if count > rate.count else 0
