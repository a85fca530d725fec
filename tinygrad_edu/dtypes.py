"""dtypes: numpy's, with torch's names and torch's promotion rules."""
from __future__ import annotations

import functools
import numbers
from typing import Any, Callable

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
float, double, short, long = float32, float64, int16, int64  # noqa: A001 - torch's aliases
half = float16


class UnavailableDtype:
    """A torch dtype that numpy has no counterpart for: it can be named (a training
    script's table of dtypes) and printed, and any use of it is an error saying so."""

    def __init__(self, name: str, instead: str) -> None:
        self.name, self.instead = name, instead

    def __repr__(self) -> str:
        return self.name

    @property
    def dtype(self) -> np.dtype:        # numpy asks this of any object given as a dtype
        raise TypeError(f"{self.name}: numpy has no {self.name}, so tinygrad_edu cannot "
                        f"compute in it; use {self.instead}")


bfloat16 = UnavailableDtype("bfloat16", "float32 (or float16, which numpy has)")

_NAMES = {"float": float32, "float32": float32, "double": float64, "float64": float64,
          "long": int64, "int64": int64, "int": int32, "int32": int32, "short": int16,
          "int16": int16, "int8": int8, "uint8": uint8, "bool": bool_, "half": float16,
          "float16": float16}


LEGACY = {"FloatTensor": float32, "DoubleTensor": float64, "HalfTensor": float16,
          "LongTensor": int64,
          "IntTensor": int32, "ShortTensor": int16, "CharTensor": int8, "ByteTensor": uint8,
          "BoolTensor": bool_}
"""torch's legacy tensor types and their dtypes (x.type(torch.LongTensor), x.type())."""


_DEFAULT = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype of Python floats and of float factories (float32 unless set, as torch)."""
    return _DEFAULT[0]


def set_default_dtype(d: Any) -> None:
    """torch.set_default_dtype: float32, float64 or float16 for Python floats, the float
    factories (zeros, randn, arange of floats, ...), integer division and new layers'
    parameters."""
    dtype = to_dtype(d)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating point types can be the default, "
                        f"got {dtype}")
    _DEFAULT[0] = dtype


def cast(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """a as dtype; a float beyond float16's range becomes +-inf without numpy's overflow
    warning, as torch casts silently."""
    if dtype.itemsize == 2 and dtype.kind == "f":
        with np.errstate(over="ignore"):
            return a.astype(dtype)
    return a.astype(dtype)


def check_int(op: str, name: str, value: Any) -> None:
    """An argument that must be a Python or numpy int (not a bool, not a float)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")


def check_bool(op: str, name: str, value: Any) -> bool:
    """A flag that must be a bool, as torch's (a str such as 'no' would read as True)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}: {name} must be a bool, got {value!r}")
    return bool(value)


def to_dtype(dtype: Any) -> np.dtype:
    """A numpy dtype from a dtype, a numpy type or a name such as 'float64'."""
    if isinstance(dtype, str) and dtype in _NAMES:
        return _NAMES[dtype]
    if isinstance(dtype, str) and dtype.split(".")[-1] in LEGACY:     # 'torch.LongTensor'
        return LEGACY[dtype.split(".")[-1]]
    if getattr(dtype, "legacy_dtype", None) is not None:             # tg.LongTensor itself
        return dtype.legacy_dtype
    if isinstance(dtype, UnavailableDtype):
        return dtype.dtype                                            # (raises)
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"to: {dtype!r} is not a dtype (expected e.g. float32, float64, "
                        "int64, bool)") from None


def promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """Result dtype of a binary op, as torch: a float beats any integer or bool."""
    if a.kind == "f" and b.kind != "f":
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    return np.promote_types(a, b)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The dtype two dtypes promote to in arithmetic, as torch.promote_types."""
    return promote(to_dtype(type1), to_dtype(type2))


def can_cast(from_: Any, to: Any) -> bool:
    """Whether torch's casting rules allow from_ -> to (as torch.can_cast): never to a
    lower category (float to an integer, an integer to bool); within one, narrowing is
    allowed (int64 to uint8 too)."""
    return _CATEGORY[to_dtype(from_).kind] <= _CATEGORY[to_dtype(to).kind]


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def check_fits(op: str, value: Any, dtype: np.dtype) -> None:
    """A number written into an integer tensor must fit there, by torch's rule (numpy would
    wrap 1e10 or -2.5 around silently): a float within [min, max] (its fraction then
    truncates: 2.7 -> 2, but 255.5 does not fit uint8), an int within [min, max] or, for an
    unsigned dtype, down to -max (two's complement: -1 is 255 in uint8). Any number fits a
    bool (nonzero and nan are True). A float dtype takes any number but a finite one
    beyond its largest (1e39 into float32), which torch refuses rather than store inf."""
    value = value.item() if hasattr(value, "item") else value          # a 0-d Tensor too
    if dtype.kind == "f" and isinstance(value, numbers.Real) and not isinstance(value, bool):
        largest = np.finfo(dtype).max.item()          # (a Python float: no cast warning)
        if np.isfinite(value) and abs(value) > largest:
            raise ValueError(f"{op}: the value {value} does not fit in {dtype} (it would be "
                             f"inf; the largest is {largest:g})")
        return
    if dtype.kind not in "iu" or isinstance(value, bool):
        return
    info = np.iinfo(dtype)
    if isinstance(value, int):
        fits = (-info.max if dtype.kind == "u" else info.min) <= value <= info.max
    else:
        fits = bool(np.isfinite(value)) and info.min <= value <= info.max
    if not fits:
        raise ValueError(f"{op}: the value {value} does not fit in {dtype} "
                         f"([{info.min}, {info.max}])")


def converted(op: str, data: Any, dtype: np.dtype) -> np.ndarray:
    """Python data (numbers, nested lists, numpy scalars) as the integer `dtype`, each number
    checked by check_fits' rule for its own type: torch.tensor([-1, 2.5], dtype=torch.uint8)
    is [255, 2], while [300] or [255.5] is an error (numpy would wrap or truncate them)."""
    try:
        array = np.array(data)
    except ValueError as error:
        raise ValueError(f"{op}: cannot make a tensor from this data ({error}); nested lists "
                         "must be rectangular") from None
    info = np.iinfo(dtype)
    if array.dtype.kind in "ib":                # ints (within int64) and bools: at once
        outside = (array < (-info.max if dtype.kind == "u" else info.min)) | (
            array > info.max)
        if outside.any():
            check_fits(op, array[outside].flat[0].item(), dtype)
        return array.astype(dtype)
    if array.dtype.kind == "f":                 # floats (and ints beside them) that fit and
        with np.errstate(invalid="ignore"):       # are exact in float64: truncated at once
            fit = (array >= info.min) & (array <= info.max) & (abs(array) < 2.0 ** 53)
        if fit.all():
            return array.astype(dtype)
    items = np.array(data, dtype=object)          # else each number by its own type: an int
    values = []                                   # beside floats may wrap (-1 into uint8),
    for item in items.flat:                       # one beyond 2**53 stays exact
        value = item.item() if hasattr(item, "item") else item
        if not isinstance(value, numbers.Real):
            raise TypeError(f"{op}: expected numbers, got {value!r} in the data")
        check_fits(op, value, dtype)
        values.append(int(value))                 # (a float truncates toward 0)
    return np.array(values, dtype=np.int64).reshape(items.shape).astype(dtype)


def fitted(op: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """A number as a 0-d array of `dtype`, checked by check_fits (a negative int wraps into
    an unsigned dtype, as in torch)."""
    check_fits(op, value, dtype)
    return np.asarray(value).astype(dtype)


def float16_via_float32(fn: Callable) -> Callable:
    """fn computed in float32 when its tensor arguments are all float16, its result rounded
    once to float16, as torch's CPU kernels compute float16 (their "opmath" type). Composed
    of several ops in float16, fn would round at every step, and could overflow where the
    answer is finite (the squared deviations of a norm, x * pi in sinc)."""
    @functools.wraps(fn)
    def in_float32(*args: Any, **kwargs: Any) -> Any:
        tensors = [i for i, a in enumerate(args) if hasattr(a, "half") and hasattr(a, "dtype")]
        if not tensors or any(args[i].dtype != float16 for i in tensors):
            return fn(*args, **kwargs)
        args = tuple(a.float() if i in tensors else a for i, a in enumerate(args))
        return fn(*args, **kwargs).half()
    return in_float32
