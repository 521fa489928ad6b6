"""The monthly reviews' pages: every review with its figures per department, statements,
assessments and sign-off."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.bpm.db import db
from app.bpm.web.views import _user, login_required
from app.processes.complaint_review import service as reviews

review_web = Blueprint("review", __name__, template_folder="templates")


@review_web.get("/complaint-reviews")
@login_required
def reviews_page() -> str:
    return render_template("complaint_review/reviews.html", reviews=reviews.list_reviews(db.session(), _user()))


@review_web.get("/complaint-reviews/<int:review_id>")
@login_required
def review_page(review_id: int) -> str:
    review = reviews.get_review(db.session(), _user(), review_id)
    return render_template("complaint_review/review.html", review=review, departments=reviews.DEPARTMENTS)
