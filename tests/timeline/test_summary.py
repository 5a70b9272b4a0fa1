"""The summary counts exactly what the timeline lists, per source, category, list and day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.auth.scopes import Scope
from app.container import Services
from app.devtools.simulator import SimulatorServer
from tests.fixtures.client import GatewayClient
from tests.fixtures.factories import Org
from tests.fixtures.legacy import link

SUMMARY = """query($start: DateTime!, $end: DateTime!, $tz: String!) {
  complaintSummary(start: $start, end: $end, timeZone: $tz) {
    total timeZone origins failedLists
    omittedOrigins { origin reason }
    byOrigin { origin count }
    byCategory { category count }
    byStatus { status count }
    byList { listId count }
    daily { day native legacy total }
  }
}"""
START = datetime(2016, 6, 1, tzinfo=UTC)
END = datetime(2016, 6, 11, tzinfo=UTC)


async def seed(services: Services, org: Org, simulator: SimulatorServer) -> None:
    await link(services, org, simulator, timeline_list_ids=["10", "11"])
    await org.add_complaints(6, start=START + timedelta(hours=5), step=timedelta(hours=23),
                             linked=False, category="phishing_fraud")  # fmt: skip
    await org.add_complaints(3, start=END - timedelta(hours=1), step=timedelta(hours=-30),
                             linked=False, status="triage", category="other")  # fmt: skip
    # Outside the window: end is exclusive.
    await org.add_complaints(2, start=END, step=timedelta(minutes=1), linked=False)


def legacy_in_window(simulator: SimulatorServer, list_id: str) -> list[datetime]:
    zone = ZoneInfo("America/Los_Angeles")
    times = []
    for local, _row in simulator.state.lists[list_id].rows:
        at = local.replace(tzinfo=zone).astimezone(UTC)
        if START <= at < END:
            times.append(at)
    return times


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
async def test_summary_matches_an_independent_count(
    client: GatewayClient, org: Org, other_org: Org, services: Services,
    simulator: SimulatorServer, tz: str,
) -> None:  # fmt: skip
    await seed(services, org, simulator)
    # Another organization's complaints and lists in the same window are never counted.
    await other_org.add_complaints(4, start=START + timedelta(days=1), linked=False)
    await link(services, other_org, simulator, realm="globex", timeline_list_ids=["20"])
    variables = {"start": "2016-06-01T00:00:00Z", "end": "2016-06-11T00:00:00Z", "tz": tz}
    summary = (await client.graphql(SUMMARY, variables, key=await org.key())).ok()[
        "complaintSummary"
    ]
    legacy = {lid: legacy_in_window(simulator, lid) for lid in ("10", "11")}
    native_times = [START + timedelta(hours=5 + 23 * i) for i in range(6)]
    native_times += [END - timedelta(hours=1 + 30 * i) for i in range(3)]
    assert summary["byOrigin"] == [
        {"origin": "NATIVE", "count": 9},
        {"origin": "LEGACY_LIST", "count": sum(map(len, legacy.values()))},
    ]
    assert summary["total"] == 9 + sum(map(len, legacy.values()))
    assert summary["byCategory"] == [
        {"category": "OTHER", "count": 3},
        {"category": "PHISHING_FRAUD", "count": 6},
    ]
    assert {s["status"]: s["count"] for s in summary["byStatus"]} == {"NEW": 6, "TRIAGE": 3}
    assert summary["byList"] == [
        {"listId": lid, "count": len(times)} for lid, times in legacy.items()
    ]
    zone = ZoneInfo(tz)
    native_days = Counter(t.astimezone(zone).date().isoformat() for t in native_times)
    legacy_days = Counter(
        t.astimezone(zone).date().isoformat() for times in legacy.values() for t in times
    )
    for day in summary["daily"]:
        assert day["native"] == native_days[day["day"]]
        assert day["legacy"] == legacy_days[day["day"]]
        assert day["total"] == day["native"] + day["legacy"]
    assert sum(d["total"] for d in summary["daily"]) == summary["total"]
    first_day = START.astimezone(zone).date().isoformat()
    last_day = (END - timedelta(microseconds=1)).astimezone(zone).date().isoformat()
    assert (summary["daily"][0]["day"], summary["daily"][-1]["day"]) == (first_day, last_day)


async def test_summary_follows_scopes_and_reports_failed_lists(
    client: GatewayClient, org: Org, services: Services, simulator: SimulatorServer
) -> None:
    await seed(services, org, simulator)
    variables: dict[str, Any] = {
        "start": "2016-06-01T00:00:00Z", "end": "2016-06-11T00:00:00Z", "tz": "UTC",
    }  # fmt: skip
    native_only = (
        await client.graphql(SUMMARY, variables, key=await org.key(Scope.COMPLAINTS_READ))
    ).ok()["complaintSummary"]
    assert native_only["origins"] == ["NATIVE"]
    assert native_only["byList"] == []
    assert native_only["omittedOrigins"] == [{"origin": "LEGACY_LIST", "reason": "MISSING_SCOPE"}]
    assert simulator.state.requests_for() == []

    simulator.state.set_fault("11", error_status=503)
    result = await client.graphql(SUMMARY, variables, key=await org.key())
    summary = result.data["complaintSummary"]
    assert summary["failedLists"] == ["11"]
    assert [b["listId"] for b in summary["byList"]] == ["10"]
    [error] = result.errors
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["upstream"]["listId"] == "11"


async def test_summary_refuses_bad_zones_and_windows(client: GatewayClient, org: Org) -> None:
    key = await org.key()
    bad_zone = await client.graphql(
        SUMMARY, {"start": "2016-06-01T00:00:00Z", "end": "2016-06-02T00:00:00Z", "tz": "Mars"},
        key=key,
    )  # fmt: skip
    assert bad_zone.codes == ["VALIDATION_FAILED"]
    assert bad_zone.errors[0]["extensions"]["details"] == {"timeZone": "must be an IANA time zone"}
    too_wide = await client.graphql(
        SUMMARY, {"start": "2016-01-01T00:00:00Z", "end": "2016-06-02T00:00:00Z", "tz": "UTC"},
        key=key,
    )  # fmt: skip
    assert too_wide.codes == ["VALIDATION_FAILED"]
