"""Several tensors into one, one into several, several to one shape: atleast_1d/2d/3d,
hstack, vstack (row_stack), dstack, column_stack, concat, concatenate, tensor_split,
broadcast_shapes, broadcast_tensors, meshgrid, cartesian_prod, hsplit, vsplit, dsplit.

Composed from Reshape, Cat, GetItem slices and Expand, whose VJPs hand each input its
part of the gradient (a slice of g, or g summed over an input's broadcast copies): none
has a backward of its own. tensor_split is also a Tensor method (bottom of the file).
"""
from __future__ import annotations

import functools
import itertools
import operator
import warnings
from typing import Any, Sequence

import numpy as np

from .composed import _tensor_list, cat, pad
from .dtypes import promote
from .composed import stack as _stack
from .shapes import Size
from .shapes import broadcast_shapes as _broadcast
from .tensor import Tensor, _axis, _tensor


def _at_least(x: Tensor, ndim: int) -> Tensor:
    """x with size-1 dims added up to `ndim`, as numpy's atleast_*d: (n,) -> (1, n) for 2
    dims; for 3 dims (n,) -> (1, n, 1) and (m, n) -> (m, n, 1)."""
    x = _tensor(x)
    if x.ndim >= ndim:
        return x
    if ndim == 3 and x.ndim:
        return x.reshape(*((1, *x.shape, 1) if x.ndim == 1 else (*x.shape, 1)))
    return x.reshape(*(1,) * (ndim - x.ndim), *x.shape)


def _at_least_all(tensors: tuple, ndim: int) -> Tensor | tuple:
    """torch's atleast_*d: one tensor gives a tensor, several (or a list) a tuple."""
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        return _at_least(tensors[0], ndim)
    many = tensors[0] if len(tensors) == 1 else tensors
    return tuple(_at_least(t, ndim) for t in many)


def atleast_1d(*tensors: Any) -> Tensor | tuple:
    """A 0-d tensor as shape (1,); others unchanged."""
    return _at_least_all(tensors, 1)


def atleast_2d(*tensors: Any) -> Tensor | tuple:
    """0-d as (1, 1), 1-D (n,) as (1, n); others unchanged."""
    return _at_least_all(tensors, 2)


def atleast_3d(*tensors: Any) -> Tensor | tuple:
    """0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as (m, n, 1); others unchanged."""
    return _at_least_all(tensors, 3)


def _cat(tensors: list, dim: int, op: str) -> Tensor:
    """cat, its errors prefixed with the op the user called."""
    try:
        return cat(tensors, dim)
    except (ValueError, IndexError) as error:
        raise type(error)(f"{op}: {error}") from None


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, or along dim 0 when they are 1-D (0-d count as 1-D)."""
    ts = [_at_least(t, 1) for t in _tensor_list(tensors, "hstack")]
    return _cat(ts, 0 if ts[0].ndim == 1 else 1, "hstack")


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0 after atleast_2d (1-D tensors become rows). `row_stack` is it."""
    return _cat([_at_least(t, 2) for t in _tensor_list(tensors, "vstack")], 0, "vstack")


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 2 after atleast_3d (depth-wise)."""
    return _cat([_at_least(t, 3) for t in _tensor_list(tensors, "dstack")], 2, "dstack")


def block_diag(*tensors: Tensor) -> Tensor:
    """The matrices (0-d and 1-d inputs count as one row) on the diagonal of one matrix,
    zeros elsewhere: a KKT system's [[Q, A^T], [A, 0]] from its blocks. Composed: each
    block padded with zeros to the full width, then stacked, so gradients reach each."""
    blocks = [_tensor(t) for t in tensors]
    for i, b in enumerate(blocks):
        if b.ndim > 2:
            raise ValueError(f"block_diag: input {i} has {b.ndim} dimensions; at most 2")
    blocks = [b.reshape(1, -1) if b.ndim < 2 else b for b in blocks]
    if not blocks:
        return Tensor(np.zeros((1, 0), np.float32))
    dtype = functools.reduce(promote, [b.dtype for b in blocks])
    width = sum(b.shape[1] for b in blocks)
    rows, start = [], 0
    for b in blocks:
        rows.append(pad(b.to(dtype), (start, width - start - b.shape[1])))
        start += b.shape[1]
    return cat(rows, 0)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, 0-d and 1-D tensors as columns (n,) -> (n, 1)."""
    ts = [t.reshape(-1, 1) if t.ndim <= 1 else t
          for t in _tensor_list(tensors, "column_stack")]
    return _cat(ts, 1, "column_stack")


def concat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """torch's alias of cat."""
    return _cat(_tensor_list(tensors, "concat"), dim, "concat")


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """torch's alias of cat (numpy's name and keyword; torch's dim= works too)."""
    return _cat(_tensor_list(tensors, "concatenate"), axis if dim is None else dim,
                "concatenate")


def tensor_split(input: Tensor, indices_or_sections: int | Sequence[int] | Tensor | None = None,
                 dim: int = 0, *, sections: int | None = None,
                 indices: Sequence[int] | None = None,
                 tensor_indices_or_sections: Tensor | None = None) -> tuple:
    """Views of input split along `dim`.

    An int n gives n parts; when the size s is not a multiple, the first s % n parts have
    one element more (some may be empty). A list of indices [i, j] gives input[:i],
    input[i:j], input[j:] with Python's slicing rules (negative counts from the end). A
    0-d integer tensor counts as an int, a 1-D one as indices. The keywords sections=,
    indices= and tensor_indices_or_sections= are torch's names for the three forms.
    """
    x = _tensor(input)
    given = [s for s in (indices_or_sections, sections, indices, tensor_indices_or_sections)
             if s is not None]
    if len(given) != 1:
        raise TypeError("tensor_split: give the split once, as indices_or_sections, "
                        "sections=, indices= or tensor_indices_or_sections=")
    if x.ndim == 0:
        raise ValueError("tensor_split: expected at least a 1-dimensional tensor, got a 0-d one")
    dim, spec = _axis(x, dim, "tensor_split"), given[0]
    if isinstance(spec, Tensor):
        if spec.dtype.kind not in "iu" or spec.ndim > 1:
            raise TypeError(f"tensor_split: a tensor indices_or_sections must be a 0-d or 1-D "
                            f"integer tensor, got {spec.dtype} of shape {spec.shape}")
        spec = spec.item() if spec.ndim == 0 else spec.tolist()
    if isinstance(spec, (int, np.integer)):
        if spec <= 0:
            raise ValueError(f"tensor_split: the number of sections must be positive, got {spec}")
        size, extra = divmod(x.shape[dim], spec)
        ends = np.cumsum([size + 1] * extra + [size] * (spec - extra)).tolist()
        starts, stops = [0, *ends[:-1]], ends
    else:
        indices = [operator.index(i) for i in spec]
        starts, stops = [None, *indices], [*indices, None]
    return tuple(x[(slice(None),) * dim + (slice(a, b),)] for a, b in zip(starts, stops))


# ---------------------------------------------------------------- broadcasting
def broadcast_shapes(*shapes: int | Sequence[int]) -> Size:
    """The shape that tensors of these shapes broadcast to (an int is a 1-D shape)."""
    return Size(_broadcast_shape(shapes, "broadcast_shapes"))


def _broadcast_shape(shapes: tuple, op: str) -> tuple:
    tuples = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    if any(n < 0 for t in tuples for n in t):
        raise ValueError(f"{op}: sizes must be non-negative, got shapes {tuples}")
    try:
        return _broadcast(*(tuple(int(n) for n in t) for t in tuples)) if tuples else ()
    except ValueError:
        raise ValueError(f"{op}: shapes {tuples} do not broadcast (aligned from the right, "
                         "each size must be equal or 1)") from None


def broadcast_tensors(*tensors: Tensor) -> tuple:
    """Each tensor expanded to the shape they broadcast to (views; the gradient of each
    sums over its copies)."""
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError("broadcast_tensors: expected Tensors as arguments, got "
                        f"{[type(t).__name__ for t in tensors]}")
    shape = _broadcast_shape(tuple(t.shape for t in tensors), "broadcast_tensors")
    return tuple(t.expand(*shape) for t in tensors)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids of 0-d or 1-D tensors (one dtype): with indexing='ij' output k has
    shape (n0, n1, ...) and varies along dim k; 'xy' swaps the first two dims, so that
    the first tensor varies along the columns (numpy's default). Without `indexing`,
    'ij' with torch's warning that it will become required. Each grid is an expanded
    view (read-only here); its gradient sums over the copies.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument (indexing='ij' is used, torch's default; numpy's "
                      "is 'xy').", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = _tensor_list(list(tensors), "meshgrid")
    for t in ts:
        if t.ndim > 1 or t.dtype != ts[0].dtype:
            raise ValueError(f"meshgrid: expects 0-d or 1-D tensors of one dtype, got "
                             f"{[(t.dtype.name, t.shape) for t in ts]}")
    axes = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(ts)
    for t, axis in zip(ts, axes):
        shape[axis] = t.numel()
    return tuple(t.reshape(*[-1 if d == axis else 1 for d in range(len(ts))]).expand(*shape)
                 for t, axis in zip(ts, axes))


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (n0 n1 ..., k) in
    row-major order (itertools.product); one tensor is returned as it is."""
    ts = _tensor_list(list(tensors), "cartesian_prod")
    if any(t.ndim != 1 for t in ts):
        raise ValueError(f"cartesian_prod: expects 1-D tensors, got shapes {[t.shape for t in ts]}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return _stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The r-element combinations of a 1-D tensor's elements as rows (count, r), in
    itertools.combinations order (combinations_with_replacement with with_replacement);
    r = 0 gives an empty (0,) tensor, as torch. Composed: a gather, so the gradient adds
    up over the rows each element appears in."""
    x = _tensor(input)
    if x.ndim != 1:
        raise ValueError(f"combinations: expects a 1-D tensor, got shape {x.shape}")
    if not isinstance(r, (int, np.integer)) or r < 0:
        raise ValueError(f"combinations: r must be a non-negative int, got {r!r}")
    if r == 0:
        return Tensor(x.data[:0])                 # (no rows to differentiate, as torch)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[rows]


def hsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple:
    """tensor_split along dim 1 (dim 0 for a 1-D input); an int must divide the size."""
    x = _tensor(input)
    return _split_exactly(x, indices_or_sections, 0 if x.ndim == 1 else 1, "hsplit", 1)


def vsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple:
    """tensor_split along dim 0 of an input of at least 2 dims."""
    return _split_exactly(_tensor(input), indices_or_sections, 0, "vsplit", 2)


def dsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple:
    """tensor_split along dim 2 of an input of at least 3 dims."""
    return _split_exactly(_tensor(input), indices_or_sections, 2, "dsplit", 3)


def _split_exactly(x: Tensor, sections: Any, dim: int, op: str, least: int) -> tuple:
    if x.ndim < least:
        raise ValueError(f"{op}: needs a tensor of at least {least} dims, got shape {x.shape}")
    if isinstance(sections, (int, np.integer)) and (sections <= 0 or x.shape[dim] % sections):
        raise ValueError(f"{op}: {sections} sections do not divide dimension {dim} of size "
                         f"{x.shape[dim]} into equal parts")
    return tensor_split(x, sections, dim)


Tensor.tensor_split = tensor_split
for _fn in (hsplit, vsplit, dsplit):
    setattr(Tensor, _fn.__name__, _fn)
