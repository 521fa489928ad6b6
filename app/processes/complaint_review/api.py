"""`GET /api/v1/complaint-reviews` and `/complaint-reviews/<id>`: the reviews, their figures
and each department's assessment."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from app.bpm.api.openapi import OpenApiPart, operation
from app.bpm.api.views import _user, auth_required
from app.bpm.db import db
from app.processes.complaint_review import service as reviews

review_api = Blueprint("review_api", __name__)


def dump_review(review: Any) -> dict[str, Any]:
    return {
        "id": review.id,
        "process_instance_id": review.instance_id,
        "month": review.month,
        "complaints": review.complaints,
        "figures": review.figures,
        "signed_at": review.signed_at.isoformat() if review.signed_at else None,
        "signed_by": review.signed_by.username if review.signed_by else None,
        "assessments": [
            {
                "department": row.department,
                "cases": row.cases,
                "late_cases": row.late_cases,
                "statement": row.statement,
                "rule": row.rule.code if row.rule else None,
                "points": row.points,
                "note": row.note,
                "assessed_at": row.assessed_at.isoformat() if row.assessed_at else None,
            }
            for row in review.assessments
        ],
    }


@review_api.get("/complaint-reviews")
@auth_required
def list_reviews() -> Any:
    return jsonify([dump_review(r) for r in reviews.list_reviews(db.session(), _user())])


@review_api.get("/complaint-reviews/<int:review_id>")
@auth_required
def get_review(review_id: int) -> Any:
    return jsonify(dump_review(reviews.get_review(db.session(), _user(), review_id)))


OPENAPI = OpenApiPart(
    paths={
        "/complaint-reviews": {"get": operation("Monthly complaint reviews (R16) with assessments per department")},
        "/complaint-reviews/{id}": {
            "get": operation("One review: month, figures, statements, assessments, sign-off", params=["id"])
        },
    }
)
