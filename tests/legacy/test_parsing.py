"""The report's documented shape, parsed strictly: timestamps, rows, pages, realms."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.core.errors import ErrorCode, UpstreamError
from app.legacy.models import ListComplaint
from app.legacy.parsing import BadResponse, parse_page, parse_row, parse_timestamp

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
UTC_ZONE = ZoneInfo("UTC")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        ("Feb 21, 2016 4:53:40 PM", NEW_YORK, utc(2016, 2, 21, 21, 53, 40)),  # EST, -5
        ("Feb 21, 2016 4:53:40 AM", NEW_YORK, utc(2016, 2, 21, 9, 53, 40)),
        ("Feb 21, 2016 12:00:00 AM", NEW_YORK, utc(2016, 2, 21, 5, 0)),  # midnight
        ("Feb 21, 2016 12:59:59 AM", NEW_YORK, utc(2016, 2, 21, 5, 59, 59)),
        ("Feb 21, 2016 1:00:00 AM", NEW_YORK, utc(2016, 2, 21, 6, 0)),
        ("Feb 21, 2016 11:59:59 AM", NEW_YORK, utc(2016, 2, 21, 16, 59, 59)),
        ("Feb 21, 2016 12:00:00 PM", NEW_YORK, utc(2016, 2, 21, 17, 0)),  # noon
        ("Feb 21, 2016 12:30:00 PM", NEW_YORK, utc(2016, 2, 21, 17, 30)),
        ("Feb 21, 2016 1:00:00 PM", NEW_YORK, utc(2016, 2, 21, 18, 0)),
        ("Feb 21, 2016 11:59:59 PM", NEW_YORK, utc(2016, 2, 22, 4, 59, 59)),
        ("Feb 21, 2016 09:05:07 AM", NEW_YORK, utc(2016, 2, 21, 14, 5, 7)),  # zero-padded hour
        ("Feb 1, 2016 9:05:07 AM", UTC_ZONE, utc(2016, 2, 1, 9, 5, 7)),  # one-digit day
        ("Jun 16, 2016 4:53:40 PM", NEW_YORK, utc(2016, 6, 16, 20, 53, 40)),  # EDT, -4
        ("Feb 21, 2016 4:53:40 PM", TOKYO, utc(2016, 2, 21, 7, 53, 40)),  # +9
        ("Dec 31, 2016 11:00:00 PM", NEW_YORK, utc(2017, 1, 1, 4, 0)),
        ("Feb 29, 2016 12:00:00 PM", UTC_ZONE, utc(2016, 2, 29, 12, 0)),  # leap day
        # Spring forward: 2:30 AM does not exist; read with the offset before (EST).
        ("Mar 13, 2016 2:30:00 AM", NEW_YORK, utc(2016, 3, 13, 7, 30)),
        ("Mar 13, 2016 1:59:59 AM", NEW_YORK, utc(2016, 3, 13, 6, 59, 59)),
        ("Mar 13, 2016 3:00:00 AM", NEW_YORK, utc(2016, 3, 13, 7, 0)),  # EDT
        # Fall back: 1:30 AM happens twice; read as the first (EDT).
        ("Nov 6, 2016 1:30:00 AM", NEW_YORK, utc(2016, 11, 6, 5, 30)),
        ("Nov 6, 2016 2:00:00 AM", NEW_YORK, utc(2016, 11, 6, 7, 0)),  # EST
    ],
)
def test_timestamps_are_read_in_the_zone_and_given_in_utc(
    value: str, zone: ZoneInfo, expected: datetime
) -> None:
    parsed = parse_timestamp(value, zone)
    assert parsed == expected
    assert parsed.tzinfo is UTC


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.mark.parametrize(("number", "name"), list(enumerate(MONTHS, start=1)))
def test_every_month_name(number: int, name: str) -> None:
    assert parse_timestamp(f"{name} 2, 2016 3:04:05 PM", UTC_ZONE) == utc(2016, number, 2, 15, 4, 5)


@pytest.mark.parametrize(
    "value",
    [
        "Feb 21, 2016 0:53:40 AM",  # hours run 1..12
        "Feb 21, 2016 00:53:40 PM",
        "Feb 21, 2016 13:53:40 PM",
        "Feb 21, 2016 16:53:40",  # no AM/PM
        "Feb 21, 2016 4:60:40 PM",
        "Feb 21, 2016 4:53:60 PM",
        "Feb 21, 2016 4:5:40 PM",
        "Feb 21, 2016 4:53 PM",
        "Feb 21, 2016 4:53:40 pm",
        "Feb 21, 2016 4:53:40 P.M.",
        "Foo 21, 2016 4:53:40 PM",  # not a month
        "feb 21, 2016 4:53:40 PM",
        "FEB 21, 2016 4:53:40 PM",
        "February 21, 2016 4:53:40 PM",
        "Feb 30, 2016 4:53:40 PM",  # no such day
        "Feb 29, 2015 4:53:40 PM",
        "Feb 0, 2016 4:53:40 PM",
        "Feb 21, 0000 4:53:40 PM",
        "Feb 21 2016 4:53:40 PM",
        "Feb 21, 16 4:53:40 PM",
        " Feb 21, 2016 4:53:40 PM",
        "Feb 21, 2016 4:53:40 PM UTC",
        "2016-02-21T16:53:40Z",
        "",
    ],
)
def test_anything_else_is_an_unreadable_timestamp(value: str) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_timestamp(value, NEW_YORK)
    assert str(caught.value) == f"unreadable timestamp {value!r}"


# -- rows -----------------------------------------------------------------------------------

FULL_ROW: dict[str, Any] = {
    "date": "Feb 21, 2016 4:53:40 PM",
    "subscriberId": 7000001,
    "realmId": "7",
    "email": "ann@example.com",
    "firstName": "Ann",
    "lastName": "Doe",
    "company": "Acme Corp",
    "address1": "123 Some Street North",
    "address2": "Suite 500",
    "city": "Springfield",
    "state": "OR",
    "zip": "97201",
    "country": "United States",
    "phone": "+1 503-555-0101",
    "fax": "",
    "createdDate": "Jan 2, 2015 9:00:00 AM",
    "updatedDate": "",
    "md5Encryption": "5d41402abc4b2a76b9719d911017c592",
    "sha1Encryption": "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
    "skip": 0,  # per-row paging echoes and unknown keys are ignored
    "max": 500,
    "somethingNew": {"nested": True},
}


def test_a_row_maps_every_documented_field() -> None:
    row = parse_row(FULL_ROW, list_id="12", position=503, zone=NEW_YORK)
    assert row == ListComplaint(
        list_id="12",
        position=503,
        date=utc(2016, 2, 21, 21, 53, 40),
        subscriber_id="7000001",
        realm_id="7",
        email="ann@example.com",
        first_name="Ann",
        last_name="Doe",
        company="Acme Corp",
        address1="123 Some Street North",
        address2="Suite 500",
        city="Springfield",
        state="OR",
        zip="97201",
        country="United States",
        phone="+1 503-555-0101",
        fax="",
        created_date=utc(2015, 1, 2, 14, 0),
        updated_date=None,
        md5_encryption="5d41402abc4b2a76b9719d911017c592",
        sha1_encryption="aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
    )


def test_fields_never_set_may_be_absent() -> None:
    row = parse_row({"date": "Feb 21, 2016 4:53:40 PM"}, list_id="3", position=0, zone=UTC_ZONE)
    assert row.date == utc(2016, 2, 21, 16, 53, 40)
    assert (row.list_id, row.position) == ("3", 0)
    others = {f.name: getattr(row, f.name) for f in dataclasses.fields(ListComplaint) if f.init}
    assert [k for k, v in others.items() if v is not None] == ["list_id", "position", "date"]


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


@pytest.mark.parametrize("field", list(STRING_FIELDS))
@pytest.mark.parametrize("value", [1, 1.5, True, ["x"], {"x": 1}])
def test_a_string_field_of_another_type_is_a_bad_response(field: str, value: Any) -> None:
    with pytest.raises(BadResponse, match=rf"^{field} is not a string$"):
        parse_row({**FULL_ROW, field: value}, list_id="12", position=0, zone=UTC_ZONE)


@pytest.mark.parametrize(("field", "attribute"), list(STRING_FIELDS.items()))
@pytest.mark.parametrize("value", [None, "", "x"])
def test_a_string_field_is_kept_as_given(field: str, attribute: str, value: str | None) -> None:
    row = parse_row({**FULL_ROW, field: value}, list_id="12", position=0, zone=UTC_ZONE)
    assert getattr(row, attribute) == value


class Text(str):
    """A str subclass: a string all the same (a JSON decoder may hand one over)."""


def test_a_string_subclass_is_a_string() -> None:
    raw = {**FULL_ROW, "email": Text("ann@example.com"), "sha1Encryption": Text("")}
    row = parse_row(raw, list_id="12", position=0, zone=UTC_ZONE)
    assert (row.email, row.sha1_encryption) == ("ann@example.com", "")
    assert row.email is raw["email"]


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"email": Text("a"), "lastName": 7}, "lastName"),  # a subclass first, then no string
        ({"firstName": None, "city": 1.5, "phone": 7}, "city"),  # the first of two, in order
        ({"company": Text("x"), "fax": None, "sha1Encryption": b"x"}, "sha1Encryption"),
    ],
)
def test_the_refusal_names_the_first_field_that_is_not_a_string(
    values: dict[str, Any], named: str
) -> None:
    with pytest.raises(BadResponse, match=rf"^{named} is not a string$"):
        parse_row({**FULL_ROW, **values}, list_id="12", position=0, zone=UTC_ZONE)


def test_a_record_built_from_values_is_the_one_init_builds() -> None:
    """parse_row's constructor writes the slots itself: same fields, in the same order, and
    the same record (equal, same hash and repr, frozen, its record_id memo still empty)."""
    init_fields = [f.name for f in dataclasses.fields(ListComplaint) if f.init]
    assert list(inspect.signature(ListComplaint.from_values).parameters) == init_fields
    values: dict[str, Any] = {name: f"value of {name}" for name in init_fields}
    values.update(position=3, date=utc(2016, 2, 21), created_date=None, fax=None)
    built, expected = ListComplaint.from_values(**values), ListComplaint(**values)
    assert type(built) is ListComplaint
    assert built == expected
    assert hash(built) == hash(expected)
    assert repr(built) == repr(expected)
    assert [getattr(built, f.name) for f in dataclasses.fields(ListComplaint)] == [
        getattr(expected, f.name) for f in dataclasses.fields(ListComplaint)
    ]
    assert built._record_id is None
    assert built.record_id == expected.record_id
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.email = "other"  # type: ignore[misc]


@pytest.mark.parametrize("date", [None, "", 0, False, "absent"])
def test_a_row_without_its_complaint_date_cannot_be_placed(date: Any) -> None:
    raw = {k: v for k, v in FULL_ROW.items() if k != "date"}
    if date != "absent":
        raw["date"] = date
    with pytest.raises(BadResponse, match=r"^a row has no complaint date$"):
        parse_row(raw, list_id="12", position=0, zone=UTC_ZONE)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", 1456000000),
        ("date", ["Feb 21, 2016 4:53:40 PM"]),
        ("createdDate", 5),
        ("updatedDate", {"at": 1}),
        ("createdDate", True),
        ("updatedDate", 0),
    ],
)
def test_a_time_field_that_is_not_a_string_is_a_bad_response(field: str, value: Any) -> None:
    with pytest.raises(BadResponse, match=rf"^{field} is not a timestamp$"):
        parse_row({**FULL_ROW, field: value}, list_id="12", position=0, zone=UTC_ZONE)


@pytest.mark.parametrize("field", ["date", "createdDate", "updatedDate"])
def test_an_unreadable_time_field_is_a_bad_response(field: str) -> None:
    with pytest.raises(BadResponse, match=r"^unreadable timestamp '2016-02-21'$"):
        parse_row({**FULL_ROW, field: "2016-02-21"}, list_id="12", position=0, zone=UTC_ZONE)


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        ({"createdDate": None}, "created_date", None),
        ({"createdDate": ""}, "created_date", None),
        ({"updatedDate": None}, "updated_date", None),
        ({"updatedDate": "Mar 1, 2016 1:02:03 PM"}, "updated_date", utc(2016, 3, 1, 13, 2, 3)),
        ({"createdDate": "Mar 1, 2016 1:02:03 AM"}, "created_date", utc(2016, 3, 1, 1, 2, 3)),
    ],
)
def test_optional_time_fields(raw: dict[str, Any], field: str, expected: datetime | None) -> None:
    row = parse_row({**FULL_ROW, **raw}, list_id="12", position=0, zone=UTC_ZONE)
    assert getattr(row, field) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (0, "0"), (7000001, "7000001"), ("7000001", "7000001"), ("007", "007")],
)
@pytest.mark.parametrize(
    ("field", "attribute"), [("subscriberId", "subscriber_id"), ("realmId", "realm_id")]
)
def test_ids_are_digits_given_as_numbers_or_strings(
    field: str, attribute: str, value: Any, expected: str | None
) -> None:
    row = parse_row({**FULL_ROW, field: value}, list_id="12", position=0, zone=UTC_ZONE)
    assert getattr(row, attribute) == expected


@pytest.mark.parametrize("field", ["subscriberId", "realmId"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (True, "is not an id"),
        (False, "is not an id"),
        (1.0, "is not an id"),
        ([7], "is not an id"),
        ({"id": 7}, "is not an id"),
        (-7, "is not numeric"),
        ("7a", "is not numeric"),
        ("+7", "is not numeric"),
        ("7.0", "is not numeric"),
        (" 7", "is not numeric"),
    ],
)
def test_other_ids_are_bad_responses(field: str, value: Any, problem: str) -> None:
    with pytest.raises(BadResponse, match=rf"^{field} {problem}$"):
        parse_row({**FULL_ROW, field: value}, list_id="12", position=0, zone=UTC_ZONE)


@pytest.mark.parametrize("raw", [None, [], "row", 7, ["date", "Feb 21, 2016 4:53:40 PM"]])
def test_a_row_that_is_not_an_object_is_a_bad_response(raw: Any) -> None:
    with pytest.raises(BadResponse, match=r"^a row is not an object$"):
        parse_row(raw, list_id="12", position=0, zone=UTC_ZONE)


# -- pages ----------------------------------------------------------------------------------


def site_row(n: int, realm: object = 7) -> dict[str, Any]:
    return {"date": f"Feb {n}, 2016 1:00:00 PM", "subscriberId": 100 + n, "realmId": realm}


def test_a_page_keeps_its_realms_rows_at_their_site_positions() -> None:
    body = {"complaintTotal": 1003, "subscribers": [site_row(1), site_row(2, "7"), site_row(3)]}
    page = parse_page(body, list_id="12", skip=1000, zone=NEW_YORK, realm_id=7)
    assert page.total == 1003
    assert page.dropped_foreign_rows == 0
    assert [(r.list_id, r.position, r.subscriber_id) for r in page.rows] == [
        ("12", 1000, "101"),
        ("12", 1001, "102"),
        ("12", 1002, "103"),
    ]
    assert page.rows[0].date == utc(2016, 2, 1, 18, 0)  # read in the list's zone


def test_rows_of_another_realm_are_dropped_and_counted_and_positions_keep_counting() -> None:
    rows = [site_row(1, 8), site_row(2), site_row(3, None), site_row(4, "70"), site_row(5, "7")]
    page = parse_page(
        {"complaintTotal": 505, "subscribers": rows},
        list_id="12",
        skip=500,
        zone=UTC_ZONE,
        realm_id=7,
    )
    assert [(r.position, r.subscriber_id) for r in page.rows] == [(501, "102"), (504, "105")]
    assert page.dropped_foreign_rows == 3
    assert page.total == 505  # the site's count, foreign rows and all


def test_an_empty_page() -> None:
    body = {"complaintTotal": 0, "subscribers": [], "skip": 0, "max": 500, "extra": "ignored"}
    page = parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)
    assert (page.total, page.rows, page.dropped_foreign_rows) == (0, (), 0)


@pytest.mark.parametrize("body", [None, [], "{}", 0, [{"complaintTotal": 0}]])
def test_a_body_that_is_not_an_object_is_a_bad_response(body: Any) -> None:
    with pytest.raises(BadResponse, match=r"^the body is not a JSON object$"):
        parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)


@pytest.mark.parametrize("total", ["absent", None, "5", 5.0, True, False, -1, [5]])
def test_a_missing_or_wrong_total_is_a_bad_response(total: Any) -> None:
    body: dict[str, Any] = {"subscribers": []}
    if total != "absent":
        body["complaintTotal"] = total
    with pytest.raises(BadResponse, match=r"^complaintTotal is missing or not a count$"):
        parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)


@pytest.mark.parametrize("rows", ["absent", None, {}, "[]", {"0": {}}, 3])
def test_missing_or_wrong_rows_are_a_bad_response(rows: Any) -> None:
    body: dict[str, Any] = {"complaintTotal": 3}
    if rows != "absent":
        body["subscribers"] = rows
    with pytest.raises(BadResponse, match=r"^subscribers is missing or not a list$"):
        parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)


def test_a_bad_row_fails_every_read_of_it_and_no_other() -> None:
    """Rows are parsed when read: a malformed row is UPSTREAM_BAD_RESPONSE for each read
    that returns it, and the page's other rows stay readable."""
    body = {"complaintTotal": 2, "subscribers": [site_row(1), {**site_row(2), "email": 5}]}
    page = parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)
    assert page.rows[0].subscriber_id == "101"
    for _ in range(2):
        with pytest.raises(UpstreamError) as caught:
            page.rows[1]
        assert caught.value.code is ErrorCode.UPSTREAM_BAD_RESPONSE
        assert caught.value.message == (
            "the legacy site's report is not the documented shape: email is not a string"
        )
        assert caught.value.upstream == {"source": "legacy", "status": 200, "listId": "12"}
    with pytest.raises(UpstreamError):
        list(page.rows)


def test_a_bad_row_of_another_realm_is_dropped_unread() -> None:
    """The realm is checked on the raw row; a row the account never sees is not parsed,
    so its other fields cannot fail the page."""
    body = {
        "complaintTotal": 2,
        "subscribers": [{**site_row(1, 8), "date": "yesterday"}, site_row(2)],
    }
    page = parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)
    assert [(r.position, r.subscriber_id) for r in page.rows] == [(1, "102")]
    assert page.dropped_foreign_rows == 1


@pytest.mark.parametrize("raw", [None, [], "row", 7])
def test_a_row_that_is_not_an_object_fails_the_page_at_once(raw: Any) -> None:
    body = {"complaintTotal": 3, "subscribers": [site_row(1), raw, site_row(3)]}
    with pytest.raises(BadResponse, match=r"^a row is not an object$"):
        parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)


@pytest.mark.parametrize(
    ("realm", "problem"), [(True, "is not an id"), ([7], "is not an id"), ("7a", "is not numeric")]
)
def test_a_realm_that_is_no_id_fails_the_page_at_once(realm: Any, problem: str) -> None:
    """Which realm a row belongs to decides whether it may be returned: a realm that is no
    id cannot be decided, wherever the row is."""
    body = {"complaintTotal": 3, "subscribers": [site_row(1), site_row(2), site_row(3, realm)]}
    with pytest.raises(BadResponse, match=rf"^realmId {problem}$"):
        parse_page(body, list_id="12", skip=0, zone=UTC_ZONE, realm_id=7)


@pytest.mark.parametrize(
    ("total", "skip", "count"),
    [
        (1455, 0, 499),  # short first page
        (1455, 1000, 454),  # short last page
        (100_000_000, 0, 0),  # the lying total: an empty page
        (32, 0, 33),  # more rows than the total
        (10, 500, 1),  # rows past the total
        (2000, 0, 501),  # more than a page
    ],
)
def test_a_page_that_does_not_hold_what_its_total_claims_is_refused(
    total: int, skip: int, count: int
) -> None:
    rows = [site_row(n % 28 + 1) for n in range(count)]
    with pytest.raises(BadResponse, match=f"complaintTotal {total} means"):
        parse_page(
            {"complaintTotal": total, "subscribers": rows},
            list_id="12",
            skip=skip,
            zone=UTC_ZONE,
            realm_id=7,
        )


@pytest.mark.parametrize(
    ("total", "skip", "count"), [(1455, 0, 500), (1455, 1000, 455), (0, 0, 0), (10, 500, 0)]
)
def test_a_page_that_holds_what_its_total_claims_is_read(total: int, skip: int, count: int) -> None:
    rows = [site_row(n % 28 + 1) for n in range(count)]
    page = parse_page(
        {"complaintTotal": total, "subscribers": rows},
        list_id="12",
        skip=skip,
        zone=UTC_ZONE,
        realm_id=7,
    )
    assert (page.total, len(page.rows)) == (total, count)


@pytest.mark.parametrize(
    "value",
    [
        "Feb 21, 2016 4:53:40 PM\n",
        "Feb \uff12\uff11, 2016 4:53:40 PM",  # full-width digits
        "Feb 21, \u0662\u0660\u0661\u0666 4:53:40 PM",  # Arabic-Indic digits
    ],
)
def test_only_the_documented_timestamp_is_read(value: str) -> None:
    with pytest.raises(BadResponse):
        parse_timestamp(value, UTC_ZONE)


@pytest.mark.parametrize(
    ("value", "zone"),
    [("Jan 1, 0001 12:00:00 AM", "Asia/Tokyo"), ("Dec 31, 9999 11:59:59 PM", "America/Denver")],
)
def test_a_time_beyond_the_years_utc_can_hold_is_unreadable(value: str, zone: str) -> None:
    """Year 1 east of Greenwich and year 9999 west of it fall outside datetime in UTC: a bad
    response, not an internal error."""
    with pytest.raises(BadResponse):
        parse_timestamp(value, ZoneInfo(zone))


@pytest.mark.parametrize("value", ["\u0667\u0660", "\u00b2", "12\n"])
def test_ids_are_ascii_digits(value: str) -> None:
    row = site_row(1)
    row["subscriberId"] = value
    with pytest.raises(BadResponse, match="subscriberId is not numeric"):
        parse_row(row, list_id="12", position=0, zone=UTC_ZONE)


def test_a_blank_id_is_absent_and_a_blank_realm_is_not_the_accounts() -> None:
    rows = [site_row(1), site_row(2)]
    rows[0]["subscriberId"] = ""
    rows[1]["realmId"] = ""
    page = parse_page(
        {"complaintTotal": 2, "subscribers": rows},
        list_id="12",
        skip=0,
        zone=UTC_ZONE,
        realm_id=7,
    )
    assert [(r.position, r.subscriber_id) for r in page.rows] == [(0, None)]
    assert page.dropped_foreign_rows == 1


def test_each_distinct_timestamp_is_read_once_per_zone() -> None:
    parse_timestamp.cache_clear()
    row = {"date": "Feb 21, 2016 4:53:40 PM", "createdDate": "Feb 21, 2016 4:53:40 PM"}
    body = {"complaintTotal": 3, "subscribers": [dict(row, realmId=1561)] * 3}
    page = parse_page(body, list_id="12", skip=0, zone=NEW_YORK, realm_id=1561)
    assert {r.date for r in page.rows} == {utc(2016, 2, 21, 21, 53, 40)}
    info = parse_timestamp.cache_info()
    assert (info.misses, info.hits) == (1, 5)
    # The same text in another zone is another instant, read on its own.
    assert parse_timestamp(row["date"], TOKYO) == utc(2016, 2, 21, 7, 53, 40)
    assert parse_timestamp.cache_info().misses == 2


def test_an_unreadable_timestamp_is_refused_every_time() -> None:
    parse_timestamp.cache_clear()
    for _ in range(2):
        with pytest.raises(BadResponse):
            parse_timestamp("Feb 30, 2016 4:53:40 PM", UTC_ZONE)
    assert parse_timestamp.cache_info().currsize == 0
