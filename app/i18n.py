"""UI languages: Chinese (zh_CN, the default) and English. One catalogue, keyed by message id."""

from __future__ import annotations

from typing import Any

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"

MESSAGES: dict[str, dict[str, str]] = {
    # form validation
    "form.required": {"zh_CN": "此项为必填项。", "en": "This field is required."},
    "form.invalid": {"zh_CN": "格式不正确。", "en": "Not a valid value."},
    "form.length": {"zh_CN": "长度应在 {min} 到 {max} 个字符之间。", "en": "Length must be between {min} and {max}."},
    "form.range": {"zh_CN": "数值应在 {min} 到 {max} 之间。", "en": "Must be between {min} and {max}."},
    "form.choice": {"zh_CN": "请从列表中选择。", "en": "Choose one of the listed options."},
    "form.email": {"zh_CN": "请输入有效的电子邮箱地址。", "en": "Not a valid e-mail address."},
    "form.unknown": {"zh_CN": "表单中没有此字段。", "en": "Unknown field."},
    "form.unique": {"zh_CN": "选项不能重复。", "en": "Items must be unique."},
    "form.min_items": {"zh_CN": "至少选择 {min} 项。", "en": "Choose at least {min}."},
    "form.has_errors": {
        "zh_CN": "表单有错误，请修改后再提交。",
        "en": "The form has errors; correct them and submit again.",
    },
    # errors
    "error.not_found": {"zh_CN": "找不到该对象。", "en": "Not found."},
    "error.forbidden": {"zh_CN": "您无权执行此操作。", "en": "You are not allowed to do this."},
    "error.unauthorized": {"zh_CN": "请先登录。", "en": "Please log in."},
    "error.conflict": {
        "zh_CN": "该任务已被处理或已被他人修改，请刷新后重试。",
        "en": "This task was completed or changed meanwhile; reload and try again.",
    },
    "error.task_taken": {"zh_CN": "该任务已由 {user} 认领。", "en": "This task is held by {user}."},
    "error.bad_request": {"zh_CN": "请求格式不正确。", "en": "The request is malformed."},
    "error.csrf": {
        "zh_CN": "页面已过期，请刷新后重新提交。",
        "en": "The page has expired; reload it and submit again.",
    },
    "error.engine": {"zh_CN": "流程无法继续：{detail}", "en": "The process cannot go on: {detail}"},
    "error.login": {"zh_CN": "用户名或密码不正确。", "en": "Wrong user name or password."},
    "error.no_process": {"zh_CN": "没有已部署的流程 {process_id}。", "en": "No deployed process {process_id}."},
    "error.internal": {"zh_CN": "服务器内部错误，已记录。", "en": "Internal error; it has been logged."},
    "error.too_large": {"zh_CN": "请求过大。", "en": "The request is too large."},
    "error.reserved_fields": {
        "zh_CN": "字段名不可用（以 _ 开头或与脚本保留名冲突）：{fields}",
        "en": "Field names not allowed (starting with _ or reserved for scripts): {fields}",
    },
    "error.correlation_required": {
        "zh_CN": "消息必须带有关联条件（correlation），例如业务编号。",
        "en": "A message needs a correlation, e.g. a business key.",
    },
    "error.database": {"zh_CN": "数据库暂时不可用，请稍后重试。", "en": "The database is unavailable; retry shortly."},
    "error.rate": {"zh_CN": "请求过多，请稍后再试。", "en": "Too many requests; try again shortly."},
    "error.not_waiting": {
        "zh_CN": "没有流程实例在等待该消息。",
        "en": "No process instance is waiting for this message.",
    },
    "error.method": {"zh_CN": "不支持该请求方法。", "en": "Method not allowed."},
    # UI
    "app.name": {"zh_CN": "售后服务管理", "en": "Shouhou After-sales"},
    "nav.worklist": {"zh_CN": "我的待办", "en": "My worklist"},
    "nav.start": {"zh_CN": "发起流程", "en": "Start a process"},
    "nav.instances": {"zh_CN": "流程实例", "en": "Process instances"},
    "nav.logout": {"zh_CN": "退出", "en": "Log out"},
    "nav.language": {"zh_CN": "English", "en": "中文"},
    "nav.processes": {"zh_CN": "流程版本", "en": "Processes"},
    "deploy.title": {"zh_CN": "部署新版本", "en": "Deploy a new version"},
    "deploy.file": {"zh_CN": "BPMN 文件（表单取自 forms/）", "en": "BPMN file (forms from forms/)"},
    "deploy.submit": {"zh_CN": "校验并部署", "en": "Validate and deploy"},
    "deploy.no_file": {"zh_CN": "请选择一个 BPMN 文件。", "en": "Choose a BPMN file."},
    "deploy.refused": {
        "zh_CN": "流程图未通过校验，未部署。",
        "en": "The diagram did not validate; nothing was deployed.",
    },
    "deploy.deployed": {
        "zh_CN": "已部署 {process_id} 第 {version} 版。",
        "en": "Deployed {process_id} version {version}.",
    },
    "deploy.unchanged": {
        "zh_CN": "{process_id} 第 {version} 版内容相同，未新建版本。",
        "en": "{process_id} version {version} is the same; no new version.",
    },
    "deploy.problems": {"zh_CN": "问题", "en": "Problems"},
    "deploy.element": {"zh_CN": "元素", "en": "Element"},
    "deploy.only_owners": {"zh_CN": "只有流程负责人可以部署。", "en": "Only process owners may deploy."},
    "version.version": {"zh_CN": "版本", "en": "Version"},
    "version.deployed_at": {"zh_CN": "部署时间", "en": "Deployed"},
    "version.deployed_by": {"zh_CN": "部署人", "en": "By"},
    "version.running": {"zh_CN": "运行中", "en": "Running"},
    "version.finished": {"zh_CN": "已完成", "en": "Finished"},
    "nav.equipment": {"zh_CN": "设备档案", "en": "Equipment"},
    "nav.customers": {"zh_CN": "客户档案", "en": "Customers"},
    "equipment.search": {"zh_CN": "按序列号、型号或客户搜索", "en": "Search by serial, model or customer"},
    "equipment.serial": {"zh_CN": "序列号", "en": "Serial"},
    "equipment.model": {"zh_CN": "型号", "en": "Model"},
    "equipment.customer": {"zh_CN": "客户", "en": "Customer"},
    "equipment.department": {"zh_CN": "部门", "en": "Department"},
    "equipment.location": {"zh_CN": "位置", "en": "Location"},
    "equipment.contract": {"zh_CN": "合同", "en": "Contract"},
    "equipment.accepted_on": {"zh_CN": "终验日期", "en": "Final acceptance"},
    "equipment.warranty_end": {"zh_CN": "质保截止", "en": "Warranty until"},
    "equipment.maintenance_end": {"zh_CN": "维护期截止", "en": "Maintenance until"},
    "equipment.spare_parts_until": {"zh_CN": "备件供应至", "en": "Spare parts until"},
    "equipment.in_warranty": {"zh_CN": "保修期内", "en": "In warranty"},
    "equipment.out_of_warranty": {"zh_CN": "已过保", "en": "Out of warranty"},
    "equipment.none": {"zh_CN": "没有符合条件的设备。", "en": "No matching equipment."},
    "equipment.history": {"zh_CN": "服务记录", "en": "Service history"},
    "customer.key": {"zh_CN": "重点客户", "en": "Key customer"},
    "customer.category": {"zh_CN": "类别", "en": "Category"},
    "customer.departments": {"zh_CN": "部门", "en": "Departments"},
    "customer.contacts": {"zh_CN": "联系人", "en": "Contacts"},
    "login.title": {"zh_CN": "登录", "en": "Log in"},
    "login.username": {"zh_CN": "用户名", "en": "User name"},
    "login.password": {"zh_CN": "密码", "en": "Password"},
    "login.submit": {"zh_CN": "登录", "en": "Log in"},
    "worklist.title": {"zh_CN": "我的待办", "en": "My worklist"},
    "worklist.mine": {"zh_CN": "我认领的任务", "en": "Assigned to me"},
    "worklist.group": {"zh_CN": "我所在组的待认领任务", "en": "Open to my groups"},
    "worklist.empty": {"zh_CN": "没有任务。", "en": "No tasks."},
    "task.task": {"zh_CN": "任务", "en": "Task"},
    "task.process": {"zh_CN": "流程", "en": "Process"},
    "task.group": {"zh_CN": "候选组", "en": "Group"},
    "task.assignee": {"zh_CN": "处理人", "en": "Assignee"},
    "task.due": {"zh_CN": "期限", "en": "Due"},
    "task.created": {"zh_CN": "创建时间", "en": "Created"},
    "task.overdue": {"zh_CN": "已逾期", "en": "overdue"},
    "task.claim": {"zh_CN": "认领", "en": "Claim"},
    "task.release": {"zh_CN": "释放", "en": "Release"},
    "task.open": {"zh_CN": "办理", "en": "Open"},
    "task.save_draft": {"zh_CN": "保存草稿", "en": "Save draft"},
    "task.complete": {"zh_CN": "提交", "en": "Complete"},
    "task.completed": {"zh_CN": "任务已完成。", "en": "Task completed."},
    "task.claimed": {"zh_CN": "已认领任务。", "en": "Task claimed."},
    "task.released": {"zh_CN": "已释放任务。", "en": "Task released."},
    "task.draft_saved": {"zh_CN": "草稿已保存。", "en": "Draft saved."},
    "task.not_open": {"zh_CN": "该任务已不再待办。", "en": "This task is no longer open."},
    "task.claim_first": {"zh_CN": "请先认领该任务再办理。", "en": "Claim this task before working on it."},
    "task.yes": {"zh_CN": "是", "en": "Yes"},
    "task.no": {"zh_CN": "否", "en": "No"},
    "task.choose": {"zh_CN": "请选择", "en": "Choose"},
    "task.instance_data": {"zh_CN": "业务数据", "en": "Business data"},
    "start.title": {"zh_CN": "发起流程", "en": "Start a process"},
    "start.submit": {"zh_CN": "发起", "en": "Start"},
    "start.business_key": {"zh_CN": "业务编号（可选）", "en": "Business key (optional)"},
    "start.started": {"zh_CN": "流程已发起。", "en": "Process started."},
    "instance.title": {"zh_CN": "流程实例", "en": "Process instance"},
    "instance.status": {"zh_CN": "状态", "en": "Status"},
    "instance.version": {"zh_CN": "版本", "en": "Version"},
    "instance.started": {"zh_CN": "发起时间", "en": "Started"},
    "instance.started_by": {"zh_CN": "发起人", "en": "Started by"},
    "instance.open_tasks": {"zh_CN": "当前任务", "en": "Current tasks"},
    "instance.history": {"zh_CN": "历史记录", "en": "History"},
    "instance.none": {"zh_CN": "没有流程实例。", "en": "No process instances."},
    "instance.diagram": {"zh_CN": "流程图", "en": "Diagram"},
    "diagram.done": {"zh_CN": "用时", "en": "took"},
    "diagram.error": {"zh_CN": "流程图无法显示。", "en": "The diagram cannot be shown."},
    "diagram.legend_done": {"zh_CN": "已完成", "en": "done"},
    "diagram.legend_active": {"zh_CN": "进行中", "en": "open now"},
    "diagram.legend_waiting": {"zh_CN": "等待中（定时器）", "en": "waiting (timer)"},
    "history.filter": {"zh_CN": "筛选", "en": "Filter"},
    "history.at": {"zh_CN": "时间", "en": "Time"},
    "history.actor": {"zh_CN": "操作人", "en": "Actor"},
    "history.action": {"zh_CN": "操作", "en": "Action"},
    "history.changes": {"zh_CN": "数据变更", "en": "Changes"},
    "status.running": {"zh_CN": "进行中", "en": "Running"},
    "status.completed": {"zh_CN": "已完成", "en": "Completed"},
    "status.error": {"zh_CN": "出错", "en": "Error"},
    "action.deployed": {"zh_CN": "部署流程", "en": "Deployed"},
    "action.instance_started": {"zh_CN": "发起流程", "en": "Started"},
    "action.task_claimed": {"zh_CN": "认领任务", "en": "Claimed"},
    "action.task_released": {"zh_CN": "释放任务", "en": "Released"},
    "action.task_draft_saved": {"zh_CN": "保存草稿", "en": "Draft saved"},
    "action.task_completed": {"zh_CN": "完成任务", "en": "Completed"},
    "action.timer_fired": {"zh_CN": "定时器触发", "en": "Timer fired"},
    "action.message_received": {"zh_CN": "收到消息", "en": "Message received"},
    "action.instance_completed": {"zh_CN": "流程结束", "en": "Process finished"},
    "action.instance_failed": {"zh_CN": "流程出错", "en": "Process error"},
    "actor.system": {"zh_CN": "系统", "en": "System"},
}


def translate(key: str, locale: str, **params: Any) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(locale) or entry[DEFAULT_LOCALE]
    return text.format(**params) if params else text


def negotiate(requested: str | None, accept_language: str | None) -> str:
    if requested in LOCALES:
        return requested
    if accept_language and accept_language.lower().startswith("en"):
        return "en"
    return DEFAULT_LOCALE
