"""The feedback card's pages in both languages: the list, a card, the unit's history section,
and the questions page refusing bad input beside the field with what was typed kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.aftersales.archive.models import EquipmentUnit
from app.processes.feedback_card import service as cards
from harness.apps import user
from harness.servers import LiveServer
from harness.web_client import WebClient


@pytest.fixture(scope="module")
def base(live_server: LiveServer) -> str:
    return live_server.url


def test_pages_read_in_both_languages(base: str, committed_session: Session) -> None:
    unit = committed_session.scalars(select(EquipmentUnit).where(EquipmentUnit.serial == "SN-C3000-0004")).one()
    qset = cards.current_question_set(committed_session)
    ratings = {q.id: 1 for q in qset.questions}
    card = cards.submit_card(
        committed_session,
        user(committed_session, "after_sales1"),
        cards.CardInput(unit.id, "email", ratings, "差", True, "李主任", "0759-1234567"),
    )
    card_id, unit_id = card.id, unit.id
    committed_session.rollback()
    web = WebClient(base)
    web.login("after_sales_leads1")
    languages = (("zh_CN", ("设备质量反馈卡", "评分差", "电子邮件")), ("en", ("feedback", "Poor rating", "E-mail")))
    for lang, words in languages:
        status, page = web.get(f"/feedback-cards/{card_id}?lang={lang}")
        assert status == 200 and all(w in page for w in words), page
        # labelled facts: who to call, the quality problem answered, the process named as such
        facts = page[page.index('id="card-facts"') : page.index("</dl>")]
        assert 'class="meta"' in page and "李主任" in facts and "0759-1234567" in facts
        assert f"#{card_id}</h1>" in page and (">流程 #" in facts if lang == "zh_CN" else ">Process #" in facts)
        assert ("联系电话" if lang == "zh_CN" else "Contact phone") in facts
        quality = facts[facts.index('id="card-quality-problem"') :]
        assert quality.startswith('id="card-quality-problem">' + ("是" if lang == "zh_CN" else "Yes"))
        status, page = web.get("/feedback-cards")
        assert status == 200 and f"#{card_id}" in page
        status, page = web.get(f"/equipment/{unit_id}")
        assert status == 200 and 'id="unit-feedback-cards"' in page and f"#{card_id}" in page
    status, _ = web.get("/feedback-cards/questions?lang=zh_CN")
    assert status == 200
    status, page = web.post(
        "/feedback-cards/questions",
        {"rows": "2", "text_zh_0": "", "text_en_0": "Only English", "text_zh_1": "好用吗？", "poor_at_or_below": "9"},
        csrf_from="/feedback-cards/questions",
    )
    assert status == 400 and "请填写中文题目。" in page and "请填写 1 到 4 之间的分数。" in page
    assert 'value="Only English"' in page and 'value="好用吗？"' in page  # nothing typed lost
    desk = WebClient(base)
    desk.login("after_sales1")
    status, _ = desk.get("/feedback-cards/questions")
    assert status == 403  # only the leads edit the questions
