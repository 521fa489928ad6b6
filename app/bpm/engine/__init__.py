"""The only package that imports SpiffWorkflow. It returns plain dataclasses."""

from .clock import engine_time, utcnow
from .diagrams import (
    GENERATED_FORM,
    DiagramInvalid,
    DiagramProblem,
    ElementSignature,
    ProcessModel,
    UserTaskInfo,
    called_processes,
    element_signatures,
    parse_diagram,
)
from .foreign import DeployOptions
from .limits import EngineLimits, configure
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
    "GENERATED_FORM",
    "RESERVED_NAMES",
    "DeployOptions",
    "DiagramInvalid",
    "DiagramProblem",
    "ElementSignature",
    "EngineError",
    "EngineLimits",
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
    "called_processes",
    "configure",
    "element_signatures",
    "engine_time",
    "parse_diagram",
    "utcnow",
]
