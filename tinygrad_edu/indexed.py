"""Reading and writing at computed positions: scatter, scatter_add, index_add, index_copy,
index_fill, index_put, take, masked_select, and the diagonals (diagonal, diag_embed, diag,
trace).

Two primitives that are each other's VJP do all of it: GetItem with integer arrays reads
elements, IndexAdd adds values into zeros at such positions. So

    scatter_add(x, dim, index, src) = x + IndexAdd(src at index's positions)

and src's gradient is g read back where each value was added. A write that replaces
(scatter, index_copy, index_fill) is a Where: the written values where the mask of
written positions holds, else x; so x's gradient is g where nothing was written and 0
where something was (torch's rule). None has a backward of its own.

Repeated positions. Adding twice adds up (scatter_add, index_add). Writing twice
(scatter, index_copy) keeps one value, and torch leaves which one unspecified (its CPU
kernels keep the last, in practice). Here the last in row-major order of index wins,
always, and only the value that won gets a gradient: the exact derivative of what the
forward pass computed. torch sends the gradient of that position to every value written
there (grad.gather(dim, index)); without repeats the two agree.

The in-place forms (scatter_, index_add_, ...) write into the tensor only when nothing is
recorded, like the library's other in-place methods (Tensor._overwrite, README).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import grad_mode
from .composed import clone
from .ops import movement
from .selection import _check_in_range, _fill_value, _indices
from .shape_more import movedim
from .shapes import broadcast_shapes
from .in_place import written_in_place
from .tensor import Number, Tensor, _axis, _integer, _tensor


def scatter(input: Tensor, dim: int, index: Any, src: Tensor | float | None = None,
            value: Any = None, *, reduce: str | None = None) -> Tensor:
    """A copy of input with, for dim = 0, out[index[i][j]][j] = src[i][j] (likewise for
    the other dims), or = value for every entry of index.

    index has as many dims as input; it is no larger than src, nor than input apart from
    `dim` (the leading part of src is read). reduce='add' adds instead of replacing (as
    scatter_add); reduce='multiply' multiplies, and has no gradient (torch neither).
    Gradient: to input, g where nothing was written; to src, g at the position each
    value won (see the module docstring for repeated positions), 0 for the part of a
    larger src that was not read (torch's backward refuses a src larger than index).
    """
    x = _tensor(input)
    if isinstance(src, Number):                  # torch.scatter(x, dim, index, 2.0)
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    if reduce not in (None, "add", "multiply"):
        raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    if reduce == "multiply" and grad_mode._enabled and any(
            isinstance(t, Tensor) and t.requires_grad for t in (x, src, value)):
        raise RuntimeError("scatter: reduce='multiply' has no gradient (torch's derivative is "
                           "not implemented either); call it under no_grad()")
    return _scatter("scatter", x, dim, index, src, value, reduce or "replace")


def scatter_add(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """A copy of input with src's values added at scatter's positions (repeats add up).
    Gradient: g to input; to src, g read back at each position."""
    return _scatter("scatter_add", _tensor(input), dim, index, src, None, "add")


def _scatter(op: str, x: Tensor, dim: int, index: Any, src: Any, value: Any,
             how: str) -> Tensor:
    """Write src (or value) into a copy of x at scatter's positions: how = 'replace',
    'add' or 'multiply'. 0-d tensors count as 1-D, as in torch."""
    src = None if src is None else _same_dtype(op, x, _tensor(src))
    idx, dim = _indices(op, index), _axis(x, dim, op)
    if idx.size == 0:                                    # nothing to write (torch: no checks)
        if src is None or not src.requires_grad:
            return clone(x)
        return x - src.reshape(-1)[:0].sum()     # minus a sum of no elements: src keeps a
                                                 # (zero) gradient, -0.0 stays -0.0
    x1, idx, src = [t if t is None or t.ndim else t.reshape(1) for t in (x, idx, src)]
    flat = _positions(op, x1.shape, dim, idx, src)
    # values[k] goes to the flat position chosen[k] of x
    if src is None:
        values = _fill_value(op, value, x.dtype)
        chosen = np.unique(flat) if how == "replace" else flat
        values = values.expand(chosen.size)
    else:           # src's entries under index, in index's row-major order: a basic slice
        values = src[tuple(slice(n) for n in idx.shape)].reshape(-1)
        chosen = flat
        if how == "replace":                             # the last write to each position
            last = flat.size - 1 - np.unique(flat[::-1], return_index=True)[1]
            values, chosen = values[last], flat[last]
    if how == "multiply":
        out = x1.data.copy()
        np.multiply.at(out.reshape(-1), chosen, values.data)
        return Tensor._from_node(out.reshape(x.shape), None)
    # added at flat positions of x: numpy's fast path (a 1-D array, one index array)
    placed = movement.IndexAdd.apply(values, shape=(x1.numel(),), index=(chosen,)).reshape(
        x1.shape)
    if how == "add":
        out = x1 + placed
    else:
        written = np.zeros(x1.numel(), dtype=np.bool_)
        written[chosen] = True
        out = placed.where(written.reshape(x1.shape), x1)
    return out.reshape(()) if x.ndim == 0 else out


def _same_dtype(op: str, x: Tensor, src: Tensor, name: str = "src") -> Tensor:
    if src.dtype != x.dtype:
        raise TypeError(f"{op}: {name} must have input's dtype {x.dtype}, got {src.dtype}")
    return src


def _positions(op: str, shape: tuple, dim: int, idx: np.ndarray, src: Tensor | None
               ) -> np.ndarray:
    """Check torch's rules; the flat position in x (of `shape`) that each entry of index
    names, in row-major order of index: index[i][j] along dim, its own place elsewhere."""
    if idx.ndim != len(shape) or (src is not None and src.ndim != idx.ndim):
        raise ValueError(f"{op}: index, input" + (" and src" if src is not None else "") +
                         f" must have as many dims, got index {idx.shape}, input {shape}"
                         + (f", src {src.shape}" if src is not None else ""))
    if any((d != dim and idx.shape[d] > shape[d]) or (src is not None and idx.shape[d] >
                                                       src.shape[d]) for d in range(idx.ndim)):
        raise ValueError(f"{op}: index shape {idx.shape} must be no larger than input shape "
                         f"{shape} apart from dimension {dim}" +
                         (f", and no larger than src shape {src.shape}" if src is not None
                          else ""))
    _check_in_range(op, idx, dim, shape)
    grids = np.ogrid[tuple(slice(n) for n in idx.shape)]
    return np.ravel_multi_index(tuple(idx if axis == dim else grids[axis]
                                      for axis in range(idx.ndim)), shape).reshape(-1)


def _along(op: str, x: Tensor, dim: int, index: Any, source: Any) -> tuple:
    """index_add/index_copy's arguments as scatter's: the 1-D index broadcast to source's
    shape along `dim`, after checking that source has input's shape with len(index) at dim."""
    idx, src = _indices(op, index), _same_dtype(op, x, _tensor(source), "source")
    if idx.ndim > 1:
        raise ValueError(f"{op}: index must be 0-d or 1-D, got shape {idx.shape}")
    dim = _axis(x, dim, op)
    shape = x.shape or (1,)
    if not x.shape and idx.size != 1:
        raise ValueError(f"{op}: a 0-d input takes an index of one element, got {idx.size}")
    expected = shape[:dim] + (idx.size,) + shape[dim + 1:]
    if (src.shape or (1,)) != expected:
        raise ValueError(f"{op}: source must have shape {expected} (input shape {x.shape} with "
                         f"dimension {dim} of size len(index) = {idx.size}), got {src.shape}")
    lined_up = idx.reshape([-1 if d == dim else 1 for d in range(len(shape))])
    return np.broadcast_to(lined_up, expected), src


def index_add(input: Tensor, dim: int, index: Any, source: Tensor, *,
              alpha: float = 1) -> Tensor:
    """A copy of input with alpha * source[..., i, ...] added to the slice index[i] along
    `dim` (repeats add up). Gradient: g to input, alpha * g's slices to source. For an
    integer input alpha is truncated to an int first, as torch."""
    x = _tensor(input)
    idx, src = _along("index_add", x, dim, index, source)
    if x.dtype.kind in "iub":
        alpha = int(alpha)
    if alpha != 1:
        src = (src * alpha).to(x.dtype)
    return _scatter("index_add", x, dim, idx, src, None, "add")


def index_copy(input: Tensor, dim: int, index: Any, source: Tensor) -> Tensor:
    """A copy of input with its slice index[i] along `dim` replaced by source's slice i
    (a repeated index keeps the last). Gradient as scatter's."""
    x = _tensor(input)
    idx, src = _along("index_copy", x, dim, index, source)
    return _scatter("index_copy", x, dim, idx, src, None, "replace")


def index_fill(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """A copy of input with the slices index[i] along `dim` set to value (a number or a
    0-d tensor); negative indices count from the end. Gradient: to input, g outside those
    slices; to a tensor value, the sum of g inside them."""
    x, idx = _tensor(input), _indices("index_fill", index)
    if idx.ndim > 1:
        raise ValueError(f"index_fill: index must be 0-d or 1-D, got shape {idx.shape}")
    dim = _axis(x, dim, "index_fill")
    n = x.shape[dim] if x.ndim else 1
    hit = np.zeros(n, dtype=np.bool_)
    hit[_wrapped("index_fill", idx, n, f"dimension {dim} of input shape {x.shape}")] = True
    mask = hit.reshape([n if d == dim else 1 for d in range(x.ndim)])
    return _fill_value("index_fill", value, x.dtype).where(mask, x)


def index_put(input: Tensor, indices: tuple, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of input with out[indices] = values, or += values with accumulate=True
    (repeated positions then add up; without it the last one wins), as torch.index_put;
    indices is a tuple of integer or bool tensors, read as x[indices] reads them.
    Gradient: to values, g at the positions each value went to (the last one, without
    accumulate); to input, g (accumulate) or g where nothing was written."""
    x = _tensor(input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of tensors, got "
                        f"{type(indices).__name__}")
    index = tuple(i.data if isinstance(i, Tensor) else np.asarray(i) for i in indices)
    if any(i.dtype not in (np.int64, np.int32, np.bool_) for i in index):
        raise TypeError("index_put: each index must be an int64, int32 (not uint8, which "
                        "torch reads as a mask) or bool tensor, got "
                        f"{', '.join(str(i.dtype) for i in index)}")
    try:
        chosen = np.arange(x.numel()).reshape(x.shape)[index]     # flat positions written
    except IndexError as error:
        raise IndexError(f"index_put: {error} (input shape {x.shape})") from None
    values = _same_dtype("index_put", x, _tensor(values), "values")
    try:
        values = values.expand(*chosen.shape).reshape(-1)
    except ValueError:
        raise ValueError(f"index_put: values of shape {values.shape} do not broadcast to the "
                         f"{chosen.shape} positions indexed") from None
    flat = chosen.reshape(-1)
    if accumulate:
        added = movement.IndexAdd.apply(values, shape=(x.numel(),), index=(flat,))
        return (x.reshape(-1) + added).reshape(x.shape)
    last = flat.size - 1 - np.unique(flat[::-1], return_index=True)[1]
    return x.reshape(-1).index_copy(0, Tensor(flat[last]), values[last]).reshape(x.shape)


def _wrapped(op: str, idx: np.ndarray, size: int, where: str) -> np.ndarray:
    """Indices in [-size, size) as positions in [0, size); others are an IndexError."""
    outside = (idx < -size) | (idx >= size)
    if outside.any():
        raise IndexError(f"{op}: index {idx[outside].flat[0]} is out of range for {where} "
                         f"of size {size} (expected {-size} <= index < {size})")
    return idx % size if size else idx


def take(input: Tensor, index: Any) -> Tensor:
    """input read as 1-D at `index` (negative counts from the end); the result has index's
    shape. Gradient: g added back where each element was read."""
    x, idx = _tensor(input), _indices("take", index)
    flat = x.reshape(-1)
    at = _wrapped("take", idx, flat.shape[0], f"input of shape {x.shape} read as 1-D")
    return movement.GetItem.apply(flat, index=(np.asarray(at).reshape(idx.shape),))


def put(input: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """A copy of input read as 1-D with out[index] = source (+= with accumulate), as
    torch.put: index and source have as many elements; negative indices count from the end.
    Composed: index_put on the flattened input (the gradient as index_put's)."""
    x, idx, src = _tensor(input), _indices("put", index), _tensor(source)
    if src.numel() != idx.size:
        raise ValueError(f"put: index has {idx.size} elements but source has {src.numel()} "
                         f"(shapes {idx.shape} and {src.shape}); they must match")
    at = _wrapped("put", idx.reshape(-1), x.numel(), f"input of shape {x.shape} read as 1-D")
    flat = index_put(x.reshape(-1), (Tensor(at),), src.reshape(-1), accumulate)
    return flat.reshape(x.shape)


def put_(self: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    return _in_place("put_", self, (source,), lambda: put(self, index, source, accumulate))


def masked_select(input: Tensor, mask: Any) -> Tensor:
    """The elements where mask (bool, broadcast with input) is True, as a 1-D tensor in
    row-major order. Gradient: g back at those positions (summed over broadcast copies)."""
    x = _tensor(input)
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        shape = broadcast_shapes(x.shape, m.shape) or (1,)      # 0-d as 1-D
    except ValueError:
        raise ValueError(f"masked_select: mask of shape {m.shape} does not broadcast with "
                         f"input of shape {x.shape}") from None
    xb = x if x.shape == shape else x.expand(*shape)
    return movement.GetItem.apply(xb, index=np.nonzero(np.broadcast_to(m, shape)))


# ---------------------------------------------------------------- diagonals
def _diagonal_at(rows: int, cols: int, offset: int) -> tuple:
    """(i, j) of the diagonal j - i = offset of a rows x cols matrix, from the top left."""
    first_row, first_col = max(-offset, 0), max(offset, 0)
    k = np.arange(max(min(rows - first_row, cols - first_col), 0))
    return k + first_row, k + first_col


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The elements (i, i + offset) of the matrices in dims (dim1, dim2), as a new last dim
    (those two dims removed); offset > 0 is above the main diagonal. A copy (torch gives
    a view). Gradient: g back on that diagonal, zeros elsewhere."""
    x = _tensor(input)
    d1, d2 = _axis(x, dim1, "diagonal"), _axis(x, dim2, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, got {dim1} and {dim2} for "
                         f"shape {x.shape}")
    rows, cols = _diagonal_at(x.shape[d1], x.shape[d2], offset)
    return movement.GetItem.apply(movedim(x, (d1, d2), (-2, -1)), index=(..., rows, cols))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices in dims (dim1, dim2) of the result with input's last dim on their diagonal
    (i, i + offset), zeros elsewhere: the inverse of diagonal. Gradient: g's diagonal."""
    x = _tensor(input)
    ndim = x.ndim + 1
    d1, d2 = (_result_dim("diag_embed", d, ndim) for d in (dim1, dim2))
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    size = x.shape[-1] + abs(offset)
    at = (..., *_diagonal_at(size, size, offset))
    placed = movement.IndexAdd.apply(x, shape=(*x.shape[:-1], size, size), index=at)
    return movedim(placed, (-2, -1), (d1, d2))


def _result_dim(op: str, dim: int, ndim: int) -> int:
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dimension {dim} is out of range for the {ndim}-D result "
                         f"(expected {-ndim} <= dim < {ndim})")
    return dim % ndim


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: the square matrix with input on its diagonal `diagonal` (diag_embed).
    2-D input: that diagonal of the matrix, as 1-D (torch.diagonal)."""
    x, diagonal = _tensor(input), _integer(diagonal, "diagonal", "diag")
    if x.ndim not in (1, 2):
        raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {x.shape}")
    return diag_embed(x, diagonal) if x.ndim == 1 else x.diagonal(diagonal)


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (integers sum as int64)."""
    x = _tensor(input)
    if x.ndim != 2:
        raise ValueError(f"trace: expects a matrix, got shape {x.shape}")
    if x.dtype == np.bool_:
        raise TypeError("trace: not implemented for bool tensors (as torch)")
    return diagonal(x).sum()


# ---------------------------------------------------------------- in place
def _in_place(op: str, x: Tensor, values: tuple, result: Callable[[], Tensor]) -> Tensor:
    """torch's in-place form: the out-of-place result written into x (in_place.py)."""
    def compute() -> Tensor:
        try:
            return result()
        except (ValueError, IndexError, TypeError) as error:
            message = str(error).removeprefix(f"{op[:-1]}: ")    # (named once: "index_add_:")
            raise type(error)(f"{op}: {message}") from None
    return written_in_place(op, x, values, compute)


def scatter_(self: Tensor, dim: int, index: Any, src: Any = None, value: Any = None, *,
             reduce: str | None = None) -> Tensor:
    return _in_place("scatter_", self, (src, value),
                     lambda: scatter(self, dim, index, src, value, reduce=reduce))


def scatter_add_(self: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    return _in_place("scatter_add_", self, (src,), lambda: scatter_add(self, dim, index, src))


def index_add_(self: Tensor, dim: int, index: Any, source: Tensor, *,
               alpha: float = 1) -> Tensor:
    return _in_place("index_add_", self, (source,),
                     lambda: index_add(self, dim, index, source, alpha=alpha))


def index_copy_(self: Tensor, dim: int, index: Any, source: Tensor) -> Tensor:
    return _in_place("index_copy_", self, (source,),
                     lambda: index_copy(self, dim, index, source))


def index_fill_(self: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    return _in_place("index_fill_", self, (value,), lambda: index_fill(self, dim, index, value))


def index_put_(self: Tensor, indices: tuple, values: Any, accumulate: bool = False) -> Tensor:
    return _in_place("index_put_", self, (values,),
                     lambda: index_put(self, indices, values, accumulate))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """input with the positions where mask (broadcast to input's shape) is True filled by
    source's first elements, in row-major order. Composed: index_put at those positions,
    so the gradient reaches input elsewhere and the used elements of source."""
    x, m, src = _tensor(input), _tensor(mask), _tensor(source)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_scatter: mask must be bool, got {m.dtype}")
    if src.dtype != x.dtype:
        raise TypeError(f"masked_scatter: input and source must have one dtype, got {x.dtype} "
                        f"and {src.dtype}")
    try:
        shape = broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise ValueError(f"masked_scatter: mask of shape {m.shape} does not broadcast with "
                         f"input {x.shape}") from None
    if not shape:                                       # 0-d: as the one-element case
        return masked_scatter(x.reshape(1), m.reshape(1), src).reshape(())
    x = x.expand(*shape) if x.shape != shape else x
    where = np.broadcast_to(m.data, shape)
    count = int(where.sum())
    if src.numel() < count:
        raise ValueError(f"masked_scatter: the mask selects {count} elements but source has "
                         f"only {src.numel()}")
    return index_put(x, np.nonzero(where), src.reshape(-1)[:count])


METHODS = [masked_scatter, put, put_, scatter, scatter_add, index_add, index_copy, index_fill,
           index_put, take, masked_select, diagonal, diag_embed, diag, trace, scatter_,
           scatter_add_, index_add_, index_copy_, index_fill_, index_put_]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
