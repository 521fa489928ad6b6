"""The platform's tables: users and groups, deployed processes and their instances, human
tasks, timers, message subscriptions and the audit trail."""

from .audit import AuditChainHead, AuditEvent
from .base import Base, JsonDocument, utcnow
from .mail import OutboxMail
from .processes import (
    HumanTask,
    InstanceStatus,
    MessageSubscription,
    ProcessDefinition,
    ProcessInstance,
    ProcessTimer,
    TaskStatus,
    TimerStatus,
)
from .users import ApiToken, Group, LoginAttempt, User, WebSession, user_groups

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Group",
    "HumanTask",
    "InstanceStatus",
    "JsonDocument",
    "LoginAttempt",
    "MessageSubscription",
    "OutboxMail",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessTimer",
    "TaskStatus",
    "TimerStatus",
    "User",
    "WebSession",
    "user_groups",
    "utcnow",
]
