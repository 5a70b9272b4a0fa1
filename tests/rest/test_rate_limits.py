"""Rate limits at the HTTP edge: a key's bucket on ``/v1`` and ``/graphql`` alike, and the
throttle on failed authentications per client address.

A gateway of its own with a small bucket (3 points, one back every 10 s: a 30 s window)
and 3 failed authentications a minute, reached from two client addresses; time is the
test's (``limits_clock``), so windows close and buckets restore without sleeping.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.main import create_app
from app.native.models import ComplaintStatus
from app.settings import Settings
from tests.fixtures.client import GatewayClient, RestResult
from tests.fixtures.factories import Org
from tests.fixtures.queries import TRIAGE
from tests.fixtures.ratelimit import LimitsClock
from tests.fixtures.sql import StatementCounter

HERE, THERE = "203.0.113.7", "198.51.100.20"


@dataclasses.dataclass
class Limited:
    services: Services
    here: GatewayClient  # requests from HERE
    there: GatewayClient  # requests from THERE


@pytest.fixture
async def limited(
    settings: Settings, services: Services, limits_clock: LimitsClock
) -> AsyncIterator[Limited]:
    """``services`` (the suite's) is asked for so the database is migrated first."""
    own = Services.create(
        settings.model_copy(
            update={
                "rate_limit_points": 3,
                "rate_limit_restore_per_second": 0.1,
                "auth_failures_per_minute": 3,
            }
        )
    )
    app = create_app(services=own)
    clients = []
    for address in (HERE, THERE):
        transport = httpx.ASGITransport(
            app=app, raise_app_exceptions=False, client=(address, 40000)
        )
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://limited.test"))
    yield Limited(own, GatewayClient(clients[0]), GatewayClient(clients[1]))
    for http in clients:
        await http.aclose()
    await own.aclose()


def assert_rate_limited(result: RestResult, retry_after: int) -> None:
    assert result.status == 429, result.body
    assert result.error["code"] == "RATE_LIMITED"
    assert result.error["request_id"] == result.headers["x-request-id"]
    assert result.headers["retry-after"] == str(retry_after)


async def test_a_burst_beyond_the_bucket_is_refused_and_runs_nothing(
    limited: Limited, org: Org
) -> None:
    [cid] = await org.add_complaints(1, linked=False)
    key, other_key = await org.key(), await org.key()
    client = limited.here.as_key(key)
    for _ in range(3):
        assert (await client.rest("GET", "/v1/complaints/counts")).status == 200
    with StatementCounter(limited.services.engine) as sql:
        refused = await client.rest("PATCH", f"/v1/complaints/{cid}", json={"status": "triage"})
    # The window opened with the burst: it closes in 30 s, and just after, the 3 points
    # spent weigh under 3, which rounds down to 2: room for one.
    assert_rate_limited(refused, 31)
    assert refused.error["message"] == "rate limit exceeded"
    assert sql.by_table() == {"api_keys": 1}  # the key was looked up; nothing else ran
    assert (await org.services.complaints.get(org.id, cid)).status is ComplaintStatus.NEW
    assert await org.services.complaints.latest_event_at(org.id, cid) is None
    # Another key (of the same organization, from the same address) has its own bucket.
    other = await limited.here.rest("GET", "/v1/complaints/counts", key=other_key)
    assert other.status == 200


async def test_graphql_spends_its_cost_from_the_same_bucket(limited: Limited, org: Org) -> None:
    await org.add_complaints(1, linked=False)
    key = await org.key()
    client = limited.here.as_key(key)
    assert (await client.rest("GET", "/v1/complaints/counts")).status == 200
    counted = await client.graphql("{ complaintCounts { new } }")  # costs 1 point
    assert counted.ok()
    assert counted.body["extensions"]["cost"] == {
        "requested": 1, "actual": 1, "limit": 2500, "remaining": 1, "restoreRate": 0.1,
    }  # fmt: skip
    assert (await client.rest("GET", "/v1/complaints/counts")).status == 200
    with StatementCounter(limited.services.engine) as sql:
        refused = await client.graphql("{ complaintCounts { new } }")
    assert refused.status == 429
    assert refused.codes == ["RATE_LIMITED"]
    assert refused.headers["retry-after"] == "31"
    assert refused.data is None
    assert refused.body["extensions"]["cost"]["remaining"] == 0
    assert sql.by_table() == {"api_keys": 1}


async def test_a_query_costing_more_than_the_whole_bucket_never_runs(
    limited: Limited, org: Org
) -> None:
    """The status mutation costs 12 points; a bucket of 3 can never pay it."""
    [cid] = await org.add_complaints(1, linked=False)
    client = limited.here.as_key(await org.key())
    with StatementCounter(limited.services.engine) as sql:
        refused = await client.graphql(TRIAGE, {"id": str(cid)})
    assert refused.status == 200
    assert refused.codes == ["VALIDATION_FAILED"]
    assert refused.errors[0]["extensions"]["details"] == {"cost": "at most 3 points"}
    assert sql.by_table() == {"api_keys": 1}
    assert (await org.services.complaints.get(org.id, cid)).status is ComplaintStatus.NEW


async def test_the_bucket_restores(limited: Limited, limits_clock: LimitsClock, org: Org) -> None:
    client = limited.here.as_key(await org.key(Scope.COMPLAINTS_READ))
    for _ in range(3):
        await client.rest("GET", "/v1/complaints/counts")
    assert_rate_limited(await client.rest("GET", "/v1/complaints/counts"), 31)
    limits_clock.advance(30)  # the window closes now; its 3 points weigh 3 this instant
    assert_rate_limited(await client.rest("GET", "/v1/complaints/counts"), 1)
    limits_clock.advance(1)
    assert (await client.rest("GET", "/v1/complaints/counts")).status == 200
    assert (await client.rest("GET", "/v1/complaints/counts")).status == 429
    limits_clock.advance(10)  # one point back every 10 s
    assert (await client.rest("GET", "/v1/complaints/counts")).status == 200
    # Once the window the last points were spent in has closed and one more has passed,
    # nothing weighs any more: the bucket is full again.
    limits_clock.advance(49)
    for _ in range(3):
        assert (await client.rest("GET", "/v1/complaints/counts")).status == 200


async def test_failed_authentications_are_throttled_by_address(
    limited: Limited, limits_clock: LimitsClock, org: Org
) -> None:
    good = await org.key(Scope.COMPLAINTS_READ)
    revoked = await org.key(Scope.COMPLAINTS_READ)
    [stored] = [
        k for k in await org.services.auth.list_keys(org.id) if revoked.startswith(k.prefix)
    ]
    await org.services.auth.revoke_key(stored.id)
    unknown = good[:-4] + ("aaaa" if not good.endswith("aaaa") else "bbbb")
    # Missing, malformed (no query), unknown (one query), revoked (one query): the first
    # three count, and the address is refused from then on, even with a good key.
    for bad in (None, "not-a-key", unknown):
        failed = await limited.here.rest("GET", "/v1/complaints/counts", key=bad)
        assert failed.status == 401
        assert failed.error["code"] == "UNAUTHORIZED"
    with StatementCounter(limited.services.engine) as sql:
        refused = await limited.here.rest("GET", "/v1/complaints/counts", key=good)
        graphql = await limited.here.graphql("{ complaintCounts { new } }", key=revoked)
    assert sql.statements == []  # refused before the database
    assert_rate_limited(refused, 61)
    assert refused.error["message"] == "too many failed authentications from this address"
    assert graphql.status == 429
    assert graphql.codes == ["RATE_LIMITED"]
    assert graphql.headers["retry-after"] == "61"
    # Another address is not affected, and its own failures count for it alone.
    assert (await limited.there.rest("GET", "/v1/complaints/counts", key=good)).status == 200
    assert (await limited.there.rest("GET", "/v1/complaints/counts", key=revoked)).status == 401
    # A minute on, the first address may try again.
    limits_clock.advance(61)
    assert (await limited.here.rest("GET", "/v1/complaints/counts", key=good)).status == 200


async def test_the_suite_default_gateway_counts_a_point_per_request(
    client: GatewayClient, services: Services, settings: Settings, org: Org
) -> None:
    """The suite's own gateway spends one point per /v1 request from its bucket."""
    key = await org.key(Scope.COMPLAINTS_READ)
    [stored] = [k for k in await services.auth.list_keys(org.id) if key.startswith(k.prefix)]
    before = (await services.rate_limits.spend(stored.id, 0)).remaining
    assert (await client.rest("GET", "/v1/complaints/counts", key=key)).status == 200
    after = await services.rate_limits.spend(stored.id, 0)
    size = settings.rate_limit_points
    assert (before, after.remaining, after.limit) == (size, size - 1, size)
    assert after.restore_rate == settings.rate_limit_restore_per_second
