"""Functions whose results are positions, counts or truth values: nonzero, argwhere,
unique, count_nonzero, tril_indices, triu_indices, logical_and/or/xor/not.

None has a gradient: their results are integers or bools (unique's values are input's
dtype, but which values come out does not change smoothly with input), so they are
computed with numpy outside the graph, as argmax is. Each function is also a Tensor
method where torch has one, attached at the bottom of the file.
"""
from __future__ import annotations

import math

from typing import Any, Callable, Sequence

import numpy as np

from .device import check_device
from .dtypes import check_int, to_dtype
from .shapes import broadcast_pair
from .tensor import Tensor, _axes, _axis, _integer, _tensor


def _constant(array: np.ndarray) -> Tensor:
    return Tensor._from_node(np.asarray(array), None)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple:
    """The positions of the nonzero elements in row-major order: an (n, ndim) int64 tensor,
    or with as_tuple one 1-D tensor per dim (a 0-d input counts as 1-D). No gradient."""
    data = _tensor(input).data
    if as_tuple:
        return tuple(_constant(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return _constant(np.argwhere(data).astype(np.int64))


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero(input) with exactly `size` rows: the first `size` positions, padded with
    rows of fill_value when there are fewer (torch.nonzero_static). No gradient."""
    check_int("nonzero_static", "size", size)
    if size < 0:
        raise ValueError(f"nonzero_static: size must be a non-negative int, got {size}")
    positions = nonzero(input).data[:size]
    padding = np.full((size - len(positions), positions.shape[1]), fill_value, np.int64)
    return _constant(np.concatenate([positions, padding]))


def argwhere(input: Tensor) -> Tensor:
    """nonzero(input): the (n, ndim) positions of the nonzero elements. No gradient."""
    return nonzero(input)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Tensor | tuple:
    """The distinct elements of the flattened input, in ascending order; with
    return_inverse also where each element of input is in them (input's shape), with
    return_counts also how often each occurs. nan is distinct from every value, itself
    included, as torch. The order is sorted whatever `sorted` says (torch leaves the order
    open with sorted=False). With `dim`, the distinct slices along dim (the columns of an
    edge list (2, E) for dim=1), in lexicographic order, the inverse indexing dim. No
    gradient.
    """
    x = _tensor(input)
    axis = None if dim is None else _axis(x, dim, "unique")
    values, inverse, counts = np.unique(x.data, return_inverse=True, return_counts=True,
                                        axis=axis, equal_nan=False)
    inverse = inverse.reshape(x.shape if axis is None else -1)
    results = [_constant(values)]
    if return_inverse:
        results.append(_constant(inverse.astype(np.int64)))
    if return_counts:
        results.append(_constant(counts.astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


def unique_consecutive(input: Tensor, return_inverse: bool = False,
                       return_counts: bool = False, dim: int | None = None) -> Tensor | tuple:
    """Each run of equal neighbours kept once, in order ([1, 1, 2, 2, 1] -> [1, 2, 1]): of
    the flattened input, or of the slices along `dim`. return_inverse gives the run of
    each element (input's shape, or dim's length), return_counts each run's length."""
    x = _tensor(input)
    axis = None if dim is None else _axis(x, dim, "unique_consecutive")
    data = x.data.reshape(-1) if axis is None else np.moveaxis(np.atleast_1d(x.data), axis, 0)
    if len(data):
        unequal = data[1:] != data[:-1]                     # (n - 1, ...) for slices
        differs = unequal.reshape(len(unequal), math.prod(unequal.shape[1:])).any(axis=1)
        starts = np.flatnonzero(np.concatenate([[True], differs]))
    else:
        starts = np.zeros(0, np.int64)
    values = data[starts] if axis is None else np.moveaxis(data[starts], 0, axis)
    results = [_constant(np.ascontiguousarray(values))]
    if return_inverse:
        run = np.cumsum(np.isin(np.arange(len(data)), starts)) - 1
        results.append(_constant(run.reshape(x.shape if axis is None else -1).astype(np.int64)))
    if return_counts:
        results.append(_constant(np.diff(np.append(starts, len(data))).astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple:
    """The coordinates in `shape` of flat (row-major) indices, one int64 tensor per dim:
    a flattened topk over (beam, vocab) back to (beam, token)."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"unravel_index: the shape {shape} cannot have negative sizes")
    if not shape:
        return ()
    flat = np.asarray(getattr(indices, "data", indices))
    if flat.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: indices must be integers, got {flat.dtype}")
    size = math.prod(shape)
    if flat.size and (flat.min() < -size or flat.max() >= size):
        raise ValueError(f"unravel_index: an index is out of range for shape {tuple(shape)}")
    return tuple(_constant(np.asarray(c, np.int64)) for c in np.unravel_index(flat % max(size, 1),
                                                                               tuple(shape)))


def count_nonzero(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """The number of nonzero elements over `dim` (all dims when None or empty), as int64.
    No gradient."""
    x = _tensor(input)
    axes = _axes(x, dim, "count_nonzero") or None
    return _constant(np.asarray(np.count_nonzero(x.data, axis=axes), dtype=np.int64))


def _triangle_indices(op: str, take: Callable, row: int, col: int, offset: int,
                      dtype: Any, device: Any) -> Tensor:
    check_device(device, op)
    row, col, offset = (_integer(value, name, op)
                        for name, value in (("row", row), ("col", col), ("offset", offset)))
    if row < 0 or col < 0:
        raise ValueError(f"{op}: row and col must be non-negative, got {row} and {col}")
    dtype = to_dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"{op}: dtype must be an integer type, got {dtype}")
    return _constant(np.stack(take(row, offset, col)).astype(dtype))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates (i, j) with j - i <= offset of a row x col matrix, row by row:
    x[tuple(tril_indices(...))] reads its lower triangle."""
    return _triangle_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates (i, j) with j - i >= offset of a row x col matrix, row by row."""
    return _triangle_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)


def _logical(op: str, fn: np.ufunc, input: Any, other: Any) -> Tensor:
    """fn of the truth values (nonzero is True) of input and other, broadcast together."""
    if other is None or isinstance(other, str):
        raise TypeError(f"{op}: other must be a tensor or a number, got {type(other).__name__}")
    a = _tensor(input).data
    b = other.data if isinstance(other, Tensor) else np.asarray(other)
    broadcast_pair(op, a.shape, b.shape)
    return _constant(fn(a, b))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """input != 0 and other != 0, elementwise, as a bool tensor. No gradient."""
    return _logical("logical_and", np.logical_and, input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """input != 0 or other != 0, elementwise, as a bool tensor. No gradient."""
    return _logical("logical_or", np.logical_or, input, other)


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """Exactly one of input and other nonzero, elementwise, as a bool tensor. No gradient."""
    return _logical("logical_xor", np.logical_xor, input, other)


def logical_not(input: Tensor) -> Tensor:
    """input == 0, elementwise, as a bool tensor (Tensor.logical_not). No gradient."""
    return _tensor(input).logical_not()


METHODS = [nonzero, nonzero_static, argwhere, unique, unique_consecutive, count_nonzero,
           logical_and, logical_or, logical_xor]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
