"""Order statistics, as torch's: kthvalue, quantile, nanquantile.

Each sorts along the dim with numpy (a stable sort, nan last) and reads the values it
needs at the sorted positions with take_along_dim, so the gradient goes to the elements
read: a quantile between two of them is a weighted sum of the two.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .composed import ValuesIndices, take_along_dim
from .tensor import Tensor, _axis, _integer, _tensor

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """(values, indices) of the k-th smallest element along `dim` (k = 1 is the smallest;
    nan counts as the largest). The gradient goes to the element at the index. On ties
    the index is that of the k-th element in a stable sort (torch's choice among equal
    values is unspecified: [1, 1, 3], k = 2 gives index 1 here, 0 in torch 2.13)."""
    x = _tensor(input)
    if x.dtype == np.bool_:
        raise TypeError("kthvalue: not implemented for bool tensors")
    x1 = x.reshape(1) if x.ndim == 0 else x
    dim = _axis(x1, dim, "kthvalue")
    n = x1.shape[dim]
    k = _integer(k, "k", "kthvalue")
    if not 1 <= k <= n:
        raise ValueError(f"kthvalue: k={k!r} is out of range for dimension {dim} of size {n} "
                         f"(input shape {x.shape}); k must be between 1 and {n}")
    index = np.take(np.argsort(x1.data, axis=dim, kind="stable"), [k - 1], axis=dim)
    shape = tuple(1 if i == dim else s for i, s in enumerate(x.shape) if keepdim or i != dim)
    values = take_along_dim(x1, index, dim).reshape(*shape)
    return ValuesIndices(values, Tensor._from_node(index.reshape(shape), None))


def quantile(input: Tensor, q: float | Tensor, dim: int | None = None, keepdim: bool = False,
             *, interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along `dim` (of all elements when None), as torch.quantile.

    Of the n values sorted, quantile q sits at position p = q (n - 1); between the
    neighbours a = sorted[floor p] and b = sorted[ceil p] it is, by `interpolation`,
    a + (b - a)(p - floor p) ('linear'), a ('lower'), b ('higher'), (a + b) / 2
    ('midpoint') or the one at round(p), halves to even ('nearest'). A slice holding nan
    gives nan. q a number gives the reduced shape; q a 1-D tensor puts its length first.
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, skip_nan=False)


def nanquantile(input: Tensor, q: float | Tensor, dim: int | None = None,
                keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """quantile over the values that are not nan (nan where a slice has none)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, skip_nan=True)


def _quantile(op: str, input: Tensor, q: float | Tensor, dim: int | None, keepdim: bool,
              interpolation: str, skip_nan: bool) -> Tensor:
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {', '.join(INTERPOLATIONS)}, "
                         f"got {interpolation!r}")
    qs = _fractions(op, q, x.dtype)
    if dim is None:
        rows, out_shape = x.reshape(-1), (1,) * x.ndim if keepdim else ()
    else:
        dim = _axis(x, dim, op)
        rows = x.movedim(dim, -1) if x.ndim else x.reshape(1)
        out_shape = tuple(1 if i == dim else n for i, n in enumerate(x.shape)
                          if keepdim or i != dim)
    n = rows.shape[-1]
    if n == 0:
        raise ValueError(f"{op}: cannot take a quantile over an empty dimension (input shape "
                         f"{x.shape})")
    nan = np.isnan(rows.data)
    ordered = take_along_dim(rows, np.argsort(rows.data, axis=-1, kind="stable"), -1)
    count = (n - nan.sum(-1, keepdims=True)) if skip_nan else np.full(nan.shape[:-1] + (1,), n)
    # the rank in the input's dtype, as torch (in float64 0.55 * 100 is 55.000000000000014)
    position = qs.astype(x.dtype) * (np.maximum(count, 1) - 1).astype(x.dtype)   # (..., Q)
    lower, upper = np.floor(position).astype(np.int64), np.ceil(position).astype(np.int64)
    if interpolation == "nearest":
        lower = upper = np.round(position).astype(np.int64)         # (halves to even)
    a, b = take_along_dim(ordered, lower, -1), take_along_dim(ordered, upper, -1)
    if interpolation in ("lower", "nearest"):
        out = a
    elif interpolation == "higher":
        out = b
    elif interpolation == "midpoint":
        out = _lerp(a, b, 0.5)
    else:
        out = _lerp(a, b, _weight(q, position, lower, count))
    empty = (count == 0) if skip_nan else nan.any(-1, keepdims=True)
    if empty.any():
        out = out.where(~empty, np.nan)
    out = out.movedim(-1, 0)                                        # (Q, ...)
    single = np.ndim(q) == 0
    return out.reshape(*(out_shape if single else (len(qs),) + out_shape))


def _weight(q: Any, position: np.ndarray, lower: np.ndarray, count: np.ndarray) -> Any:
    """'linear's weight p - floor p. For a q that requires grad it is a Tensor, recorded:
    p = q (n - 1), so d quantile / d q = (b - a)(n - 1), as torch."""
    if not (isinstance(q, Tensor) and q.requires_grad):
        return position - lower
    spacing = (np.maximum(count, 1) - 1).astype(position.dtype)          # (..., 1)
    return q.reshape(-1) * Tensor(spacing) - Tensor(lower.astype(position.dtype))


def _lerp(a: Tensor, b: Tensor, weight: Any) -> Tensor:
    """a + w (b - a), from the nearer end as torch.lerp: a + w (b - a) for w < 1/2, else
    b - (1 - w)(b - a) (so the midpoint of two huge equal values does not overflow)."""
    w = weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight, dtype=a.dtype))
    with np.errstate(invalid="ignore"):       # (inf - inf in the branch not taken)
        gap = b - a
        return (a + gap * w).where(w.data < 0.5, b - gap * (1 - w))


def _fractions(op: str, q: float | Tensor, dtype: np.dtype) -> np.ndarray:
    """q as a 1-D float array in [0, 1]."""
    if isinstance(q, Tensor):
        if q.dtype != dtype:
            raise TypeError(f"{op}: q must have the input's dtype {dtype}, got {q.dtype}")
        if q.ndim > 1:
            raise ValueError(f"{op}: q must be a number or a 0-d or 1-D tensor, got shape "
                             f"{q.shape}")
        values = q.data.reshape(-1)
    elif isinstance(q, (int, float, np.number)) and not isinstance(q, bool):
        values = np.asarray([q], dtype=np.float64)
    else:
        raise TypeError(f"{op}: q must be a number or a Tensor, got {type(q).__name__}")
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError(f"{op}: q must be in [0, 1], got {q!r}")
    return values.astype(np.float64)


for _fn in (kthvalue, quantile, nanquantile):
    setattr(Tensor, _fn.__name__, _fn)
