"""Form fields as the task page draws them."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from app.bpm.forms import field_views, load_form, read_forms_dir

FORMS = Path(__file__).resolve().parents[2] / "forms"


def test_a_field_required_whenever_it_is_shown_carries_its_star_before_any_submit() -> None:
    """Quality complaints require the order fields; those fields are shown only for quality
    complaints, so they are marked required on the empty form (not only after an error)."""
    doc = read_forms_dir(FORMS)["complaint_register"]
    form = load_form("complaint_register", doc["schema"], doc.get("ui"))
    required = {v.name: v.required for v in field_views(form, "zh_CN", {}, {}, ZoneInfo("Asia/Shanghai"))}
    assert required["order_no"] and required["defective_quantity"]  # shown and required only for quality
    assert required["customer"]  # always required
    assert not required["contact_email"]  # never required
