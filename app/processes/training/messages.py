"""The training process's texts."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "training.case": {"zh_CN": "培训：{customer}", "en": "Training: {customer}"},
    "training.sheet_title": {"zh_CN": "客户培训记录", "en": "Customer training record"},
    "training.number": {"zh_CN": "编号", "en": "No."},
    "training.customer": {"zh_CN": "客户", "en": "Customer"},
    "training.unit": {"zh_CN": "设备", "en": "Unit"},
    "training.topics": {"zh_CN": "培训内容", "en": "Topics"},
    "training.topic.operation": {"zh_CN": "设备正确操作使用知识", "en": "Correct operation"},
    "training.topic.basic_faults": {
        "zh_CN": "识别初级故障及必要的恢复方法",
        "en": "Recognising basic faults and recovering",
    },
    "training.topic.common_fixes": {"zh_CN": "常见故障排除方法", "en": "Common fixes"},
    "training.trainer": {"zh_CN": "培训项目师", "en": "Trainer"},
    "training.planned_on": {"zh_CN": "计划日期", "en": "Planned date"},
    "training.held_on": {"zh_CN": "培训日期", "en": "Held on"},
    "training.attendees": {"zh_CN": "参加人员", "en": "Attendees"},
    "training.attendee_name": {"zh_CN": "姓名", "en": "Name"},
    "training.attendee_department": {"zh_CN": "部门", "en": "Department"},
    "training.materials": {"zh_CN": "培训资料", "en": "Materials"},
    "training.signed_by": {"zh_CN": "客户代表", "en": "Customer's representative"},
    "training.signed_at": {"zh_CN": "签字时间", "en": "Signed at"},
    "training.signature": {"zh_CN": "客户代表签字", "en": "Representative's signature"},
    "training.section": {"zh_CN": "客户培训", "en": "Customer trainings"},
    "training.none": {"zh_CN": "暂无培训记录", "en": "No trainings yet"},
    "training.error.customer": {"zh_CN": "请选择客户", "en": "Choose the customer"},
    "training.error.unit": {"zh_CN": "该客户没有这个序列号的设备", "en": "The customer has no unit with this serial"},
    "training.error.trainer": {"zh_CN": "请选择一位在职的维修工程师", "en": "Choose an active service engineer"},
    "training.error.attendees": {
        "zh_CN": "每行写一人：姓名，部门（第 {line} 行不完整）",
        "en": "One person a line: name, department (line {line} is incomplete)",
    },
    "training.error.no_attendees": {"zh_CN": "至少写一位参加人员", "en": "Name at least one attendee"},
    "training.error.materials": {
        "zh_CN": "每行写一项：名称 链接（第 {line} 行的链接须以 http:// 或 https:// 开头）",
        "en": "One item a line: name and link (line {line}: a link starts with http:// or https://)",
    },
    "training.error.signature": {"zh_CN": "请客户代表签字", "en": "The representative must sign"},
}
