"""The service network's texts."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "nav.branches": {"zh_CN": "服务网络", "en": "Service network"},
    "branches.title": {"zh_CN": "服务网络（总部服务中心、办事处、本地服务组）", "en": "Service network"},
    "branches.code": {"zh_CN": "编号", "en": "Code"},
    "branches.name": {"zh_CN": "名称", "en": "Name"},
    "branches.kind": {"zh_CN": "类型", "en": "Kind"},
    "branches.city": {"zh_CN": "城市", "en": "City"},
    "branches.staff": {"zh_CN": "人员", "en": "Staff"},
    "branches.customers": {"zh_CN": "服务的客户", "en": "Customers served"},
    "branches.none": {"zh_CN": "无", "en": "None"},
    "branches.kind.head_office_service_centre": {"zh_CN": "总部售后服务中心", "en": "Head-office service centre"},
    "branches.kind.branch_office": {"zh_CN": "办事处", "en": "Branch office"},
    "branches.kind.local_team": {"zh_CN": "本地服务组", "en": "Local team"},
    "branches.assign": {"zh_CN": "指定服务网点", "en": "Assign a branch"},
    "branches.assign_submit": {"zh_CN": "保存", "en": "Save"},
    "branches.assigned": {"zh_CN": "已保存：{customer} 由 {branch} 服务", "en": "Saved: {branch} serves {customer}"},
    "branches.error.customer": {"zh_CN": "请选择客户", "en": "Choose the customer"},
    "branches.error.branch": {"zh_CN": "请选择服务网点", "en": "Choose the branch"},
    "branches.serves": {"zh_CN": "服务网点", "en": "Served by"},
}
