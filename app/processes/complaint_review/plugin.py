"""What the monthly review adds to its diagram (bpmn/complaint_review.bpmn): the month and its
figures when it is compiled (the departments concerned drive the statements' branches), each
department's cases beside its statement, the assessment under the rules (as data) for every
department concerned, and the sign-off."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.bpm.case_facts import office_tz
from app.bpm.errors import FormRejected
from app.bpm.plugins import Choices, Fact, ProcessPlugin, StepContext, WorkContext
from app.i18n import translate
from app.processes.complaint_review import service as reviews
from app.processes.complaint_review.service import DEPARTMENTS, REVIEW_PROCESS

USER_TASK = "userTask"
REQUIRES = {
    "compile_review": USER_TASK,
    "assess_departments": USER_TASK,
    "sign_off": USER_TASK,
    **{f"statement_{d}": USER_TASK for d in DEPARTMENTS},
}


def review_case(ctx: StepContext) -> StepContext:
    return ctx


def month_choices(step: StepContext) -> Choices:
    default = reviews.review_month(step.instance.data, step.now)
    months = reviews.month_choices(step.now)
    if default not in months:
        months.insert(0, default)
    return {"month": [(m, m) for m in months]}


def rule_choices(step: StepContext) -> Choices:
    options = []
    for rule in reviews.rules(step.session):
        sanction = rule.sanction(step.locale)
        points = f"{rule.points:+d}"
        options.append((rule.code, f"{rule.label(step.locale)}（{points}）" + (f" · {sanction}" if sanction else "")))
    return {f"{d}_rule": options for d in DEPARTMENTS}


def check_compile(step: StepContext) -> None:
    month = str(step.data.get("month") or reviews.review_month(step.instance.data, step.now))
    try:
        figures = reviews.figures_of_month(step.session, month, step.now)
    except ValueError:
        raise FormRejected({"month": [translate("review.error.month", step.locale)]}) from None
    if month > reviews.review_month({}, step.now):
        raise FormRejected({"month": [translate("review.error.month_not_over", step.locale)]})
    departments = reviews.concerned(figures)
    step.data.update(month=month, departments=departments, complaints=len(figures.cases))
    reviews.compile_review(step.session, step.instance.id, month, figures, step.user, step.now)


def _statement_hook(department: str) -> Any:
    def record(step: StepContext) -> None:
        reviews.record_statement(step.session, step.instance.id, department, str(step.data.get("statement") or ""))

    return record


def check_assessment(step: StepContext) -> None:
    concerned = list(step.instance.data.get("departments") or [])
    errors: dict[str, list[str]] = {}
    chosen = {}
    for department in DEPARTMENTS:
        code = step.data.get(f"{department}_rule")
        if not code:
            if department in concerned:
                errors[f"{department}_rule"] = [translate("review.error.rule_required", step.locale)]
            continue
        rule = reviews.rule_by_code(step.session, str(code))
        if rule is None or not rule.active:
            errors[f"{department}_rule"] = [translate("review.error.rule_unknown", step.locale)]
        else:
            chosen[department] = rule
    if errors:
        raise FormRejected(errors)
    for department, rule in chosen.items():
        note = step.data.get(f"{department}_note")
        reviews.record_assessment(
            step.session, step.instance.id, department, rule, str(note) if note else None, step.user, step.now
        )


def check_sign_off(step: StepContext) -> None:
    if step.data.get("approved"):
        reviews.sign(step.session, step.instance.id, step.user, step.now)


def _local(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).astimezone(office_tz()).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return ""


def _dept_label(department: str, locale: str) -> str:
    return translate(f"review.department.{department}", locale)


def work_context(step: StepContext) -> WorkContext | None:
    review = reviews.review_of(step.session, step.instance.id)
    label = translate("review.case", step.locale, month=step.data.get("month") or "—")
    if review is None:
        return WorkContext(label) if step.element_id != "compile_review" else None
    element = step.element_id or ""
    cases = review.figures.get("cases", [])
    if element.startswith("statement_"):
        department = element.removeprefix("statement_")
        cases = [c for c in cases if c.get("responsible_department") == department]
    facts = [Fact(translate("review.complaints", step.locale), str(len(cases)))]
    for case in cases:
        late = len(case.get("late_steps") or [])
        value = translate(
            "review.case_line",
            step.locale,
            customer=case.get("customer"),
            received=_local(case.get("received_at")),
            days=case.get("days_open"),
            late=late,
            department=_dept_label(str(case.get("responsible_department")), step.locale),
        )
        facts.append(Fact(f"#{case.get('process_instance_id')}", value))
    for row in review.assessments:
        if row.rule is not None:
            facts.append(
                Fact(_dept_label(row.department, step.locale), f"{row.rule.label(step.locale)} ({row.points:+d})")
            )
    return WorkContext(label, endpoint="review.review_page", args={"review_id": review.id}, facts=tuple(facts))


def row_label(data: Mapping[str, Any]) -> str:
    return str(data.get("month") or "")


def review_plugin() -> ProcessPlugin[StepContext]:
    return ProcessPlugin(
        process_id=REVIEW_PROCESS,
        requires=REQUIRES,
        case=review_case,
        work_context=work_context,
        row_label=row_label,
        choices={"compile_review": month_choices, "assess_departments": rule_choices},
        before_complete={
            "compile_review": check_compile,
            "assess_departments": check_assessment,
            "sign_off": check_sign_off,
            **{f"statement_{d}": _statement_hook(d) for d in DEPARTMENTS},
        },
    )
