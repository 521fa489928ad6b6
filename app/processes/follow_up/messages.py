"""The follow-up process's texts (zh_CN, en)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "follow_up.case": {"zh_CN": "{mode} · {customer}", "en": "{mode} · {customer}"},
    "follow_up.mode.phone": {"zh_CN": "电话回访", "en": "Phone follow-up"},
    "follow_up.mode.visit": {"zh_CN": "重点客户走访", "en": "Key-customer visit"},
    "follow_up.customer": {"zh_CN": "客户", "en": "Customer"},
    "follow_up.key_customer": {"zh_CN": "重点客户", "en": "Key customer"},
    "follow_up.request_number": {
        "zh_CN": "质量问题报修单号（24 小时内到位）",
        "en": "Service request (on site within 24 h)",
    },
    "follow_up.obligation": {"zh_CN": "回访计划", "en": "Follow-up schedule"},
    "follow_up.findings": {"zh_CN": "走访发现（按部门与设备型号）", "en": "Findings (by department and model)"},
    "follow_up.department": {"zh_CN": "客户部门", "en": "Department"},
    "follow_up.model": {"zh_CN": "设备型号", "en": "Equipment model"},
    "follow_up.finding": {"zh_CN": "意见与发现", "en": "What was found or heard"},
    "follow_up.add_finding": {"zh_CN": "添加走访发现", "en": "Add the finding"},
    "follow_up.finding_removed": {"zh_CN": "走访发现已删除。", "en": "Finding removed."},
    "follow_up.finding_added": {"zh_CN": "已添加走访发现。", "en": "Finding added."},
    "follow_up.remove": {"zh_CN": "删除", "en": "Remove"},
    "follow_up.no_findings": {"zh_CN": "尚无走访发现。", "en": "No findings yet."},
    "follow_up.history": {"zh_CN": "回访记录", "en": "Follow-ups"},
    "follow_up.none": {"zh_CN": "暂无回访记录。", "en": "No follow-ups yet."},
    "follow_up.nav.visit_reports": {"zh_CN": "走访报告", "en": "Visit reports"},
    "follow_up.reports": {"zh_CN": "重点客户年度走访报告", "en": "Key customers' yearly visit reports"},
    "follow_up.year": {"zh_CN": "年度", "en": "Year"},
    "follow_up.report.new": {"zh_CN": "生成报告草稿", "en": "Draft a report"},
    "follow_up.report.draft": {"zh_CN": "根据当年走访生成草稿", "en": "Draft from that year's visits"},
    "follow_up.report.help": {
        "zh_CN": "草稿汇总该客户当年的走访（时间、人员）及按部门与型号整理的发现；未批准前可重新生成。",
        "en": "The draft gathers that year's visits (when, who) and their findings by department and model.",
    },
    "follow_up.report.drafted": {"zh_CN": "已生成报告草稿。", "en": "Report drafted."},
    "follow_up.report.saved": {"zh_CN": "报告已保存。", "en": "Report saved."},
    "follow_up.report.approved_flash": {"zh_CN": "报告已批准。", "en": "Report approved."},
    "follow_up.report.title": {"zh_CN": "{customer} {year} 年度走访报告", "en": "{customer}: visit report {year}"},
    "follow_up.report.body": {"zh_CN": "报告正文", "en": "Report"},
    "follow_up.report.save": {"zh_CN": "保存修改", "en": "Save"},
    "follow_up.report.approve": {"zh_CN": "批准报告", "en": "Approve the report"},
    "follow_up.report.approve_hint": {
        "zh_CN": "报告须由撰写人以外的售后主管批准。",
        "en": "An after-sales lead other than its writer approves the report.",
    },
    "follow_up.report.status": {"zh_CN": "状态", "en": "Status"},
    "follow_up.report.status.draft": {"zh_CN": "草稿", "en": "Draft"},
    "follow_up.report.status.approved": {"zh_CN": "已批准", "en": "Approved"},
    "follow_up.report.writer": {"zh_CN": "撰写人", "en": "Written by"},
    "follow_up.report.approver": {"zh_CN": "批准人", "en": "Approved by"},
    "follow_up.report.none": {"zh_CN": "暂无走访报告。", "en": "No visit reports yet."},
    "follow_up.report.heading": {
        "zh_CN": "{customer} {year} 年度重点客户走访报告",
        "en": "{customer}: key-customer visits {year}",
    },
    "follow_up.report.visits": {"zh_CN": "一、走访情况（共 {count} 次）", "en": "1. Visits ({count})"},
    "follow_up.report.visit_line": {
        "zh_CN": "  {on}　走访人员：{visitors}　接待人员：{met}",
        "en": "  {on}  visited by: {visitors}  met: {met}",
    },
    "follow_up.report.findings": {
        "zh_CN": "二、用户意见与发现（按部门、设备型号）",
        "en": "2. Findings by department and model",
    },
    "follow_up.report.no_findings": {"zh_CN": "  （无）", "en": "  (none)"},
    "follow_up.report.analysis": {"zh_CN": "三、分析与改进建议", "en": "3. Analysis and improvements"},
    "follow_up.error.customer": {"zh_CN": "请选择客户。", "en": "Choose the customer."},
    "follow_up.error.unit": {
        "zh_CN": "电话回访请选择该客户的一台设备。",
        "en": "A phone follow-up needs one of the customer's units.",
    },
    "follow_up.error.no_findings": {
        "zh_CN": "请先在上方添加至少一条走访发现。",
        "en": "Add at least one finding above first.",
    },
    "follow_up.error.not_open": {
        "zh_CN": "此走访已完成，不能再修改。",
        "en": "This visit is done and can no longer change.",
    },
    "follow_up.error.not_key": {
        "zh_CN": "只有重点客户有年度走访报告。",
        "en": "Only key customers have a yearly visit report.",
    },
    "follow_up.error.report_approved": {
        "zh_CN": "报告已批准，不能再修改。",
        "en": "The report is approved and can no longer change.",
    },
    "follow_up.error.approver": {
        "zh_CN": "报告须由撰写人以外的售后主管批准。",
        "en": "An after-sales lead other than its writer approves the report.",
    },
}
