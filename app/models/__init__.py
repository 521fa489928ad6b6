from .archive import Contact, Contract, Customer, CustomerDepartment, EquipmentModel, EquipmentUnit
from .audit import AuditChainHead, AuditEvent
from .base import Base, utcnow
from .processes import HumanTask, MessageSubscription, ProcessDefinition, ProcessInstance, ProcessTimer
from .users import ApiToken, Group, User, user_groups

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Contact",
    "Contract",
    "Customer",
    "CustomerDepartment",
    "EquipmentModel",
    "EquipmentUnit",
    "Group",
    "HumanTask",
    "MessageSubscription",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessTimer",
    "User",
    "user_groups",
    "utcnow",
]
