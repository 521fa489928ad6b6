"""The demo organisation of API.md: one user per group (two engineers), password
`shouhou-demo`, and demo customers, contracts and equipment. Demo passwords exist only here."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.aftersales.archive.demo import seed_archive, seed_software
from app.aftersales.branches.service import seed_branches
from app.bpm.users import ensure_group, ensure_user
from app.processes.complaint_review.service import seed_review_rules
from app.processes.feedback_card.service import seed_feedback_questions
from app.processes.inspection.service import seed_checklists
from app.processes.satisfaction_survey.service import seed_survey

DEMO_PASSWORD = "shouhou-demo"  # noqa: S105 - demo data only, documented in API.md

GROUPS: list[tuple[str, str, str]] = [
    ("after_sales", "售后服务部", "After-sales service"),
    ("after_sales_leads", "售后主管", "After-sales leads"),
    ("sales", "业务部", "Sales"),
    ("technical", "技术中心/技术部", "Technical centre"),
    ("production", "生产部", "Production"),
    ("qc", "品控中心", "QC centre"),
    ("engineers", "维修工程师", "Service engineers"),
    ("installation", "施工调试部", "Installation & commissioning"),
    ("office", "办公室", "Office"),
    ("process_owners", "流程负责人", "Process owners"),
    ("auditors", "审计", "Auditors"),
    ("admins", "系统管理员", "Administrators"),
    ("integrations", "系统集成", "Integrations"),  # accounts of other systems: they send messages
]


def seed_groups(session: Session) -> None:
    for group_id, zh, en in GROUPS:
        ensure_group(session, group_id, zh, en)
    session.commit()


DEMO_MAIL_DOMAIN = "shouhou.example"  # API.md: demo users are <user>@shouhou.example


def seed_demo(session: Session) -> list[str]:
    """Idempotent: creates what is missing and returns the demo user names."""
    groups = {gid: ensure_group(session, gid, zh, en) for gid, zh, en in GROUPS}
    session.flush()
    names = []
    for group_id, zh, _en in GROUPS:
        count = 2 if group_id == "engineers" else 1
        for n in range(1, count + 1):
            username = f"{group_id}{n}"
            members = [groups[group_id]]
            if group_id == "after_sales_leads":
                members.append(groups["after_sales"])  # a lead also works after-sales tasks
            ensure_user(session, username, f"{zh}{n}", DEMO_PASSWORD, members, email=f"{username}@{DEMO_MAIL_DOMAIN}")
            names.append(username)
    session.commit()
    seed_archive(session)
    seed_software(session)
    seed_review_rules(session)
    seed_survey(session)
    seed_checklists(session)
    seed_feedback_questions(session)
    names += seed_branches(session, DEMO_PASSWORD)
    return names
