"""The survey's section of the management dashboard and pack (order 30): the figures of
`GET /reports/satisfaction` for the year the period ends in (a survey is yearly): mean score
per question, the distribution of overall scores, by customer category, and the trend over
the years. Each row links to the survey page of that year."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.aftersales.reports.sections import ReportChart, ReportSection, ReportSectionFigures, ReportTable
from app.bpm.models import User
from app.i18n import translate
from app.processes.satisfaction_survey.service import figures


def _tables(numbers: dict[str, Any], locale: str) -> tuple[ReportTable, ...]:
    year = numbers["year"]
    page = f"/satisfaction?year={year}"

    def t(key: str, **params: Any) -> str:
        return translate(key, locale, **params)

    questions = numbers["questions"]
    distribution = sorted(numbers["distribution"].items(), key=lambda kv: int(kv[0]))
    categories = list(numbers["by_category"].items())
    trend = numbers["year_over_year"]
    return (
        ReportTable(
            key="questions",
            title=t("survey.report.questions", year=year),
            columns=(t("survey.question"), t("survey.mean"), t("survey.report.answers")),
            rows=tuple((q["text"], q["mean"], q["answers"]) for q in questions),
            links=tuple(page for _ in questions),
        ),
        ReportTable(
            key="distribution",
            title=t("survey.report.distribution", year=year),
            columns=(t("survey.report.score"), t("survey.report.responses")),
            rows=tuple((score, n) for score, n in distribution),
            links=tuple(page for _ in distribution),
        ),
        ReportTable(
            key="by_category",
            title=t("survey.report.by_category", year=year),
            columns=(t("survey.report.category"), t("survey.report.responses"), t("survey.mean")),
            rows=tuple((t(f"survey.category.{name}"), c["responses"], c["mean_overall"]) for name, c in categories),
            links=tuple(page for _ in categories),
        ),
        ReportTable(
            key="trend",
            title=t("survey.report.trend"),
            columns=(t("survey.report.year"), t("survey.mean"), t("survey.report.responses")),
            rows=tuple((str(y["year"]), y["mean_overall"], y["responses"]) for y in trend),
            links=tuple(f"/satisfaction?year={y['year']}" for y in trend),
        ),
    )


def build_satisfaction(session: Session, reader: User, start: date, end: date, locale: str) -> ReportSectionFigures:
    numbers = figures(session, end.year, locale)
    return ReportSectionFigures(
        key="satisfaction",
        title=translate("survey.report.title", locale),
        tables=_tables(numbers, locale),
        charts=(
            ReportChart("questions"),
            ReportChart("distribution"),
            ReportChart("by_category"),
            ReportChart("trend", kind="line"),
        ),
        figures={k: v for k, v in numbers.items() if k != "comments"},
    )


SATISFACTION_SECTION = ReportSection(key="satisfaction", order=30, build=build_satisfaction)
