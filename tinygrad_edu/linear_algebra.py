"""Products and norms composed from primitives: outer, dot, mm, bmm, norm.

dot, mm and bmm are torch's strict forms of matmul: fixed ranks, one dtype, no
broadcasting. Each checks its operands and calls the Matmul primitive, whose VJP gives
the gradients (g @ b^T and a^T @ g). Each function is also a Tensor method, attached at
the bottom of the file.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .ops.linalg import Matmul
from .tensor import Number, Tensor, _axes, _tensor


def _ranked(op: str, input: Any, other: Any, ndim: int) -> tuple[Tensor, Tensor]:
    a, b = _tensor(input), _tensor(other)
    if a.ndim != ndim or b.ndim != ndim:
        raise ValueError(f"{op}: expects two {ndim}-D tensors, got shapes {a.shape} and "
                         f"{b.shape}")
    return a, b


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: both operands must have the same dtype, got {a.dtype} and "
                        f"{b.dtype} (as torch; matmul converts integers)")
    if a.dtype == np.bool_:
        raise TypeError(f"{op}: not implemented for bool tensors")


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """out[i, j] = input[i] * vec2[j] for two 1-D tensors (dtypes promote as for *)."""
    a, b = _ranked("outer", input, vec2, 1)
    return a.unsqueeze(1) * b.unsqueeze(0)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """sum_i input[i] * tensor[i] for two 1-D tensors of one length and one dtype."""
    a, b = _ranked("dot", input, tensor, 1)
    _same_dtype("dot", a, b)
    if a.shape != b.shape:
        raise ValueError(f"dot: the vectors have different lengths: shapes {a.shape} and "
                         f"{b.shape}")
    return a.matmul(b)


def _matrix_product(op: str, input: Any, mat2: Any, ndim: int) -> Tensor:
    """mm (ndim 2) and bmm (ndim 3): (..., n, k) @ (..., k, m) with equal batch sizes."""
    a, b = _ranked(op, input, mat2, ndim)
    _same_dtype(op, a, b)
    needed = (*a.shape[:-2], a.shape[-1])
    if b.shape[:-1] != needed:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied: the "
                         f"second must have shape ({', '.join(map(str, needed))}, m)")
    return Matmul.apply(a, b)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of (n, k) and (k, m) tensors of one dtype."""
    return _matrix_product("mm", input, mat2, 2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of (b, n, k) and (b, k, m) tensors of one dtype."""
    return _matrix_product("bmm", input, mat2, 3)


def _order(p: Any, dim: Any) -> float:
    """torch.norm's p as a number ('fro' and None are 2)."""
    if p is None:
        return 2.0
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: unknown p={p!r}; expected 'fro', a number, inf or -inf")
        if dim is not None and not isinstance(dim, int) and len(dim) > 2:
            raise ValueError(f"norm: p='fro' takes at most 2 dims, got dim={dim}")
        return 2.0
    if not isinstance(p, Number) or isinstance(p, (bool, np.bool_)):
        raise TypeError(f"norm: p must be 'fro' or a number, got {p!r}")
    return float(p)


def _power(t: Tensor, q: float) -> Tensor:
    """t**q for t >= 0, where t = 0 gives the constant 0 (q > 0) or inf (q < 0): there the
    gradient is 0, not q * 0**(q-1) (inf for q < 1, and nan once times a 0)."""
    positive = t.data != 0                         # (nan too: it must reach the result)
    return (t.where(positive, 1) ** q).where(positive, 0.0 if q > 0 else math.inf)


def norm(input: Tensor, p: Any = "fro", dim: int | Sequence[int] | None = None,
         keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The p-norm over `dim` (an int or a tuple; every element when None), as torch.norm:

        p = 'fro' or 2    sqrt(sum x**2)
        p a number        (sum |x|**p)**(1/p)
        p = inf, -inf     max |x|, min |x|   (ties share the gradient evenly)
        p = 0             the number of nonzero elements (no gradient)
        p = 'nuc'         the sum of the singular values of the matrices over the two
                          axes dim (linalg.matrix_norm; a 2-D input needs no dim)

    Computed as m * norm(x / m) with m = max |x| over the slice, a constant. That is the
    same function (a norm is homogeneous), so the gradient is the same, but x**p can no
    longer overflow or underflow where the norm is finite (float32 [1e30, 1e30] gives
    1.4142e30; torch gives inf). Where the norm is 0 its gradient is 0, as torch (the
    factor 1 / norm**(p-1) is infinite there), and so is it at zero elements for p < 1.
    """
    x = _tensor(input) if dtype is None else _tensor(input).to(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"norm: expects a floating point tensor, got dtype {x.dtype}")
    if isinstance(p, str) and p == "nuc":
        if dim is None and x.ndim != 2:
            raise ValueError(f"norm: p='nuc' needs a 2-D tensor or dim=(rows, columns), got "
                             f"shape {x.shape}")
        from .linalg import matrix_norm                 # (linalg.py builds on this module)
        return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
    p = _order(p, dim)
    axes = _axes(x, dim, "norm")
    if p < 0 or math.isinf(p):
        if any(x.shape[i] == 0 for i in axes):     # (no identity: as torch, an error)
            raise ValueError(f"norm: the {p:g} norm of an empty slice is undefined (input "
                             f"shape {x.shape}, dim {dim})")
    if math.isinf(p):
        return x.abs().amax(axes, keepdim) if p > 0 else x.abs().amin(axes, keepdim)
    if p == 0:
        count = np.count_nonzero(x.data, axis=axes, keepdims=keepdim)
        return Tensor._from_node(np.asarray(count, dtype=x.dtype), None)
    if x.dtype == np.float16:          # as torch's CPU kernels: in float32, rounded once
        return norm(x.float(), p, dim, keepdim).half()
    peak = np.max(np.abs(x.data), axis=axes, keepdims=True, initial=0)
    m = Tensor._from_node(np.where(np.isfinite(peak) & (peak > 0), peak, 1).astype(x.dtype),
                          None)
    y = x / m
    total = (y * y if p == 2 else _power(y.abs(), p)).sum(axes, keepdim=True)
    out = _power(total, 1 / p) * m
    return out if keepdim else out.squeeze(axes)


METHODS = [outer, dot, mm, bmm, norm]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
