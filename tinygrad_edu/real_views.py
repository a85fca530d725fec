"""The parts of torch's complex-number API that torch code calls on real tensors, where
they are well defined: real, conj, resolve_conj and resolve_neg (the tensor itself),
is_conj and is_neg (False), isreal (True everywhere), angle (0 or pi), positive.

None has a backward of its own. The functions torch also has as Tensor methods are
attached at the bottom of the file (x.real is a property, as torch's).
"""
from __future__ import annotations

import math

import numpy as np

from .tensor import Tensor, _tensor


def real(input: Tensor) -> Tensor:
    """The real part: a real tensor itself (torch returns it too, not a copy)."""
    return _tensor(input)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: a real tensor itself."""
    return _tensor(input)


def resolve_conj(input: Tensor) -> Tensor:
    """input with a pending lazy conjugation applied; a real tensor has none: itself."""
    return _tensor(input)


def resolve_neg(input: Tensor) -> Tensor:
    """input with a pending lazy negation applied; here there is none: itself."""
    return _tensor(input)


def is_conj(input: Tensor) -> bool:
    """Whether a lazy conjugation is pending: never for a real tensor."""
    _tensor(input)
    return False


def is_neg(input: Tensor) -> bool:
    """Whether a lazy negation is pending: never here."""
    _tensor(input)
    return False


def isreal(input: Tensor) -> Tensor:
    """True where the imaginary part is 0: everywhere in a real tensor (nan and inf
    included), a bool tensor of input's shape."""
    return Tensor._from_node(np.ones(_tensor(input).shape, dtype=np.bool_), None)


def angle(input: Tensor) -> Tensor:
    """The argument of x as a complex number: 0 for x >= 0 (-0.0 too), pi for x < 0, nan
    for nan; integers and bools give float32, as torch. Piecewise constant: its gradient
    is 0 (torch's too), so it is x.where(False, angle): recorded, with a zero slope."""
    x = _tensor(input)._as_float()
    with np.errstate(invalid="ignore"):
        values = np.where(x.data < 0, math.pi, np.where(np.isnan(x.data), np.nan, 0.0))
    return x.where(np.False_, Tensor._from_node(values.astype(x.dtype), None))


def positive(input: Tensor) -> Tensor:
    """+x: the tensor itself; refused for bool tensors, as torch."""
    x = _tensor(input)
    if x.dtype == np.bool_:
        raise TypeError("positive: the + operator on a bool tensor is not supported (as "
                        "torch)")
    return x


METHODS = [conj, resolve_conj, resolve_neg, is_conj, is_neg, isreal, angle, positive]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
Tensor.real = property(real, doc="The real part: the tensor itself (real dtypes only).")
