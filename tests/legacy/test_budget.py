"""The per-request legacy budget, unit by unit: exact bounds, messages and extensions."""

from __future__ import annotations

import pytest

from app.core.errors import BudgetExceeded, ErrorCode
from app.legacy.budget import RequestBudget


def budget(requests: int = 3, rows: int = 1000, pages: int = 4) -> RequestBudget:
    return RequestBudget(max_requests=requests, max_rows=rows, max_pages_per_report=pages)


def test_requests_up_to_the_bound_pass_and_the_next_is_refused() -> None:
    spent = budget(requests=3)
    for _ in range(3):
        spent.spend_request("12")
    assert spent.requests == 3
    with pytest.raises(BudgetExceeded) as refused:
        spent.spend_request("12")
    error = refused.value
    assert error.code is ErrorCode.UPSTREAM_BUDGET_EXCEEDED
    assert error.message == (
        "this request reached its budget of 3 legacy requests (LEGACY_MAX_REQUESTS_PER_QUERY)"
    )
    assert error.extensions == {
        "upstream": {"source": "legacy", "listId": "12", "budget": "requests", "limit": 3}
    }
    assert spent.requests == 3  # a refused request is not counted


def test_rows_up_to_the_bound_pass_and_more_are_refused() -> None:
    held = budget(rows=1000)
    held.hold_rows(600, "11")
    held.hold_rows(400, "11")
    assert held.rows == 1000
    with pytest.raises(BudgetExceeded) as refused:
        held.hold_rows(1, "11")
    assert refused.value.message == (
        "this request reached its budget of 1000 legacy rows (LEGACY_MAX_ROWS_PER_QUERY)"
    )
    assert refused.value.extensions == {
        "upstream": {"source": "legacy", "listId": "11", "budget": "rows", "limit": 1000}
    }
    assert held.rows == 1000


def test_a_report_of_the_page_bound_passes_and_a_longer_one_is_refused() -> None:
    bounded = budget(pages=4)
    bounded.check_report_pages(4, 2000, "12")
    with pytest.raises(BudgetExceeded) as refused:
        bounded.check_report_pages(5, 2001, "12")
    assert refused.value.message == (
        "list 12 claims 2001 complaints: more than the 4 pages one report read may schedule "
        "(LEGACY_MAX_PAGES_PER_REPORT)"
    )
    assert refused.value.extensions == {
        "upstream": {"source": "legacy", "listId": "12", "budget": "pages", "limit": 4}
    }
