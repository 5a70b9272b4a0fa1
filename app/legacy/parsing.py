"""Parsing the report as UPSTREAMS.md §2 decided its shape, and nothing looser.

``{"complaintTotal": N, "subscribers": [row, ...]}``; unknown keys and per-row
``skip``/``max`` are ignored; any other shape, or a field of the wrong type, is an
``UPSTREAM_BAD_RESPONSE`` rather than a guess. Timestamps (``Feb 21, 2016 4:53:40 PM``,
no zone) are read in the account's IANA zone and converted to UTC.

A page is checked in two steps. When it arrives (``parse_page``): the body's shape, the
total, the page's row count against what ``complaintTotal`` means for its ``skip``, that
every row is an object, and every row's ``realmId`` (rows of another realm are dropped and
counted there and then, never returned). Each row the account keeps is parsed in full,
every field checked, only when it is first read (``SiteRows``), and then kept parsed: a
window of one row parses one row, and a page in the cache is parsed at most once per row.
A malformed row is an ``UPSTREAM_BAD_RESPONSE`` for every read that returns it (a window,
a whole-report read), never for a read that does not; a row of another realm is dropped
without being read further.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast, overload
from zoneinfo import ZoneInfo

from app.core.errors import ErrorCode, UpstreamError
from app.legacy.models import PAGE_SIZE, SOURCE, ListComplaint, ReportPage

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}
# Parsed by hand: strptime's %b and %p follow the process locale.
# Groups: month, day, year, hour, minute, second, AM/PM.
_TIMESTAMP = re.compile(
    r"([A-Z][a-z]{2}) ([0-9]{1,2}), ([0-9]{4}) ([0-9]{1,2}):([0-9]{2}):([0-9]{2}) (AM|PM)"
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


def bad_response(exc: BadResponse, list_id: str) -> UpstreamError:
    """The error a client sees for a body (or a row of it) that is not the report's shape."""
    return UpstreamError(
        ErrorCode.UPSTREAM_BAD_RESPONSE,
        f"the legacy site's report is not the documented shape: {exc}",
        upstream={"source": SOURCE, "status": 200, "listId": list_id},
    )


# Each distinct timestamp string is read once per zone while it stays among the most recent
# ones: a page read again (a walk in windows smaller than a page, with the page cache off)
# costs no timestamp parsing. Only readable timestamps are kept (an exception is not cached).
TIMESTAMP_CACHE_SIZE = 8192
# Timestamps share their local days (a page's 1,500 fall on some 800, and the next pages of
# the report on the same ones), and a day whose UTC offset never changes needs the zone once.
DAY_CACHE_SIZE = 4096

# The time of day as lookups rather than int() and arithmetic: a page reads 1,500 of them.
# Only the hours the regex may capture and that exist (1..12, with or without a leading
# zero) are keys; minutes and seconds 60..99 are absent, left to the exact path to refuse.
_HOURS = {
    (text, ampm): timedelta(hours=hour % 12 + (12 if ampm == "PM" else 0))
    for hour in range(1, 13)
    for text in {str(hour), f"{hour:02}"}
    for ampm in ("AM", "PM")
}
_MINUTES = {f"{n:02}": timedelta(minutes=n) for n in range(60)}
_SECONDS = {f"{n:02}": timedelta(seconds=n) for n in range(60)}
_DAYS = {text: day for day in range(1, 32) for text in {str(day), f"{day:02}"}}
_LAST_SECOND_OF_DAY = timedelta(hours=23, minutes=59, seconds=59)
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=DAY_CACHE_SIZE)
def _day_start_utc(month_name: str, day: str, year: str, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local day's midnight when every time of that day has the same
    UTC offset, so that any of them is that instant plus the time of day; None for a day
    with an offset change (DST, a zone's own change), a day that does not exist, or one
    whose midnight UTC cannot hold: those days take the exact path.

    Comparing the offsets at 00:00:00 and 23:59:59 finds any single change during the day.
    Two changes that cancel within one day would pass it, but no zone has any: the tz
    database's transitions are days apart (at least 95 hours in every zone; a test checks
    it against the installed database)."""
    day_number = _DAYS.get(day)
    if day_number is None:  # no such day in any month
        return None
    try:
        midnight = datetime(int(year), _MONTHS[month_name], day_number)
    except ValueError:  # no such day in that month (or year 0)
        return None
    offset = zone.utcoffset(midnight)
    if offset is None or offset != zone.utcoffset(midnight + _LAST_SECOND_OF_DAY):
        return None
    try:
        # Arithmetic rather than datetime(..., tzinfo=UTC): keywords cost more than the rest.
        return _EPOCH_UTC + (midnight - _EPOCH - offset)
    except OverflowError:  # before year 1 in UTC
        return None


@functools.lru_cache(maxsize=TIMESTAMP_CACHE_SIZE)
def parse_timestamp(value: str, zone: ZoneInfo) -> datetime:
    """A site-local timestamp as UTC. An ambiguous time (DST fall-back) is read as the
    first of its two occurrences; a time skipped by DST spring-forward is read with the
    offset in force before the change (ZoneInfo's ``fold=0``).

    Most are read from their day's start in UTC (``_day_start_utc``); a time on a day whose
    offset changes, or anything the lookups do not know, takes the exact path, which also
    words every refusal."""
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        raise BadResponse(f"unreadable timestamp {value!r}")
    month_name, day, year, hour_text, minute, second, ampm = match.groups()
    hour_of_day = _HOURS.get((hour_text, ampm))
    if month_name not in _MONTHS or hour_of_day is None:
        raise BadResponse(f"unreadable timestamp {value!r}")
    day_start = _day_start_utc(month_name, day, year, zone)
    minutes = _MINUTES.get(minute)
    seconds = _SECONDS.get(second)
    if day_start is not None and minutes is not None and seconds is not None:
        try:
            return day_start + hour_of_day + minutes + seconds
        except OverflowError:  # after year 9999 in UTC: refused below, in its words
            pass
    return _exact_timestamp(value, month_name, day, year, hour_text, minute, second, ampm, zone)


def _exact_timestamp(
    value: str,
    month_name: str,
    day: str,
    year: str,
    hour_text: str,
    minute: str,
    second: str,
    ampm: str,
    zone: ZoneInfo,
) -> datetime:
    """The timestamp converted on its own, through the zone (parse_timestamp's fields)."""
    hour = int(hour_text) % 12 + (12 if ampm == "PM" else 0)
    try:
        local = datetime(
            int(year), _MONTHS[month_name], int(day), hour, int(minute), int(second), tzinfo=zone
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError):  # no such day; or before year 1 / after 9999 in UTC
        raise BadResponse(f"unreadable timestamp {value!r}") from None


def _id(value: Any, name: str) -> str | None:
    """A numeric id in ASCII digits; absent or blank (``""``, as the site writes a field
    never set) is None, which the realm check then treats as not the account's."""
    if value.__class__ is int and value >= 0:  # as the site writes ids: digits already
        return str(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadResponse(f"{name} is not an id")
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        raise BadResponse(f"{name} is not numeric")
    return text


def _time(value: Any, source: str, zone: ZoneInfo) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return parse_timestamp(value, zone)
    raise BadResponse(f"{source} is not a timestamp")


def _refuse_strings(values: list[Any]) -> None:
    """The refusal of a row whose string fields are not all strings (or absent): it names
    the first such field, in STRING_FIELDS' order."""
    for source, value in zip(STRING_FIELDS, values, strict=True):
        if value is not None and not isinstance(value, str):
            raise BadResponse(f"{source} is not a string")


def parse_row(row: Any, *, list_id: str, position: int, zone: ZoneInfo) -> ListComplaint:
    """One row, every field checked (a page of them is 12,000 calls for a 24-window read,
    so the record is built positionally, in ListComplaint's field order)."""
    if not isinstance(row, dict):
        raise BadResponse("a row is not an object")
    get = row.get
    strings = list(map(get, STRING_FIELDS))
    for value in strings:
        if value.__class__ is not str and value is not None and not isinstance(value, str):
            _refuse_strings(strings)
    date = get("date")
    if not date:
        # The complaint's own date is the row's key fact; without it a row cannot be placed.
        raise BadResponse("a row has no complaint date")
    (email, first_name, last_name, company, address1, address2, city, state, zip_code,
     country, phone, fax, md5, sha1) = strings  # fmt: skip
    return ListComplaint.from_values(
        list_id,
        position,
        _time(date, "date", zone),  # type: ignore[arg-type]  # present: checked above
        _id(get("subscriberId"), "subscriberId"),
        _id(get("realmId"), "realmId"),
        email,
        first_name,
        last_name,
        company,
        address1,
        address2,
        city,
        state,
        zip_code,
        country,
        phone,
        fax,
        _time(get("createdDate"), "createdDate", zone),
        _time(get("updatedDate"), "updatedDate", zone),
        md5,
        sha1,
    )


class SiteRows(Sequence[ListComplaint]):
    """The rows of one page that the account keeps, as the site sent them: each is parsed
    (``parse_row``) the first time it is read, then kept parsed. ``positions`` are the
    rows' offsets in the site's order, ascending, so ``between`` finds a window's rows
    without reading any other. A row that does not parse raises ``UpstreamError``
    (``UPSTREAM_BAD_RESPONSE``) each time it is read."""

    __slots__ = ("_parsed", "_unparsed", "list_id", "positions", "raw", "zone")

    def __init__(
        self,
        raw: Sequence[dict[str, Any]],
        positions: Sequence[int],
        *,
        list_id: str,
        zone: ZoneInfo,
    ) -> None:
        if len(raw) != len(positions):
            raise ValueError("one position per row")
        self.raw = raw
        self.positions = positions
        self.list_id = list_id
        self.zone = zone
        self._parsed: list[ListComplaint | None] = [None] * len(raw)
        self._unparsed = len(raw)

    def _row(self, index: int) -> ListComplaint:
        row = self._parsed[index]
        if row is None:
            try:
                row = parse_row(
                    self.raw[index],
                    list_id=self.list_id,
                    position=self.positions[index],
                    zone=self.zone,
                )
            except BadResponse as exc:
                raise bad_response(exc, self.list_id) from None
            self._parsed[index] = row
            self._unparsed -= 1
        return row

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, index: int) -> ListComplaint: ...

    @overload
    def __getitem__(self, index: slice) -> list[ListComplaint]: ...

    def __getitem__(self, index: int | slice) -> ListComplaint | list[ListComplaint]:
        if isinstance(index, slice):
            if not self._unparsed:  # all parsed (a page read before): a plain slice
                return cast(list[ListComplaint], self._parsed[index])
            return [self._row(i) for i in range(*index.indices(len(self.raw)))]
        if index < 0:
            index += len(self.raw)
        if not 0 <= index < len(self.raw):
            raise IndexError("row index out of range")
        return self._row(index)

    def __iter__(self) -> Iterator[ListComplaint]:
        return iter(self[:])

    def between(self, start: int, end: int) -> list[ListComplaint]:
        """The rows at site positions ``[start, end)``; only they are parsed."""
        low, high = self.indexes_between(start, end)
        return self[low:high]

    def indexes_between(self, start: int, end: int) -> tuple[int, int]:
        """The slice ``[low, high)`` of this page that holds site positions
        ``[start, end)``."""
        low = bisect_left(self.positions, start)
        return low, bisect_left(self.positions, end, low)

    @property
    def all_parsed(self) -> bool:
        return not self._unparsed

    @property
    def parsed(self) -> int:
        """How many rows have been parsed so far."""
        return len(self._parsed) - self._unparsed

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to any sequence of the same rows

    def __repr__(self) -> str:
        return f"SiteRows(list_id={self.list_id!r}, rows={len(self)}, parsed={self.parsed})"


def parse_page(body: Any, *, list_id: str, skip: int, zone: ZoneInfo, realm_id: int) -> ReportPage:
    """The page at ``skip``; rows of another realm are dropped and counted, never returned.

    The page's shape, its row count and each row's realm are checked here; the rows kept
    are parsed only when read (``SiteRows``)."""
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
    realm = str(realm_id)
    kept: list[dict[str, Any]] = []
    positions: list[int] = []
    for index, raw in enumerate(rows):
        if not isinstance(raw, dict):
            raise BadResponse("a row is not an object")
        # The realm as parse_row reads it (the same id rule, the same verdict); a
        # non-negative int, as the site writes it, is compared as it is.
        value = raw.get("realmId")
        if type(value) is int and value >= 0:
            if value != realm_id:
                continue
        elif _id(value, "realmId") != realm:
            continue
        kept.append(raw)
        positions.append(skip + index)
    dropped = len(rows) - len(kept)
    return ReportPage(
        total=total,
        rows=SiteRows(
            kept,
            range(skip, skip + len(kept)) if not dropped else positions,
            list_id=list_id,
            zone=zone,
        ),
        dropped_foreign_rows=dropped,
    )
