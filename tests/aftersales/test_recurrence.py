"""The recurring promises' calendar (issue 14): periods cut by dateutil's rrule, month ends and
leap days kept, due dates on the office's working days (Chinese holidays, make-up days), and
rules that are data refused precisely when they cannot be used."""

from __future__ import annotations

from datetime import date

import pytest

from app.aftersales.rules.recurrence import DEFAULT_RULES, Every, ObligationRule, RuleError


def _rule(code: str, **changes: object) -> ObligationRule:
    return ObligationRule.from_data({**DEFAULT_RULES[code], **changes}, code)


def test_a_quarter_from_a_months_last_day_keeps_to_month_ends() -> None:
    starts = list(Every.parse("P3M", "t").starts(date(2027, 1, 31)))[:5]
    assert starts == [date(2027, 1, 31), date(2027, 4, 30), date(2027, 7, 31), date(2027, 10, 31), date(2028, 1, 31)]


def test_a_month_from_the_30th_takes_februarys_last_day_and_comes_back() -> None:
    starts = list(Every.parse("P1M", "t").starts(date(2028, 1, 30)))[:3]
    assert starts == [date(2028, 1, 30), date(2028, 2, 29), date(2028, 3, 30)]


def test_a_year_from_a_leap_day_is_the_28th_in_common_years() -> None:
    starts = list(Every.parse("P1Y", "t").starts(date(2024, 2, 29)))[:5]
    assert starts == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_years_and_months_count_as_months_weeks_and_days_as_days() -> None:
    assert list(Every.parse("P1Y6M", "t").starts(date(2027, 1, 31)))[:3] == [
        date(2027, 1, 31),
        date(2028, 7, 31),
        date(2030, 1, 31),
    ]
    assert Every.parse("P1W3D", "t").iso() == "P10D"
    assert Every.parse("P1Y6M", "t").iso() == "P18M"


def test_the_period_holding_a_day_and_the_next_start() -> None:
    every = Every.parse("P3M", "t")
    assert every.start_holding(date(2027, 1, 31), date(2027, 6, 15)) == date(2027, 4, 30)
    assert every.start_holding(date(2027, 1, 31), date(2027, 1, 30)) is None
    assert every.next_start(date(2027, 1, 31), date(2027, 4, 30)) == date(2027, 7, 31)


def test_an_inspection_due_in_the_national_day_holiday_is_due_the_working_day_before() -> None:
    rule = _rule("inspection")
    period = rule.period(date(2026, 7, 6), date(2026, 7, 6), Every.parse("P3M", "t"), None)
    assert (period.starts_on, period.ends_on) == (date(2026, 7, 6), date(2026, 10, 6))
    assert period.due_on == date(2026, 9, 30)  # 1–7 October 2026 are public holidays
    assert rule.opens_on(period) == date(2026, 7, 6)


def test_a_kind_that_counts_calendar_days_keeps_the_periods_last_day() -> None:
    rule = _rule("inspection", working_days=False)
    period = rule.period(date(2026, 7, 6), date(2026, 7, 6), Every.parse("P3M", "t"), None)
    assert period.due_on == date(2026, 10, 5)


def test_the_monthly_review_opens_on_the_first_working_day_and_is_due_by_the_fifth() -> None:
    rule = _rule("complaint_review")
    period = rule.period(date(2026, 10, 1), date(2026, 10, 1), Every.parse("P1M", "t"), None)
    assert rule.opens_on(period) == date(2026, 10, 8)
    assert period.due_on == date(2026, 10, 13)  # 8, 9, Saturday the 10th (a make-up working day), 12, 13


def test_a_maintenance_window_cuts_the_last_period() -> None:
    rule = _rule("inspection")
    period = rule.period(date(2025, 3, 5), date(2027, 2, 5), Every.parse("P3M", "t"), date(2027, 3, 5))
    assert period.ends_on == date(2027, 3, 5)


def test_a_rolling_period_opens_ahead_of_its_due_date() -> None:
    rule = _rule("key_customer_visit")
    period = rule.period(date(2027, 3, 10), date(2027, 3, 10), rule.every, None)
    assert period.ends_on == date(2028, 3, 10)
    assert period.due_on == date(2028, 3, 9)
    assert rule.opens_on(period) == date(2028, 2, 8)  # a month (30 days) ahead


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"every": "P0D"}, "not a duration"),
        ({"every": "P1M15D"}, "months or days, not both"),
        ({"every": "P1D"}, "between a week"),
        ({"every": "P50Y"}, "between a week"),
        ({"every": "every quarter"}, "not a duration"),
        ({"subject": "planet"}, "subject must be one of"),
        ({"met_by": []}, "met_by lists"),
        ({"met_by": [{"process_id": "Robert'); DROP TABLE"}]}, "names a process_id"),
        ({"opens": 7}, "opens names a process id"),
        ({"due_working_days": 99}, "due_working_days"),
        ({"every_from_contract": "deposit_amount"}, "every_from_contract"),
        ({"responsible_group": ""}, "responsible_group"),
    ],
)
def test_a_rule_that_cannot_be_used_is_refused_saying_what(changes: dict[str, object], says: str) -> None:
    with pytest.raises(RuleError, match=says):
        _rule("inspection", **changes)


def test_every_seed_rule_is_usable() -> None:
    for code, data in DEFAULT_RULES.items():
        assert ObligationRule.from_data(data, code).met_by
