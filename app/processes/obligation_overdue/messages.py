"""The escalation's own texts."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "overdue.case": {"zh_CN": "逾期：{kind} · {subject}", "en": "Overdue: {kind} · {subject}"},
    "overdue.kind": {"zh_CN": "服务承诺", "en": "Promise"},
    "overdue.customer": {"zh_CN": "客户", "en": "Customer"},
    "overdue.unit": {"zh_CN": "设备", "en": "Unit"},
    "overdue.period": {"zh_CN": "周期", "en": "Period"},
    "overdue.due_on": {"zh_CN": "应完成日期", "en": "Due on"},
    "overdue.started_by_calendar": {
        "zh_CN": "由日历在服务承诺逾期时发起：查看服务承诺",
        "en": "Started by the calendar when a promise is overdue: see the promises",
    },
    "overdue.organisation": {"zh_CN": "本公司", "en": "The organisation"},
    "error.planned_on_required": {
        "zh_CN": "选择“已安排补做”时，请填写计划完成日期。",
        "en": "Give the planned date when the work is scheduled to be made up.",
    },
}
