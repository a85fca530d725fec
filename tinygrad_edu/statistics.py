"""Statistics of a tensor, as torch's: var_mean, std_mean, nanmean, nansum, median, mode,
cumprod, cummax, cummin, aminmax, cov, corrcoef, and the trapezoid rule (trapezoid,
cumulative_trapezoid) (kthvalue and quantile: quantiles.py).

All are composed except cumprod (one primitive, ops/cumprod.py, exact at zeros).
median (with dim), mode, cummax and cummin find an index per slice with numpy and
read the value there with take_along_dim, so the gradient goes to that one element, as
torch. The counting functions (bincount, histc, searchsorted, bucketize) are in
binning.py. The functions torch also has as Tensor methods are attached at the bottom.
"""
from __future__ import annotations

from typing import Callable, Sequence

import warnings
from collections import namedtuple

import numpy as np

from .composed import (ValuesIndices, degrees_of_freedom, keepdim_needs_dim, mean, std,
                       take_along_dim, var)
from .ops.cumprod import Cumprod
from .tensor import Tensor, _axes, _axis, _tensor

Dims = int | Sequence[int] | None


def var_mean(input: Tensor, dim: Dims = None, correction: float | None = None,
             keepdim: bool = False, *,
             unbiased: bool | None = None) -> tuple[Tensor, Tensor]:
    """(var, mean) over `dim`, as torch.var_mean: var divides by N - correction (1:
    unbiased, by default). Each from its own composition (composed.py)."""
    x = _tensor(input)
    dim, correction = degrees_of_freedom(dim, correction, unbiased)
    return var(x, dim, correction, keepdim), mean(x, dim, keepdim)


def std_mean(input: Tensor, dim: Dims = None, correction: float | None = None,
             keepdim: bool = False, *,
             unbiased: bool | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over `dim`, as torch.std_mean (std = sqrt(var), correction as var_mean)."""
    x = _tensor(input)
    dim, correction = degrees_of_freedom(dim, correction, unbiased)
    return std(x, dim, correction, keepdim), mean(x, dim, keepdim)


def nansum(input: Tensor, dim: Dims = None, keepdim: bool = False, *,
           dtype: object = None) -> Tensor:
    """The sum with nan counted as 0 (integers and bools sum as int64, as sum, unless
    `dtype` is given).
    Gradient: g to every element that is not nan, 0 to the nans."""
    x = _tensor(input) if dtype is None else _tensor(input).to(dtype)
    _axes(x, dim, "nansum")                           # (a bad dim is named as nansum's)
    if x.dtype.kind != "f":
        return x.sum(dim, keepdim, dtype=dtype)
    return x.where(~np.isnan(x.data), 0).sum(dim, keepdim)


def nanmean(input: Tensor, dim: Dims = None, keepdim: bool = False, *,
            dtype: object = None) -> Tensor:
    """The mean of the elements that are not nan: nansum / their count (a constant).
    A slice of nans only, or an empty one, gives nan. Gradient: g / count to each element
    that is not nan, 0 to the nans (in a slice of nans only torch gives nan, 0 / 0)."""
    x = _tensor(input) if dtype is None else _tensor(input).to(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"nanmean: expected a floating point tensor, got dtype {x.dtype}")
    count = np.sum(~np.isnan(x.data), axis=_axes(x, dim, "nanmean"), keepdims=keepdim)
    return (nansum(x, dim, keepdim) / np.maximum(count, 1)).where(count > 0, np.nan)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """The lower median: of n values sorted, the one at (n - 1) // 2. A slice holding nan
    gives nan (its first nan), as torch.

    median() -> 0-d tensor; tied elements share the gradient evenly, as torch (nan for an
    empty tensor, whose gradient is then empty). median(dim) -> (values, indices); the
    gradient goes to the element at the index. Among equal values which index is returned
    is not promised (torch's neither); here it is the middle one in a stable sort.
    """
    x = _tensor(input)
    if x.dtype == np.bool_:
        raise TypeError("median: not implemented for bool tensors")
    keepdim_needs_dim("median", dim, keepdim)
    if dim is not None:
        return _pick(x, _median_index, dim, keepdim, "median")
    if x.numel() == 0:                   # nan, recorded: backward gives an empty zero gradient
        return x._as_float().sum() * np.nan
    flat = x.reshape(-1)
    m = flat.data[_median_index(flat.data, 0)].item()
    if x.dtype.kind != "f":
        return Tensor._from_node(np.array(m, dtype=x.dtype), None)       # no gradient
    tied = flat[np.flatnonzero(np.isnan(flat.data) if np.isnan(m) else flat.data == m)]
    # amax gives m exactly with the gradient shared by the ties (nan == nan is False, so
    # nans are averaged instead: the value stays nan)
    return tied.mean() if np.isnan(m) else tied.amax()


def _median_index(data: np.ndarray, dim: int) -> np.ndarray:
    """Index of the lower median of each slice along `dim` (kept as size 1); of a slice
    with nan, its first nan."""
    order = np.argsort(data, axis=dim, kind="stable")
    index = np.take(order, [(data.shape[dim] - 1) // 2], axis=dim)
    if data.dtype.kind != "f":
        return index
    nan = np.isnan(data)
    return np.where(nan.any(dim, keepdims=True), nan.argmax(dim, keepdims=True), index)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """median over the values that are not nan: of the k in a slice, sorted, the one at
    (k - 1) // 2; nan for a slice of nans only. Gradients as median's (ties share it in
    the full nanmedian(); nanmedian(dim) sends it to the element at the index)."""
    x = _tensor(input)
    keepdim_needs_dim("nanmedian", dim, keepdim)
    if x.dtype.kind != "f":
        return median(x, dim, keepdim)
    if dim is not None:
        return _pick(x, _nanmedian_index, dim, keepdim, "nanmedian")
    flat = x.reshape(-1)
    kept = flat[np.flatnonzero(~np.isnan(flat.data))]
    return median(kept if kept.numel() else flat)


def _nanmedian_index(data: np.ndarray, dim: int) -> np.ndarray:
    """Index of the lower median of the values that are not nan in each slice along `dim`
    (numpy sorts nans last); of a slice of nans only, its first nan."""
    order = np.argsort(data, axis=dim, kind="stable")
    counted = np.sum(~np.isnan(data), axis=dim, keepdims=True)
    return np.take_along_axis(order, np.maximum(counted - 1, 0) // 2, axis=dim)


def msort(input: Tensor) -> Tensor:
    """The values sorted along dim 0 (torch.msort: sort(input, 0).values)."""
    return _tensor(input).sort(0).values


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """(values, indices): the most frequent value of each slice along `dim`, the smallest
    one among equally frequent values, and the index of its last occurrence, as torch.
    Here each nan counts as a value of its own; torch's answer with nans follows its sort
    and is not a rule (mode([1, nan, 1, nan, nan]) is 1 at index 0 there). The gradient
    goes to the element at the index.
    """
    return _pick(_tensor(input), _mode_index, dim, keepdim, "mode")


def _mode_index(data: np.ndarray, dim: int) -> np.ndarray:
    """Sort each slice (stable: equal values keep their order); the length of the run of
    equal values ending at position i is i - (start of the run) + 1. The first position
    where that is largest ends the longest run of the smallest value, at its last index."""
    order = np.moveaxis(np.argsort(data, axis=dim, kind="stable"), dim, -1)
    ordered = np.take_along_axis(np.moveaxis(data, dim, -1), order, -1)
    position = np.arange(ordered.shape[-1])
    starts = np.ones(ordered.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    run_start = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    longest_end = np.argmax(position - run_start, axis=-1)[..., None]
    return np.moveaxis(np.take_along_axis(order, longest_end, -1), -1, dim)


def _pick(x: Tensor, find: Callable[[np.ndarray, int], np.ndarray], dim: int, keepdim: bool,
          op: str) -> ValuesIndices:
    """(values, indices) of the reduction `find`, which gives one index per slice along
    `dim` (kept as size 1). A 0-d x is read as 1-D."""
    dim = _axis(x, dim, op)
    x1 = x.reshape(1) if x.ndim == 0 else x
    if x1.shape[dim] == 0:
        raise IndexError(f"{op}: expected reduction dim {dim} to have a non-zero size "
                         f"(input shape {x.shape})")
    shape = tuple(1 if i == dim else n for i, n in enumerate(x.shape) if keepdim or i != dim)
    return _read(x1, find(x1.data, dim), dim, shape)


def _read(x: Tensor, index: np.ndarray, dim: int, shape: tuple) -> ValuesIndices:
    """(x at `index` along `dim`, index), both reshaped to `shape`: the gradient of a
    value goes to the element it was read from."""
    values = take_along_dim(x, index, dim).reshape(*shape)
    return ValuesIndices(values, Tensor._from_node(index.reshape(shape), None))


def cumprod(input: Tensor, dim: int, *, dtype: object = None) -> Tensor:
    """Running products along `dim`: out[i] = x[0] * ... * x[i] (integers and bools as
    int64). Its gradient is exact also where x holds zeros (ops/cumprod.py)."""
    x = _tensor(input)._accumulator(dtype)
    dim = _axis(x, dim, "cumprod")
    if x.ndim == 0:
        return Cumprod.apply(x.reshape(1), dim=0).reshape()
    return Cumprod.apply(x, dim=dim)


def cummax(input: Tensor, dim: int) -> ValuesIndices:
    """(values, indices): the largest element so far along `dim` and its index; a tie
    takes the later index, and from a nan on the values are nan (the index that of the
    latest nan), as torch. The gradient of each value goes to the element at its index."""
    return _running_extreme(_tensor(input), dim, np.maximum, "cummax")


def cummin(input: Tensor, dim: int) -> ValuesIndices:
    """(values, indices): the smallest element so far along `dim`, as cummax."""
    return _running_extreme(_tensor(input), dim, np.minimum, "cummin")


def _running_extreme(x: Tensor, dim: int, better: np.ufunc, op: str) -> ValuesIndices:
    """Element i reaches the running extreme when it equals the extreme of 0..i (or is
    nan); the index at i is the latest position <= i that did (a running max of them)."""
    dim = _axis(x, dim, op)
    x1 = x.reshape(1) if x.ndim == 0 else x
    data = x1.data
    reached = data == better.accumulate(data, axis=dim)
    if data.dtype.kind == "f":
        reached |= np.isnan(data)
    position = np.arange(data.shape[dim]).reshape((-1,) + (1,) * (data.ndim - dim - 1))
    index = np.maximum.accumulate(np.where(reached, position, 0), axis=dim)
    return _read(x1, index, dim, x.shape)


MinMax = namedtuple("aminmax", ["min", "max"])


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """(min, max) over `dim` (all elements when None): amin and amax, ties sharing the
    gradient evenly."""
    x = _tensor(input)
    return MinMax(x.amin(dim, keepdim), x.amax(dim, keepdim))


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of input (variables,
    observations), as torch.cov; a 1-D input is one variable (a 0-d result).

    With weights w = fweights * aweights per observation (either may be absent):
        mean_v = sum_j w_j x_vj / W,  W = sum_j w_j
        cov = (x - mean) diag(w) (x - mean)^T / (W - correction * sum_j w_j a_j / W)
    (without aweights the divisor is W - correction; without weights, N - correction).
    """
    x = _tensor(input)
    if x.ndim > 2:
        raise ValueError(f"cov: expected a 1-D or 2-D input (variables, observations), got "
                         f"shape {x.shape}")
    rows = x.reshape(1, -1) if x.ndim < 2 else x
    rows = rows if rows.dtype.kind == "f" else rows.float()
    n = rows.shape[1]
    w = _observation_weights(n, fweights, aweights, rows.dtype)
    total = float(n) if w is None else w.sum()        # (a Tensor: weights may require grad)
    mean_ = rows.mean(1, keepdim=True) if w is None else (rows * w).sum(1, keepdim=True) / total
    if correction == 0:
        divisor = total
    elif aweights is None:
        divisor = total - correction
    else:
        divisor = total - correction * (w * _tensor(aweights).to(rows.dtype)).sum() / total
    if float(divisor) <= 0:
        warnings.warn("cov: degrees of freedom <= 0 for the correction", stacklevel=2)
        divisor = divisor * 0 if isinstance(divisor, Tensor) else 0.0
    centered = rows - mean_
    weighted = centered if w is None else centered * w
    with np.errstate(divide="ignore", invalid="ignore"):            # (as torch: inf, nan)
        out = (weighted @ centered.mT) / divisor
    return out.reshape(()) if rows.shape[0] == 1 else out


def _observation_weights(n: int, fweights: Tensor | None, aweights: Tensor | None,
                         dtype: np.dtype) -> Tensor | None:
    """fweights * aweights (each a 1-D tensor of n entries), or None when both are."""
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        t = _tensor(weights)
        if t.ndim > 1 or t.numel() != n:
            raise ValueError(f"cov: {name} must be 0-d or 1-D with {n} entries (one per "
                             f"observation), got shape {t.shape}")
        if name == "fweights" and t.dtype.kind not in "iu":
            raise TypeError(f"cov: fweights must be integers, got dtype {t.dtype}")
        if name == "aweights" and t.dtype.kind != "f":
            raise TypeError(f"cov: aweights must be floating point, got dtype {t.dtype}")
        if (t.data < 0).any():
            raise ValueError(f"cov: {name} cannot be negative")
        t = t.reshape(-1).to(dtype)
        w = t if w is None else w * t
    return w


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation of the rows: cov_ij / sqrt(cov_ii cov_jj), clipped to [-1, 1]
    (as torch)."""
    x = _tensor(input)
    if x.ndim > 2:
        raise ValueError(f"corrcoef: expected a 1-D or 2-D input (variables, observations), "
                         f"got shape {x.shape}")
    c = cov(x)
    if c.ndim == 0:
        return c / c
    spread = c.diagonal().sqrt()
    return (c / spread.reshape(-1, 1) / spread.reshape(1, -1)).clamp(-1, 1)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
              dim: int = -1) -> Tensor:
    """The integral of y along `dim` by the trapezoid rule: sum_i (x[i+1] - x[i]) *
    (y[i] + y[i+1]) / 2, with sample points x (1-D along dim, or broadcasting with y) or
    a spacing dx (1 by default). Integrated gradients' path integral, say."""
    return _trapezoids("trapezoid", y, x, dx, dim).sum(_axis(_tensor(y), dim, "trapezoid"))


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:
    """The running trapezoid integral along `dim`: one entry fewer than y there."""
    areas = _trapezoids("cumulative_trapezoid", y, x, dx, dim)
    return areas.cumsum(_axis(areas, dim, "cumulative_trapezoid"))


trapz = trapezoid                                         # torch's older name


def _trapezoids(op: str, y: Tensor, x: Tensor | None, dx: float | None, dim: int) -> Tensor:
    """The area of each trapezoid along `dim`: width * (y[i] + y[i+1]) / 2."""
    y = _tensor(y)
    if y.ndim == 0:
        raise ValueError(f"{op}: y must have at least one dimension, got a 0-d tensor")
    dim = _axis(y, dim, op)
    lower, upper = ((slice(None),) * dim + (part,) for part in (slice(None, -1), slice(1, None)))
    heights = (y[lower] + y[upper]) / 2
    if x is None:
        return heights if dx is None else heights * dx
    if dx is not None:
        raise TypeError(f"{op}: give the sample points x or the spacing dx, not both")
    x = _tensor(x)
    if x.ndim == 1:
        if len(x) != y.shape[dim]:
            raise ValueError(f"{op}: {len(x)} sample points x for {y.shape[dim]} values along "
                             f"dim {dim} of y {y.shape}")
        x = x.reshape(-1, *(1,) * (y.ndim - dim - 1))
        return heights * (x[1:] - x[:-1])
    if x.ndim > y.ndim:
        raise ValueError(f"{op}: sample points x of shape {x.shape} have more dimensions than "
                         f"y {y.shape}")
    x = x.reshape(*(1,) * (y.ndim - x.ndim), *x.shape)    # (broadcasting's alignment)
    widths = x[upper] - x[lower]                   # differences first, then broadcast
    try:
        np.broadcast_shapes(widths.shape, heights.shape)
    except ValueError:
        raise ValueError(f"{op}: sample points x of shape {x.shape} do not fit y {y.shape} "
                         f"along dim {dim}") from None
    return heights * widths


METHODS = [nansum, nanmean, median, nanmedian, msort, mode, cumprod, cummax, cummin, aminmax,
           cov, corrcoef]
# (trapezoid, trapz and cumulative_trapezoid are functions only, as in torch)
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
