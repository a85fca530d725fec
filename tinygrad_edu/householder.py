"""Orthogonal matrices as products of reflections: torch.geqrf and
torch.linalg.householder_product (torch.orgqr).

A Householder reflection H = I - tau v v^T (tau = 2 / ||v||^2) mirrors space at the plane
orthogonal to v. LAPACK's QR (geqrf) stores Q = H_1 H_2 ... H_k compactly: v_i is column
i of the returned matrix below the diagonal, with an implicit 1 on the diagonal and zeros
above, and tau_i comes beside it; R sits on and above the diagonal.
householder_product rebuilds the first n columns of Q from (v, tau) with Tensor ops,
so Q is differentiable in both (nn.utils.parametrizations.orthogonal trains through it).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .creation import eye
from .tensor import Tensor, _tensor


def householder_product(A: Any, tau: Any) -> Tensor:
    """The first n columns of H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^T, for A (..., m, n)
    holding the v_i below its diagonal (v_i[i] = 1 implicitly; A's diagonal and upper part
    are not read) and tau (..., k), k <= n <= m, as torch.linalg.householder_product.

    Computed right to left, X = E (the first n columns of I), then X <- X - tau_i v_i (v_i^T X)
    for i = k, ..., 1: k rank-one updates of an (m, n) matrix, each differentiable in v_i
    and tau_i. The product of reflections is orthogonal when every tau_i = 2 / ||v_i||^2."""
    op = "householder_product"
    a, t = _tensor(A), _tensor(tau)
    if a.ndim < 2 or a.shape[-2] < a.shape[-1]:
        raise ValueError(f"{op}: A must be a batch of matrices (..., m, n) with m >= n, got "
                         f"shape {a.shape}")
    if t.ndim != a.ndim - 1 or t.shape[:-1] != a.shape[:-2] or t.shape[-1] > a.shape[-1]:
        raise ValueError(f"{op}: tau must have shape (..., k) with the batch of A "
                         f"{a.shape[:-2]} and k <= n = {a.shape[-1]}, got {t.shape}")
    if a.dtype.kind != "f" or t.dtype != a.dtype:
        raise TypeError(f"{op}: A and tau must have one floating point dtype, got {a.dtype} "
                        f"and {t.dtype}")
    m, n = a.shape[-2:]
    reflectors = a.tril(-1) + eye(m, n, dtype=a.dtype)       # v_i: column i, unit diagonal
    x = eye(m, n, dtype=a.dtype).expand(*a.shape)
    for i in reversed(range(t.shape[-1])):
        v = reflectors[..., i:i + 1]                           # (..., m, 1)
        x = x - t[..., i:i + 1, None] * (v @ (v.mT @ x))
    return x


def geqrf(A: Any) -> tuple[Tensor, Tensor]:
    """(a, tau): LAPACK's compact QR of A (..., m, n), as torch.geqrf: R on and above a's
    diagonal, the reflectors v_i below it, so that householder_product(a, tau) is Q.
    No gradient (as torch); linalg.qr is the differentiable QR."""
    a = _tensor(A)
    if a.ndim < 2 or a.dtype.kind != "f":
        raise ValueError(f"geqrf: A must be a floating point batch of matrices (..., m, n), "
                         f"got shape {a.shape} and dtype {a.dtype}")
    if 0 in a.shape[-2:]:
        return Tensor(a.data.copy()), Tensor(np.zeros((*a.shape[:-2], 0), a.dtype))
    h, tau = np.linalg.qr(a.data, mode="raw")        # (numpy gives h transposed)
    return Tensor(np.ascontiguousarray(np.swapaxes(h, -1, -2))), Tensor(tau)
