"""The complaint process's own texts (the dispute branch, R17)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "complaint.error.coordinator_required": {
        "zh_CN": "有争议时请指定协调人。",
        "en": "Name the coordinator for a dispute.",
    },
    "complaint.error.coordinator_unknown": {
        "zh_CN": "协调人须为售后主管。",
        "en": "The coordinator must be an after-sales lead.",
    },
    "complaint.error.dispute_agreed": {
        "zh_CN": "客户已同意时不存在争议。",
        "en": "A customer who agrees has no dispute.",
    },
}
