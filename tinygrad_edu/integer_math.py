"""Integer arithmetic: gcd and lcm, elementwise on integer tensors (broadcast, promoted to
one integer dtype by torch's rules). Integers carry no gradient, so the results are
computed with numpy outside the graph. Each is also a Tensor method (bottom of the file).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .shapes import broadcast_pair
from .tensor import Tensor, _result_dtype, _tensor


def _integer_pair(op: str, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:
    """The two operands' arrays in the integer dtype torch promotes them to; floats and
    bools are refused, as torch, and the shapes must broadcast."""
    a, b = _tensor(input), _tensor(other)
    if a.dtype.kind not in "iu" or b.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer tensors, got dtypes {a.dtype} and {b.dtype} "
                        "(as torch: there is no gcd of floats or bools)")
    broadcast_pair(op, a.shape, b.shape)
    dtype = _result_dtype(a, b)
    return a.data.astype(dtype, copy=False), b.data.astype(dtype, copy=False)


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of |a| and |b|, elementwise: never negative, and
    gcd(a, 0) = |a|, gcd(0, 0) = 0 (Euclid's algorithm, numpy's np.gcd). |a| of the
    dtype's minimum (-2**63 for int64) does not fit, so a gcd involving it is the wrapped
    value (torch's can differ there). No gradient."""
    a, b = _integer_pair("gcd", input, other)
    return Tensor._from_node(np.asarray(np.gcd(a, b)), None)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple |a / gcd(a, b) * b| elementwise (torch's formula), 0 when
    a or b is 0. As in torch (C), dtypes narrower than int32 are computed in int32 and the
    result cast back, so a multiple beyond the dtype wraps around to torch's bits. No
    gradient."""
    a, b = _integer_pair("lcm", input, other)
    g = np.gcd(a, b)
    wide = np.promote_types(a.dtype, np.int32)                 # C's integer promotion
    with np.errstate(over="ignore"):
        multiple = np.abs(a.astype(wide) // np.where(g == 0, 1, g) * b.astype(wide))
    return Tensor._from_node(np.asarray(np.where(g == 0, 0, multiple).astype(a.dtype)), None)


METHODS = [gcd, lcm]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
