"""The suggestion process's own texts (zh_CN, en)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "suggestion.portal.title": {"zh_CN": "提建议或意见", "en": "Send a suggestion"},
    "suggestion.portal.case": {"zh_CN": "给我们的建议或意见", "en": "Your suggestion or remark"},
    "suggestion.portal.content": {"zh_CN": "建议/意见内容", "en": "Your suggestion"},
    "suggestion.portal.done": {
        "zh_CN": "谢谢！建议已收到，我们会答复您。",
        "en": "Thank you: we will reply to your suggestion.",
    },
    "suggestion.case": {"zh_CN": "客户建议：{customer} · {sender}", "en": "Suggestion: {customer} · {sender}"},
    "suggestion.customer": {"zh_CN": "客户", "en": "Customer"},
    "suggestion.channel": {"zh_CN": "来源渠道", "en": "Channel"},
    "suggestion.channel.phone": {"zh_CN": "电话", "en": "Phone"},
    "suggestion.channel.web": {"zh_CN": "网站/客户门户", "en": "Website / portal"},
    "suggestion.channel.email": {"zh_CN": "电子邮箱", "en": "E-mail"},
    "suggestion.channel.visit": {"zh_CN": "登门拜访", "en": "Visit"},
    "suggestion.channel.branch": {"zh_CN": "办事处", "en": "Branch office"},
    "suggestion.sender": {"zh_CN": "建议人", "en": "Sender"},
    "suggestion.content": {"zh_CN": "建议/意见内容", "en": "Suggestion"},
    "suggestion.departments": {"zh_CN": "分送部门", "en": "Departments"},
    "suggestion.department.sales": {"zh_CN": "业务部", "en": "Sales"},
    "suggestion.department.technical": {"zh_CN": "技术中心/技术部", "en": "Technical centre"},
    "suggestion.department.production": {"zh_CN": "生产部", "en": "Production"},
    "suggestion.department.qc": {"zh_CN": "品控中心", "en": "QC centre"},
    "suggestion.decision.accepted": {"zh_CN": "采纳", "en": "Accepted"},
    "suggestion.decision.returned": {"zh_CN": "退回", "en": "Returned"},
    "suggestion.error.customer": {"zh_CN": "请选择客户。", "en": "Choose the customer."},
    "suggestion.error.month": {"zh_CN": "月份格式应为 YYYY-MM。", "en": "Give the month as YYYY-MM."},
}
