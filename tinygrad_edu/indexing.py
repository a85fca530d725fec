"""torch's indexing rules, as numpy indices for the GetItem op.

numpy and torch agree on `x[index]` except where an int (or an Ellipsis) sits among
index arrays. numpy counts an int as one more index array, and index arrays that are
not side by side put their result axes first:

    x.shape == (2, 3, 4)
    x[0, :, [1, 2]]    numpy (2, 3): the int and [1, 2] broadcast, their axis goes first
                       torch (3, 2): the int selects x[0] first, then [:, [1, 2]]

torch applies the ints, slices, None and Ellipsis first (plain views), then the index
arrays to what is left, where an Ellipsis covering no axes no longer separates two
arrays. `index_steps` returns exactly those two numpy indices, or one when numpy would
already agree.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def index_steps(index: Any, shape: tuple, op: str = "getitem") -> list[tuple]:
    """numpy indices that, applied one after the other, give torch's `x[index]` (`op`
    names the caller in errors)."""
    items = [_as_item(item, op) for item in (index if isinstance(index, tuple) else (index,))]
    arrays = [item for item in items if isinstance(item, np.ndarray)]
    if not arrays or not any(_is_int(item) or item is Ellipsis for item in items):
        return [numpy_index(tuple(items), shape, op)]
    used = sum(_axes_used(item) for item in items if item is not None and item is not Ellipsis)
    first, then = [], []
    for item in items:
        if isinstance(item, np.ndarray):            # step 1 keeps its axes for step 2
            first += [slice(None)] * _axes_used(item)
            then.append(item)
        elif item is Ellipsis:
            first.append(item)
            then += [slice(None)] * (len(shape) - used)
        else:                                       # an int's axis is gone after step 1
            first.append(item)
            then += [] if _is_int(item) else [slice(None)]
    first_index = numpy_index(tuple(first), shape, op)
    selected = np.empty(shape, dtype=np.bool_)[first_index].shape
    return [first_index, numpy_index(tuple(then), selected, op)]


def index_put(index: Any, value_size: int) -> bool:
    """Whether torch writes x[index] = value with index_put (tensors, lists or masks in the
    index), which needs value's dtype to be x's; not for a Python bool, nor for a mask with
    a one-element value (torch fills then)."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [item for item in (_as_item(item, "setitem") for item in items
                                if not isinstance(item, bool)) if isinstance(item, np.ndarray)]
    masked = any(a.dtype == np.bool_ for a in arrays)
    return bool(arrays) and not (masked and value_size == 1)


def numpy_index(index: tuple, shape: tuple, op: str = "getitem") -> tuple:
    """The index with bool masks as their nonzero positions, checked against `shape`: a
    mask must have the shape of the axes it covers (numpy would read other elements)."""
    covered_by_others = sum(_axes_used(item) for item in index
                            if item is not None and item is not Ellipsis)
    out, axis = [], 0
    for item in index:
        if isinstance(item, np.ndarray) and item.dtype == np.bool_ and item.ndim:
            axes = shape[axis:axis + item.ndim]
            if item.shape != axes:
                raise IndexError(f"{op}: a mask of shape {item.shape} indexes axes of "
                                 f"shape {axes} (axis {axis} on, of {shape}); the shapes "
                                 "must match")
            out.extend(np.nonzero(item))
        elif isinstance(item, np.ndarray) and item.dtype.kind not in "iub":
            raise IndexError(f"{op}: index arrays must be integer or bool, got {item.dtype}")
        else:
            out.append(item)
        if item is Ellipsis:
            axis += max(len(shape) - covered_by_others, 0)
        elif item is not None:
            axis += _axes_used(item)
    index = tuple(out)
    try:
        np.broadcast_to(np.empty((), dtype=np.bool_), shape)[index]
    except IndexError as e:
        raise IndexError(f"{op}: index {index!r} is invalid for shape {shape}: {e}") from None
    return index


def _as_item(item: Any, op: str) -> Any:
    """Tensors and sequences (lists, tuples, ranges) as arrays, as torch reads them; a 0-d
    integer array is an int and a Python bool a 0-d bool array, a mask of no axes (as in
    torch, where x[0, :, True] is x[0][:, None])."""
    if isinstance(item, tensor.Tensor):
        item = item.data
    elif isinstance(item, (list, tuple, range)):
        item = np.asarray(item)
        if item.size == 0:                  # x[[]]: no positions, as an (empty) int index
            item = item.astype(np.int64)
    elif isinstance(item, (bool, np.bool_)):
        return np.asarray(item)
    if isinstance(item, np.ndarray) and item.dtype == np.uint8:
        raise IndexError(f"{op}: a uint8 index: torch reads it as a mask (deprecated), numpy "
                         "as positions; say which with .bool() or .long()")
    if isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu":
        return int(item)
    return item


def _is_int(item: Any) -> bool:
    return isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))


def _axes_used(item: Any) -> int:
    """How many axes of x an index item consumes (a bool mask: its ndim)."""
    if isinstance(item, np.ndarray) and item.dtype == np.bool_:
        return item.ndim
    return 0 if isinstance(item, (bool, np.bool_)) else 1


from . import tensor  # noqa: E402  (tensor.py builds on this module; read at call time)
