"""SDMX time periods as comparable intervals: every format of every frequency.

An observation's ``TIME_PERIOD`` may be written ``2023``, ``2023-A1``,
``2023-S2``, ``2023-Q1``, ``2023-M01``/``2023-01``, ``2023-W05``,
``2023-D032``, ``2023-01-31`` or a date-time, and a data query's
``startPeriod``/``endPeriod`` (or ``c[TIME_PERIOD]``) may use any of them too.
``period_bounds`` turns each into a half-open interval ``[start, end)`` in
seconds since the epoch (UTC), so that a store compares periods of any
frequency with plain integer comparisons and an index.

Reporting periods (``2023-Q1``...) start on 1 January (SDMX's default
reporting year start day). ISO weeks start on Monday; week 1 holds the first
Thursday. Time ranges (``2023-01-01/P1M``) are not supported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import numpy as np

from mosy_sdmx.exceptions import InvalidQueryError

_YEAR = re.compile(r"^(\d{4})(?:-A1)?$")
_SEMESTER = re.compile(r"^(\d{4})-[SH]([12])$")
_TRIMESTER = re.compile(r"^(\d{4})-T([1-3])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-M?(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY_OF_YEAR = re.compile(r"^(\d{4})-D(\d{3})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PeriodError(ValueError):
    """Not an SDMX time period."""


def _seconds(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _months(year: int, first: int, count: int) -> tuple[datetime, datetime]:
    start = datetime(year, first, 1, tzinfo=UTC)
    month = first - 1 + count
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def period_interval(text: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of one SDMX time period, as UTC datetimes; PeriodError if none."""
    value = text.strip()
    try:
        if m := _YEAR.match(value):
            return _months(int(m[1]), 1, 12)
        if m := _SEMESTER.match(value):
            return _months(int(m[1]), 1 + 6 * (int(m[2]) - 1), 6)
        if m := _TRIMESTER.match(value):
            return _months(int(m[1]), 1 + 4 * (int(m[2]) - 1), 4)
        if m := _QUARTER.match(value):
            return _months(int(m[1]), 1 + 3 * (int(m[2]) - 1), 3)
        if m := _MONTH.match(value):
            month = int(m[2])
            if not 1 <= month <= 12:
                raise PeriodError(f"month {month} in {text!r}")
            return _months(int(m[1]), month, 1)
        if m := _WEEK.match(value):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return _midnight(monday), _midnight(monday + timedelta(days=7))
        if m := _DAY_OF_YEAR.match(value):
            day = date(int(m[1]), 1, 1) + timedelta(days=int(m[2]) - 1)
            if day.year != int(m[1]) or int(m[2]) == 0:
                raise PeriodError(f"day {m[2]} in {text!r}")
            return _midnight(day), _midnight(day + timedelta(days=1))
        if m := _DATE.match(value):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return _midnight(day), _midnight(day + timedelta(days=1))
        if _DATETIME.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment, moment + timedelta(seconds=1)
    except ValueError as exc:  # impossible dates: 2023-02-30, week 53 of a 52-week year
        raise PeriodError(f"{text!r} is not a calendar period: {exc}") from None
    raise PeriodError(f"{text!r} is not an SDMX time period")


def period_bounds(text: str) -> tuple[int, int]:
    """``[start, end)`` of one period in seconds since the epoch (UTC)."""
    start, end = period_interval(text)
    return _seconds(start), _seconds(end)


def bounds_of(values: Iterable[str]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Start and end seconds for each value (distinct values parsed once).

    Returns (starts, ends, bad) where ``bad`` lists the positions of values
    that are not periods (their bounds are 0).
    """
    values = list(values)
    cache: dict[str, tuple[int, int] | None] = {}
    starts = np.zeros(len(values), dtype=np.int64)
    ends = np.zeros(len(values), dtype=np.int64)
    bad: list[int] = []
    for i, value in enumerate(values):
        if value not in cache:
            try:
                cache[value] = period_bounds(str(value))
            except PeriodError:
                cache[value] = None
        found = cache[value]
        if found is None:
            bad.append(i)
        else:
            starts[i], ends[i] = found
    return starts, ends, bad


def query_period(text: str, parameter: str) -> tuple[int, int]:
    """The bounds of a period given in a query; InvalidQueryError naming ``parameter``."""
    try:
        return period_bounds(text)
    except PeriodError as exc:
        raise InvalidQueryError(
            f"Invalid {parameter}",
            f"{exc}; write it as an SDMX period (2023, 2023-S1, 2023-Q2, 2023-05, 2023-W05, "
            "2023-05-31) or an ISO date-time",
            context={"parameter": parameter, "value": text},
        ) from None


def parse_datetime(text: str, parameter: str) -> datetime:
    """An ``xs:dateTime`` query value (``updatedAfter``, ``asOf``) as an aware UTC datetime.

    A date alone means its midnight UTC; a date-time without zone is UTC. A
    ``+`` that a client forgot to percent-encode arrives as a space and is
    read as ``+`` again.
    """
    value = text.strip().replace(" ", "+")
    try:
        if _DATE.match(value):
            moment = datetime.fromisoformat(value + "T00:00:00+00:00")
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidQueryError(
            f"Invalid {parameter}",
            f"{text!r} is not an xs:dateTime; write e.g. 2024-05-15T14:15:00Z or "
            "2024-05-15T14:15:00+01:00",
            context={"parameter": parameter, "value": text},
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
