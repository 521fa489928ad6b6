"""The return and exchange process's texts."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nav.returns": {"zh_CN": "退换货", "en": "Returns"},
    "return.case": {"zh_CN": "退换货：{customer} · {serial}", "en": "Return: {customer} · {serial}"},
    "return.new": {"zh_CN": "登记退换货", "en": "Register a return or exchange"},
    "return.register": {"zh_CN": "登记", "en": "Register"},
    "return.registered": {
        "zh_CN": "已登记，任务已进入 {branch} 的待办",
        "en": "Registered: the task is in {branch}'s worklist",
    },
    "return.section": {"zh_CN": "退换货", "en": "Returns and exchanges"},
    "return.none": {"zh_CN": "暂无退换货", "en": "No returns or exchanges"},
    "return.branch": {"zh_CN": "受理网点", "en": "Branch"},
    "return.wanted": {"zh_CN": "客户要求", "en": "Wanted"},
    "return.reason": {"zh_CN": "退换原因", "en": "Reason"},
    "return.unit": {"zh_CN": "设备", "en": "Unit"},
    "return.customer": {"zh_CN": "客户", "en": "Customer"},
    "return.wanted.return": {"zh_CN": "退货", "en": "Return"},
    "return.wanted.exchange": {"zh_CN": "换货", "en": "Exchange"},
    "return.status.open": {"zh_CN": "办理中", "en": "Open"},
    "return.status.refused": {"zh_CN": "已拒绝并退回客户", "en": "Refused, sent back"},
    "return.status.replaced": {"zh_CN": "已换货", "en": "Replaced"},
    "return.status.refund_pending": {"zh_CN": "退款待批准", "en": "Refund awaiting approval"},
    "return.status.refunded": {"zh_CN": "已退款", "en": "Refunded"},
    "return.error.unit": {"zh_CN": "请选择设备", "en": "Choose the unit"},
    "return.error.not_your_customer": {
        "zh_CN": "该客户不由您的网点服务，请由服务该客户的网点登记",
        "en": "Your branch does not serve this customer: the branch that does registers it",
    },
    "return.error.refuse_reason": {"zh_CN": "不合格时请写明原因", "en": "Give the reason when it fails"},
    "return.error.refund_amount": {"zh_CN": "退款须写明大于 0 的金额", "en": "A refund needs an amount above 0"},
    "return.error.approver": {
        "zh_CN": "退款须由提出人以外、另一部门（办公室）的人批准",
        "en": "A refund is approved by someone of another group (office) than who asked",
    },
    "return.error.approval_comment": {"zh_CN": "不批准时请写明原因", "en": "Give the reason when not approving"},
}
