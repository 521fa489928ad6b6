"""A restricted environment for scripts and expressions in diagrams.

Deploying a diagram is deploying code: every script task, gateway condition, timer expression
and message payload is compiled with RestrictedPython's `compile_restricted_*` (which refuses
imports, dunder names and attribute walks at compile time) and runs with size-guarded builtins,
operators and methods (`script_bounds`: work that one C call would do is bounded before the
call starts) and a wall-clock budget enforced by a trace function (for Python-level loops).
Timer expressions must give durations and cycles within the engine's limits.
"""

from __future__ import annotations

import ast
import re
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import limits
from .script_bounds import (
    BUILTINS,
    MATH,
    MAX_INT_BITS,
    MAX_SEQUENCE,
    ListWriter,
    ScriptRefused,
    check_formatted,
    check_operation,
    check_result,
    guarded_method,
    starred,
)

__all__ = ["MAX_INT_BITS", "MAX_SEQUENCE", "ScriptFailed", "ScriptRefused", "make_script_engine"]

DEFAULT_TIME_LIMIT = 1.0
MAX_TIMER_TEXT = 100  # characters of a timer value an expression gives
_GUARDED_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Mult: "*",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.Mod: "%",
}


def _guarded_write(obj: Any) -> Any:
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, list):
        return ListWriter(obj)
    raise ScriptRefused(f"scripts may not change {type(obj).__name__} objects")


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    method = guarded_method(obj, name)
    if method is not None:
        return method
    return safer_getattr(obj, name, default)


_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "//": lambda x, y: x // y,
    "**": lambda x, y: x**y,
    "<<": lambda x, y: x << y,
    "%": lambda x, y: x % y,
}


def _guarded_binop(op: str, a: Any, b: Any) -> Any:
    check_operation(op, a, b)
    return _OPERATIONS[op](a, b)


_INPLACE = frozenset({"+=", "-=", "*=", "/=", "//=", "%="})


def _guarded_inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise ScriptRefused(f"operator {op} is not allowed")
    return _guarded_binop(op[:-1], x, y)


def _call(name: str, value: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=[value], keywords=[])


class _SizeGuardingPolicy(RestrictingNodeTransformer):  # type: ignore[misc]
    """RestrictedPython's policy, plus: `*`, `**`, `<<` and `%` go through `_binop_`, which
    refuses results too big to build; f-string format specs must be short literals and the
    values an f-string prints go through `_fmt_`; `*items` in a display through `_starred_`."""

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        spec = node.format_spec
        literal = isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values)
        if spec is not None and (not literal or re.search(r"\d{4,}", ast.unparse(spec))):
            self.error(node, "f-string format specs must be short literals")
        node = self.node_contents_visit(node)
        node.value = ast.fix_missing_locations(ast.copy_location(_call("_fmt_", node.value), node.value))
        return node

    def visit_Starred(self, node: ast.Starred) -> Any:
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = ast.fix_missing_locations(ast.copy_location(_call("_starred_", node.value), node.value))
        return node


_GLOBALS: dict[str, Any] = {
    "__builtins__": BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _guarded_write,
    "_inplacevar_": _guarded_inplacevar,
    "_binop_": _guarded_binop,
    "_fmt_": check_formatted,
    "_starred_": starred,
    "math": MATH,
}


def _restricted_globals() -> dict[str, Any]:
    return dict(_GLOBALS)


RESERVED_NAMES = frozenset(_restricted_globals())


@lru_cache(maxsize=2048)
def compile_expression(source: str) -> CodeType:
    result = compile_restricted_eval(source.strip(), "<expression>", policy=_SizeGuardingPolicy)
    if result.errors or result.code is None:
        raise ScriptRefused("; ".join(result.errors) or "does not compile")
    code: CodeType = result.code
    return code


@lru_cache(maxsize=1024)
def compile_script(source: str) -> CodeType:
    result = compile_restricted_exec(source, "<script>", policy=_SizeGuardingPolicy)
    if result.errors or result.code is None:
        raise ScriptRefused("; ".join(result.errors) or "does not compile")
    code: CodeType = result.code
    return code


class ScriptFailed(Exception):
    """A script or expression raised an error (a name not defined, a type error, ...)."""


def _run_guarded(code: CodeType, env: dict[str, Any], seconds: float) -> Any:
    try:
        return _run_with_deadline(code, env, seconds)
    except ScriptRefused:
        raise
    except Exception as err:  # noqa: BLE001 - whatever the script raised, as a str for Spiff
        raise ScriptFailed(f"{type(err).__name__}: {err}") from None


class _Deadline:
    """Raises inside the running script once its budget is spent (a trace function, so it
    works in any thread, unlike signal.alarm)."""

    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds
        self.seconds = seconds

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > self.until:
            raise ScriptRefused(f"ran longer than {self.seconds:g} s")
        return self


def _run_with_deadline(code: CodeType, env: dict[str, Any], seconds: float) -> Any:
    previous = sys.gettrace()
    sys.settrace(_Deadline(seconds))
    try:
        return eval(code, env)  # noqa: S307 - compiled by RestrictedPython, guarded globals
    finally:
        sys.settrace(previous)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """SpiffWorkflow script environment that runs everything through RestrictedPython."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        super().__init__({})
        self.time_limit = time_limit

    def _env(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        env = _restricted_globals()
        for key, value in {**(external or {}), **context}.items():
            if key not in RESERVED_NAMES:
                env[key] = value
        return env

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        code = compile_expression(expression)
        value = _run_guarded(code, self._env(context, external_context), self.time_limit)
        check_result("the expression's value", value)
        return value

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        code = compile_script(script)
        env = self._env(context, external_context)
        _run_guarded(code, env, self.time_limit)
        for key in list(context):
            if key not in env:
                del context[key]
        for key, value in env.items():
            if key not in RESERVED_NAMES and not key.startswith("_") and not callable(value):
                check_result(key, value)
                context[key] = value
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptRefused("service tasks are not supported")


class BoundedScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine over the restricted environment; the values of timer
    expressions are checked against the engine's limits before SpiffWorkflow reads them (its
    month arithmetic spends seconds on `P300000Y`, and `R/PT0S` re-arms forever)."""

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        try:
            value = self.environment.evaluate(expression, task.data, external_context)
            problem = timer_value_problem(_timer_kind(task, expression), value)
            if problem is not None:
                raise ScriptRefused(problem)
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            error = WorkflowTaskException(f"Error evaluating expression '{expression}'", task=task, exception=err)
            if isinstance(err, ScriptRefused):
                error.exception = err  # the reason goes into the engine error's message
            raise error from err
        return value


def _timer_kind(task: Any, expression: str) -> str | None:
    """timeDuration, timeCycle or timeDate when `expression` is a timer of `task`'s event."""
    definitions = [getattr(task.task_spec, "event_definition", None)]
    while definitions:
        definition = definitions.pop()
        if isinstance(definition, MultipleEventDefinition):
            definitions.extend(definition.event_definitions)
        elif isinstance(definition, TimerEventDefinition) and definition.expression == expression:
            if isinstance(definition, DurationTimerEventDefinition):
                return "timeDuration"
            return "timeCycle" if isinstance(definition, CycleTimerEventDefinition) else "timeDate"
    return None


def timer_value_problem(kind: str | None, value: Any) -> str | None:
    """Why the value a timer expression gave is outside the engine's limits, or None (also
    for values that are no timer at all: SpiffWorkflow reports those)."""
    if kind is None or not isinstance(value, str):
        return None
    if len(value) > MAX_TIMER_TEXT:
        return f"a timer value of more than {MAX_TIMER_TEXT} characters"
    if kind == "timeDate":
        return None
    longest = limits.LIMITS.max_timer
    if kind == "timeDuration":
        length = _duration_length(value)
        if length is not None and length > longest.total_seconds():
            return f"{value} is longer than the longest timer allowed ({longest.days} days)"
        return None
    for part in value.upper().replace("--", "/").strip("R").split("/"):
        length = _duration_length(part) if part.startswith("P") else None
        if length is not None and length > longest.total_seconds():
            return f"the cycle {value} has an interval longer than {longest.days} days"
    return limits.timer_problem("timeCycle", value.strip().upper())


_DURATION_SECONDS = {
    "years": 365.25 * 86400,
    "months": 30.5 * 86400,
    "weeks": 7 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}


def _duration_length(text: str) -> float | None:
    """Seconds in an ISO 8601 duration (years and months by their mean), read the way
    SpiffWorkflow reads it but without its month-by-month arithmetic; None when it is none."""
    exact = limits.iso_duration(text.strip().upper())
    if exact is not None:
        return exact.total_seconds()
    try:
        parts = TimerEventDefinition.parse_iso_duration(text)
    except Exception:  # noqa: BLE001 - not a duration: SpiffWorkflow says so when it reads it
        return None
    return float(sum(float(value) * _DURATION_SECONDS[key] for key, value in parts.items()))


def make_script_engine(time_limit: float = DEFAULT_TIME_LIMIT) -> PythonScriptEngine:
    return BoundedScriptEngine(environment=RestrictedEnvironment(time_limit))


def check_expression(source: str) -> str | None:
    """None when the expression compiles under the restrictions, else the reason."""
    try:
        compile_expression(source)
    except ScriptRefused as err:
        return str(err)
    except SyntaxError as err:
        return f"syntax error: {err.msg}"
    return None


def check_script(source: str) -> str | None:
    try:
        compile_script(source)
    except ScriptRefused as err:
        return str(err)
    except SyntaxError as err:
        return f"syntax error: {err.msg}"
    return None
