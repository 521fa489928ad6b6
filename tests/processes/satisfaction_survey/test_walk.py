"""The yearly satisfaction survey over the API (R20), every branch: a campaign chooses its
customers and starts one survey each; one answer per customer and year (a second refused);
no answer within the set days → a reminder; a detractor opens a recovery follow-up (process
`follow_up`, refused clearly while it is not deployed) whose clock escalates to the leads;
the figures come from the answer rows; the analysis is approved by a lead who did not write it.

The tests of this module follow one another on one database (module-scoped app)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bpm import timers
from app.bpm.models import utcnow
from app.processes.satisfaction_survey.models import SurveyAnswer, SurveyResponse, SurveySend
from harness.http_client import call
from harness.servers import LiveServer
from harness.stand_ins import deployed, ensure_follow_up
from harness.walks import API, done, open_tasks, start, step, token

YEAR = 2026
HAPPY = {"q_service": 5, "q_response": 4, "q_quality": 5, "q_attitude": 5, "q_overall": 5, "answered_via": "phone"}
UNHAPPY = {
    "q_service": 2,
    "q_response": 1,
    "q_quality": 3,
    "q_attitude": 2,
    "q_overall": 1,
    "answered_via": "email",
    "comment": "响应太慢",
    "respondent": "张科长",
}


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def _customers(base: str) -> dict[str, int]:
    status, rows = call(base, "GET", f"{API}/customers", token=token(base, "after_sales1"))
    assert status == 200, rows
    return {row["name"]: row["id"] for row in rows}


def _send(base: str, instance: int, customer_id: int, year: int = YEAR, channel: str = "phone") -> dict[str, Any]:
    return done(
        base, "after_sales1", instance, "send_survey", {"customer_id": customer_id, "year": year, "channel": channel}
    )


def test_a_campaign_of_key_customers_and_one_answer_per_year(base: str, committed_session: Session) -> None:
    customers = _customers(base)
    body = {"year": YEAR, "key": "key"}
    assert call(base, "POST", f"{API}/survey-campaigns", body, token(base, "engineers1"))[0] == 403
    bad = call(base, "POST", f"{API}/survey-campaigns", {"year": 1800}, token(base, "after_sales1"))
    assert bad[0] == 400 and "year" in bad[1]["errors"]
    status, campaign = call(base, "POST", f"{API}/survey-campaigns", body, token(base, "after_sales1"))
    assert status == 201, campaign
    [chosen] = campaign["customers"]  # the only key customer of the demo
    assert chosen["name"] == "市第一人民医院" and campaign["rule"] == {
        "categories": [],
        "key": "key",
        "sample_size": None,
    }
    instance = chosen["process_instance_id"]
    _, state = call(base, "GET", f"{API}/process-instances/{instance}", token=token(base, "after_sales1"))
    assert state["data"] == {
        "customer_id": chosen["customer_id"],
        "year": YEAR,
        "campaign_id": campaign["id"],
        "customer": "市第一人民医院",
    }
    other = step(
        base, "after_sales1", instance, "send_survey", {"customer_id": customers["实验中学"], "channel": "email"}
    )
    assert other[0] == 400 and other[1]["errors"]["customer_id"] == ["本调查是为另一位客户开启的。"]

    # a second survey for the same customer and year, sent before the first is answered
    second = start(base, "after_sales1", "satisfaction_survey")
    _send(base, instance, chosen["customer_id"], channel="portal")
    _send(base, second, chosen["customer_id"])
    assert done(base, "after_sales1", instance, "record_answers", HAPPY)["status"] == "completed"  # 否: no detractor
    status, refused = step(base, "after_sales1", second, "record_answers", HAPPY)
    assert status == 409 and "每位客户每年只答一次" in refused["error"]["message"]
    # and a third is refused when sent
    third = start(base, "after_sales1", "satisfaction_survey")
    status, early = step(
        base,
        "after_sales1",
        third,
        "send_survey",
        {"customer_id": chosen["customer_id"], "year": YEAR, "channel": "email"},
    )
    assert status == 400 and "year" in early["errors"]

    [response] = committed_session.scalars(
        select(SurveyResponse).where(SurveyResponse.customer_id == chosen["customer_id"])
    ).all()
    assert response.overall == 5 and response.channel == "phone" and response.recorded_by_id is not None
    scores = {
        a.question_code: a.score
        for a in committed_session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    }
    assert scores == {"service": 5, "response": 4, "quality": 5, "attitude": 5, "overall": 5}
    sends = committed_session.scalars(select(SurveySend).where(SurveySend.instance_id == instance)).all()
    assert [(s.kind, s.channel) for s in sends] == [("send", "portal")]
    committed_session.rollback()
    assert customers  # the archive lists the customers


def test_no_answer_within_the_days_set_brings_a_reminder(base: str, app: Flask, committed_session: Session) -> None:
    school = _customers(base)["实验中学"]
    instance = start(base, "after_sales1", "satisfaction_survey")
    _send(base, instance, school, channel="email")
    assert timers.fire_due(committed_session, utcnow() + timedelta(days=6)).fired == 0
    assert timers.fire_due(committed_session, utcnow() + timedelta(days=7, minutes=1)).fired >= 1
    names = sorted(t["name"] for t in open_tasks(base, "after_sales1", instance))
    assert names == ["record_answers", "remind_customer"]  # the answer still awaited
    done(base, "after_sales1", instance, "remind_customer", {"channel": "phone", "note": "已电话提醒"})
    done(base, "after_sales1", instance, "record_answers", {**HAPPY, "q_overall": 3, "comment": "总体一般"})
    kinds = [s.kind for s in committed_session.scalars(select(SurveySend).where(SurveySend.instance_id == instance))]
    assert kinds == ["send", "reminder"]
    committed_session.rollback()  # SQLite: a reader's open transaction would hold the server's writes
    # the year before, for the year-over-year figures
    earlier = start(base, "after_sales1", "satisfaction_survey")
    _send(base, earlier, school, year=YEAR - 1)
    done(base, "after_sales1", earlier, "record_answers", {**HAPPY, "q_overall": 4})


def test_a_detractor_opens_a_recovery_follow_up_with_its_own_clock(base: str, committed_session: Session) -> None:
    centre = _customers(base)["区政务服务中心"]
    instance = start(base, "after_sales1", "satisfaction_survey")
    _send(base, instance, centre)
    stand_in_needed = not deployed(committed_session, "follow_up")
    committed_session.rollback()
    if stand_in_needed:
        status, refused = step(base, "after_sales1", instance, "record_answers", UNHAPPY)
        assert status == 400 and "follow_up" in refused["error"]["message"]  # clearly, and nothing kept
        assert (
            committed_session.scalars(select(SurveyResponse).where(SurveyResponse.customer_id == centre)).first()
            is None
        )
        ensure_follow_up(committed_session)
    done(base, "after_sales1", instance, "record_answers", UNHAPPY)
    committed_session.expire_all()
    response = committed_session.scalars(select(SurveyResponse).where(SurveyResponse.customer_id == centre)).one()
    assert response.detractor and response.follow_up_instance_id is not None
    response_id, follow_up_id = response.id, response.follow_up_instance_id
    committed_session.rollback()
    _, follow_up = call(base, "GET", f"{API}/process-instances/{follow_up_id}", token=token(base, "after_sales1"))
    assert follow_up["data"]["customer_id"] == centre and follow_up["data"]["mode"] == "phone"
    assert [t["name"] for t in open_tasks(base, "after_sales1", instance)] == ["recover_customer"]

    # the recovery's clock: not done within the days set → the leads chase it
    assert timers.fire_due(committed_session, utcnow() + timedelta(days=3, minutes=1)).fired == 1
    assert [
        t["name"] for t in open_tasks(base, "after_sales_leads1", instance) if t["group"] == "after_sales_leads"
    ] == ["escalate_recovery"]
    done(base, "after_sales_leads1", instance, "escalate_recovery", {"escalation_note": "已督办"})
    done(base, "after_sales1", instance, "recover_customer", {"recovery_notes": "上门致歉", "recovered": False})  # 否
    assert [t["name"] for t in open_tasks(base, "after_sales1", instance)] == ["recover_customer"]
    finished = done(base, "after_sales1", instance, "recover_customer", {"recovery_notes": "已解决", "recovered": True})
    assert finished["status"] == "completed"
    committed_session.expire_all()
    assert committed_session.get(SurveyResponse, response_id).recovered_at is not None  # type: ignore[union-attr]
    committed_session.rollback()


def test_the_figures_and_an_analysis_approved_by_another_person(base: str) -> None:
    desk, lead = token(base, "after_sales1"), token(base, "after_sales_leads1")
    assert call(base, "GET", f"{API}/reports/satisfaction", token=desk)[0] == 400
    status, figures = call(base, "GET", f"{API}/reports/satisfaction?year={YEAR}", token=desk)
    assert status == 200
    assert figures["responses"] == 3 and figures["detractors"] == 1
    overall = next(q for q in figures["questions"] if q["code"] == "overall")
    assert overall["text"] == "总体满意度" and overall["mean"] == 3.0  # (5 + 3 + 1) / 3
    assert overall["distribution"] == {"1": 1, "2": 0, "3": 1, "4": 0, "5": 1}
    assert figures["by_category"] == {
        "government": {"responses": 1, "mean_overall": 1.0},
        "hospital": {"responses": 1, "mean_overall": 5.0},
        "school": {"responses": 1, "mean_overall": 3.0},
    }
    assert set(figures["by_region"]) == {"市中心健康路", "新区政务大道", "学府路"}  # the addresses' first words
    assert figures["year_over_year"] == [
        {"year": YEAR - 1, "responses": 1, "mean_overall": 4.0},
        {"year": YEAR, "responses": 3, "mean_overall": 3.0},
    ]
    assert [c["comment"] for c in figures["comments"]["detractors"]] == ["响应太慢"]
    assert [c["comment"] for c in figures["comments"]["passives"]] == ["总体一般"]

    status, draft = call(base, "POST", f"{API}/survey-analyses", {"year": YEAR}, desk)
    assert status == 201 and draft["status"] == "draft" and "共收回 3 份答卷" in draft["text"]
    edited = call(
        base, "PATCH", f"{API}/survey-analyses/{draft['id']}", {"text": draft["text"] + "\n改进：缩短响应时间。"}, desk
    )
    assert edited[0] == 200 and edited[1]["written_by"] == "after_sales1"
    assert call(base, "POST", f"{API}/survey-analyses/{draft['id']}/approve", token=desk)[0] == 403  # not a lead
    # a lead who edits it becomes its writer and may no longer approve it
    call(base, "PATCH", f"{API}/survey-analyses/{draft['id']}", {"text": edited[1]["text"] + "（主管补充）"}, lead)
    status, refused = call(base, "POST", f"{API}/survey-analyses/{draft['id']}/approve", token=lead)
    assert status == 403 and "撰写人以外" in refused["error"]["message"]
    call(base, "PATCH", f"{API}/survey-analyses/{draft['id']}", {"text": edited[1]["text"]}, desk)
    status, approved = call(base, "POST", f"{API}/survey-analyses/{draft['id']}/approve", token=lead)
    assert status == 200 and approved["status"] == "approved" and approved["approved_by"] == "after_sales_leads1"
    assert call(base, "PATCH", f"{API}/survey-analyses/{draft['id']}", {"text": "改"}, desk)[0] == 409


def test_a_survey_the_obligations_pass_starts_takes_its_year_from_the_due_date(base: str) -> None:
    hospital = _customers(base)["市第一人民医院"]
    obligation = {
        "kind": "satisfaction_survey",
        "period_id": 7,
        "due_on": "2024-12-31",
        "period": "2024-01-01/2024-12-31",
    }
    instance = start(base, "after_sales1", "satisfaction_survey", {"customer_id": hospital, "obligation": obligation})
    done(base, "after_sales1", instance, "send_survey", {"customer_id": hospital, "channel": "email"})  # no year given
    assert done(base, "after_sales1", instance, "record_answers", HAPPY)["status"] == "completed"
    _, state = call(base, "GET", f"{API}/process-instances/{instance}", token=token(base, "after_sales1"))
    assert state["data"]["year"] == 2024 and state["data"]["customer_id"] == hospital
