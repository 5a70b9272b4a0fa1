"""A batch of keys reads the right records, and on PostgreSQL its statement text is the same
whatever the number of keys (one array parameter, prepared once)."""

from __future__ import annotations

import uuid

from app.container import Services
from tests.fixtures.factories import Org
from tests.fixtures.sql import StatementCounter


async def test_a_batch_reads_its_records_and_only_the_organizations(
    services: Services, org: Org, other_org: Org, is_postgres: bool
) -> None:
    mine = await org.add_complaints(5)
    theirs = await other_org.add_complaints(1)
    unknown = uuid.uuid4()
    with StatementCounter(services.engine) as counter:
        two = await services.complaints.get_many(org.id, [mine[0], mine[3]])
        five = await services.complaints.get_many(org.id, [*mine[1:], unknown, *theirs])
    assert sorted(two) == sorted([mine[0], mine[3]])
    assert sorted(five) == sorted(mine[1:])
    assert all(complaint.excerpt == org.rows[cid]["excerpt"] for cid, complaint in five.items())
    first, second = counter.statements
    if is_postgres:
        assert first == second
        assert "ANY" in first
    else:
        assert first != second  # an expanding IN: one placeholder per key
