"""The monthly review over the API (R16): last month's complaints of two departments, each
department's statement in parallel, the assessment under the rules, sent back once by the
leads and then signed off; a month without complaints goes straight to the assessment. The
complaint report (`GET /reports/complaints`) gives the same figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.bpm.case_facts import DEFAULT_TIMEZONE
from harness.http_client import call
from harness.servers import LiveServer
from harness.walks import API, complaint_to_analysis, done, open_tasks, start, step, token


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _last_month_days() -> tuple[str, str, str]:
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    return f"{last:%Y-%m}", first.isoformat(), last.isoformat()


def test_review_of_two_departments_assessed_and_signed_off(base: str) -> None:
    month, first, last = _last_month_days()
    technical = complaint_to_analysis(base, f"{first}T10:00:00+08:00", "technical", customer="区政务服务中心")
    production = complaint_to_analysis(base, f"{last}T20:00:00+08:00", "production", customer="实验中学")

    status, report = call(
        base, "GET", f"{API}/reports/complaints?from={first}&to={last}", token=token(base, "after_sales1")
    )
    assert status == 200
    assert report["by_department"] == {"technical": 1, "production": 1}
    assert report["by_class"] == {"quality": 2} and report["by_severity"] == {"minor": 2}
    assert report["open"] == 2 and report["closed"] == 0 and report["median_days_to_close"] is None
    assert {c["process_instance_id"] for c in report["cases"]} == {technical, production}
    bad = call(base, "GET", f"{API}/reports/complaints?from=2027-13-01&to={last}", token=token(base, "after_sales1"))
    assert bad[0] == 400 and "from" in bad[1]["errors"]
    assert (
        call(base, "GET", f"{API}/reports/complaints?from={first}&to={last}", token=token(base, "engineers1"))[0] == 403
    )

    review = start(base, "after_sales1", "complaint_review")
    [compile_task] = open_tasks(base, "after_sales1", review)
    _, task = call(base, "GET", f"{API}/tasks/{compile_task['id']}", token=token(base, "after_sales1"))
    assert task["form"]["schema"]["properties"]["month"]["enum"][0] == month  # last month first
    assert step(base, "after_sales1", review, "compile_review", {"month": "2999-01"})[0] == 400  # not over yet
    done(base, "after_sales1", review, "compile_review", {"month": month, "summary": "两起质量投诉"})
    # one statement per department concerned, in parallel, each in its own lane
    assert [t["name"] for t in open_tasks(base, "technical1", review)] == ["statement_technical"]
    assert [t["name"] for t in open_tasks(base, "production1", review)] == ["statement_production"]
    assert open_tasks(base, "sales1", review) == [] and open_tasks(base, "qc1", review) == []
    _, statement_task = call(
        base, "GET", f"{API}/tasks/{open_tasks(base, 'technical1', review)[0]['id']}", token=token(base, "technical1")
    )
    assert statement_task["case"]["facts"][0]["value"] == "1"  # the department's own cases only
    done(
        base,
        "technical1",
        review,
        "statement_technical",
        {"statement": "定影组件批次问题", "corrective_actions": "换供应商"},
    )
    assert open_tasks(base, "after_sales1", review) == []  # the join waits for production
    done(base, "production1", review, "statement_production", {"statement": "装配检验遗漏"})

    missing = step(base, "after_sales1", review, "assess_departments", {"technical_rule": "responsible_minor"})
    assert missing[0] == 400 and "production_rule" in missing[1]["errors"]  # every department concerned
    unknown = step(
        base, "after_sales1", review, "assess_departments", {"technical_rule": "nope", "production_rule": "no_fault"}
    )
    assert unknown[0] == 400 and "technical_rule" in unknown[1]["errors"]
    first_try = {"technical_rule": "no_fault", "production_rule": "no_fault"}
    done(base, "after_sales1", review, "assess_departments", first_try)
    done(base, "after_sales_leads1", review, "sign_off", {"approved": False, "comment": "技术部负有责任"})  # 否
    again = {"technical_rule": "responsible_minor", "technical_note": "批次未检", "production_rule": "late_handling"}
    done(base, "after_sales1", review, "assess_departments", again)
    finished = done(base, "after_sales_leads1", review, "sign_off", {"approved": True, "comment": "同意"})
    assert finished["status"] == "completed"

    status, reviews = call(base, "GET", f"{API}/complaint-reviews", token=token(base, "after_sales_leads1"))
    [mine] = [r for r in reviews if r["process_instance_id"] == review]
    assert mine["month"] == month and mine["complaints"] == 2 and mine["signed_by"] == "after_sales_leads1"
    rows = {a["department"]: a for a in mine["assessments"]}
    assert set(rows) == {"technical", "production"}
    assert (rows["technical"]["rule"], rows["technical"]["points"], rows["technical"]["note"]) == (
        "responsible_minor",
        -5,
        "批次未检",
    )
    assert rows["production"]["rule"] == "late_handling" and rows["production"]["statement"] == "装配检验遗漏"
    assert rows["technical"]["cases"] == 1


def test_a_month_without_complaints_goes_straight_to_the_assessment(base: str) -> None:
    review = start(base, "after_sales1", "complaint_review")
    done(base, "after_sales1", review, "compile_review", {"month": "2020-05"})
    assert [t["name"] for t in open_tasks(base, "after_sales1", review)] == ["assess_departments"]
    done(base, "after_sales1", review, "assess_departments", {})
    assert done(base, "after_sales_leads1", review, "sign_off", {"approved": True})["status"] == "completed"


def test_a_review_started_for_an_obligation_looks_at_the_month_before_its_period(base: str) -> None:
    obligation = {"kind": "complaint_review", "period_id": 1, "due_on": "2027-03-01", "period": "2027-03-01/2027-03-31"}
    review = start(base, "after_sales1", "complaint_review", {"obligation": obligation})
    [task] = open_tasks(base, "after_sales1", review)
    _, shown = call(base, "GET", f"{API}/tasks/{task['id']}", token=token(base, "after_sales1"))
    assert shown["form"]["schema"]["properties"]["month"]["enum"][0] == "2027-02"
