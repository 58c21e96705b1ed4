"""Which days are working days (``BusinessCalendar``): China's agree with the holidays package as an
independent oracle (make-up working days included), a working week without a country, the next
working day, the calendar's arguments checked, and one calendar shared by threads.

The module runs with the machine's local zone set to America/Toronto (``_local_zone_is_toronto``
in ``conftest.py``), so anything that silently used the local zone instead of the lead's would
show up here.
"""

from __future__ import annotations

import threading
from datetime import date, datetime

import holidays
import pytest

from cadence.calendar import WEEKDAYS, BusinessCalendar
from tests.unit._calendars import CN, PLAIN, SHANGHAI, every_day

pytestmark = pytest.mark.usefixtures("_local_zone_is_toronto")


def test_weekday_names_follow_date_weekday() -> None:
    assert WEEKDAYS[date(2025, 9, 28).weekday()] == "sun"
    assert WEEKDAYS[date(2025, 9, 29).weekday()] == "mon"


def test_cn_working_days_agree_with_holidays_package_2020_to_2026() -> None:
    calendar = BusinessCalendar("CN")  # a fresh one: its years are built while this test asks
    oracle = holidays.country_holidays("CN", years=range(2020, 2027))
    days = list(every_day(date(2020, 1, 1), date(2026, 12, 31)))
    disagreements = [d for d in days if calendar.is_working_day(d) != oracle.is_working_day(d)]
    assert disagreements == []
    # The comparison is not vacuous: both kinds of exception to the plain week occur.
    assert any(d.weekday() >= 5 and calendar.is_working_day(d) for d in days)
    assert any(d.weekday() < 5 and not calendar.is_working_day(d) for d in days)


def test_cn_2025_national_day_and_its_make_up_sunday() -> None:
    assert date(2025, 9, 28).weekday() == 6
    assert CN.is_working_day(date(2025, 9, 28))  # Sunday, worked (调休)
    assert CN.is_working_day(date(2025, 10, 11))  # Saturday, worked
    for day in range(1, 9):
        assert not CN.is_working_day(date(2025, 10, day)), day
    assert CN.is_working_day(date(2025, 10, 9))
    assert not CN.is_working_day(date(2025, 9, 27))  # an ordinary Saturday


def test_working_week_without_country() -> None:
    assert PLAIN.is_working_day(date(2025, 10, 1))
    assert not PLAIN.is_working_day(date(2025, 9, 28))
    sunday_to_thursday = BusinessCalendar(working_days=[6, 0, 1, 2, 3])
    assert sunday_to_thursday.is_working_day(date(2025, 9, 28))
    assert not sunday_to_thursday.is_working_day(date(2025, 9, 26))


def test_next_working_day() -> None:
    assert CN.next_working_day(date(2025, 9, 26)) == date(2025, 9, 26)
    assert CN.next_working_day(date(2025, 9, 27)) == date(2025, 9, 28)
    assert CN.next_working_day(date(2025, 10, 1)) == date(2025, 10, 9)


def test_calendar_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown calendar country 'XX'"):
        BusinessCalendar("XX")
    with pytest.raises(ValueError, match="did you mean 'CN'"):
        BusinessCalendar("cn")
    with pytest.raises(ValueError, match=r"unknown subdivision 'ZZ' of US: known ones are AK, "):
        BusinessCalendar("US", "ZZ")
    with pytest.raises(ValueError, match="without a country"):
        BusinessCalendar(None, "BY")
    for bad in ([], [7], [-1], [True]):
        with pytest.raises(ValueError, match="working days must be"):
            BusinessCalendar(working_days=bad)
    with pytest.raises(TypeError, match="expected a date"):
        CN.is_working_day(datetime(2025, 10, 1, tzinfo=SHANGHAI))


def test_one_calendar_shared_by_threads_gives_the_same_answers() -> None:
    shared = BusinessCalendar("CN")  # fresh: the threads race to build its years
    days = list(every_day(date(2014, 1, 1), date(2030, 12, 31)))
    oracle = holidays.country_holidays("CN", years=range(2014, 2031))
    expected = [oracle.is_working_day(d) for d in days]
    barrier = threading.Barrier(8)
    results: list[list[bool]] = []

    def work(offset: int) -> None:
        order = days[offset * 500 :] + days[: offset * 500]
        barrier.wait()
        answers = {d: shared.is_working_day(d) for d in order}
        results.append([answers[d] for d in days])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(result == expected for result in results)
