"""The archive's own catalogue entries (added when the app is built)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "error.unit_already_accepted": {
        "zh_CN": "设备 {serial} 已于 {accepted_on} 通过验收，不能再次验收。",
        "en": "Unit {serial} was already accepted on {accepted_on}; it cannot be accepted again.",
    },
    "action.unit_accepted": {"zh_CN": "设备通过验收（质保期起算）", "en": "Unit accepted (warranty starts)"},
}
