"""The obligations' texts (zh_CN and en)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nav.obligations": {"zh_CN": "服务承诺", "en": "Promises"},
    "obligation.title": {"zh_CN": "周期性服务承诺", "en": "Recurring promises"},
    "obligation.intro": {
        "zh_CN": "巡查、回访、走访、培训、满意度调查和月度投诉评审按周期到期；任一已完成的相应流程即可满足当期承诺。",
        "en": "Inspections, follow-ups, visits, training, surveys and the monthly complaint review fall due by period;"
        " any completed process of the kind meets the period.",
    },
    "obligation.kind.inspection": {"zh_CN": "维护期巡查", "en": "Maintenance inspection"},
    "obligation.kind.phone_follow_up": {"zh_CN": "电话回访", "en": "Phone follow-up"},
    "obligation.kind.key_customer_visit": {"zh_CN": "重点客户走访", "en": "Key-customer visit"},
    "obligation.kind.training": {"zh_CN": "客户培训", "en": "Customer training"},
    "obligation.kind.satisfaction_survey": {"zh_CN": "年度满意度调查", "en": "Yearly satisfaction survey"},
    "obligation.kind.complaint_review": {"zh_CN": "月度投诉评审", "en": "Monthly complaint review"},
    "obligation.kind.handover": {"zh_CN": "质保期满移交", "en": "Handover at warranty end"},
    "obligation.status.due": {"zh_CN": "待完成", "en": "Due"},
    "obligation.status.met": {"zh_CN": "已完成", "en": "Met"},
    "obligation.status.overdue": {"zh_CN": "已逾期", "en": "Overdue"},
    "obligation.kind": {"zh_CN": "承诺", "en": "Promise"},
    "obligation.subject": {"zh_CN": "对象", "en": "For"},
    "obligation.period": {"zh_CN": "周期", "en": "Period"},
    "obligation.due_on": {"zh_CN": "应完成日期", "en": "Due on"},
    "obligation.status": {"zh_CN": "状态", "en": "Status"},
    "obligation.evidence": {"zh_CN": "依据", "en": "Evidence"},
    "obligation.opened": {"zh_CN": "已发起的流程", "en": "Process opened"},
    "obligation.escalated": {"zh_CN": "已上报 {group}", "en": "Escalated to {group}"},
    "obligation.last_met": {"zh_CN": "上次完成", "en": "Last met"},
    "obligation.organisation": {"zh_CN": "本公司", "en": "The organisation"},
    "obligation.none": {"zh_CN": "没有符合条件的服务承诺。", "en": "No promises match."},
    "obligation.all": {"zh_CN": "全部", "en": "All"},
    "obligation.filter": {"zh_CN": "筛选", "en": "Filter"},
    "obligation.customer": {"zh_CN": "客户", "en": "Customer"},
    "obligation.history": {"zh_CN": "各期记录", "en": "Periods"},
    "obligation.met_late": {"zh_CN": "逾期后完成", "en": "met late"},
    "obligation.open_error": {"zh_CN": "未能发起流程：{reason}", "en": "The process could not be started: {reason}"},
    "obligation.unit_section": {"zh_CN": "服务承诺", "en": "Promises"},
    "obligation.rules": {"zh_CN": "承诺规则", "en": "Rules"},
    "obligation.rules_intro": {
        "zh_CN": "每类承诺的规则（JSON）：周期、适用对象、由哪些流程满足、到期发起的流程、逾期上报的部门。"
        "修改后下一次日历处理即生效；周期长度只对此后新纳入的对象生效。",
        "en": "Each kind's rule (JSON): its period, whom it binds, which processes meet it, what it starts and"
        " whom it escalates to. A change applies from the next calendar pass; a new period length only to"
        " subjects bound from then on.",
    },
    "obligation.rule": {"zh_CN": "规则", "en": "Rule"},
    "obligation.active": {"zh_CN": "启用", "en": "Active"},
    "obligation.save_rule": {"zh_CN": "保存规则", "en": "Save the rule"},
    "obligation.rule_saved": {"zh_CN": "规则已保存。", "en": "The rule was saved."},
    "obligation.rule_invalid": {"zh_CN": "规则无法使用：{reason}", "en": "The rule cannot be used: {reason}"},
    "action.obligation_rule_changed": {"zh_CN": "修改承诺规则", "en": "Promise rule changed"},
    "action.obligation_overdue": {"zh_CN": "服务承诺逾期，已上报", "en": "Promise overdue, escalated"},
    "action.obligation_met": {"zh_CN": "服务承诺已完成", "en": "Promise met"},
    "error.bad_obligation_status": {
        "zh_CN": "状态应为 due、met 或 overdue。",
        "en": "The status must be due, met or overdue.",
    },
}
