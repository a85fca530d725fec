"""Comparing tensors as a whole: isclose, allclose, equal, isin. Bool results, so no
gradient.

Each function is also a Tensor method, attached at the bottom of the file.
"""
from __future__ import annotations

import numpy as np

from .shapes import broadcast_pair
from .tensor import Tensor, _tensor


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| elementwise (broadcasting), as a bool tensor.

    Equal infinities are close; nan is close to nan only with equal_nan. Both need one
    dtype, as in torch.
    """
    a, b = _tensor(input), _tensor(other)
    if a.dtype != b.dtype:
        raise TypeError(f"isclose: both tensors must have the same dtype, got {a.dtype} and "
                        f"{b.dtype}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, "
                         f"atol={atol}")
    broadcast_pair("isclose", a.shape, b.shape)
    if a.dtype.kind == "f":
        close = np.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    else:                   # integers and bools: the difference exactly (np.isclose would
        x, y = a.data.astype(np.int64), b.data.astype(np.int64)   # round 2**53 + 1 to 2**53)
        close = np.where(x >= y, x - y, y - x) <= atol + rtol * np.abs(y)
    return Tensor._from_node(np.asarray(close), None)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when `isclose` holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both have the same shape and the same values (dtypes may differ, as in
    torch; nan equals nothing)."""
    a, b = _tensor(input), _tensor(other)
    return a.shape == b.shape and bool(np.array_equal(a.data, b.data))


def isin(elements: Tensor, test_elements: Tensor, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Whether each element of `elements` is among `test_elements` (either may be a
    number); with invert, whether it is not."""
    a = elements.data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements.data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._from_node(np.isin(a, b, assume_unique=assume_unique, invert=invert), None)


METHODS = [isclose, allclose, equal]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
