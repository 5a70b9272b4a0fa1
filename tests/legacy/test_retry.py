"""The retry policy, unit by unit, then the client's loop against a scripted site.

No real server and no real waiting: the site is an ``httpx.MockTransport`` and the client's
``sleep`` only records what it was asked to wait.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.core.errors import ErrorCode, GatewayError, UpstreamError
from app.legacy.client import WhatCountsClient
from app.legacy.models import Credentials, ReportQuery
from app.legacy.retry import (
    RetryPolicy,
    backoff_ceiling,
    backoff_delay,
    retry_after,
    should_retry,
)
from app.settings import Settings

BASE, CAP = 0.2, 2.0
NOW = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()  # Wed, 21 Oct 2015 07:28:00 GMT


# -- which answers are retried ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        (None, True),  # transport error or timeout: no response at all
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (599, True),
        (200, False),
        (301, False),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (409, False),
        (418, False),
        (422, False),
    ],
)
def test_should_retry(status: int | None, retried: bool) -> None:
    assert should_retry(status) is retried


# -- backoff ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6), (5, 2.0), (6, 2.0)],
)
def test_backoff_ceiling_doubles_then_saturates_at_the_cap(attempt: int, ceiling: float) -> None:
    assert backoff_ceiling(attempt, BASE, CAP) == pytest.approx(ceiling)


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6])
def test_backoff_delay_stays_within_zero_and_the_ceiling(attempt: int) -> None:
    rng = random.Random(attempt)
    ceiling = backoff_ceiling(attempt, BASE, CAP)
    delays = [backoff_delay(attempt, BASE, CAP, rng) for _ in range(500)]
    assert all(0 <= d <= ceiling for d in delays)
    # The samples reach up to this attempt's ceiling: it grows, then stays at the cap.
    assert max(delays) > 0.9 * ceiling


@pytest.mark.parametrize("attempt", [1, 3, 6])
def test_backoff_delay_is_jittered_over_the_whole_interval(attempt: int) -> None:
    rng = random.Random(1000 + attempt)
    ceiling = backoff_ceiling(attempt, BASE, CAP)
    delays = [backoff_delay(attempt, BASE, CAP, rng) for _ in range(400)]
    assert len(set(delays)) > 390  # not one fixed delay
    quarters = {min(3, int(4 * d / ceiling)) for d in delays}
    assert quarters == {0, 1, 2, 3}  # spread from near zero to near the ceiling
    assert 0.35 * ceiling < sum(delays) / len(delays) < 0.65 * ceiling


def test_backoff_delay_is_reproducible_with_a_seeded_rng() -> None:
    first = [backoff_delay(a, BASE, CAP, random.Random(42)) for a in range(1, 7)]
    again = [backoff_delay(a, BASE, CAP, random.Random(42)) for a in range(1, 7)]
    assert first == again


# -- Retry-After --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("1", 1.0),
        (" 120 ", 120.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),  # IMF-fixdate
        ("Wednesday, 21-Oct-15 07:29:00 GMT", 60.0),  # RFC 850
        ("Wed Oct 21 07:28:05 2015", 5.0),  # asctime: no zone, GMT by definition
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # now
        ("Tue, 20 Oct 2015 07:28:00 GMT", 0.0),  # the past waits not at all
        ("soon", None),
        ("1.5", None),
        ("-1", None),
        ("\u00b2", None),  # a digit to str.isdigit, not to float()
        ("Wed, 21 Oct 99999 07:28:00 GMT", None),
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_after(value, NOW) == seconds


# -- whether to wait, and how long --------------------------------------------------------


class CeilingRng(random.Random):
    """Always the top of the interval: makes the backoff's worst case deterministic."""

    def uniform(self, a: float, b: float) -> float:
        return b


POLICY = RetryPolicy(max_attempts=3, backoff_base=BASE, backoff_max=CAP)


@pytest.mark.parametrize(
    ("attempt", "hint", "now", "deadline", "wait"),
    [
        (1, 1.0, 100.0, 104.0, 1.0),  # the site's hint wins
        (2, 0.0, 100.0, 104.0, 0.0),
        (1, 3.5, 100.0, 104.0, 3.5),
        (1, 4.0, 100.0, 104.0, None),  # would end exactly at the deadline
        (1, 60.0, 100.0, 104.0, None),  # past the deadline: give up at once
        (3, 0.0, 100.0, 104.0, None),  # that was the last attempt
        (4, None, 100.0, 104.0, None),
        (1, None, 100.0, 104.0, 0.2),  # backoff: ceiling of attempt 1
        (2, None, 100.0, 104.0, 0.4),
        (2, None, 100.0, 100.4, None),  # the backoff itself would reach the deadline
    ],
)
def test_wait_before_next(
    attempt: int, hint: float | None, now: float, deadline: float, wait: float | None
) -> None:
    assert POLICY.wait_before_next(attempt, hint, now, deadline, CeilingRng()) == wait


def test_wait_before_next_without_a_hint_is_jittered() -> None:
    rng = random.Random(5)
    waits = [POLICY.wait_before_next(2, None, 0.0, 100.0, rng) for _ in range(200)]
    assert all(w is not None and 0 <= w <= 0.4 for w in waits)
    assert len(set(waits)) > 190


# -- the client's loop against a scripted site --------------------------------------------

CREDENTIALS = Credentials("http://legacy.test", "realm", "s3cret")
QUERY = ReportQuery("11", None, None)
BODY = {"total": 0, "complaints": []}


def answer(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    if status == 200:
        return httpx.Response(200, json=BODY, headers=headers)
    return httpx.Response(status, text="<html>oops</html>", headers=headers)


@dataclasses.dataclass
class Site:
    """Answers requests in order from ``script``; the last answer repeats."""

    script: list[httpx.Response | httpx.TransportError]
    requests: list[httpx.Request] = dataclasses.field(default_factory=list)
    waits: list[float] = dataclasses.field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, httpx.TransportError):
            raise step
        return httpx.Response(step.status_code, headers=step.headers, content=step.content)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def fetch(self, settings: Settings, wall_clock: float = NOW) -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(self.handle)) as http:
            client = WhatCountsClient(
                http,
                settings,
                sleep=self.sleep,
                rng=random.Random(3),
                wall_clock=lambda: wall_clock,
            )
            return await client.fetch_report(CREDENTIALS, QUERY, 0)


@pytest.fixture
def retrying(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "legacy_max_attempts": 3,
            "legacy_backoff_base": BASE,
            "legacy_backoff_max": CAP,
            "legacy_deadline": 30.0,
        }
    )


async def test_503_then_200_is_retried_once(retrying: Settings) -> None:
    site = Site([answer(503), answer(200)])
    assert await site.fetch(retrying) == BODY
    assert len(site.requests) == 2
    assert len(site.waits) == 1
    assert 0 <= site.waits[0] <= BASE


async def test_a_transport_error_is_retried(retrying: Settings) -> None:
    site = Site([httpx.ReadTimeout("slow"), answer(200)])
    assert await site.fetch(retrying) == BODY
    assert len(site.requests) == 2


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, ErrorCode.UPSTREAM_BAD_RESPONSE, "the legacy site answered HTTP 400"),
        (409, ErrorCode.UPSTREAM_BAD_RESPONSE, "the legacy site answered HTTP 409"),
        (422, ErrorCode.UPSTREAM_BAD_RESPONSE, "the legacy site answered HTTP 422"),
        (401, ErrorCode.UPSTREAM_UNAUTHORIZED, "the legacy site refused the stored credentials"),
        (403, ErrorCode.UPSTREAM_UNAUTHORIZED, "the legacy site refused the stored credentials"),
        (404, ErrorCode.NOT_FOUND, "list not found"),
    ],
)
async def test_other_statuses_fail_after_one_request(
    retrying: Settings, status: int, code: ErrorCode, message: str
) -> None:
    site = Site([answer(status), answer(200)])
    with pytest.raises(GatewayError) as caught:
        await site.fetch(retrying)
    assert caught.value.code == code
    assert caught.value.message.startswith(message)
    assert caught.value.extensions["upstream"] == {
        "source": "legacy",
        "status": status,
        "listId": "11",
    }
    assert len(site.requests) == 1
    assert site.waits == []


async def test_429_waits_as_long_as_retry_after_says(
    retrying: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    site = Site([answer(429, {"Retry-After": "1"}), answer(200)])
    with caplog.at_level(logging.INFO, logger="app.legacy"):
        assert await site.fetch(retrying) == BODY
    assert site.waits == [1.0]
    assert len(site.requests) == 2
    assert [r.getMessage() for r in caplog.records if r.name == "app.legacy"] == [
        "legacy list 11 skip 0: attempt 1 failed (UPSTREAM_UNAVAILABLE), retrying in 1.00s"
    ]


async def test_retry_after_as_an_http_date_is_measured_on_the_wall_clock(
    retrying: Settings,
) -> None:
    site = Site([answer(503, {"Retry-After": "Wed, 21 Oct 2015 07:28:02 GMT"}), answer(200)])
    assert await site.fetch(retrying, wall_clock=NOW) == BODY
    assert site.waits == [2.0]


async def test_retry_after_past_the_deadline_gives_up_at_once(retrying: Settings) -> None:
    site = Site([answer(429, {"Retry-After": "3600"}), answer(200)])
    with pytest.raises(UpstreamError) as caught:
        await site.fetch(retrying)
    assert caught.value.code == ErrorCode.UPSTREAM_UNAVAILABLE
    assert caught.value.status == 429
    assert len(site.requests) == 1
    assert site.waits == []


@pytest.mark.parametrize(
    ("failure", "code", "status", "message"),
    [
        (answer(503), ErrorCode.UPSTREAM_UNAVAILABLE, 503, "the legacy site answered HTTP 503"),
        (answer(500), ErrorCode.UPSTREAM_UNAVAILABLE, 500, "the legacy site answered HTTP 500"),
        (
            httpx.ConnectError("refused"),
            ErrorCode.UPSTREAM_UNAVAILABLE,
            None,
            "the legacy site is unreachable (ConnectError)",
        ),
        (httpx.ReadTimeout("slow"), ErrorCode.UPSTREAM_TIMEOUT, None, "the legacy site timed out"),
    ],
)
async def test_every_attempt_failing_gives_up_after_max_attempts(
    retrying: Settings,
    failure: httpx.Response | httpx.TransportError,
    code: ErrorCode,
    status: int | None,
    message: str,
) -> None:
    site = Site([failure])
    with pytest.raises(UpstreamError) as caught:
        await site.fetch(retrying)
    assert (caught.value.code, caught.value.status, caught.value.message) == (
        code,
        status,
        message,
    )
    assert len(site.requests) == 3  # legacy_max_attempts
    assert len(site.waits) == 2
    assert 0 <= site.waits[0] <= BASE
    assert 0 <= site.waits[1] <= 2 * BASE
