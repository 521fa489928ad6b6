"""The archive's own texts (its older ones are still in app/i18n.py)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "software.title": {"zh_CN": "软件", "en": "Software"},
    "software.name": {"zh_CN": "软件名称", "en": "Software"},
    "software.version": {"zh_CN": "版本", "en": "Version"},
    "software.installed_on": {"zh_CN": "安装日期", "en": "Installed on"},
    "software.none": {"zh_CN": "暂无软件记录。", "en": "No software recorded."},
    "software.history": {"zh_CN": "历史版本", "en": "Earlier versions"},
    "software.replaced_at": {"zh_CN": "替换于", "en": "replaced at"},
    "software.too_many": {"zh_CN": "一台设备最多登记 {max} 项软件。", "en": "A unit records at most {max} programs."},
    "equipment.not_accepted": {"zh_CN": "未验收（质保期未起算）", "en": "Not accepted yet (no warranty running)"},
    "archive.cadence.every": {"zh_CN": "每 {parts}", "en": "every {parts}"},
    "archive.cadence.years": {"zh_CN": "{n} 年", "en": "{n} years"},
    "archive.cadence.months": {"zh_CN": "{n} 个月", "en": "{n} months"},
    "archive.cadence.weeks": {"zh_CN": "{n} 周", "en": "{n} weeks"},
    "archive.cadence.days": {"zh_CN": "{n} 天", "en": "{n} days"},
    "archive.cadence.one_years": {"zh_CN": "每年", "en": "every year"},
    "archive.cadence.one_months": {"zh_CN": "每月", "en": "every month"},
    "archive.cadence.one_weeks": {"zh_CN": "每周", "en": "every week"},
    "archive.cadence.one_days": {"zh_CN": "每天", "en": "every day"},
    "archive.cadence_invalid": {
        "zh_CN": "请填写 ISO 8601 周期，例如 P3M（每 3 个月）、P1Y（每年）。",
        "en": "Give an ISO 8601 period such as P3M (every 3 months) or P1Y (every year).",
    },
    "archive.cadence_range": {
        "zh_CN": "周期应在 1 个月到 2 年之间。",
        "en": "The period must lie between one month and two years.",
    },
    "archive.inspection_every": {"zh_CN": "巡查周期", "en": "Inspections"},
    "archive.follow_up_every": {"zh_CN": "电话回访周期", "en": "Phone follow-ups"},
    "change.field.inspection_every": {"zh_CN": "巡查周期", "en": "Inspection cadence"},
    "change.field.follow_up_every": {"zh_CN": "电话回访周期", "en": "Follow-up cadence"},
    "archive.no_such": {"zh_CN": "没有这一项。", "en": "No such record."},
    "archive.unknown_model": {
        "zh_CN": "没有编码为“{code}”的设备型号。",
        "en": "No equipment model has the code {code!r}.",
    },
    "archive.unknown_department": {
        "zh_CN": "该客户没有名为“{name}”的部门。",
        "en": "The customer has no department named {name!r}.",
    },
    "archive.date_future": {"zh_CN": "日期不能晚于今天。", "en": "The date cannot be after today."},
    "archive.contract_has_other_units": {
        "zh_CN": "合同下已有其他客户的设备，不能改为该客户。",
        "en": "Units of another customer are on this contract.",
    },
    "archive.change_waiting": {
        "zh_CN": "已提交，等待另一部门审批后生效。",
        "en": "Asked: it takes effect once someone of another group approves it.",
    },
    "error.unit_already_accepted": {
        "zh_CN": "设备 {serial} 已于 {accepted_on} 通过验收，不能再次验收。",
        "en": "Unit {serial} was already accepted on {accepted_on}; it cannot be accepted again.",
    },
    "action.unit_accepted": {"zh_CN": "设备通过验收（质保期起算）", "en": "Unit accepted (warranty starts)"},
}
