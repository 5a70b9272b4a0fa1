"""The WhatCounts client's retry policy, as small units that are tested one by one.

Which answers are worth another attempt (:func:`should_retry`), how long to wait when the
site gives no hint (:func:`backoff_delay`: exponential backoff with full jitter), what the
site's ``Retry-After`` asks for (:func:`retry_after`), and whether another attempt still
fits in the attempts and the time left (:meth:`RetryPolicy.wait_before_next`). No I/O and
no clock of their own: time and randomness are arguments.
"""

from __future__ import annotations

import dataclasses
import email.utils
import random
from datetime import UTC


def should_retry(status: int | None) -> bool:
    """Whether a failed attempt is worth another one.

    ``None`` (no response: a transport error or a timeout), 429 and 5xx are passing
    trouble; every other status (400, 401, 403, 404, 409, 422, ...) answers the same again.
    """
    return status is None or status == 429 or status >= 500


def backoff_ceiling(attempt: int, base: float, cap: float) -> float:
    """The longest wait after failed attempt ``attempt`` (1-based): ``base * 2**(attempt-1)``,
    at most ``cap``."""
    return min(cap, base * 2.0 ** (attempt - 1))


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter: a uniform wait in ``[0, backoff_ceiling(attempt, base, cap)]``."""
    return rng.uniform(0, backoff_ceiling(attempt, base, cap))


def retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds to wait, or ``None`` when absent or unreadable.

    ``value`` is delta-seconds (``"120"``) or an HTTP date, which is always GMT; ``now`` is
    the wall clock (``time.time()``) the date is measured against. A date in the past is 0.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime dates and "-0000" carry no zone: HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most ``max_attempts`` attempts, with jittered backoff between ``backoff_base`` and
    ``backoff_max`` seconds unless the site says how long to wait."""

    max_attempts: int
    backoff_base: float
    backoff_max: float

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The jittered wait after failed attempt ``attempt`` when the site gave no hint."""
        return backoff_delay(attempt, self.backoff_base, self.backoff_max, rng)

    def wait_before_next(
        self,
        attempt: int,
        retry_after_seconds: float | None,
        now: float,
        deadline: float,
        rng: random.Random,
    ) -> float | None:
        """Seconds to wait before the attempt after ``attempt`` (1-based), or ``None`` to give
        up: ``attempt`` was the last one, or the wait would end at or after ``deadline``.

        ``retry_after_seconds`` (the site's hint) wins over the backoff; ``now`` and
        ``deadline`` are on the same clock (the event loop's).
        """
        if attempt >= self.max_attempts:
            return None
        delay = self.backoff(attempt, rng) if retry_after_seconds is None else retry_after_seconds
        if now + delay >= deadline:
            return None
        return delay
