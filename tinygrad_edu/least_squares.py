"""torch.linalg's pinv, lstsq and matrix_rank (also `tinygrad_edu.pinverse`): the
pseudo-inverse A^+ is a primitive (ops/linalg.py, PseudoInverse, with its VJP); the
least-squares solution of A X ~ B is A^+ B, and the rank counts the singular values above
the tolerance

    tol = max(atol, rtol * sigma_max),   rtol = eps * max(m, n) unless given
          (0 when only atol is given, as torch).
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .linalg import _matrices
from .ops.linalg import PseudoInverse
from .tensor import Tensor, _tensor

LstsqResult = namedtuple("LstsqResult", ["solution", "residuals", "rank", "singular_values"])
DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _tolerances(a: Tensor, atol: Any, rtol: Any) -> tuple[float, float]:
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else \
            float(np.finfo(a.dtype).eps) * max(a.shape[-2:], default=0)
    return float(0.0 if atol is None else atol), float(rtol)


def pinv(A: Any, *, atol: float | None = None, rtol: float | None = None,
         hermitian: bool = False) -> Tensor:
    """The pseudo-inverse A^+ (..., n, m) of A (..., m, n): the inverse where A has one,
    else the matrix giving least-squares solutions of least norm, x = A^+ b."""
    a = _matrices("pinv", A)
    if hermitian and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"pinv: hermitian=True needs square matrices, got shape {a.shape}")
    atol, rtol = _tolerances(a, atol, rtol)
    return PseudoInverse.apply(a, atol=atol, rtol=rtol, hermitian=bool(hermitian))


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: pinv with rtol = rcond."""
    return pinv(input, rtol=rcond)


def matrix_rank(A: Any, *, atol: float | None = None, rtol: float | None = None,
                hermitian: bool = False) -> Tensor:
    """How many singular values of A exceed the tolerance (int64, no gradient)."""
    a = _matrices("matrix_rank", A)
    atol, rtol = _tolerances(a, atol, rtol)
    values = np.abs(np.linalg.eigvalsh(a.data)) if hermitian else \
        np.linalg.svd(a.data, compute_uv=False)
    largest = values.max(axis=-1, keepdims=True, initial=0.0)
    return Tensor((values > np.maximum(atol, rtol * largest)).sum(-1).astype(np.int64))


def lstsq(A: Any, B: Any, rcond: float | None = None, *,
          driver: str | None = None) -> LstsqResult:
    """X minimizing ||A X - B|| (of least norm where several do), A (..., m, n) and B
    (..., m, k) or (..., m): X = A^+ B, differentiable in A and B.

    As torch's drivers report (default gelsy): `residuals`, the squared residual of each
    column, only for gels/gelsd/gelss when m > n and every A has full rank (else empty);
    `rank` for all but gels; `singular_values` for gelsd/gelss. Differs from torch: one
    method (the SVD) for every driver, so the solutions agree with LAPACK's to rounding."""
    a, b = _matrices("lstsq", A), _tensor(B)
    if driver is not None and driver not in DRIVERS:
        raise ValueError(f"lstsq: driver must be one of {DRIVERS}, got {driver!r}")
    if b.dtype != a.dtype:
        raise TypeError(f"lstsq: A and B must have the same dtype, got {a.dtype} and {b.dtype}")
    vector = b.ndim == a.ndim - 1
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.ndim < 2 or rhs.shape[-2] != a.shape[-2]:
        raise ValueError(f"lstsq: A {a.shape} needs B with {a.shape[-2]} rows, got shape "
                         f"{b.shape}")
    solution = pinv(a, rtol=rcond) @ rhs
    driver = driver or "gelsy"
    m, n = a.shape[-2:]
    rank = matrix_rank(a, rtol=rcond)
    empty = Tensor(np.zeros(0, a.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and bool(np.all(rank.data == n)):
        residuals = ((a @ solution - rhs) ** 2).sum(-2)
        residuals = residuals.squeeze(-1) if vector else residuals
    return LstsqResult(solution.squeeze(-1) if vector else solution, residuals,
                       Tensor(np.zeros(0, np.int64)) if driver == "gels" else rank,
                       Tensor(np.linalg.svd(a.data, compute_uv=False))
                       if driver in ("gelsd", "gelss") else empty)
