"""Diagram scripts and expressions cannot freeze the web process: everything that does
unbounded work in one C call (where the script's time budget cannot interrupt it) is refused
with a reason before the call starts. Each hostile case below would take seconds or gigabytes
if it ran; the test asserts the refusal, and as a safety net that it came quickly."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.bpm.engine import EngineError, ProcessRun, parse_diagram
from app.bpm.engine.script_bounds import BUILTINS, GUARDED_MATH, MATH, METHOD_GUARDS
from app.bpm.engine.scripting import RestrictedEnvironment, ScriptRefused

from .test_engine import SCRIPT_DIAGRAM, T0

ROOT = Path(__file__).resolve().parents[2]
TOO_LONG = "more than 100000"
TOO_BIG = "more than 65536 bits"

# name -> (script, what the refusal says)
HOSTILE: dict[str, tuple[str, str]] = {
    "math_factorial": ("x = math.factorial(400000)", "math.factorial of more than 1000"),
    "math_comb": ("x = math.comb(10**6, 500000)", "math.comb of more than 1000"),
    "math_perm": ("x = math.perm(10**6, 500000)", "math.perm of more than 1000"),
    "math_prod_of_range": ("x = math.prod(range(1, 10**9))", TOO_LONG),
    "math_prod_of_big_numbers": ("x = math.prod([1 << 60000, 1 << 60000])", TOO_BIG),
    "math_fsum_of_range": ("x = math.fsum(range(10**12))", TOO_LONG),
    "math_lcm": ("x = math.lcm((1 << 60000) + 1, (1 << 60000) - 1)", TOO_BIG),
    "pow_operator": ("x = 10 ** 10**6", TOO_BIG),
    "pow_builtin": ("x = pow(10, 10**6)", TOO_BIG),
    "pow_modular": ("x = pow(3, (1 << 60000) - 1, (1 << 60000) - 3)", "modulus or exponent of more than 4096 bits"),
    "big_int_product": ("x = 1 << 60000\ny = x * x", TOO_BIG),
    "big_int_inplace_product": ("x = 1 << 60000\nx *= x", TOO_BIG),
    "big_int_shift_of_big_int": ("x = 1 << 60000\ny = x << 60000", TOO_BIG),
    "int_from_long_text": ("x = int('9' * 10**5)", "more than 4300 digits cannot be read from text"),
    "str_of_big_int": ("x = 1 << 60000\ny = str(x)", "more than 4300 digits cannot be turned into text"),
    "repr_of_big_int": ("x = 1 << 60000\ny = repr([x])", "more than 4300 digits cannot be turned into text"),
    "fstring_of_big_int": ("x = 1 << 60000\ny = f'{x}'", "more than 4300 digits cannot be turned into text"),
    "percent_of_big_int": ("x = 1 << 60000\ny = '%d' % x", "more than 4300 digits cannot be turned into text"),
    "big_int_left_in_task_data": ("x = 1 << 60000", "x holds a number of more than 4300 digits"),
    "round_to_huge_digits": ("x = round(10, -10**9)", "rounding to more than 4300 digits"),
    "int_to_bytes": ("x = (1).to_bytes(10**10, 'big')", "int.to_bytes would build bytes"),
    "str_replace": ("s = 'a' * 50000\ns = s.replace('a', 'aaaa')", "str.replace would build a text"),
    "str_replace_empty": ("s = 'a' * 50000\ns = s.replace('', 'xy')", "str.replace would build a text"),
    "bytes_replace": ("s = b'a' * 100000\ns = s.replace(b'a', b'aa')", "bytes.replace would build a text"),
    "str_join": ("s = ['x' * 50000]\ns.append(s[0])\ns.append(s[0])\nt = ''.join(s)", "str.join would build a text"),
    "str_join_generator": ("t = ' '.join(str(i) for i in range(10**9))", TOO_LONG),
    "str_repeat": ("x = 'a' * 10**10", TOO_LONG),
    "list_repeat": ("x = [0] * 10**9", TOO_LONG),
    "list_of_text_repeat": ("x = ['a' * 1000] * 1000", TOO_LONG),
    "inplace_repeat": ("s = 'a'\ns *= 10**10", TOO_LONG),
    "ljust": ("x = 'a'.ljust(10**10)", "str.ljust would build a text"),
    "rjust": ("x = 'a'.rjust(10**10)", "str.rjust would build a text"),
    "center": ("x = 'a'.center(10**10)", "str.center would build a text"),
    "zfill": ("x = '1'.zfill(10**10)", "str.zfill would build a text"),
    "expandtabs": ("x = ('\\t' * 1000).expandtabs(10**6)", "str.expandtabs would build a text"),
    "bytes_ljust": ("x = b'a'.ljust(10**10)", "bytes.ljust would build a text"),
    "translate": ("s = 'a' * 100000\nt = s.translate({97: 'b' * 1000})", "str.translate would build a text"),
    "str_format_width": ("x = '{:>999999999}'.format(1)", "str.format is not allowed"),
    "str_format_map": ("x = '{a:>999999999}'.format_map({'a': 1})", "str.format is not allowed"),
    "percent_huge_width": ("x = '%999999999d' % 1", "% formats with huge widths"),
    "percent_computed_width": ("x = '%*d' % (10**9, 1)", "computed widths"),
    "percent_many_widths": ("x = '%9999d' * 20 % tuple([1] * 20)", TOO_LONG),
    "percent_doubling": ("s = 'ab' * 40000\ns = '%s%s' % (s, s)", TOO_LONG),
    "list_of_range": ("x = list(range(10**9))", TOO_LONG),
    "tuple_of_range": ("x = tuple(range(10**9))", TOO_LONG),
    "set_of_range": ("x = set(range(10**9))", TOO_LONG),
    "frozenset_of_range": ("x = frozenset(range(10**9))", TOO_LONG),
    "dict_of_range": ("x = dict(enumerate(range(10**9)))", TOO_LONG),
    "sorted_of_range": ("x = sorted(range(10**9))", TOO_LONG),
    "sum_of_range": ("x = sum(range(10**12))", TOO_LONG),
    "sum_of_lists": ("x = sum([[0]] * 1000, [])", "sum adds numbers only"),
    "max_of_range": ("x = max(range(10**12))", TOO_LONG),
    "min_of_range": ("x = min(range(10**12))", TOO_LONG),
    "any_of_range": ("x = any(x > 10**12 for x in range(10**12))", TOO_LONG),
    "all_of_range": ("x = all(range(1, 10**12))", TOO_LONG),
    "zip_of_range": ("x = list(zip(range(10**9)))", TOO_LONG),
    "map_of_range": ("x = list(map(abs, range(10**9)))", TOO_LONG),
    "filter_of_range": ("x = list(filter(None, range(10**9)))", TOO_LONG),
    "enumerate_of_range": ("x = list(enumerate(range(10**9)))", TOO_LONG),
    "reversed_of_range": ("x = list(reversed(range(10**9)))", TOO_LONG),
    "range_in_comprehension": ("x = [i for i in range(10**9)]", TOO_LONG),
    "extend_doubling": ("x = [0]\nwhile True:\n    x.extend(x)", TOO_LONG),
    "append_without_end": ("x = []\nwhile True:\n    x.append(0)", TOO_LONG),
    "slice_doubling": ("x = [0]\nwhile True:\n    x[len(x):] = x", TOO_LONG),
    "starred_doubling": ("x = [0]\nwhile True:\n    x = [*x, *x]", TOO_LONG),
    "plus_doubling": ("s = 'ab'\nwhile True:\n    s = s + s", TOO_LONG),
    "fstring_doubling": ("s = 'ab'\nwhile True:\n    s = f'{s}{s}'", TOO_LONG),
    "sort_of_long_list": ("x = [*([1] * 100000), *([0] * 100000)]\nx.sort()", TOO_LONG),
    "repr_of_aliased_text": ("s = ['x' * 50000]\ns.append(s[0])\ns.append(s[0])\nt = str(s)", "text of more than"),
    "aliased_text_left_in_task_data": (
        "s = ['x' * 90000]\nfor i in range(30):\n    s.append(s[0])",
        "s holds more than 2000000 items and characters",
    ),
}


def _run(source: str) -> dict[str, Any]:
    context: dict[str, Any] = {}
    RestrictedEnvironment().execute(source, context)
    return context


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_unbounded_work_is_refused_before_it_starts(name: str) -> None:
    source, reason = HOSTILE[name]
    started = time.monotonic()
    with pytest.raises(ScriptRefused) as refused:
        _run(source)
    assert reason in str(refused.value)
    assert "ran longer" not in str(refused.value)  # refused by a bound, not by the clock
    assert time.monotonic() - started < 2  # safety net: each would take seconds if it ran


@pytest.mark.parametrize(
    "expression",
    ["math.factorial(400000) > 0", "sum(range(10**12)) > 0", "len('a'.replace('', 'b' * 10**5)) > 0"],
)
def test_gateway_style_expressions_are_refused_too(expression: str) -> None:
    with pytest.raises(ScriptRefused):
        RestrictedEnvironment().evaluate(expression, {})


# What ordinary diagrams do keeps working, and gives what plain Python gives.
ORDINARY: dict[str, Any] = {
    "sum(range(10))": 45,
    "sum([1.5, 2.5])": 4.0,
    "math.factorial(20)": math.factorial(20),
    "math.comb(1000, 500) > 0": True,
    "math.prod([2, 3, 4])": 24,
    "math.fsum([0.1] * 10)": 1.0,
    "math.gcd(12, 18) + math.lcm(4, 6)": 18,
    "math.floor(2.5) + math.sqrt(16)": 6.0,
    "pow(2, 10) + pow(3, 5, 7) + 2 ** 100 % 7": 1024 + 5 + 2,
    "1 << 100": 1 << 100,
    "int('42') + int('ff', 16)": 297,
    "str(12345) + repr('a')": "12345'a'",
    "(round(1234.5678, 2), round(1234, -2))": (1234.57, 1200),
    "'a-b-c'.replace('-', '+')": "a+b+c",
    "', '.join(['a', 'b', str(3)])": "a, b, 3",
    "'7'.zfill(3) + 'ab'.ljust(4, '.') + 'x'.center(3)": "007ab.. x ",
    "'a\\tb'.expandtabs(4)": "a   b",
    "'abc'.translate({97: 'A'})": "Abc",
    "f'{3.14159:.2f}|{7:>3}|{\"x\"!r}'": "3.14|  7|'x'",
    "'%05d|%-3s|%.1f' % (42, 'a', 2.25)": "00042|a  |2.2",
    "sorted([3, 1, 2], reverse=True)": [3, 2, 1],
    "list(map(str, [1, 2]))": ["1", "2"],
    "list(zip([1, 2], 'ab'))": [(1, "a"), (2, "b")],
    "dict(enumerate('ab'))": {0: "a", 1: "b"},
    "tuple(reversed([1, 2]))": (2, 1),
    "set([1, 1, 2]) | frozenset([3])": {1, 2, 3},
    "any(x > 1 for x in [1, 2]) and all([1, 2])": True,
    "max([1, 5, 3]) - min(4, 2)": 3,
    "list(filter(None, [0, 1, 2]))": [1, 2],
    "[*[1, 2], *range(3)]": [1, 2, 0, 1, 2],
    "isinstance('a', str) and isinstance(1, int) and isinstance([], (list, tuple))": True,
    "isinstance({}, dict) and not isinstance(1, str) and issubclass(bool, int)": True,
    "(255).to_bytes(2, 'big')": b"\x00\xff",
    "'ab' * 3 + 'c' * 0": "ababab",
    "[0] * 3 + [[1]] * 2": [0, 0, 0, [1], [1]],
    "len(' '.join(['x' * 1000] * 99))": 99 * 1001 - 1,
}


@pytest.mark.parametrize("expression", sorted(ORDINARY))
def test_ordinary_expressions_give_what_python_gives(expression: str) -> None:
    assert RestrictedEnvironment().evaluate(expression, {}) == ORDINARY[expression]


def test_ordinary_list_building_in_a_script_keeps_working() -> None:
    data = _run(
        "items = []\nfor i in range(1000):\n    items.append(i)\nitems.extend([1000])\n"
        "items.insert(0, -1)\nitems[1:3] = ['a']\nitems.sort(key=str)\ntotal = len(items)\n"
        "label = ''\nfor part in ['a', 'b']:\n    label += part\n"
    )
    assert data["total"] == 1001
    assert data["label"] == "ab"


# --- what a script can reach is an allow-list: a new entry needs a decision ----------------
# Builtins whose work is bounded by their (already bounded) arguments.
BOUNDED_BUILTINS = {
    "abs", "bool", "callable", "chr", "complex", "divmod", "float", "hash", "hex", "id", "len",
    "oct", "ord", "slice", "None", "True", "False", "Ellipsis",
}  # fmt: skip
GUARDED_BUILTINS = {
    "range", "str", "repr", "int", "pow", "round", "sum", "min", "max", "any", "all", "enumerate",
    "sorted", "list", "tuple", "dict", "set", "frozenset", "reversed", "map", "filter", "zip",
    "isinstance", "issubclass",
}  # fmt: skip


def test_every_exposed_builtin_is_bounded_or_guarded() -> None:
    exposed = {
        name for name, value in BUILTINS.items() if not (isinstance(value, type) and issubclass(value, BaseException))
    }
    assert exposed == BOUNDED_BUILTINS | GUARDED_BUILTINS
    assert all(BUILTINS[name].__module__ == "app.bpm.engine.script_bounds" for name in GUARDED_BUILTINS)


# math functions whose cost does not grow with their arguments beyond the bounded int size.
BOUNDED_MATH = {
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "copysign", "cos",
    "cosh", "degrees", "dist", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "floor", "fmod",
    "frexp", "gamma", "hypot", "isclose", "isfinite", "isinf", "isnan", "isqrt", "ldexp", "lgamma",
    "log", "log10", "log1p", "log2", "modf", "nextafter", "pow", "radians", "remainder", "sin",
    "sinh", "sqrt", "tan", "tanh", "trunc", "ulp",
}  # fmt: skip


def test_every_math_function_is_bounded_or_guarded() -> None:
    functions = {name for name in dir(MATH) if not name.startswith("_") and callable(getattr(MATH, name))}
    assert functions - GUARDED_MATH <= BOUNDED_MATH
    assert functions >= GUARDED_MATH
    assert all(getattr(MATH, name) is not getattr(math, name) for name in GUARDED_MATH)


# Methods of the plain data types that build at most a few times their inputs' size.
BOUNDED_METHODS: dict[type, set[str]] = {
    str: {
        "capitalize", "casefold", "count", "encode", "endswith", "find", "index", "isalnum", "isalpha",
        "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric", "isprintable",
        "isspace", "istitle", "isupper", "lower", "lstrip", "maketrans", "partition", "removeprefix",
        "removesuffix", "rfind", "rindex", "rpartition", "rsplit", "rstrip", "split", "splitlines",
        "startswith", "strip", "swapcase", "title", "upper",
    },
    bytes: {
        "capitalize", "count", "decode", "endswith", "find", "fromhex", "hex", "index", "isalnum",
        "isalpha", "isascii", "isdigit", "islower", "isspace", "istitle", "isupper", "lower", "lstrip",
        "maketrans", "partition", "removeprefix", "removesuffix", "rfind", "rindex",
        "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
        "title", "translate", "upper",
    },
    int: {
        "as_integer_ratio", "bit_count", "bit_length", "conjugate", "denominator", "from_bytes", "imag",
        "numerator", "real",
    },
    list: {"clear", "copy", "count", "index", "pop", "remove", "reverse"},
    dict: {"clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"},
    tuple: {"count", "index"},
    range: {"count", "index", "start", "step", "stop"},
}  # fmt: skip


@pytest.mark.parametrize("kind", list(BOUNDED_METHODS), ids=lambda t: t.__name__)
def test_every_method_of_the_plain_types_is_bounded_or_guarded(kind: type) -> None:
    public = {name for name in dir(kind) if not name.startswith("_")}
    guarded = {name for (owner, name) in METHOD_GUARDS if owner is kind}
    assert public - guarded <= BOUNDED_METHODS[kind]


# --- through the engine --------------------------------------------------------------------
def test_a_script_task_that_would_freeze_the_process_fails_naming_its_element() -> None:
    model = parse_diagram(SCRIPT_DIAGRAM.replace("{script}", "x = math.factorial(400000)").encode())
    started = time.monotonic()
    with pytest.raises(EngineError) as failed:
        ProcessRun.start(model, {})
    assert "math.factorial of more than 1000" in str(failed.value)
    assert failed.value.element_id == "script"
    assert time.monotonic() - started < 2


COMPLAINT = (ROOT / "bpmn" / "complaint_handling.bpmn").read_text()


def _complaint_with_timer(expression: str) -> ProcessRun:
    model = parse_diagram(COMPLAINT.replace('"PT1H"</bpmn:timeDuration>', f"{expression}</bpmn:timeDuration>").encode())
    return ProcessRun.start(model, {}, now=T0)


def _register(run: ProcessRun, data: dict[str, Any]) -> ProcessRun:
    task = next(t for t in run.ready_tasks() if t.element_id == "register_complaint")
    run.complete_user_task(task.task_id, data, now=T0)
    return run


@pytest.mark.parametrize("value", ["P300000Y", "P300000.5Y", "p3600000m", "PT1000000000H", "P" + "9" * 200 + "D"])
def test_a_timer_expression_giving_an_over_long_duration_is_refused(value: str) -> None:
    run = _complaint_with_timer("contact_deadline")
    started = time.monotonic()
    with pytest.raises(EngineError) as failed:
        _register(run, {"contact_deadline": value})
    assert "script refused" in str(failed.value)
    assert "longest timer allowed" in str(failed.value) or "more than 100 characters" in str(failed.value)
    assert failed.value.element_id == "contact_overdue"
    assert time.monotonic() - started < 2  # P300000Y took SpiffWorkflow seconds of month arithmetic


def test_a_timer_expression_giving_an_ordinary_duration_arms_the_timer() -> None:
    run = _register(_complaint_with_timer("contact_deadline"), {"contact_deadline": "P1M"})
    assert [t.element_id for t in run.pending_timers()] == ["contact_overdue"]
    run = _register(_complaint_with_timer("'PT' + str(2) + 'H'"), {})
    assert [t.due_at - T0 for t in run.pending_timers()] == [timedelta(hours=2)]


CYCLE = (ROOT / "tests" / "fixtures" / "conformance" / "timer_cycle.bpmn").read_text()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("R/PT0S", "more often than once every 60 seconds"),
        ("R5000/PT1H", "repeats more than 1000 times"),
        ("R3/P300000Y", "interval longer than"),
        ("R3/2026-01-01T00:00:00/P300000.5Y", "interval longer than"),
    ],
)
def test_a_timer_expression_giving_a_cycle_outside_the_limits_is_refused(value: str, reason: str) -> None:
    model = parse_diagram(CYCLE.replace("<bpmn:timeCycle>R3/PT1H<", "<bpmn:timeCycle>cycle<").encode())
    with pytest.raises(EngineError) as failed:
        ProcessRun.start(model, {"cycle": value}, now=T0)
    assert reason in str(failed.value)
    assert failed.value.element_id == "reminder"


def test_a_timer_expression_giving_an_ordinary_cycle_arms_the_timer() -> None:
    model = parse_diagram(CYCLE.replace("<bpmn:timeCycle>R3/PT1H<", "<bpmn:timeCycle>cycle<").encode())
    run = ProcessRun.start(model, {"cycle": "R3/PT1H"}, now=T0)
    assert [t.element_id for t in run.pending_timers()] == ["reminder"]


def test_a_refused_gateway_condition_says_why() -> None:
    diagram = COMPLAINT.replace(
        ">confirmed</bpmn:conditionExpression>", ">math.factorial(400000) > 0</bpmn:conditionExpression>"
    )
    run = ProcessRun.start(parse_diagram(diagram.encode()), {}, now=T0)
    run = _register(run, {})
    task = next(t for t in run.ready_tasks() if t.element_id == "contact_customer")
    run.complete_user_task(task.task_id, {}, now=T0)
    task = next(t for t in run.ready_tasks() if t.element_id == "confirm_complaint")
    with pytest.raises(EngineError) as failed:
        run.complete_user_task(task.task_id, {"confirmed": True}, now=T0)
    assert "script refused: math.factorial of more than 1000" in str(failed.value)
