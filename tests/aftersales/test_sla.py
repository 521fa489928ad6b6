"""SLA clocks (R6): calendars and deadlines, around midnight, month ends, holidays and make-up
working days (调休). Instants are written in China time (UTC+8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from app.aftersales.rules.sla import SEED_POLICY, Calendar, PolicyError, SlaPolicy, Span, Walk, is_working_day

CN = timezone(timedelta(hours=8))
WORKING = Calendar("working_hours")
ROUND_THE_CLOCK = Calendar("24x7")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CN)


def test_chinese_holidays_and_make_up_days() -> None:
    assert not is_working_day(date(2026, 2, 17))  # Spring Festival
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert is_working_day(date(2026, 2, 14))  # a Saturday worked to make up for the holiday
    assert is_working_day(date(2026, 9, 20))  # a Sunday worked (调休)
    assert not is_working_day(date(2026, 11, 28))  # an ordinary Saturday
    assert is_working_day(date(2026, 11, 27))  # an ordinary Friday


@pytest.mark.parametrize(
    ("reported", "span", "expected"),
    [
        # 24×7 (the seed's promise): midnight, month and year ends, leap day, holidays all count
        ("2026-11-27T23:30", "PT1H", "2026-11-28T00:30"),
        ("2026-01-31T23:00", "PT2H", "2026-02-01T01:00"),
        ("2026-12-31T12:00", "PT24H", "2027-01-01T12:00"),
        ("2028-02-28T20:00", "PT24H", "2028-02-29T20:00"),
        ("2026-02-17T10:00", "PT2H", "2026-02-17T12:00"),
        ("2026-11-27T10:00", "P5D", "2026-12-02T10:00"),
    ],
)
def test_round_the_clock(reported: str, span: str, expected: str) -> None:
    assert ROUND_THE_CLOCK.add(at(reported), Span.parse(span, "t")) == at(expected)


@pytest.mark.parametrize(
    ("reported", "span", "expected"),
    [
        ("2026-11-26T10:00", "PT1H", "2026-11-26T11:00"),  # inside working hours
        ("2026-11-26T17:00", "PT1H", "2026-11-27T09:00"),  # runs over the evening
        ("2026-11-26T23:50", "PT1H", "2026-11-27T09:30"),  # reported before midnight
        ("2026-11-27T00:10", "PT2H", "2026-11-27T10:30"),  # reported after midnight
        ("2026-11-27T16:00", "PT2H", "2026-11-30T09:00"),  # over a weekend: 1.5 h + 0.5 h
        ("2026-11-30T16:00", "PT24H", "2026-12-03T13:00"),  # across a month end: 1.5 + 9 + 9 + 4.5 h
        ("2026-09-30T16:00", "PT2H", "2026-10-08T09:00"),  # National Day, 1 to 7 October off
        ("2026-02-13T17:00", "PT1H", "2026-02-14T09:00"),  # Saturday 2-14 is a make-up working day
        ("2026-02-14T17:00", "PT1H", "2026-02-24T09:00"),  # then Spring Festival, back on 2-24
        ("2026-11-27T10:00", "P5D", "2026-12-04T10:00"),  # whole days are working days
        ("2026-11-28T10:00", "P1D", "2026-12-01T08:30"),  # a Saturday report counts from Monday
    ],
)
def test_working_hours_with_holidays(reported: str, span: str, expected: str) -> None:
    assert WORKING.add(at(reported), Span.parse(span, "t")) == at(expected)


def test_working_seconds_are_the_inverse_of_add() -> None:
    start = at("2026-09-30T16:00")
    end = WORKING.add(start, Span.parse("PT24H", "t"))
    assert WORKING.working_seconds(start, end) == 24 * 3600
    assert WORKING.working_seconds(end, start) == -24 * 3600
    assert ROUND_THE_CLOCK.working_seconds(start, end) == (end - start).total_seconds()


def test_seed_policy_deadlines() -> None:
    policy = SlaPolicy.from_data(SEED_POLICY)
    reported = at("2026-11-27T23:30")
    response = policy.deadline(policy.rule("response"), reported)  # type: ignore[arg-type]
    assert (response.due_at, response.warn_at) == (at("2026-11-28T00:30"), at("2026-11-28T00:15"))
    arrived = at("2026-11-28T01:00")
    loaner = policy.deadline(policy.rule("loaner"), arrived)  # type: ignore[arg-type]
    assert loaner.starts_at == at("2026-11-28T09:00")  # 8 h into the repair
    assert loaner.due_at == at("2026-11-30T09:00")  # then 48 h
    assert loaner.as_data()["due_at"] == "2026-11-30T01:00:00+00:00"
    assert [r.name for r in policy.starting_at("reported")] == ["response", "arrival", "resolution"]
    assert loaner.due_at.astimezone(UTC).tzinfo is UTC


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be an object"),
        ({"calendar": "lunar", "clocks": []}, "calendar"),
        ({"timezone": "Mars/Base", "clocks": [{}]}, "timezone"),
        ({"clocks": []}, "at least one clock"),
        ({"clocks": [{"name": "Response", "target": "PT1H", "stop": "x"}]}, "clocks[0].name"),
        ({"clocks": [{"name": "r", "target": "1 hour", "stop": "x"}]}, "clocks.r.target"),
        ({"clocks": [{"name": "r", "target": "PT1H"}]}, "clocks.r.stop"),
        ({"clocks": [{"name": "r", "target": "PT1H", "stop": "x", "warn_before": "PT2H"}]}, "warn_before"),
        ({"clocks": [{"name": "r", "target": "PT1H", "stop": ["<x>"]}]}, "clocks.r.stop"),
        ({"clocks": [{"name": "r", "target": "P999D", "stop": "x"}]}, "longer than a year"),
        ({"working_hours": {"start": "18:00", "end": "09:00"}, "clocks": [{}]}, "working_hours"),
        ({"clocks": [{"name": "r", "target": "PT1H", "stop": "x"}] * 2}, "own name"),
    ],
)
def test_bad_policies_are_refused_with_the_place(data: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SlaPolicy.from_data(data)


def test_span_iso_round_trip() -> None:
    for text in ("PT1H", "PT30M", "P5D", "P1DT2H30M"):
        assert Span.parse(text, "t").iso() == text


# -- no policy stalls a fault report (issue 12) ------------------------------------------------

ONE_HOUR_DAYS = {"calendar": "working_hours", "working_hours": {"start": "08:30", "end": "09:30"}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**ONE_HOUR_DAYS, "working_hours": {"start": "08:30:00", "end": "08:30:01"}}, "at least 1 hour"),
        ({**ONE_HOUR_DAYS, "working_hours": {"start": "08:30", "end": "09:29:59"}}, "at least 1 hour"),
        ({**ONE_HOUR_DAYS, "working_hours": {"start": "08:30+05:00", "end": "17:30"}}, "working_hours"),
        ({"clocks": [{"name": "r", "target": "P91D", "stop": "x"}]}, "clocks.r.target: 'P91D' is longer than 90 days"),
        ({"clocks": [{"name": "r", "target": "PT2161H", "stop": "x"}]}, "longer than 90 days"),
        ({"clocks": [{"name": "r", "target": "PT1H", "delay": "P90DT1M", "stop": "x"}]}, "clocks.r.delay"),
    ],
)
def test_calendars_and_spans_beyond_the_bounds_are_refused(data: dict[str, object], message: str) -> None:
    data = {"clocks": [{"name": "r", "target": "PT1H", "stop": "x"}], **data}
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SlaPolicy.from_data(data)


def test_the_most_stretched_valid_policy_computes_in_a_few_steps() -> None:
    """One-hour working days, 90 days of hours as the delay and as the target: some nine
    years of working days each, found a year's table at a time, not day by day."""
    policy = SlaPolicy.from_data(
        {**ONE_HOUR_DAYS, "clocks": [{"name": "r", "delay": "PT2160H", "target": "PT2160H", "stop": "x"}]}
    )
    calendar, start = policy.calendar, at("2026-02-13T09:00")  # before the Spring Festival
    walk = Walk()
    starts_at = calendar.add(start, Span.parse("PT2160H", "t"), walk)
    assert walk.steps <= 11
    walk = Walk()
    due = calendar.add(starts_at, Span.parse("PT2160H", "t"), walk)
    assert walk.steps <= 11
    assert (starts_at, due) == (at("2034-11-02T09:00"), at("2043-07-21T09:00"))  # as day by day
    assert policy.deadline(policy.rule("r"), start).due_at == due  # type: ignore[arg-type]
    walk = Walk()
    assert calendar.working_seconds(start, due, walk) == 2 * 2160 * 3600
    assert walk.steps <= 20
    walk = Walk()
    assert calendar.add(start, Span.parse("P90D", "t"), walk) == at("2026-07-01T09:00")
    assert walk.steps == 1


def test_an_unchecked_calendar_stops_with_an_error_instead_of_spinning() -> None:
    """A calendar built past the policy checks (a one-second day, 1666 h of work) stops at the
    walk's cap with a clear error, not an OverflowError after minutes."""
    calendar = Calendar("working_hours", day_start=time(8, 30), day_end=time(8, 30, 1))
    walk = Walk()
    with pytest.raises(PolicyError, match="more than 40 years ahead"):
        calendar.add(at("2026-11-27T10:00"), Span(0, 1666 * 3600), walk)
    assert walk.steps == 41
    with pytest.raises(PolicyError, match="years ahead"):
        calendar.working_seconds(at("2026-11-27T10:00"), datetime(9999, 12, 31, tzinfo=UTC))
