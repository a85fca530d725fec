"""torch.linalg's LU family: lu_factor, lu_factor_ex, lu, lu_solve and lu_unpack (also
tinygrad_edu.lu_unpack): A = P L U with L unit lower triangular and U upper triangular,
by Gaussian elimination with partial pivoting (the row of the largest |entry| goes up).

Each elimination step is Tensor ops (a row swap as a gather, the multipliers as a division,
the update of the rest as a matmul), so the factors are differentiable in A by autograd,
and lu_solve is two triangular solves (solve_triangular), differentiable in LU and B. The
pivots are LAPACK's: 1-based, row j swapped with row pivots[j] - 1, one after the other.
A loop of min(m, n) steps, each over the whole batch: for the small systems of implicit
layers (OptNet's KKT matrices), not for big ones.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .composed import cat
from .linalg import LinAlgError, _matrices, solve_triangular
from .tensor import Tensor, _tensor

LUFactor = namedtuple("LUFactor", ["LU", "pivots"])
LUFactorEx = namedtuple("LUFactorEx", ["LU", "pivots", "info"])
PLU = namedtuple("PLU", ["P", "L", "U"])


def lu_factor_ex(A: Any, *, pivot: bool = True, check_errors: bool = False) -> LUFactorEx:
    """(LU, pivots, info): L below the diagonal of LU (its unit diagonal implied), U on and
    above it; info is 0, or the 1-based column of the first zero pivot (U singular)."""
    a = _matrices("lu_factor", A)
    if not pivot:
        raise NotImplementedError("lu_factor: pivot=False (no row exchanges) is CUDA-only "
                                  "in torch, and not built here")
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    rows = np.arange(m)
    pivots = np.zeros((*batch, min(m, n)), np.int32)
    info = np.zeros(batch, np.int32)
    work = a
    for j in range(min(m, n)):
        best = j + np.abs(work.data[..., j:, j]).argmax(axis=-1)          # (batch)
        pivots[..., j] = best + 1
        order = np.broadcast_to(rows, (*batch, m)).copy()              # swap rows j, best
        np.put_along_axis(order, best[..., None], j, -1)
        order[..., j] = best
        work = work.gather(-2, Tensor(np.broadcast_to(order[..., None], a.shape).copy()))
        pivot = work[..., j:j + 1, j:j + 1]
        zero = pivot.data[..., 0, 0] == 0
        info = np.where((info == 0) & zero, j + 1, info)
        safe = pivot.where(~zero[..., None, None], 1.0)                   # (no 0/0 below)
        below = work[..., j + 1:, j:j + 1] / safe                          # the multipliers
        rest = work[..., j + 1:, j + 1:] - below @ work[..., j:j + 1, j + 1:]
        work = cat([work[..., :j + 1, :], cat([work[..., j + 1:, :j], below, rest], -1)], -2)
    if check_errors and np.any(info):
        column = int(info[info != 0].flat[0]) - 1           # (the first failed matrix)
        raise LinAlgError(f"lu_factor: U[{column}, {column}] is zero: A is "
                          "singular, and lu_solve would divide by it")
    return LUFactorEx(work, Tensor(pivots), Tensor(info))


def lu_factor(A: Any, *, pivot: bool = True) -> LUFactor:
    """(LU, pivots) of A (see lu_factor_ex); a singular A is an error, as torch."""
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot, check_errors=True)
    return LUFactor(LU, pivots)


def _permutation(pivots: np.ndarray, m: int, op: str) -> np.ndarray:
    """The rows of A in elimination order, from LAPACK's sequential swaps (1-based row
    numbers, as lu_factor gives them: scipy's are 0-based)."""
    if pivots.dtype.kind not in "iu" or np.any((pivots < 1) | (pivots > m)):
        raise ValueError(f"{op}: pivots must be integers from 1 to {m} (lu_factor's 1-based "
                         f"row numbers), got {pivots.tolist()}")
    order = np.broadcast_to(np.arange(m), (*pivots.shape[:-1], m)).copy()
    for j in range(pivots.shape[-1]):
        other = pivots[..., j:j + 1].astype(np.int64) - 1
        here = order[..., j:j + 1].copy()
        order[..., j:j + 1] = np.take_along_axis(order, other, -1)
        np.put_along_axis(order, other, here, -1)
    return order


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: bool = True,
              unpack_pivots: bool = True) -> PLU:
    """(P, L, U) with A = P L U from lu_factor's output: L (m, k) unit lower triangular,
    U (k, n) upper triangular, P the (m, m) permutation matrix."""
    lu, pivots = _tensor(LU_data), np.asarray(getattr(LU_pivots, "data", LU_pivots))
    m, n = lu.shape[-2:]
    k = min(m, n)
    eye = np.eye(m, k, dtype=lu.dtype)
    L = lu[..., :, :k].tril(-1) + Tensor(eye) if unpack_data else Tensor(np.zeros(0))
    U = lu[..., :k, :].triu() if unpack_data else Tensor(np.zeros(0))
    if not unpack_pivots:
        return PLU(Tensor(np.zeros(0, lu.dtype)), L, U)
    order = _permutation(pivots, m, "lu_unpack")     # A[order] = L U, so P = I[order]^T
    P = np.swapaxes(np.eye(m, dtype=lu.dtype)[order], -1, -2)
    return PLU(Tensor(P), L, U)


def lu(A: Any, *, pivot: bool = True) -> PLU:
    """(P, L, U) with A = P L U (linalg.lu)."""
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return lu_unpack(LU, pivots)


def lu_solve(LU: Any, pivots: Any, B: Any, *, left: bool = True,
             adjoint: bool = False) -> Tensor:
    """X with A X = B (left=False: X A = B; adjoint: A^T in A's place) for A = P L U given
    as lu_factor's (LU, pivots): a permutation and two triangular solves."""
    lu, b = _tensor(LU), _tensor(B)
    if not left:                                 # X A = B  <=>  A^T X^T = B^T
        return lu_solve(lu, pivots, b.mT, adjoint=not adjoint).mT
    n = lu.shape[-1]
    if b.ndim < 2 or b.shape[-2] != n:
        raise ValueError(f"lu_solve: B must be (..., {n}, k) for LU {lu.shape}, got shape "
                         f"{b.shape}")
    pivots = np.asarray(getattr(pivots, "data", pivots))
    if pivots.shape[-1:] != (n,):
        raise ValueError(f"lu_solve: expected {n} pivots per matrix for LU {lu.shape}, got "
                         f"pivots of shape {pivots.shape}")
    order = _permutation(pivots, n, "lu_solve")
    rows_first = Tensor(np.eye(n, dtype=lu.dtype)[order])           # P^T: B's rows reordered
    if not adjoint:                                                  # L U X = P^T B
        y = solve_triangular(lu, rows_first @ b, upper=False, unitriangular=True)
        return solve_triangular(lu, y, upper=True)
    y = solve_triangular(lu.mT, b, upper=False)                     # U^T L^T P^T X = B
    z = solve_triangular(lu.mT, y, upper=True, unitriangular=True)
    return rows_first.mT @ z
