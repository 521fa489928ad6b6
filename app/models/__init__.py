from .archive import Contact, Contract, Customer, CustomerDepartment, EquipmentModel, EquipmentUnit
from .audit import AuditChainHead, AuditEvent
from .base import Base, utcnow
from .processes import HumanTask, MessageSubscription, ProcessDefinition, ProcessInstance, ProcessTimer
from .service import (
    CHANNELS,
    ContractPartPrice,
    Correspondence,
    DepositEntry,
    Loan,
    LoanerUnit,
    PartMovement,
    ServiceRecord,
    ServiceRequest,
    SlaClock,
    SparePart,
)
from .users import ApiToken, Group, User, user_groups

__all__ = [
    "CHANNELS",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Contact",
    "Contract",
    "ContractPartPrice",
    "Correspondence",
    "Customer",
    "CustomerDepartment",
    "DepositEntry",
    "EquipmentModel",
    "EquipmentUnit",
    "Group",
    "HumanTask",
    "Loan",
    "LoanerUnit",
    "MessageSubscription",
    "PartMovement",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessTimer",
    "ServiceRecord",
    "ServiceRequest",
    "SlaClock",
    "SparePart",
    "User",
    "user_groups",
    "utcnow",
]
