"""torch.linalg's inv, solve, det, slogdet and vector_norm (also `tinygrad_edu.inverse`,
`x.inverse()`, `x.det()`): the primitives Inverse, Solve and LogAbsDet of ops/linalg.py,
with their checks."""
from __future__ import annotations

from typing import Any, Sequence

from .linear_algebra import norm
from collections import namedtuple

import numpy as np

from .ops.linalg import Inverse, LogAbsDet, Solve
from .tensor import Tensor, _tensor


def _square(op: str, a: Any) -> Tensor:
    a = _tensor(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{op}: A must be a batch of square matrices (..., n, n), got shape "
                         f"{a.shape}")
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: A must be floating point, got {a.dtype} (as torch)")
    return a


def inv(A: Any) -> Tensor:
    """A^-1 for square A (..., n, n). Derivative: dL/dA = -A^-T g A^-T."""
    return Inverse.apply(_square("inv", A))


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """X with A X = B (A (..., n, n); B (..., n, k), or (..., n) / (n,) for vectors, as
    torch decides: B is a batch of vectors when B.ndim == 1 or B.shape == A.shape[:-1]).
    left=False solves X A = B instead. Never forms A^-1: derivatives are solves too."""
    a, b = _square("solve", A), _tensor(B)
    if b.dtype != a.dtype:
        raise TypeError(f"solve: A and B must have the same dtype, got {a.dtype} and {b.dtype}")
    if not left:                                   # X A = B  <=>  A^T X^T = B^T
        if b.ndim < 2 or b.shape[-1] != a.shape[-1] or b.shape == a.shape[:-1]:
            raise ValueError(f"solve: X A = B (left=False) needs B of shape (..., k, "
                             f"{a.shape[-1]}) for A {a.shape}, got shape {b.shape}")
        return Solve.apply(a.mT, b.mT).mT
    vector = b.ndim == 1 or b.shape == a.shape[:-1]
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.ndim < 2 or rhs.shape[-2] != a.shape[-1]:
        raise ValueError(f"solve: A {a.shape} needs B with {a.shape[-1]} rows, got shape "
                         f"{b.shape}")
    out = Solve.apply(a, rhs)
    return out.squeeze(-1) if vector else out


SignLogAbsDet = namedtuple("SignLogAbsDet", ["sign", "logabsdet"])


def slogdet(A: Any) -> SignLogAbsDet:
    """(sign, log |det A|), as torch: the log stays finite where det A would overflow or
    underflow (a normalizing flow's log-determinant). sign (+-1, 0 if singular) has no
    gradient; d log|det A| / dA = A^-T."""
    a = _square("slogdet", A)
    return SignLogAbsDet(Tensor(np.linalg.slogdet(a.data)[0]), LogAbsDet.apply(a))


def det(A: Any) -> Tensor:
    """det A = sign * exp(log |det A|), so dL/dA = g det(A) A^-T (Jacobi's formula).
    A singular A has det 0 and a gradient this formula cannot give: backward raises
    numpy's LinAlgError there (torch computes it from an SVD)."""
    sign, logabsdet = slogdet(A)
    return sign * logabsdet.exp()


def logdet(A: Any) -> Tensor:
    """log det A: log |det A| where det A > 0, nan where it is negative (as torch)."""
    sign, logabsdet = slogdet(A)
    return logabsdet.where(sign.data >= 0, np.nan)


def vector_norm(x: Any, ord: Any = 2, dim: int | Sequence[int] | None = None,
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.linalg.vector_norm: the `ord`-norm over dim (all elements when None); see
    `tinygrad_edu.norm`, which takes the order as p."""
    return norm(_tensor(x), ord, dim, keepdim, dtype=dtype)


Tensor.inverse, Tensor.det, Tensor.slogdet, Tensor.logdet = inv, det, slogdet, logdet
