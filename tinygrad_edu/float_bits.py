"""The parts of a floating point number, as torch has them: ldexp (x * 2^e), frexp (x as
mantissa * 2^exponent) and nextafter (the neighbouring float).

A float is m * 2^e with m in [0.5, 1): multiplying it by a power of two changes only e,
so it is exact (unless the result overflows or falls below the smallest normal number).
All three are composed: ldexp is a multiplication (or the primitive Pow for a float
exponent), frexp's mantissa is an ldexp, and nextafter's exact values are given x's slope
(the identity's, as torch). Each is also a Tensor method (bottom of the file).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .dtypes import get_default_dtype
from .math_more import _float_pair, _only_float
from .shapes import broadcast_pair
from .tensor import Tensor, _result_dtype, _tensor

FrexpResult = namedtuple("FrexpResult", ["mantissa", "exponent"])
"""torch.return_types.frexp: (mantissa, exponent)."""


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2^other, the two broadcast; the dtype is the one they promote to, float32
    (the default float dtype) for two integer tensors, as torch.

    An integer (or bool) `other` is an exact exponent: x is multiplied by the power 2^e,
    rounded once, as C's ldexp (where 2^e itself is beyond the dtype's range, e.g. 2^200
    in float32 although 2^-100 * 2^200 is not, the value is numpy's ldexp, a constant
    there). A float `other` is raised as 2 ** other (Pow) in its own dtype, as torch:
    2^200.0 in float32 is inf, also for a float64 input. Derivatives 2^other in input
    and input 2^other ln 2 in a float other.
    """
    x, e = _tensor(input), _tensor(other)
    broadcast_pair("ldexp", x.shape, e.shape)
    dtype = _result_dtype(x, e)
    dtype = dtype if dtype.kind == "f" else get_default_dtype()
    x = x.to(dtype)
    if e.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):    # (inf and 0 * inf, as torch)
            return x * 2 ** e                   # (the power in other's dtype, as torch)
    exponent = e.data.astype(np.int64)
    info = np.finfo(dtype)
    representable = (exponent >= info.minexp - info.nmant) & (exponent < info.maxexp)
    power = np.ldexp(np.ones((), dtype), np.where(representable, exponent, 0))
    with np.errstate(over="ignore"):
        exact = np.ldexp(x.data, np.clip(exponent, -2 ** 31, 2 ** 31 - 1).astype(np.int32))
    return (x * Tensor._from_node(power, None)).where(representable,
                                                      Tensor._from_node(exact, None))


def frexp(input: Tensor) -> FrexpResult:
    """(mantissa, exponent) with input = mantissa * 2^exponent, |mantissa| in [0.5, 1)
    (0, inf and nan are their own mantissa, with exponent 0), as C's frexp. The exponent
    is int32, the mantissa input's dtype: ldexp(input, -exponent), so its derivative is
    2^-exponent (torch's too). Floating point tensors only, as torch."""
    x = _only_float("frexp", _tensor(input))
    exponent = np.frexp(x.data)[1].astype(np.int32)
    exponent_tensor = Tensor._from_node(exponent, None)
    return FrexpResult(ldexp(x, -exponent_tensor), exponent_tensor)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The float next to input in the direction of other (other itself where they are
    equal), the two broadcast to the float dtype they promote to; two integer tensors are
    refused, as torch. nextafter(1., 2.) = 1 + 2^-23 in float32, nextafter(0., 1.) the
    smallest subnormal.

    The step is one unit in the last place, and torch gives input the gradient of the
    identity (1), other none. So out = v - (c - x), with v the exact values and c x's
    values as a constant: c - x is +0 (v, -0.0 included, comes out unchanged) and out's
    slope in x is 1 (0 where x is inf or nan, where torch's is 1).
    """
    x, y = _float_pair("nextafter", input, other, integers=False)
    values = Tensor._from_node(np.nextafter(x.data, y.data), None)
    through = x.where(np.isfinite(x.data), 0)      # (inf - inf would be nan)
    return values - (Tensor._from_node(through.data, None) - through)


METHODS = [ldexp, frexp, nextafter]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
