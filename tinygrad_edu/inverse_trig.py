"""asin, acos, atanh, asinh, acosh and torch's numpy-style aliases (arcsin, ...): the
primitives of ops/inverse_trig.py, for tensors (integers and bools as float32, as torch)
and as Tensor methods."""
from __future__ import annotations

from typing import Any

from .ops import inverse_trig as ops
from .tensor import Tensor, _tensor


def asin(input: Any) -> Tensor:
    """arcsin(x) in [-pi/2, pi/2], nan outside [-1, 1]. Derivative 1 / sqrt(1 - x^2)."""
    return ops.Asin.apply(_tensor(input)._as_float())


def acos(input: Any) -> Tensor:
    """arccos(x) in [0, pi], nan outside [-1, 1]. Derivative -1 / sqrt(1 - x^2)."""
    return ops.Acos.apply(_tensor(input)._as_float())


def atanh(input: Any) -> Tensor:
    """artanh(x), +-inf at +-1, nan beyond. Derivative 1 / (1 - x^2)."""
    return ops.Atanh.apply(_tensor(input)._as_float())


def asinh(input: Any) -> Tensor:
    """arsinh(x) for every x. Derivative 1 / sqrt(x^2 + 1)."""
    return ops.Asinh.apply(_tensor(input)._as_float())


def acosh(input: Any) -> Tensor:
    """arcosh(x) >= 0 for x >= 1, nan below. Derivative 1 / sqrt(x^2 - 1)."""
    return ops.Acosh.apply(_tensor(input)._as_float())


arcsin, arccos, arctanh, arcsinh, arccosh = asin, acos, atanh, asinh, acosh
for _fn in (asin, acos, atanh, asinh, acosh):
    setattr(Tensor, _fn.__name__, _fn)
    setattr(Tensor, "arc" + _fn.__name__[1:], _fn)
