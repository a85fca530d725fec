"""Matrices built from vectors and products: vander, diagflat, chain_matmul (deprecated
in torch) and addbmm. Each is composed (cumprod, diag_embed, multi_dot, bmm): none has a
backward of its own.
"""
from __future__ import annotations

import warnings

from .composed import clone, flip
from .dtypes import check_int
from .indexed import diag_embed
from .linalg import increasing_powers, multi_dot
from .linear_algebra import bmm
from .linear_algebra_more import _add_product
from .tensor import Tensor, _tensor


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D x: column j holds x^(N-1-j) (x^j with increasing),
    N columns (len(x) by default). Integers and bools give int64, as torch. The powers
    are linalg's running product (increasing_powers)."""
    t = _tensor(x)
    if t.ndim != 1:
        raise ValueError(f"vander: x must be a one-dimensional tensor, got shape {t.shape}")
    n = t.shape[0]
    N = n if N is None else N
    check_int("vander", "N", N)
    if N < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}")
    powers = increasing_powers(t, N)
    return powers if increasing else flip(powers, 1)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The square matrix with input's elements (flattened) on its diagonal (i, i + offset),
    zeros elsewhere: diag_embed of the flattened input. Gradient: g's diagonal."""
    check_int("diagflat", "offset", offset)
    return diag_embed(_tensor(input).reshape(-1), offset)


def chain_matmul(*matrices: Tensor) -> Tensor:
    """matrices[0] @ matrices[1] @ ..., all 2-D (torch's deprecated form of
    linalg.multi_dot, with its warning); one matrix comes back as a copy."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise ValueError("chain_matmul: expected one or more matrices")
    mats = [_tensor(m) for m in matrices]
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise ValueError(f"chain_matmul: matrix {i} must be 2-D, got shape {m.shape}")
    return clone(mats[0]) if len(mats) == 1 else multi_dot(mats)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
           alpha: float = 1) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b] for (b, n, k) and (b, k, m)
    batches of input's dtype, input broadcastable to (n, m); beta = 0 ignores input (nan
    in it does not spread), and integer tensors take beta and alpha truncated to ints, as
    torch. Gradient: beta g to input, alpha g batch2[b]^T to batch1[b] and alpha
    batch1[b]^T g to batch2[b] (composed: bmm, then a sum over b)."""
    product = bmm(batch1, batch2)
    if product.dtype.kind != "f":
        beta, alpha = int(beta), int(alpha)
    return _add_product("addbmm", input, product.sum(0, dtype=product.dtype), beta, alpha)


METHODS = [diagflat, addbmm]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
