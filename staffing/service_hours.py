"""Service time: how much of a stretch of real time a service calendar is open.

SLA clocks and escalation count only service time. A request filed on Friday evening
against a weekday 09:00-17:00 calendar must not be overdue by Saturday, and a holiday
must not eat into its response time. ServiceHours turns a calendar's weekly windows
and holidays into absolute (UTC) intervals and walks them, so deadlines stay exact
across weekends, holidays and DST changes, and a 7x24 calendar counts exactly the
real time that passed.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Self, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings

from staffing.models import ServiceCalendar

MINUTES_PER_DAY = 24 * 60
# A calendar whose every service day is a holiday would otherwise search forever.
SEARCH_LIMIT_DAYS = 3 * 366

Interval = tuple[datetime, datetime]
_Point = TypeVar("_Point", int, datetime)


def _merge(intervals: Iterable[tuple[_Point, _Point]]) -> list[tuple[_Point, _Point]]:
    """Sort and join intervals that overlap or touch."""
    merged: list[tuple[_Point, _Point]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"Service time needs an aware datetime, got naive {moment.isoformat()}.")


class ServiceHours:
    """Weekly service windows plus holidays of one calendar, in a time zone."""

    def __init__(
        self,
        *,
        windows: dict[int, list[tuple[int, int]]],
        holidays: frozenset[date] | set[date],
        tz: ZoneInfo,
    ) -> None:
        for weekday, day_windows in windows.items():
            if weekday not in range(7):
                raise ValueError(f"Weekday must be 0 (Monday) to 6 (Sunday), got {weekday}.")
            for start, end in day_windows:
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise ValueError(f"Bad service window {start}-{end} (minutes of the day).")
        self._windows = tuple(tuple(_merge(windows.get(weekday, ()))) for weekday in range(7))
        if not any(self._windows):
            raise ValueError("A service calendar needs at least one service window.")
        self._holidays = frozenset(holidays)
        self.tz = tz
        # Keyed by date ordinal. One instance serves a whole job run over thousands of
        # tickets, so each date is converted to absolute intervals only once.
        self._days: dict[int, tuple[Interval, ...]] = {}

    @classmethod
    def for_calendar(cls, calendar: ServiceCalendar, *, tz: ZoneInfo | None = None) -> Self:
        """Build from a calendar; prefetch "windows" and "holidays" to make this query-free."""
        windows: dict[int, list[tuple[int, int]]] = {}
        for window in calendar.windows.all():
            windows.setdefault(window.weekday, []).append((window.start_minute, window.end_minute))
        return cls(
            windows=windows,
            holidays=frozenset(holiday.date for holiday in calendar.holidays.all()),
            tz=tz or ZoneInfo(settings.TIME_ZONE),
        )

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which `duration` of service time has passed since `start`.

        The result may be the end of an interval (8 h from Monday 09:00 on a 09:00-17:00
        calendar is Monday 17:00), and is given in the time zone of `start`.
        """
        _require_aware(start)
        if duration < timedelta(0):
            raise ValueError(f"Duration must not be negative, got {duration}.")
        if not duration:
            return start
        cursor = start.astimezone(UTC)
        remaining = duration
        # From the day before: where a DST gap spans midnight, the previous date's last
        # window can end after this date has begun.
        ordinal = self._local_ordinal(cursor) - 1
        last_service = ordinal
        while ordinal - last_service <= SEARCH_LIMIT_DAYS:
            for interval_start, interval_end in self._intervals_on(ordinal):
                if interval_end <= cursor:
                    continue
                cursor = max(cursor, interval_start)
                available = interval_end - cursor
                if remaining <= available:
                    return (cursor + remaining).astimezone(start.tzinfo)
                remaining -= available
                cursor = interval_end
                last_service = ordinal
            ordinal += 1
        raise ValueError(
            f"No service time within {SEARCH_LIMIT_DAYS} days after {start.isoformat()}; "
            "is every service day a holiday?"
        )

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Service time between two instants; zero if `end` is not after `start`."""
        _require_aware(start)
        _require_aware(end)
        cursor, end_utc = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        if end_utc <= cursor:
            return total
        first, last = self._local_ordinal(cursor) - 1, self._local_ordinal(end_utc) + 1
        for ordinal in range(first, last + 1):
            for interval_start, interval_end in self._intervals_on(ordinal):
                # The cursor keeps time in intervals of neighbouring days that overlap
                # around a DST change from being counted twice.
                overlap_start = max(interval_start, cursor)
                overlap_end = min(interval_end, end_utc)
                if overlap_start < overlap_end:
                    total += overlap_end - overlap_start
                    cursor = overlap_end
        return total

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` lies in a service interval; intervals are half open."""
        _require_aware(moment)
        instant = moment.astimezone(UTC)
        ordinal = self._local_ordinal(instant)
        return any(
            interval_start <= instant < interval_end
            for day in (ordinal - 1, ordinal, ordinal + 1)
            for interval_start, interval_end in self._intervals_on(day)
        )

    def _local_ordinal(self, instant: datetime) -> int:
        return instant.astimezone(self.tz).toordinal()

    def _intervals_on(self, ordinal: int) -> tuple[Interval, ...]:
        intervals = self._days.get(ordinal)
        if intervals is None:
            intervals = self._days[ordinal] = self._build_day(date.fromordinal(ordinal))
        return intervals

    def _build_day(self, day: date) -> tuple[Interval, ...]:
        if day in self._holidays:
            return ()
        midnight = datetime.combine(day, time(), tzinfo=self.tz)
        converted = []
        for start_minute, end_minute in self._windows[day.weekday()]:
            # Aware + timedelta is wall-clock arithmetic, so minute 1440 is the next
            # day's local midnight; times in a DST gap or overlap resolve with fold=0.
            start = (midnight + timedelta(minutes=start_minute)).astimezone(UTC)
            end = (midnight + timedelta(minutes=end_minute)).astimezone(UTC)
            if start < end:
                converted.append((start, end))
        # Across a DST gap a later wall-clock time can map to an earlier instant, so
        # windows can overlap once converted.
        return tuple(_merge(converted))


def load_service_hours(calendar_ids: Iterable[int]) -> dict[int, ServiceHours]:
    """ServiceHours by calendar id, in at most three queries however many are asked for."""
    calendars = ServiceCalendar.objects.filter(pk__in=set(calendar_ids)).prefetch_related(
        "windows", "holidays"
    )
    return {calendar.pk: ServiceHours.for_calendar(calendar) for calendar in calendars}
