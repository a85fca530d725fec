"""torch.linalg's pinv, lstsq and matrix_rank (also `tinygrad_edu.pinverse`), and the
reporting forms inv_ex and solve_ex: the
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

from .linalg import _matrices, _square, inv, solve
from .ops.linalg import PseudoInverse, sign_logabsdet
from .tensor import Tensor, _tensor

LstsqResult = namedtuple("LstsqResult", ["solution", "residuals", "rank", "singular_values"])
DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _tolerances(a: Tensor, atol: Any, rtol: Any) -> tuple[np.ndarray, np.ndarray]:
    """atol and rtol as arrays that broadcast against the singular values (..., k): a
    number, or one per matrix of the batch (torch's tensor tolerances)."""
    def per_matrix(value: Any) -> np.ndarray:
        return np.asarray(getattr(value, "data", value), dtype=np.float64)[..., None]
    atol = per_matrix(0.0 if atol is None else atol)
    default = float(np.finfo(a.dtype).eps) * max(a.shape[-2:], default=0)
    rtol = np.where(atol > 0, 0.0, default) if rtol is None else per_matrix(rtol)
    return atol, rtol


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
    if hermitian:
        a = _square("matrix_rank", a)
    atol, rtol = _tolerances(a, atol, rtol)
    values = np.abs(np.linalg.eigvalsh(a.data)) if hermitian else \
        np.linalg.svd(a.data, compute_uv=False)
    largest = values.max(axis=-1, keepdims=True, initial=0.0)
    return Tensor((values > np.maximum(atol, rtol * largest)).sum(-1).astype(np.int64))


Tensor.pinverse = pinverse                                   # (x.pinverse(), as torch)


def lstsq(A: Any, B: Any, rcond: float | None = None, *,
          driver: str | None = None) -> LstsqResult:
    """X minimizing ||A X - B|| (of least norm where several do), A (..., m, n) and B
    (..., m, k) or (..., m): X = A^+ B, differentiable in A and B.

    As torch's drivers report (default gelsy): `residuals`, the squared residual of each
    column, only for gels/gelsd/gelss when m > n and every A has full rank (else empty);
    `rank` for all but gels; `singular_values` for gelsd/gelss. gels ignores rcond, as
    torch's (a QR solve for full-rank A). Differs from torch: one method (the SVD) for
    every driver, so the solutions agree with LAPACK's to rounding where both find the same
    rank (gelsy finds it from a pivoted QR, which can disagree near rcond)."""
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
    driver = driver or "gelsy"
    if driver == "gels":
        rcond = None
    solution = pinv(a, rtol=rcond) @ rhs
    m, n = a.shape[-2:]
    rank = matrix_rank(a, rtol=rcond)
    empty = Tensor(np.zeros(0, a.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and bool(np.all(rank.data == n)):
        residuals = ((a @ solution - rhs) ** 2).sum(-2)      # (..., k); (..., 1) for a vector
    return LstsqResult(solution.squeeze(-1) if vector else solution, residuals,
                       Tensor(np.zeros(0, np.int64)) if driver == "gels" else rank,
                       Tensor(np.linalg.svd(a.data, compute_uv=False))
                       if driver in ("gelsd", "gelss") else empty)


InverseResult = namedtuple("InverseResult", ["inverse", "info"])
SolveResult = namedtuple("SolveResult", ["result", "info"])


def inv_ex(A: Any, *, check_errors: bool = False) -> InverseResult:
    """(A^-1, info) without raising for a singular matrix (unless check_errors): info is 0
    for each matrix that inverted, else the 1-based column of LU's first zero pivot, as
    LAPACK's getrf reports (torch's info; found again by an elimination in float64, n
    where rounding hides the zero there). A failed matrix's inverse is nan here (torch's
    is whatever LAPACK left); the others are exact and differentiable."""
    a = _square("inv_ex", A)
    return InverseResult(*_reporting("inv_ex", a, inv, check_errors, vector=False))


def solve_ex(A: Any, B: Any, *, left: bool = True, check_errors: bool = False) -> SolveResult:
    """(X, info) with A X = B as linalg.solve, info as inv_ex's (X is nan where A failed)."""
    a, b = _square("solve_ex", A), _tensor(B)
    vector = left and (b.ndim == 1 or b.shape == a.shape[:-1])
    return SolveResult(*_reporting("solve_ex", a, lambda m: solve(m, b, left=left),
                                   check_errors, vector))


def _reporting(op: str, a: Tensor, compute: Any, check_errors: bool, vector: bool) -> tuple:
    """(compute(a), info); where a matrix fails, it is computed on I instead and its
    result set to nan."""
    try:
        return compute(a), Tensor(np.zeros(a.shape[:-2], np.int32))
    except np.linalg.LinAlgError as error:
        if check_errors:
            raise np.linalg.LinAlgError(f"{op}: {error}") from None
    info = np.zeros(a.shape[:-2], np.int32)
    singular = sign_logabsdet(a.data)[1] == -np.inf      # LAPACK met an exact zero pivot
    for i in map(tuple, np.argwhere(singular)):           # (the failing matrices only):
        info[i] = _first_zero_pivot(a.data[i]) or a.shape[-1]     # where (in float64)
    failed = (info != 0)[..., None, None]
    result = compute(a.where(~failed, np.eye(a.shape[-1], dtype=a.dtype)))
    return result.where(~(failed[..., 0] if vector else failed), np.nan), Tensor(info)


def _first_zero_pivot(matrix: np.ndarray) -> int:
    """LU with partial pivoting, row by row of the elimination: the 1-based column of
    the first exactly zero pivot (0 if there is none)."""
    u = matrix.astype(np.float64)
    for k in range(u.shape[0]):
        pivot = k + int(np.argmax(np.abs(u[k:, k])))
        if u[pivot, k] == 0:
            return k + 1
        u[[k, pivot]] = u[[pivot, k]]
        u[k + 1:] -= np.outer(u[k + 1:, k] / u[k, k], u[k])
    return 0

