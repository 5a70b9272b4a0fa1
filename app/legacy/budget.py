"""What one API request may spend at the legacy site, and what it has spent so far.

The cost model refuses a document before it runs when its estimate is too high; these are
the runtime bounds behind it, because an estimate can be wrong (a site that claims a huge
``complaintTotal``, lists far longer than assumed). Past a bound, the fields that still need
the site fail with UPSTREAM_BUDGET_EXCEEDED and the rest of the response stays.
"""

from __future__ import annotations

import dataclasses

from app.core.errors import BudgetExceeded
from app.legacy.models import SOURCE


@dataclasses.dataclass
class RequestBudget:
    max_requests: int
    max_rows: int
    max_pages_per_report: int
    deadline: float | None = None  # event-loop time after which no page is awaited
    requests: int = 0
    rows: int = 0

    @staticmethod
    def _exceeded(message: str, list_id: str, budget: str, limit: int) -> BudgetExceeded:
        upstream = {"source": SOURCE, "listId": list_id, "budget": budget, "limit": limit}
        return BudgetExceeded(message, extensions={"upstream": upstream})

    def spend_request(self, list_id: str) -> None:
        """Count one request to the site; refuse it once the request budget is spent."""
        if self.requests >= self.max_requests:
            raise self._exceeded(
                f"this request reached its budget of {self.max_requests} legacy requests "
                "(LEGACY_MAX_REQUESTS_PER_QUERY)",
                list_id,
                "requests",
                self.max_requests,
            )
        self.requests += 1

    def hold_rows(self, count: int, list_id: str) -> None:
        """Count rows this request keeps in memory; refuse past the row budget."""
        if self.rows + count > self.max_rows:
            raise self._exceeded(
                f"this request reached its budget of {self.max_rows} legacy rows "
                "(LEGACY_MAX_ROWS_PER_QUERY)",
                list_id,
                "rows",
                self.max_rows,
            )
        self.rows += count

    def check_report_pages(self, pages: int, total: int, list_id: str) -> None:
        """A whole-report read schedules at most ``max_pages_per_report`` pages, whatever
        total the site claims."""
        if pages > self.max_pages_per_report:
            raise self._exceeded(
                f"list {list_id} claims {total} complaints: more than the "
                f"{self.max_pages_per_report} pages one report read may schedule "
                "(LEGACY_MAX_PAGES_PER_REPORT)",
                list_id,
                "pages",
                self.max_pages_per_report,
            )
