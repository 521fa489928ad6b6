"""Size guards for everything a diagram script can call.

A script runs in the web process, and one C call holds the interpreter: the time budget in
`scripting` stops Python-level loops, not `math.factorial(400000)` or a `str.replace` that
builds 2 GB. So every builtin, `math` function and method that can do unbounded work in one
call is wrapped here by a guard that predicts the size of the work from its arguments and
refuses (ScriptRefused, with the reason) BEFORE the call starts. What a script can reach is an
allow-list: `BUILTINS`, `MATH` and the methods of the plain data types (`METHOD_GUARDS` names
the ones that need a guard); `tests/bpm/test_script_bounds.py` checks that nothing else is
exposed without a decision.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import partial
from itertools import islice
from types import ModuleType
from typing import Any

from RestrictedPython.Guards import safe_builtins

MAX_SEQUENCE = 100_000  # items or characters one operation may build
MAX_INT_BITS = 64 * 1024  # bits of a number one operation may build
MAX_INT_DIGITS = 4300  # decimal digits of a number turned into text or read from text
MAX_TEXT_BITS = int(MAX_INT_DIGITS * 3.3219)  # the bits of a number of MAX_INT_DIGITS digits
MAX_MODULAR_BITS = 4096  # bits of the exponent and of the modulus of pow(a, b, m)
MAX_COMBINATORIAL = 1000  # n of math.factorial, math.comb and math.perm
MAX_RESULT = 2_000_000  # items and characters a script or expression may leave in task data


class ScriptRefused(Exception):
    """A script or expression that may not run: it does not compile under the restrictions,
    uses something forbidden, asks for more than the bounds allow, or ran past its time
    budget."""


def _too_long(what: str = "a sequence", unit: str = "items") -> ScriptRefused:
    return ScriptRefused(f"{what} of more than {MAX_SEQUENCE} {unit}")


def _too_many_bits() -> ScriptRefused:
    return ScriptRefused(f"a number of more than {MAX_INT_BITS} bits")


def check_length(value: Any) -> Any:
    """`value` itself, refused when it has more than MAX_SEQUENCE items (a range of 10**12,
    say); values without a length pass (generators run Python code, which the deadline stops)."""
    try:
        length = len(value)
    except TypeError:
        return value
    except OverflowError:
        raise _too_long() from None
    if length > MAX_SEQUENCE:
        raise _too_long()
    return value


# --- the weight of a value: what printing or storing it costs ------------------------------
_CONTAINERS = (list, tuple, set, frozenset, dict)


def weight(value: Any, budget: int) -> int:
    """Items plus characters (a number counts a third of its bits) in `value`, counting what
    it holds as often as it is reachable (that is what repr and JSON write out); the walk stops
    once it is past `budget`, so it costs at most `budget` steps whatever the value."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes | bytearray):
            total += len(item)
        elif isinstance(item, int):
            total += item.bit_length() // 3
        elif isinstance(item, _CONTAINERS):
            total += len(item)
            if total <= budget:
                stack.extend(item.keys() if isinstance(item, dict) else item)
                if isinstance(item, dict):
                    stack.extend(item.values())
        if total > budget:
            return total
    return total


def _big_ints(value: Any, budget: int) -> bool:
    """Whether `value` holds a number of more than MAX_INT_DIGITS digits (such a number cannot
    be turned into text, so neither printed nor stored)."""
    stack = [value]
    seen = 0
    while stack and seen <= budget:
        item = stack.pop()
        seen += 1
        if isinstance(item, int) and item.bit_length() > MAX_TEXT_BITS:
            return True
        if isinstance(item, _CONTAINERS):
            stack.extend(item.keys() if isinstance(item, dict) else item)
            if isinstance(item, dict):
                stack.extend(item.values())
    return False


def check_printable(value: Any) -> Any:
    """`value`, refused when turning it into text would write more than MAX_SEQUENCE
    characters or a number of more than MAX_INT_DIGITS digits."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        if value.bit_length() > MAX_TEXT_BITS:
            raise ScriptRefused(f"a number of more than {MAX_INT_DIGITS} digits cannot be turned into text")
        return value
    if isinstance(value, str):
        return value
    if weight(value, MAX_SEQUENCE) > MAX_SEQUENCE:
        raise _too_long("text", "characters")
    if _big_ints(value, MAX_SEQUENCE):
        raise ScriptRefused(f"a number of more than {MAX_INT_DIGITS} digits cannot be turned into text")
    return value


def check_formatted(value: Any) -> Any:
    """A value an f-string writes out: printable, and no text longer than MAX_SEQUENCE (so
    `s = f"{s}{s}"` cannot double a text in a loop)."""
    if isinstance(value, str | bytes) and len(value) > MAX_SEQUENCE:
        raise _too_long("text", "characters")
    return check_printable(value)


def check_result(name: str, value: Any) -> None:
    """Refuse a value a script leaves in the task data (or an expression returns) that would
    be too big to store: the engine writes task data as JSON, which would build it all."""
    if value is None or isinstance(value, bool | float | str):
        return
    if isinstance(value, int) and value.bit_length() <= MAX_TEXT_BITS:
        return
    if weight(value, MAX_RESULT) > MAX_RESULT:
        raise ScriptRefused(f"{name} holds more than {MAX_RESULT} items and characters")
    if _big_ints(value, MAX_RESULT):
        raise ScriptRefused(f"{name} holds a number of more than {MAX_INT_DIGITS} digits")


# --- operators ------------------------------------------------------------------------------
def _check_repeat(seq: Any, times: int) -> None:
    if times <= 0:
        return
    if isinstance(seq, str | bytes):
        if len(seq) * times > MAX_SEQUENCE:
            raise _too_long()
    elif weight(seq, MAX_SEQUENCE // times + 1) * times > MAX_SEQUENCE:
        raise _too_long()  # [s] * n repeats s n times in what is printed or stored


_PERCENT_SPEC = re.compile(rb"%(?:\([^)]*\))?[-+ #0]*(\*|\d*)(?:\.(\*|\d*))?")


def _check_format(template: str | bytes, args: Any) -> None:
    """`template % args`: no computed (`*`) or huge widths, and a result within bounds."""
    raw = template.encode("utf-8", "replace") if isinstance(template, str) else template
    widths = 0
    for match in _PERCENT_SPEC.finditer(raw):
        for number in match.groups():
            if number == b"*":
                raise ScriptRefused("% formats with computed widths are not allowed")
            if number and len(number) > 4:
                raise ScriptRefused("% formats with huge widths are not allowed")
            widths += int(number or 0)
    check_printable(args)
    if len(template) + widths + weight(args, MAX_SEQUENCE) > MAX_SEQUENCE:
        raise _too_long("text", "characters")


_SIZED = (str, bytes, list, tuple)


def _check_multiply(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise _too_many_bits()
    elif isinstance(a, _SIZED) and isinstance(b, int):
        _check_repeat(a, b)
    elif isinstance(b, _SIZED) and isinstance(a, int):
        _check_repeat(b, a)


def _check_power(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 and b * math.log2(abs(a)) > MAX_INT_BITS:
        raise _too_many_bits()


def _check_shift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0 and a.bit_length() + b > MAX_INT_BITS:
        raise _too_many_bits()


def _check_modulo(a: Any, b: Any) -> None:
    if isinstance(a, str | bytes):
        _check_format(a, b)


def _check_add(a: Any, b: Any) -> None:
    if isinstance(a, _SIZED) and isinstance(b, _SIZED) and len(a) + len(b) > MAX_SEQUENCE:
        raise _too_long()


_OPERATION_CHECKS: dict[str, Callable[[Any, Any], None]] = {
    "*": _check_multiply,
    "**": _check_power,
    "<<": _check_shift,
    "%": _check_modulo,
    "+": _check_add,
}


def check_operation(op: str, a: Any, b: Any) -> None:
    """Refuse operations whose result would be huge before computing them (memory bombs)."""
    check = _OPERATION_CHECKS.get(op)
    if check is not None:
        check(a, b)


def starred(value: Any) -> Any:
    """`*value` in a list, tuple or set display: bounded as any other sequence."""
    return check_length(value)


class ListWriter:
    """What `_write_` hands a script for `items[...] = ...`: a slice assignment may not grow
    the list past MAX_SEQUENCE (`items[len(items):] = items` doubles it in one C call)."""

    __slots__ = ("target",)

    def __init__(self, target: list[Any]) -> None:
        self.target = target

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = _bounded_items(value, MAX_SEQUENCE)
            removed = len(range(*key.indices(len(self.target))))
            if len(self.target) - removed + len(value) > MAX_SEQUENCE:
                raise _too_long()
        self.target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.target[key]


def _bounded_items(iterable: Any, room: int) -> Any:
    """`iterable` if it is sized, else at most `room + 1` of its items as a list."""
    try:
        len(iterable)
    except TypeError:
        return list(islice(iterable, max(room, 0) + 1))
    except OverflowError:
        raise _too_long() from None
    return iterable


# --- builtins ------------------------------------------------------------------------------
def _range(*args: Any) -> range:
    return check_length(range(*args))  # type: ignore[no-any-return]


def _str(*args: Any, **kwargs: Any) -> str:
    if args and len(args) + len(kwargs) == 1:
        check_printable(args[0])
    return str(*args, **kwargs)


def _repr(value: Any) -> str:
    return repr(check_printable(value))


def _int(*args: Any, **kwargs: Any) -> int:
    if args and isinstance(args[0], str | bytes | bytearray) and len(args[0]) > MAX_INT_DIGITS:
        raise ScriptRefused(f"a number of more than {MAX_INT_DIGITS} digits cannot be read from text")
    return int(*args, **kwargs)


def _pow(base: Any, exponent: Any, modulo: Any = None) -> Any:
    if modulo is None:
        check_operation("**", base, exponent)
    elif (
        isinstance(exponent, int)
        and isinstance(modulo, int)
        and max(abs(exponent).bit_length(), abs(modulo).bit_length()) > MAX_MODULAR_BITS
    ):
        raise ScriptRefused(f"pow with a modulus or exponent of more than {MAX_MODULAR_BITS} bits")
    return pow(base, exponent, modulo)


def _round(number: Any, ndigits: Any = None) -> Any:
    if isinstance(number, int) and isinstance(ndigits, int) and ndigits < -MAX_INT_DIGITS:
        raise ScriptRefused(f"rounding to more than {MAX_INT_DIGITS} digits")  # computes 10**-ndigits
    return round(number, ndigits) if ndigits is not None else round(number)


def _sum(iterable: Any, /, start: Any = 0) -> Any:
    if not isinstance(start, int | float | complex):
        raise ScriptRefused("sum adds numbers only (its start must be a number)")  # lists: quadratic
    return sum(check_length(iterable), start)


def _sized_first(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with its first argument (an iterable) checked for length."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        if args:
            check_length(args[0])
        return function(*args, **kwargs)

    guarded.__name__ = function.__name__
    guarded.__doc__ = function.__doc__
    return guarded


def _sized_all(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with every positional argument checked for length (min, max, map, zip)."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        for arg in args:
            check_length(arg)
        return function(*args, **kwargs)

    guarded.__name__ = function.__name__
    guarded.__doc__ = function.__doc__
    return guarded


_sorted = _sized_first(sorted)
_list = _sized_first(list)
_tuple = _sized_first(tuple)
_set = _sized_first(set)
_frozenset = _sized_first(frozenset)
_dict = _sized_first(dict)
_any = _sized_first(any)
_all = _sized_first(all)
_enumerate = _sized_first(enumerate)
_reversed = _sized_first(reversed)
_min = _sized_all(min)
_max = _sized_all(max)
_map = _sized_all(map)
_filter = _sized_all(filter)
_zip = _sized_all(zip)

# What a guard stands for in isinstance and issubclass (`isinstance(x, str)` keeps working).
GUARDED_TYPES: dict[Any, type] = {
    _range: range,
    _str: str,
    _int: int,
    _list: list,
    _tuple: tuple,
    _set: set,
    _frozenset: frozenset,
    _dict: dict,
    _enumerate: enumerate,
    _reversed: reversed,
    _map: map,
    _filter: filter,
    _zip: zip,
}


def _as_type(spec: Any) -> Any:
    if isinstance(spec, tuple):
        return tuple(_as_type(s) for s in spec)
    return GUARDED_TYPES.get(spec, spec)


def _isinstance(obj: Any, spec: Any) -> bool:
    return isinstance(obj, _as_type(spec))


def _issubclass(cls: Any, spec: Any) -> bool:
    return issubclass(_as_type(cls), _as_type(spec))


# Builtins that cannot do unbounded work in one call once their arguments are bounded.
_PLAIN_BUILTINS = {
    name: value
    for name, value in safe_builtins.items()
    if name not in ("__build_class__", "setattr", "delattr", "_getattr_")
    and name not in ("range", "str", "repr", "int", "pow", "round")
}

BUILTINS: dict[str, Any] = {
    **_PLAIN_BUILTINS,
    "range": _range,
    "str": _str,
    "repr": _repr,
    "int": _int,
    "pow": _pow,
    "round": _round,
    "sum": _sum,
    "min": _min,
    "max": _max,
    "any": _any,
    "all": _all,
    "enumerate": _enumerate,
    "sorted": _sorted,
    "list": _list,
    "tuple": _tuple,
    "dict": _dict,
    "set": _set,
    "frozenset": _frozenset,
    "reversed": _reversed,
    "map": _map,
    "filter": _filter,
    "zip": _zip,
    "isinstance": _isinstance,
    "issubclass": _issubclass,
}


# --- math ----------------------------------------------------------------------------------
def _combinatorial(function: Callable[..., int]) -> Callable[..., int]:
    def guarded(*args: Any) -> int:
        if args and isinstance(args[0], int) and args[0] > MAX_COMBINATORIAL:
            raise ScriptRefused(f"math.{function.__name__} of more than {MAX_COMBINATORIAL}")
        return function(*args)

    guarded.__name__ = function.__name__
    return guarded


def _total_bits(numbers: Iterable[Any]) -> int:
    return sum(abs(n).bit_length() for n in numbers if isinstance(n, int))


def _prod(iterable: Any, /, *, start: Any = 1) -> Any:
    items = list(_bounded_items(check_length(iterable), MAX_SEQUENCE))
    check_length(items)
    if _total_bits([*items, start]) > MAX_INT_BITS:
        raise _too_many_bits()
    return math.prod(items, start=start)


def _fsum(iterable: Any, /) -> float:
    items = _bounded_items(check_length(iterable), MAX_SEQUENCE)
    return math.fsum(check_length(items))


def _lcm(*integers: Any) -> int:
    check_length(integers)
    if _total_bits(integers) > MAX_INT_BITS:
        raise _too_many_bits()
    return math.lcm(*integers)


def _gcd(*integers: Any) -> int:
    return math.gcd(*check_length(integers))


def _build_math() -> ModuleType:
    module = ModuleType("math", "Python's math module with size-guarded functions.")
    for name in dir(math):
        if not name.startswith("_"):
            setattr(module, name, getattr(math, name))
    for name in ("factorial", "comb", "perm"):
        setattr(module, name, _combinatorial(getattr(math, name)))
    module.prod = _prod  # type: ignore[attr-defined]
    module.fsum = _fsum  # type: ignore[attr-defined]
    module.lcm = _lcm  # type: ignore[attr-defined]
    module.gcd = _gcd  # type: ignore[attr-defined]
    return module


MATH = _build_math()
GUARDED_MATH = frozenset({"factorial", "comb", "perm", "prod", "fsum", "lcm", "gcd"})


# --- methods -------------------------------------------------------------------------------
def _replace(text: Any, old: Any, new: Any, count: int = -1, /) -> Any:
    if isinstance(old, str | bytes) and isinstance(new, str | bytes) and len(new) > len(old):
        found = text.count(old)
        times = found if count < 0 else min(count, found)
        if len(text) + times * (len(new) - len(old)) > MAX_SEQUENCE:
            raise _too_long(f"{type(text).__name__}.replace would build a text", "characters")
    return text.replace(old, new, count)


def _join(separator: Any, iterable: Any, /) -> Any:
    items = _bounded_items(check_length(iterable), MAX_SEQUENCE)
    items = list(check_length(items))
    try:
        total = sum(map(len, items)) + len(separator) * max(len(items) - 1, 0)
    except TypeError:
        total = 0  # not all text: join itself says what is wrong
    if total > MAX_SEQUENCE:
        raise _too_long(f"{type(separator).__name__}.join would build a text", "characters")
    return separator.join(items)


def _padding(name: str) -> Callable[..., Any]:
    def guarded(text: Any, width: Any, *args: Any) -> Any:
        if isinstance(width, int) and width > MAX_SEQUENCE:
            raise _too_long(f"{type(text).__name__}.{name} would build a text", "characters")
        return getattr(text, name)(width, *args)

    return guarded


def _expandtabs(text: Any, tabsize: Any = 8) -> Any:
    tab = "\t" if isinstance(text, str) else b"\t"
    if isinstance(tabsize, int) and len(text) + text.count(tab) * max(tabsize, 0) > MAX_SEQUENCE:
        raise _too_long(f"{type(text).__name__}.expandtabs would build a text", "characters")
    return text.expandtabs(tabsize)


def _translate(text: str, table: Any, /) -> str:
    values = table.values() if isinstance(table, dict) else table if isinstance(table, list | tuple) else ()
    longest = max((len(v) for v in check_length(values) if isinstance(v, str)), default=1)
    if len(text) * max(longest, 1) > MAX_SEQUENCE:
        raise _too_long("str.translate would build a text", "characters")
    return text.translate(table)


def _format(text: str, *args: Any, **kwargs: Any) -> str:
    raise ScriptRefused("str.format is not allowed (format specs can walk objects): use an f-string")


def _extend(items: list[Any], iterable: Any, /) -> None:
    more = _bounded_items(iterable, MAX_SEQUENCE - len(items))
    if len(items) + len(more) > MAX_SEQUENCE:
        raise _too_long()
    items.extend(more)


def _append(items: list[Any], item: Any, /) -> None:
    if len(items) >= MAX_SEQUENCE:
        raise _too_long()
    items.append(item)


def _insert(items: list[Any], index: Any, item: Any, /) -> None:
    if len(items) >= MAX_SEQUENCE:
        raise _too_long()
    items.insert(index, item)


def _sort(items: list[Any], /, **kwargs: Any) -> None:
    check_length(items)
    items.sort(**kwargs)


def _to_bytes(number: int, length: Any = 1, *args: Any, **kwargs: Any) -> bytes:
    if isinstance(length, int) and length > MAX_SEQUENCE:
        raise _too_long("int.to_bytes would build bytes", "bytes")
    return number.to_bytes(length, *args, **kwargs)


_TEXT_GUARDS: dict[str, Callable[..., Any]] = {
    "replace": _replace,
    "join": _join,
    "expandtabs": _expandtabs,
    **{name: _padding(name) for name in ("ljust", "rjust", "center", "zfill")},
}

# (type, method name) -> the guard, called with the object first. Methods of the plain data
# types that are not here build at most a few times their inputs (upper, split, encode, ...).
METHOD_GUARDS: dict[tuple[type, str], Callable[..., Any]] = {
    **{(str, name): guard for name, guard in _TEXT_GUARDS.items()},
    **{(bytes, name): guard for name, guard in _TEXT_GUARDS.items()},
    (str, "translate"): _translate,
    (str, "format"): _format,
    (str, "format_map"): _format,
    (list, "extend"): _extend,
    (list, "append"): _append,
    (list, "insert"): _insert,
    (list, "sort"): _sort,
    (int, "to_bytes"): _to_bytes,
    (bool, "to_bytes"): _to_bytes,
}


def guarded_method(obj: Any, name: str) -> Callable[..., Any] | None:
    """The size-guarded method `name` of `obj`, or None when it needs no guard."""
    guard = METHOD_GUARDS.get((type(obj), name))
    return None if guard is None else partial(guard, obj)
