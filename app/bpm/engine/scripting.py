"""A restricted environment for scripts and expressions in diagrams.

Deploying a diagram is deploying code: every script task, gateway condition, timer expression
and message payload is compiled with RestrictedPython's `compile_restricted_*` (which refuses
imports, dunder names and attribute walks at compile time) and runs with guarded builtins and a
wall-clock budget enforced by a trace function.
"""

from __future__ import annotations

import ast
import math
import re
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.Limits import limited_builtins
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

DEFAULT_TIME_LIMIT = 1.0
MAX_SEQUENCE = 100_000  # items or characters one operation may build
MAX_INT_BITS = 64 * 1024
_BIG_FORMAT = re.compile(r"%[-+ #0]*(\*|\d{5,}|\.(\*|\d{5,}))")
_GUARDED_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Mult: "*",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.Mod: "%",
}
# String methods that build strings of a requested width in one uninterruptible C call.
_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


class ScriptRefused(Exception):
    """A script or expression that may not run: it does not compile under the restrictions,
    uses something forbidden, or ran past its time budget."""


def _guarded_write(obj: Any) -> Any:
    if isinstance(obj, dict | list):
        return obj
    raise ScriptRefused(f"scripts may not change {type(obj).__name__} objects")


def _check_size(op: str, a: Any, b: Any) -> None:
    """Refuse operations whose result would be huge before computing them (memory bombs)."""
    sized = (str, bytes, list, tuple)
    if op == "*":
        for seq, times in ((a, b), (b, a)):
            if isinstance(seq, sized) and isinstance(times, int) and len(seq) * times > MAX_SEQUENCE:
                raise ScriptRefused(f"a sequence of more than {MAX_SEQUENCE} items")
    elif op == "**":
        if (
            isinstance(a, int)
            and isinstance(b, int)
            and b > 0
            and abs(a) > 1
            and b * abs(a).bit_length() > MAX_INT_BITS
        ):
            raise ScriptRefused(f"a number of more than {MAX_INT_BITS} bits")
    elif op == "<<":
        if isinstance(b, int) and b > MAX_INT_BITS:
            raise ScriptRefused(f"a number of more than {MAX_INT_BITS} bits")
    elif op == "%" and isinstance(a, str) and _BIG_FORMAT.search(a):
        raise ScriptRefused("% formats with huge or computed widths are not allowed")
    elif op == "+" and isinstance(a, sized) and isinstance(b, sized) and len(a) + len(b) > MAX_SEQUENCE:
        raise ScriptRefused(f"a sequence of more than {MAX_SEQUENCE} items")


def _guarded_pow(base: Any, exponent: Any, modulo: Any = None) -> Any:
    if modulo is None:
        _check_size("**", base, exponent)
    return pow(base, exponent, modulo)


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, str | bytes) and name in _PADDING_METHODS:
        raise ScriptRefused(f"str.{name} is not allowed")
    return safer_getattr(obj, name, default)


def _guarded_binop(op: str, a: Any, b: Any) -> Any:
    _check_size(op, a, b)
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "+": lambda x, y: x + y,
        "*": lambda x, y: x * y,
        "**": lambda x, y: x**y,
        "<<": lambda x, y: x << y,
        "%": lambda x, y: x % y,
    }
    return operations[op](a, b)


def _guarded_inplacevar(op: str, x: Any, y: Any) -> Any:
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
    }
    if op not in operations:
        raise ScriptRefused(f"operator {op} is not allowed")
    _check_size(op.rstrip("="), x, y)
    return operations[op](x, y)


class _SizeGuardingPolicy(RestrictingNodeTransformer):  # type: ignore[misc]
    """RestrictedPython's policy, plus: `*`, `**`, `<<` and `%` go through `_binop_`, which
    refuses results too big to build; f-string format specs must be short literals."""

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
        return self.node_contents_visit(node)


def _restricted_globals() -> dict[str, Any]:
    builtins = {k: v for k, v in safe_builtins.items() if k not in ("__build_class__", "setattr", "delattr")}
    builtins.update(limited_builtins)
    builtins["pow"] = _guarded_pow
    builtins.update(
        {
            "min": min,
            "max": max,
            "sum": sum,
            "any": any,
            "all": all,
            "enumerate": enumerate,
            "sorted": sorted,
            "list": list,
            "dict": dict,
            "set": set,
            "frozenset": frozenset,
            "reversed": reversed,
            "map": map,
            "filter": filter,
        }
    )
    return {
        "__builtins__": builtins,
        "_getattr_": _guarded_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": _guarded_write,
        "_inplacevar_": _guarded_inplacevar,
        "_binop_": _guarded_binop,
        "math": math,
    }


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
        return _run_guarded(code, self._env(context, external_context), self.time_limit)

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        code = compile_script(script)
        env = self._env(context, external_context)
        _run_guarded(code, env, self.time_limit)
        for key in list(context):
            if key not in env:
                del context[key]
        for key, value in env.items():
            if key not in RESERVED_NAMES and not key.startswith("_") and not callable(value):
                context[key] = value
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptRefused("service tasks are not supported")


def make_script_engine(time_limit: float = DEFAULT_TIME_LIMIT) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(time_limit))


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
