"""Selecting and rearranging elements: gather, index_select, masked_fill, sort, argsort, topk,
tril, triu, roll, repeat, unbind.

All are composed from primitives, mostly GetItem with integer arrays, whose VJP adds g
back where each element was read (twice read, twice added), and Where, Cat and Expand:
none has a backward of its own. Indices follow torch: they lie in [0, size) (gather and
index_select take no negative ones), and one outside is an IndexError naming the op.
Each function is also a Tensor method, attached at the bottom of the file.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import check_fits, fitted
from .composed import ValuesIndices, _slice_along, cat, clone, take_along_dim
from .in_place import written_in_place
from .ops import movement
from .shapes import as_tuple, broadcast_shapes
from .tensor import Number, Tensor, _axis, _integer, _shape_arg, _tensor


def _indices(op: str, index: Any) -> np.ndarray:
    """An index (Tensor, array or list) as an integer array; other dtypes are a TypeError."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {idx.dtype}")
    return idx


def _check_in_range(op: str, idx: np.ndarray, dim: int, shape: tuple) -> None:
    size = shape[dim] if shape else 1
    outside = (idx < 0) | (idx >= size)
    if outside.any():
        raise IndexError(f"{op}: index {idx[outside].flat[0]} is out of bounds for dimension "
                         f"{dim} with size {size} (input shape {shape})")


def _gathered(x: Tensor, idx: np.ndarray, dim: int) -> Tensor:
    """take_along_dim, reading a 0-d input or index as 1-d; where idx is smaller than x
    in a dim other than `dim`, it reads x's leading part (gather's rule, where
    take_along_dim would broadcast)."""
    if not (x.ndim and idx.ndim):
        return take_along_dim(x.reshape(-1), idx.reshape(-1), 0).reshape(idx.shape)
    if any(n < m for d, (n, m) in enumerate(zip(idx.shape, x.shape)) if d != dim):
        x = x[tuple(slice(None) if d == dim else slice(n) for d, n in enumerate(idx.shape))]
    return take_along_dim(x, idx, dim)


def gather(input: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j][k] = input[index[i][j][k]][j][k] for dim = 0 (likewise for the other dims).

    out has index's shape. index has as many dims as input and, apart from `dim`, is no
    larger than input (torch's rule: smaller is fine, it reads the leading part).
    Gradient: g added back at input[index] (an index that repeats adds up), dense:
    sparse_grad=True (torch's sparse gradient tensor) is refused, as sparse tensors are.
    """
    if sparse_grad:
        raise NotImplementedError("gather: sparse_grad=True is not supported (there are no "
                                  "sparse tensors here); the gradient is dense")
    x, idx = _tensor(input), _indices("gather", index)
    if max(idx.ndim, 1) != max(x.ndim, 1):          # 0-d counts as 1-d, as in torch
        raise ValueError(f"gather: index has {idx.ndim} dims but input has {x.ndim} "
                         f"(index shape {idx.shape}, input shape {x.shape})")
    dim = _axis(x, dim, "gather")
    larger = [d for d in range(idx.ndim) if d != dim and idx.shape[d] > x.shape[d]]
    if larger:
        raise ValueError(f"gather: index shape {idx.shape} is larger than input shape "
                         f"{x.shape} in dimension {larger[0]} (only dimension {dim} may be)")
    _check_in_range("gather", idx, dim, x.shape)
    return _gathered(x, idx, dim)


def index_select(input: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of input at the positions `index` (1-D, or 0-d as one) along `dim`.

    Gradient: g added back into the slices it was read from.
    """
    x, idx = _tensor(input), _indices("index_select", index)
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {idx.shape}")
    dim = _axis(x, dim, "index_select")
    _check_in_range("index_select", idx, dim, x.shape)
    if x.ndim == 0:
        if idx.size != 1:
            raise ValueError(f"index_select: a 0-d input takes one index, got {idx.size}")
        return clone(x)
    return movement.GetItem.apply(x, index=(slice(None),) * dim + (idx.reshape(-1),))


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:
    """`value` where `mask` is True, else input: mask (bool) and input broadcast together.

    The result keeps input's dtype (a float value is truncated into an integer tensor, as
    torch). Gradient: g to input where the mask is False; a 0-d tensor `value` gets the
    sum of g where it is True.
    """
    x = _tensor(input)
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast with "
                         f"input of shape {x.shape}") from None
    return _fill_value("masked_fill", value, x.dtype).where(m, x)


def masked_fill_(input: Tensor, mask: Any, value: Any) -> Tensor:
    """masked_fill in place (the mask broadcasts to input's shape), recorded in a graph as
    the other in-place methods (in_place.py)."""
    def filled() -> Tensor:
        result = masked_fill(input, mask, value)
        if result.shape != input.shape:
            raise ValueError(f"masked_fill_: a mask of shape {np.shape(mask)} does not "
                             f"broadcast to the tensor's shape {input.shape}")
        return result
    return written_in_place("masked_fill_", input, (value,), filled)


def fill_diagonal_(input: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """x[i, i, ..., i] = fill_value in place, for i below the shortest side (every side equal
    beyond 2-d); a tall matrix with wrap=True starts again below, after each N + 1 rows (as
    numpy's fill_diagonal). SimCLR's `sim.fill_diagonal_(-inf)`."""
    if input.ndim < 2 or input.ndim > 2 and len(set(input.shape)) != 1:
        raise ValueError(f"fill_diagonal_: needs a matrix, or sides of equal length beyond "
                         f"2-d, got shape {input.shape}")
    mask = np.zeros(input.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return masked_fill_(input, mask, fill_value)


def _fill_value(op: str, value: Any, dtype: np.dtype) -> Tensor:
    """A number or 0-d tensor as a 0-d tensor of `dtype` (a tensor stays in the graph)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"{op}: value must be a number or a 0-d tensor, got shape "
                             f"{value.shape}")
        if dtype.kind in "iu":                   # its number must fit, as a Python one must
            check_fits(op, value.item(), dtype)
        return value.to(dtype)
    if not isinstance(value, Number):
        raise TypeError(f"{op}: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    return Tensor._from_node(fitted(op, value, dtype), None)


def _sort_order(data: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Indices of a stable sort along `dim`. Descending sorts the flipped array ascending and
    flips back, so that ties keep their order there too and nan comes first (as torch)."""
    if data.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(data, axis=dim, kind="stable")
    reverse = np.flip(np.argsort(np.flip(data, dim), axis=dim, kind="stable"), dim)
    return data.shape[dim] - 1 - reverse


def sort(input: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> ValuesIndices:
    """(values, indices) along `dim`, smallest first (largest first when descending).

    values = input gathered at indices, so the gradient of values[i] goes to
    input[indices[i]]. Ties keep their order whatever `stable` says: torch promises that
    with stable=True and leaves the order open otherwise. nan sorts as the largest value.
    """
    x = _tensor(input)
    dim = _axis(x, dim, "sort")
    indices = _sort_order(x.data, dim, descending)
    return ValuesIndices(_gathered(x, indices, dim), Tensor._from_node(indices, None))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The indices of `sort` (stable: ties keep their order). No gradient."""
    x = _tensor(input)
    return Tensor._from_node(_sort_order(x.data, _axis(x, dim, "argsort"), descending), None)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> ValuesIndices:  # noqa: A002 - torch's name
    """(values, indices) of the k largest elements along `dim` (smallest: largest=False).

    They come in sorted order, by a stable sort: of equal values the lower index comes
    first (torch leaves the order of ties open, and with sorted=False every order).
    Gradient: g of values[i] goes to input[indices[i]].
    """
    x = _tensor(input)
    if x.dtype == np.bool_:
        raise TypeError("topk: not implemented for bool tensors (as torch)")
    dim, k = _axis(x, dim, "topk"), _integer(k, "k", "topk")
    n = x.shape[dim] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for dimension {dim} of size {n} "
                         f"(input shape {x.shape})")
    if x.ndim and 0 < 8 * k < n and not (x.dtype.kind == "f" and np.isnan(x.data).any()):
        indices = _top_order(x.data, dim, k, largest)
    else:
        order = _sort_order(x.data, dim, descending=largest)
        indices = np.ascontiguousarray(order[(slice(None),) * dim + (slice(k),)]) if x.ndim \
            else order                            # (its own memory, as torch's: .view works)
    return ValuesIndices(_gathered(x, indices, dim), Tensor._from_node(indices, None))


def _top_order(data: np.ndarray, dim: int, k: int, largest: bool) -> np.ndarray:
    """The first k of `_sort_order` along `dim`, without sorting all n elements: a
    partition finds the k-th value v, the elements beyond v and the lowest-index ties
    with v make up the k, and only those k are sorted (top-5 of 4,096 scores: a stable
    argsort of every row took 97% of topk's time). No nan in data."""
    rows = np.moveaxis(data, dim, -1)
    key = (-rows if data.dtype.kind == "f" else ~rows) if largest else rows  # ascending
    kth = np.take_along_axis(key, np.argpartition(key, k - 1, axis=-1)[..., k - 1:k], -1)
    beyond = key < kth
    tied = key == kth
    chosen = beyond | tied & (np.cumsum(tied, -1) <= k - beyond.sum(-1, keepdims=True))
    picked = np.nonzero(chosen.reshape(-1, rows.shape[-1]))[1].reshape(rows.shape[:-1] + (k,))
    ranked = np.argsort(np.take_along_axis(key, picked, -1), axis=-1, kind="stable")
    return np.moveaxis(np.take_along_axis(picked, ranked, -1), -1, dim)


def _triangle(op: str, input: Tensor, diagonal: int, keep: np.ufunc) -> Tensor:
    """input where keep(j - i, diagonal) for element (i, j) of the last two dims, else 0."""
    x, diagonal = _tensor(input), _integer(diagonal, "diagonal", op)
    if x.ndim < 2:
        raise ValueError(f"{op}: needs at least 2 dimensions, got shape {x.shape}")
    rows, cols = x.shape[-2:]
    inside = keep(np.arange(cols) - np.arange(rows)[:, None], diagonal)
    return x.where(inside, Tensor._from_node(np.zeros((), x.dtype), None))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """input[..., i, j] where j - i <= diagonal, else 0: the lower triangle (diagonal > 0
    keeps that many diagonals above the main one, < 0 drops that many below it).
    Gradient: g inside the triangle, 0 outside."""
    return _triangle("tril", input, diagonal, np.less_equal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """input[..., i, j] where j - i >= diagonal, else 0: the upper triangle."""
    return _triangle("triu", input, diagonal, np.greater_equal)


def roll(input: Tensor, shifts: int | tuple, dims: int | tuple | None = None) -> Tensor:
    """out[(i + s) mod n] = input[i] along each dim: elements pushed past the end come back
    at the start. shifts and dims are ints or tuples of one length; dims=None rolls the
    flattened tensor and restores the shape. Two slices and a cat per dim."""
    x = _tensor(input)
    shifts = tuple(_integer(s, "shifts", "roll") for s in (
        shifts if isinstance(shifts, (tuple, list)) else (shifts,)))
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: {len(shifts)} shifts need as many dims (dims=None "
                             "takes one shift)")
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    dims = as_tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts and {len(dims)} dims must align")
    if x.ndim == 0:
        raise IndexError("roll: a 0-d tensor has no dimension to roll along (use dims=None)")
    out = x
    for shift, dim in zip(shifts, dims):
        dim = _axis(x, dim, "roll")
        n = x.shape[dim]
        s = shift % n if n else 0
        if s:
            out = cat([_slice_along(out, dim, n - s, n), _slice_along(out, dim, 0, n - s)], dim)
    return clone(x) if out is x else out


def repeat(input: Tensor, *sizes: Any, repeats: Any = None) -> Tensor:
    """input tiled sizes[d] times along each dim d (numpy's tile); more sizes than dims add
    leading dims. One expand of input with a size-1 axis before each dim, then a reshape:
    the gradient sums the copies."""
    x = _tensor(input)
    sizes = tuple(_integer(s, "each size", "repeat")
                  for s in _shape_arg(sizes, repeats, "repeat", "repeats"))
    if len(sizes) < x.ndim:                          # (a 0-d tensor takes no sizes)
        raise ValueError(f"repeat: {len(sizes)} sizes for a tensor of shape {x.shape}; it "
                         f"needs at least {x.ndim}")
    if any(s < 0 for s in sizes):
        raise ValueError(f"repeat: sizes must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    spaced = x.reshape(*[k for n in shape for k in (1, n)])
    tiled = spaced.expand(*[k for pair in zip(sizes, shape) for k in pair])
    out = tiled.reshape(*[r * n for r, n in zip(sizes, shape)])
    return out if out.data.flags.writeable else clone(out)   # a view of input: copy it


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along `dim`, that dim removed (x[0], x[1], ... for dim 0)."""
    x = _tensor(input)
    if x.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
    dim = _axis(x, dim, "unbind")
    return tuple(x[(slice(None),) * dim + (i,)] for i in range(x.shape[dim]))


METHODS = [gather, index_select, masked_fill, masked_fill_, fill_diagonal_, sort, argsort,
           topk, tril, triu, roll, repeat, unbind]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
