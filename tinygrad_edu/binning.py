"""Counting and locating, as torch's: bincount, histc, histogram, searchsorted, bucketize.

Their results are counts and positions, so none has a gradient (like argmax). bincount,
histc and histogram are also Tensor methods, attached at the bottom of the file.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .dtypes import check_int
from .tensor import Number, Tensor, _tensor


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """out[v] = how many times v occurs in input (1-D, non-negative integers), or the sum
    of the weights at its occurrences; length max(input) + 1, at least minlength. int64
    counts; weighted sums keep a float weights' dtype, other weights give float64 (torch).
    No gradient."""
    x = _tensor(input)
    if x.ndim != 1 or x.dtype.kind not in "iu" or (x.data < 0).any():
        raise ValueError(f"bincount: only supports 1-D non-negative integer inputs, got "
                         f"{x.dtype} of shape {x.shape}")
    check_int("bincount", "minlength", minlength)
    if minlength < 0:
        raise ValueError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return Tensor._from_node(np.bincount(x.data, minlength=minlength).astype(np.int64), None)
    w = _tensor(weights)
    if w.shape != x.shape:
        raise ValueError(f"bincount: weights should be 1-D and as long as input, got shapes "
                         f"{w.shape} and {x.shape}")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    sums = np.bincount(x.data, w.data.astype(np.float64), minlength=minlength)
    return Tensor._from_node(sums.astype(dtype), None)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of the elements in `bins` equal-width bins from min to max (an element equal
    to max goes in the last bin; those outside and nan are left out). When min == max,
    the data's own range is used, widened by 1 each way if that is one value. Float
    input; the counts have its dtype. No gradient."""
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"histc: expected a floating point tensor, got dtype {x.dtype}")
    check_int("histc", "bins", bins)
    if bins <= 0:
        raise ValueError(f"histc: bins must be > 0, got {bins}")
    if min > max:
        raise ValueError(f"histc: max must be larger than min, got min={min}, max={max}")
    data = x.data.reshape(-1)
    low, high = np.asarray(min, dtype=x.dtype), np.asarray(max, dtype=x.dtype)
    if low == high and data.size:
        low, high = data.min(), data.max()
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"histc: the range [{low}, {high}] is not finite")
    inside = data[(data >= low) & (data <= high)]
    position = ((inside - low) * bins / (high - low)).astype(np.int64)   # in x's dtype
    counts = np.bincount(np.minimum(position, bins - 1), minlength=bins)
    return Tensor._from_node(counts.astype(x.dtype), None)


Histogram = namedtuple("histogram", ["hist", "bin_edges"])


def histogram(input: Tensor, bins: int | Tensor = 100, *, range: tuple | None = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False) -> Histogram:
    """(hist, bin_edges), as torch.histogram: `bins` equal-width bins over `range` (the
    data's min and max when None), or the given increasing edges; each bin holds
    [edge_i, edge_i+1), the last also its right edge. `weight` counts each element by its
    weight; density=True divides by the total and the bin widths (the histograms of
    activations in Karpathy's makemore). Float input; the edges, the binning and both
    results are in its dtype, as torch's (in float32, 0.29999998 can be an edge). No
    gradient."""
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"histogram: expected a floating point tensor, got dtype {x.dtype}")
    data = x.data.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins.data.astype(x.dtype)
        if edges.ndim != 1 or len(edges) < 2 or not (np.diff(edges) >= 0).all():
            raise ValueError(f"histogram: `bins` must increase monotonically: a 1-D tensor of "
                             f"at least 2 edges, got {edges}")
    else:
        edges = _even_edges(data, bins, range)
    w = None if weight is None else _tensor(weight).data.reshape(-1)
    if w is not None and w.size != data.size:
        raise ValueError(f"histogram: weight of shape {_tensor(weight).shape} for input of "
                         f"shape {x.shape}")
    inside = (data >= edges[0]) & (data <= edges[-1])                  # nan is outside
    found = np.searchsorted(edges, data[inside], side="right") - 1     # edge_i <= v
    found = np.minimum(found, len(edges) - 2)                      # the last edge: last bin
    hist = np.bincount(found, None if w is None else w[inside], minlength=len(edges) - 1)
    hist = hist.astype(x.dtype)
    if density:                                            # no element inside: nan, as torch
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = hist / hist.sum() / np.diff(edges)
    return Histogram(Tensor._from_node(hist, None), Tensor._from_node(edges, None))


def _even_edges(data: np.ndarray, bins: int, limits: tuple | None) -> np.ndarray:
    """bins + 1 equally spaced edges from low to high in data's dtype, as torch.linspace:
    step = (high - low) / bins, edge i = low + i step in the first half and
    high - (bins - i) step in the second, so both ends are exact."""
    check_int("histogram", "bins", bins)
    if bins <= 0:
        raise ValueError(f"histogram: bins must be > 0, got {bins}")
    if limits is None:
        limits = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
    with np.errstate(over="ignore"):      # in data's dtype, as torch: float32 0.6 is in [0, 0.6]
        low, high = np.asarray(limits, data.dtype)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"histogram: the range {tuple(limits)} is not finite in {data.dtype}")
    if low > high:
        raise ValueError(f"histogram: range must have min <= max, got {tuple(limits)}")
    if low == high:                                         # one value: a range of width 1
        low, high = low - data.dtype.type(0.5), high + data.dtype.type(0.5)
    step = (high - low) / data.dtype.type(bins)
    # torch's kernel rounds each multiply-add once (a fused multiply-add); float64 holds
    # the product of a float32 step and an int exactly, so float32 edges come out as torch's
    # (float64 edges can differ from torch's in the last bit)
    i = np.arange(bins + 1)
    low, high, step = np.float64(low), np.float64(high), np.float64(step)
    return np.where(i < (bins + 1) // 2, low + i * step, high - (bins - i) * step
                    ).astype(data.dtype)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None,
                 sorter: Tensor | None = None) -> Tensor:
    """For each value, the index where inserting it keeps the sequence sorted: the number
    of elements < value (side 'left'), or <= value (right=True or side='right').

    sorted_sequence is 1-D, or N-D with one sorted row per row of input (their leading
    dims equal); `sorter` gives the indices that sort it, if it is not sorted. input may
    be a number (then the sequence is 1-D and the result 0-d). int64, or int32 with
    out_int32. No gradient.
    """
    seq = _tensor(sorted_sequence).data
    values = np.asarray(input.data if isinstance(input, Tensor) else input)
    if isinstance(input, Number) and not isinstance(input, bool):   # as torch: a number
        values = values.astype(np.result_type(seq.dtype, input))   # takes the sequence's
    if side not in (None, "left", "right"):
        raise ValueError(f"searchsorted: side can only be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise ValueError("searchsorted: side and right can't be set to opposites, got "
                         "side='left' while right=True")
    right = right or side == "right"
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least 1 dimension")
    if seq.dtype == np.bool_ or values.dtype == np.bool_:
        raise TypeError("searchsorted: not implemented for bool tensors")
    if sorter is not None:
        order = _tensor(sorter).data
        if order.shape != seq.shape or order.dtype.kind not in "iu":
            raise ValueError(f"searchsorted: sorter must be integer indices of the sequence's "
                             f"shape {seq.shape}, got {order.dtype} of shape {order.shape}")
        if order.size and (order.min() < 0 or order.max() >= seq.shape[-1]):
            raise IndexError(f"searchsorted: sorter index out of range: its values must be in "
                             f"[0, {seq.shape[-1]}), got {order.min()} to {order.max()}")
        seq = np.take_along_axis(seq, order, -1)
    if seq.ndim == 1:
        found = np.searchsorted(seq, values, side="right" if right else "left")
    elif isinstance(input, Number) or values.shape[:-1] != seq.shape[:-1] or values.ndim == 0:
        raise ValueError(f"searchsorted: sorted_sequence of shape {seq.shape} must be 1-D, "
                         f"or its leading dims must equal those of input (shape "
                         f"{values.shape})")
    else:
        found = insertion_points(seq, values, right)
    return Tensor._from_node(np.asarray(found, dtype=np.int32 if out_int32 else np.int64),
                             None)


def insertion_points(seq: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """searchsorted row by row for (..., n) sorted rows and (..., m) values (same leading
    dims), without a loop: a value's insertion point is the number of sequence elements
    that sort before it. Put each row of seq and values together and sort it stably: with
    seq first (right) an equal element of seq sorts before the value, with values first
    (left) after it. Then count the elements of seq before each value's place."""
    n, m = seq.shape[-1], values.shape[-1]
    together = np.concatenate([seq, values] if right else [values, seq], axis=-1)
    order = np.argsort(together, axis=-1, kind="stable")
    is_seq = (order < n) if right else (order >= m)
    seq_so_far = np.cumsum(is_seq, axis=-1)
    place = np.empty_like(order)                    # where each element went: order^-1
    np.put_along_axis(place, order, np.broadcast_to(np.arange(n + m), order.shape), axis=-1)
    value_places = place[..., n:] if right else place[..., :m]
    return np.take_along_axis(seq_so_far, value_places, -1)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value between the sorted 1-D `boundaries`: i with
    boundaries[i-1] < x <= boundaries[i] (right=True: boundaries[i-1] <= x < boundaries[i]),
    which is searchsorted(boundaries, input, right=right). No gradient."""
    b = _tensor(boundaries)
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


METHODS = [bincount, histc, histogram]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
