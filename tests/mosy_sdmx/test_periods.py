"""SDMX time periods of every frequency become comparable [start, end) intervals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mosy_sdmx.exceptions import InvalidQueryError
from mosy_sdmx.periods import bounds_of, parse_datetime, period_interval, query_period


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023", _utc(2023, 1, 1), _utc(2024, 1, 1)),
        ("2023-A1", _utc(2023, 1, 1), _utc(2024, 1, 1)),
        ("2023-S2", _utc(2023, 7, 1), _utc(2024, 1, 1)),
        ("2023-T2", _utc(2023, 5, 1), _utc(2023, 9, 1)),
        ("2023-Q4", _utc(2023, 10, 1), _utc(2024, 1, 1)),
        ("2023-M02", _utc(2023, 2, 1), _utc(2023, 3, 1)),
        ("2023-12", _utc(2023, 12, 1), _utc(2024, 1, 1)),
        ("2020-W53", _utc(2020, 12, 28), _utc(2021, 1, 4)),
        ("2023-W01", _utc(2023, 1, 2), _utc(2023, 1, 9)),
        ("2024-D060", _utc(2024, 2, 29), _utc(2024, 3, 1)),
        ("2024-02-29", _utc(2024, 2, 29), _utc(2024, 3, 1)),
        ("2024-02-29T10:30:00+01:00", _utc(2024, 2, 29, 9, 30), _utc(2024, 2, 29, 9, 30, 1)),
    ],
)
def test_every_format_has_its_interval(text, start, end) -> None:
    assert period_interval(text) == (start, end)


def test_periods_of_different_frequencies_order_by_start() -> None:
    values = ["2023-Q2", "2023", "2023-M04", "2023-S1", "2022-W52"]
    starts, ends, bad = bounds_of(values)
    assert bad == []
    order = [values[i] for i in starts.argsort(kind="stable")]
    assert order == ["2022-W52", "2023", "2023-S1", "2023-Q2", "2023-M04"]
    assert all(ends > starts)


@pytest.mark.parametrize("text", ["2023-Q5", "2023-13", "2023-02-30", "2021-W53", "2023-D366", "x"])
def test_what_is_no_period_is_reported(text) -> None:
    assert bounds_of([text, "2023"])[2] == [0]
    with pytest.raises(InvalidQueryError, match="startPeriod"):
        query_period(text, "startPeriod")


def test_query_datetimes_are_utc_and_forgive_an_unencoded_plus() -> None:
    assert parse_datetime("2024-05-15T14:15:00 01:00", "updatedAfter") == _utc(2024, 5, 15, 13, 15)
    assert parse_datetime("2024-05-15", "asOf") == _utc(2024, 5, 15)
    with pytest.raises(InvalidQueryError, match="updatedAfter"):
        parse_datetime("yesterday", "updatedAfter")
