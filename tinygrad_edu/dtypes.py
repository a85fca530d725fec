"""dtypes: numpy's, with torch's names and torch's promotion rules."""
from __future__ import annotations

from typing import Any

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
float, double, long = float32, float64, int64  # noqa: A001 - torch's aliases

_NAMES = {"float": float32, "float32": float32, "double": float64, "float64": float64,
          "long": int64, "int64": int64, "int": int32, "int32": int32, "bool": bool_}


def to_dtype(dtype: Any) -> np.dtype:
    """A numpy dtype from a dtype, a numpy type or a name such as 'float64'."""
    if isinstance(dtype, str) and dtype in _NAMES:
        return _NAMES[dtype]
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
