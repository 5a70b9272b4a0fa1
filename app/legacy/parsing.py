"""Parsing the report as UPSTREAMS.md §2 decided its shape, and nothing looser.

``{"complaintTotal": N, "subscribers": [row, ...]}``; unknown keys and per-row
``skip``/``max`` are ignored; any other shape, or a field of the wrong type, is an
``UPSTREAM_BAD_RESPONSE`` rather than a guess. Timestamps (``Feb 21, 2016 4:53:40 PM``,
no zone) are read in the account's IANA zone and converted to UTC.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.legacy.models import PAGE_SIZE, ListComplaint, ReportPage

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}
# Parsed by hand: strptime's %b and %p follow the process locale.
_TIMESTAMP = re.compile(
    r"(?P<mon>[A-Z][a-z]{2}) (?P<day>[0-9]{1,2}), (?P<year>[0-9]{4}) "
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2}) (?P<ampm>AM|PM)"
)
STRING_FIELDS = {
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "company": "company",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "country": "country",
    "phone": "phone",
    "fax": "fax",
    "md5Encryption": "md5_encryption",
    "sha1Encryption": "sha1_encryption",
}
TIME_FIELDS = {"date": "date", "createdDate": "created_date", "updatedDate": "updated_date"}
ID_FIELDS = {"subscriberId": "subscriber_id", "realmId": "realm_id"}


class BadResponse(ValueError):
    """The body is not the report's shape; the message names what is wrong (no data)."""


# Each distinct timestamp string is read once per zone while it stays among the most recent
# ones: a page read again (a walk in windows smaller than a page, with the page cache off)
# costs no timestamp parsing. Only readable timestamps are kept (an exception is not cached).
TIMESTAMP_CACHE_SIZE = 8192


@functools.lru_cache(maxsize=TIMESTAMP_CACHE_SIZE)
def parse_timestamp(value: str, zone: ZoneInfo) -> datetime:
    """A site-local timestamp as UTC. An ambiguous time (DST fall-back) is read as the
    first of its two occurrences; a time skipped by DST spring-forward is read with the
    offset in force before the change (ZoneInfo's ``fold=0``)."""
    match = _TIMESTAMP.fullmatch(value)
    if not match or match["mon"] not in _MONTHS:
        raise BadResponse(f"unreadable timestamp {value!r}")
    hour = int(match["hour"])
    if not 1 <= hour <= 12:
        raise BadResponse(f"unreadable timestamp {value!r}")
    hour = hour % 12 + (12 if match["ampm"] == "PM" else 0)
    try:
        local = datetime(
            int(match["year"]),
            _MONTHS[match["mon"]],
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"]),
            tzinfo=zone,
        )
    except ValueError:
        raise BadResponse(f"unreadable timestamp {value!r}") from None
    return local.astimezone(UTC)


def _id(value: Any, name: str) -> str | None:
    """A numeric id in ASCII digits; absent or blank (``""``, as the site writes a field
    never set) is None, which the realm check then treats as not the account's."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadResponse(f"{name} is not an id")
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        raise BadResponse(f"{name} is not numeric")
    return text


def parse_row(row: Any, *, list_id: str, position: int, zone: ZoneInfo) -> ListComplaint:
    if not isinstance(row, dict):
        raise BadResponse("a row is not an object")
    values: dict[str, Any] = {"list_id": list_id, "position": position}
    for source, target in STRING_FIELDS.items():
        value = row.get(source)
        if value is not None and not isinstance(value, str):
            raise BadResponse(f"{source} is not a string")
        values[target] = value
    if not row.get("date"):
        # The complaint's own date is the row's key fact; without it a row cannot be placed.
        raise BadResponse("a row has no complaint date")
    for source, target in TIME_FIELDS.items():
        value = row.get(source)
        if value is None or value == "":
            values[target] = None
        elif isinstance(value, str):
            values[target] = parse_timestamp(value, zone)
        else:
            raise BadResponse(f"{source} is not a timestamp")
    for source, target in ID_FIELDS.items():
        values[target] = _id(row.get(source), source)
    return ListComplaint(**values)


def parse_page(body: Any, *, list_id: str, skip: int, zone: ZoneInfo, realm_id: int) -> ReportPage:
    """The page at ``skip``; rows of another realm are dropped and counted, never returned."""
    if not isinstance(body, dict):
        raise BadResponse("the body is not a JSON object")
    total = body.get("complaintTotal")
    rows = body.get("subscribers")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise BadResponse("complaintTotal is missing or not a count")
    if not isinstance(rows, list):
        raise BadResponse("subscribers is missing or not a list")
    expected = min(PAGE_SIZE, max(0, total - skip))
    if len(rows) != expected:
        # Never trust complaintTotal alone: a page that is short (or long) for the total it
        # claims would otherwise make a walk skip rows or schedule pages that do not exist.
        raise BadResponse(
            f"the page at skip {skip} holds {len(rows)} rows where complaintTotal {total} "
            f"means {expected}"
        )
    kept = []
    dropped = 0
    for index, raw in enumerate(rows):
        row = parse_row(raw, list_id=list_id, position=skip + index, zone=zone)
        if row.realm_id != str(realm_id):
            dropped += 1
            continue
        kept.append(row)
    return ReportPage(total=total, rows=tuple(kept), dropped_foreign_rows=dropped)
