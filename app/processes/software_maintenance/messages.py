"""The software maintenance process's texts (zh_CN, en)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "software_maintenance.case": {"zh_CN": "软件维护 · {serial} · {name}", "en": "Software · {serial} · {name}"},
    "software_maintenance.unit": {"zh_CN": "设备", "en": "Unit"},
    "software_maintenance.customer": {"zh_CN": "客户", "en": "Customer"},
    "software_maintenance.model": {"zh_CN": "型号", "en": "Model"},
    "software_maintenance.campaign": {"zh_CN": "批量升级", "en": "Campaign"},
    "software_maintenance.software": {"zh_CN": "软件", "en": "Software"},
    "software_maintenance.kind": {"zh_CN": "类型", "en": "Kind"},
    "software_maintenance.kind.upgrade": {"zh_CN": "升级", "en": "Upgrade"},
    "software_maintenance.kind.patch": {"zh_CN": "补丁", "en": "Patch"},
    "software_maintenance.mode": {"zh_CN": "方式", "en": "Done"},
    "software_maintenance.mode.on_site": {"zh_CN": "现场", "en": "On site"},
    "software_maintenance.mode.remote": {"zh_CN": "远程", "en": "Remotely"},
    "software_maintenance.version_before": {"zh_CN": "升级前版本", "en": "Version before"},
    "software_maintenance.target_version": {"zh_CN": "目标版本", "en": "Target version"},
    "software_maintenance.version_after": {"zh_CN": "升级后版本", "en": "Version after"},
    "software_maintenance.window": {"zh_CN": "与客户约定的时间窗口", "en": "Window agreed with the customer"},
    "software_maintenance.agreed_with": {"zh_CN": "客户确认人", "en": "Agreed with"},
    "software_maintenance.test_notes": {"zh_CN": "测试情况", "en": "Test"},
    "software_maintenance.rollback": {"zh_CN": "回退记录", "en": "Rollback"},
    "software_maintenance.status": {"zh_CN": "状态", "en": "Status"},
    "software_maintenance.status.to_plan": {"zh_CN": "待安排", "en": "To be planned"},
    "software_maintenance.status.planned": {"zh_CN": "已安排", "en": "Planned"},
    "software_maintenance.status.failed": {"zh_CN": "测试未通过，待回退", "en": "Test failed, to roll back"},
    "software_maintenance.status.rolled_back": {"zh_CN": "已回退（版本未变）", "en": "Rolled back (version unchanged)"},
    "software_maintenance.status.tested": {"zh_CN": "测试通过，待客户签字", "en": "Tested, to be signed"},
    "software_maintenance.status.upgraded": {"zh_CN": "已升级，客户已签字", "en": "Upgraded and signed"},
    "software_maintenance.history": {"zh_CN": "软件维护记录", "en": "Software maintenance"},
    "software_maintenance.none": {"zh_CN": "暂无软件维护记录。", "en": "No software maintenance yet."},
    "software_maintenance.campaigns": {"zh_CN": "软件批量升级", "en": "Software campaigns"},
    "software_maintenance.new_campaign": {"zh_CN": "按型号批量安排升级", "en": "Plan an upgrade for a whole model"},
    "software_maintenance.start_campaign": {"zh_CN": "为每台设备发起升级", "en": "Start one upgrade per unit"},
    "software_maintenance.campaign_title": {
        "zh_CN": "批量升级 #{id}：{model} · {name} → {version}",
        "en": "Campaign #{id}: {model} · {name} → {version}",
    },
    "software_maintenance.campaign_started": {
        "zh_CN": "已为 {n} 台设备发起升级。",
        "en": "An upgrade was started for {n} units.",
    },
    "software_maintenance.campaign_hint": {
        "zh_CN": "为该型号中运行此软件、且在维护期内的每台设备各发起一个升级流程（单次最多 {max} 台）。",
        "en": "Starts one upgrade for every unit of the model that runs this software within its maintenance"
        " period (at most {max} units at once).",
    },
    "software_maintenance.note": {"zh_CN": "说明", "en": "Note"},
    "software_maintenance.progress": {"zh_CN": "进度", "en": "Progress"},
    "software_maintenance.no_campaigns": {"zh_CN": "暂无批量升级。", "en": "No campaigns yet."},
    "software_maintenance.signature": {"zh_CN": "客户签字", "en": "Customer's signature"},
    "software_maintenance.error.unit": {"zh_CN": "请选择要维护软件的设备。", "en": "Choose the unit."},
    "software_maintenance.error.not_accepted": {
        "zh_CN": "设备 {serial} 尚未终验，维护期未开始，不能安排软件维护。",
        "en": "Unit {serial} is not finally accepted yet: its maintenance period has not begun.",
    },
    "software_maintenance.error.outside": {
        "zh_CN": "设备 {serial} 的维护期已于 {end} 结束；维护期外的软件升级属有偿服务，请与业务部商定。",
        "en": "The maintenance period of unit {serial} ended on {end}; an upgrade after it is paid service"
        " to agree with sales.",
    },
    "software_maintenance.error.software": {
        "zh_CN": "该设备未登记此软件。已登记：{names}",
        "en": "The unit has no such software recorded. Recorded: {names}",
    },
    "software_maintenance.error.same_version": {
        "zh_CN": "目标版本与当前版本相同。",
        "en": "The target version is the version installed now.",
    },
    "software_maintenance.error.window": {
        "zh_CN": "时间窗口的结束须晚于开始。",
        "en": "The window must end after it starts.",
    },
    "software_maintenance.error.model": {"zh_CN": "请选择设备型号。", "en": "Choose an equipment model."},
    "software_maintenance.error.no_units": {
        "zh_CN": "该型号中没有在维护期内运行此软件（且版本不同）的设备。",
        "en": "No unit of this model runs this software (in another version) within its maintenance period.",
    },
    "software_maintenance.error.too_many": {
        "zh_CN": "此次升级涉及 {n} 台设备，超过单次上限 {max} 台，请分批安排。",
        "en": "This upgrade concerns {n} units, more than the {max} one campaign may start; plan it in parts.",
    },
}
