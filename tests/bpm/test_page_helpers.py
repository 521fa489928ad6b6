"""Form fields and times as the task pages draw them."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.bpm.forms import field_views, load_form, read_forms_dir
from app.bpm.web.views import remaining_time

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


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (59 * 60 + 30, "59 分钟", "59 min"),
        (119 * 60, "1 小时 59 分钟", "1 h 59 min"),
        (119 * 3600 + 59 * 60, "4 天 23 小时", "4 d 23 h"),
        (-90 * 60, "已超时 1 小时 30 分钟", "1 h 30 min overdue"),
    ],
)
def test_remaining_time_reads_in_one_format(seconds: float, zh: str, en: str) -> None:
    assert (remaining_time(seconds, "zh_CN"), remaining_time(seconds, "en")) == (zh, en)
