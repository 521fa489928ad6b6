"""The only package that imports SpiffWorkflow. It returns plain dataclasses."""

from .clock import engine_time, utcnow
from .diagrams import (
    DiagramInvalid,
    DiagramProblem,
    ElementSignature,
    ProcessModel,
    UserTaskInfo,
    element_signatures,
    parse_diagram,
)
from .runtime import (
    EngineError,
    MigrationCheck,
    NoMatchingEvent,
    OpenWork,
    PendingTimer,
    ProcessRun,
    ReadyTask,
    Snapshot,
    TaskNotReady,
)
from .scripting import RESERVED_NAMES, ScriptRefused
from .xml_safety import XmlProblem

__all__ = [
    "RESERVED_NAMES",
    "DiagramInvalid",
    "DiagramProblem",
    "ElementSignature",
    "EngineError",
    "MigrationCheck",
    "NoMatchingEvent",
    "OpenWork",
    "PendingTimer",
    "ProcessModel",
    "ProcessRun",
    "ReadyTask",
    "ScriptRefused",
    "Snapshot",
    "TaskNotReady",
    "UserTaskInfo",
    "XmlProblem",
    "element_signatures",
    "engine_time",
    "parse_diagram",
    "utcnow",
]
