"""The reports' texts."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "reports.error.date": {"zh_CN": "请填写日期，格式为 YYYY-MM-DD。", "en": "Give a date as YYYY-MM-DD."},
    "reports.error.range": {"zh_CN": "结束日期不能早于开始日期。", "en": "The end date cannot be before the start."},
    "reports.unassigned": {"zh_CN": "未定", "en": "Not assigned"},
}
