"""The newest-first merge of both sources, on records built in memory."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.unified.merge import Record, merge_page, native_keyset, position_of, sort_key
from tests.fixtures.records import EPOCH, legacy_row, native_complaint

LOW = uuid.UUID("00000000-0000-4000-8000-000000000001")
HIGH = uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff")
MINUTE = timedelta(minutes=1)


def keys(records: list[Record]) -> list[str]:
    return [sort_key(r) for r in records]


def test_sort_keys_name_the_source_and_pad_legacy_numbers() -> None:
    assert sort_key(native_complaint(complaint_id=LOW)) == f"N:{LOW}"
    assert sort_key(legacy_row("12", 5)) == "L:000000000000000012:0000000005"
    assert sort_key(legacy_row("123456789012345678", 1234567890)) == (
        "L:123456789012345678:1234567890"
    )


def test_a_position_is_the_instant_then_the_sort_key() -> None:
    row = legacy_row("3", 4, EPOCH + MINUTE)
    assert position_of(row) == (EPOCH + MINUTE, "L:000000000000000003:0000000004")
    complaint = native_complaint(EPOCH, LOW)
    assert position_of(complaint) == (EPOCH, f"N:{LOW}")


def test_ties_at_one_instant_put_native_first_then_legacy_by_list_then_position() -> None:
    legacy = [legacy_row("9", 10), legacy_row("10", 2), legacy_row("9", 9), legacy_row("10", 11)]
    native = [native_complaint(complaint_id=LOW), native_complaint(complaint_id=HIGH)]
    page, more = merge_page(native, legacy, None, 10)
    assert keys(page) == [
        f"N:{HIGH}",
        f"N:{LOW}",
        "L:000000000000000010:0000000011",  # list 10 sorts after list 9 as a number
        "L:000000000000000010:0000000002",
        "L:000000000000000009:0000000010",  # position 10 after position 9 as a number
        "L:000000000000000009:0000000009",
    ]
    assert not more


def test_newer_records_come_first_whatever_their_source() -> None:
    old_native = native_complaint(EPOCH - MINUTE, HIGH)
    new_native = native_complaint(EPOCH + 2 * MINUTE, LOW)
    legacy = [legacy_row("1", 0, EPOCH), legacy_row("1", 1, EPOCH + MINUTE)]
    page, _ = merge_page([new_native, old_native], legacy, None, 10)
    assert page == [new_native, legacy[1], legacy[0], old_native]


@pytest.mark.parametrize(("first", "more"), [(2, True), (3, False), (4, False)])
def test_a_page_holds_first_records_and_says_whether_more_follow(first: int, more: bool) -> None:
    legacy = [legacy_row("1", i, EPOCH - i * MINUTE) for i in range(3)]
    page, has_more = merge_page([], legacy, None, first)
    assert page == legacy[:first]
    assert has_more is more


def test_after_is_exclusive_and_newer_legacy_rows_are_dropped() -> None:
    legacy = [legacy_row("1", i, EPOCH - i * MINUTE) for i in range(5)]
    after = position_of(legacy[2])
    page, more = merge_page([], legacy, after, 10)
    assert page == legacy[3:]
    assert not more


def test_after_at_one_instant_keeps_only_the_ties_that_sort_below_it() -> None:
    tied = [legacy_row("2", 1), legacy_row("2", 0), legacy_row("1", 5)]
    native = native_complaint(complaint_id=LOW)
    page, _ = merge_page([], [*tied, native], position_of(tied[0]), 10)
    assert page == [tied[1], tied[2]]  # the native record and row 1 of list 2 sort above


def test_native_records_are_taken_as_given() -> None:
    """The native query already applied ``after``; only legacy rows are filtered here."""
    native = [native_complaint(EPOCH + MINUTE, LOW)]
    page, more = merge_page(native, [], (EPOCH, f"N:{HIGH}"), 1)
    assert page == native
    assert not more


def test_more_counts_the_native_look_ahead_record() -> None:
    native = [native_complaint(EPOCH, LOW), native_complaint(EPOCH - MINUTE, HIGH)]
    page, more = merge_page(native, [], None, 1)
    assert page == native[:1]
    assert more


def test_native_keyset_of_a_native_position() -> None:
    assert native_keyset((EPOCH, f"N:{LOW}")) == (EPOCH, LOW)


def test_native_keyset_of_a_legacy_position_is_none() -> None:
    assert native_keyset(position_of(legacy_row("1", 0))) is None


@pytest.mark.parametrize("key", ["N:not-a-uuid", "N:", f"N:{LOW}x"])
def test_native_keyset_refuses_a_native_key_that_is_not_a_uuid(key: str) -> None:
    with pytest.raises(ValueError, match="badly formed"):
        native_keyset((EPOCH, key))
