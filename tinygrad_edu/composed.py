"""Ops composed from primitives: their gradients come from the primitives' VJPs.

Nothing here has a backward of its own. Each function is also a Tensor method
(`x.mean()` and `tinygrad_edu.mean(x)`), attached at the bottom of the file.
"""
from __future__ import annotations

import builtins
import functools
import math
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from .device import check_memory_format, contiguous_format
from .dtypes import get_default_dtype, promote
from .ops import movement, reduce
from .shapes import as_tuple
from .tensor import Tensor, _axes, _axis, _integer, _other_tensor, _tensor

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
"""What `max(dim)` / `min(dim)` return, like torch's `torch.return_types.max`."""


def _count(x: Tensor, axes: tuple) -> int:
    return math.prod(x.shape[i] for i in axes)


def mean(x: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """sum / count over `dim` (all axes when None), the primitive Mean. Floating point
    only, as torch (`dtype=` casts first: `labels.mean(dtype=tg.float32)`)."""
    x = _floating("mean", x if dtype is None else x.to(dtype))
    axes = _axes(x, dim, "mean")
    if _count(x, axes) == 0:
        raise ValueError(f"mean: cannot average over zero elements of shape {x.shape}")
    return reduce.Mean.apply(x, axes=axes, keepdim=keepdim)


def var(x: Tensor, dim: int | Sequence[int] | None = None, correction: float | None = None,
        keepdim: bool = False, *, unbiased: bool | None = None) -> Tensor:
    """sum((x - mean)**2) / (N - correction); unbiased (correction=1) by default, as torch.
    torch's older forms work too: `unbiased=False` is correction=0, and so is a bool in
    place of dim (`x.var(False)`, all elements).

    Computed as (sum c**2 - (sum c)**2 / N) / (N - correction), c = x - mean: the second
    term is 0 in exact arithmetic, and in floating point it takes out the square of the
    mean's rounding error, which otherwise dominates when the mean is large against the
    spread (float32 data 1e6 + N(0, 1): relative error 4e-3 without it, 1e-7 with it).
    Where the squares overflow the answer is inf, as torch's."""
    dim, correction = degrees_of_freedom(dim, correction, unbiased)
    _floating("var", x)
    if x.dtype == np.float16:               # as torch: computed in float32, then rounded
        return var(x.float(), dim, correction, keepdim).to(np.float16)
    axes = _axes(x, dim, "var")
    n = _count(x, axes)
    if n - correction <= 0:
        raise ValueError(f"var: {n} elements with correction={correction} leave no degrees "
                         "of freedom")
    centered = x - x.mean(axes, keepdim=True)
    squares, residual = (centered * centered).sum(axes, keepdim), centered.sum(axes, keepdim)
    fix = residual * residual / n             # <= squares (Cauchy-Schwarz); where the squares
    fix = fix.where(np.isfinite(squares.data), 0)    # overflow, var is inf, not inf - inf
    return (squares - fix) / (n - correction)


def std(x: Tensor, dim: int | Sequence[int] | None = None, correction: float | None = None,
        keepdim: bool = False, *, unbiased: bool | None = None) -> Tensor:
    """sqrt(var). Where var = 0 the gradient is 0, as torch: d sqrt(v)/dv = 1/(2 sqrt v) is
    infinite there and times dv/dx = 0 it would be nan, so there sqrt is taken of 1 and
    `where` puts 0 in its place (a constant, so no gradient flows). A nan var stays nan.

    A slice whose squares could overflow or underflow is computed as m sqrt(var(x / m)),
    m the power of two at most max |x| over it (a constant, so x / m is exact): the same
    function (var is homogeneous of degree 2),
    finite where std is (float32 std of [1e20, 1e20, -1e20] is 1.1547e20, not inf; of
    [1e-30, 2e-30, 3e-30], 1e-30, not 0). Other slices use m = 1: exact as before."""
    x = _floating("std", x)
    dim, correction = degrees_of_freedom(dim, correction, unbiased)
    if x.dtype == np.float16:                # as torch: computed in float32, then rounded
        return std(x.float(), dim, correction, keepdim).to(np.float16)
    axes = _axes(x, dim, "std")
    peak = np.max(np.abs(x.data), axis=axes, keepdims=True, initial=0)
    limits = np.finfo(x.dtype)
    risky = (peak > np.sqrt(limits.max / builtins.max(x.numel(), 1))) | (
        peak < np.sqrt(limits.tiny) * 1e3)
    with np.errstate(divide="ignore"):       # m a power of two <= peak: x / m is exact
        m = np.exp2(np.floor(np.log2(peak)))
    m = np.where(risky & np.isfinite(peak) & (peak > 0), m, 1).astype(x.dtype)
    v = var(x / m, dim, correction, keepdim)
    nonzero = v.data != 0
    scale = m if keepdim else m.reshape(v.shape)
    return v.where(nonzero, 1).sqrt().where(nonzero, 0) * scale


def degrees_of_freedom(dim: Any, correction: float, unbiased: bool | None) -> tuple:
    """(dim, correction) from torch's forms: `unbiased=` (True is correction 1, False 0) and
    a bool where dim goes (`var(x, False)`: every element, correction 0)."""
    if isinstance(dim, (bool, np.bool_)):
        dim, unbiased = None, dim
    if unbiased is not None:
        if correction is not None:
            raise TypeError("var/std: give unbiased or correction, not both (as torch)")
        return dim, int(bool(unbiased))
    return dim, 1 if correction is None else correction         # (None: torch's default)


def _floating(op: str, x: Tensor) -> Tensor:
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {x.dtype} (as "
                        "torch; cast it with .float() first)")
    return x


def take_along_dim(x: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """out[..., i, ...] = x[..., indices[..., i, ...], ...] along `dim` (an integer-array
    getitem; negative indices count from the end). x and indices have the same number of
    axes and broadcast along all but `dim`, as torch; dim=None reads x and indices
    flattened."""
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"take_along_dim: indices must be integers, got dtype {idx.dtype}")
    if dim is None:
        return take_along_dim(x.reshape(-1), idx.reshape(-1), 0)
    dim = _axis(x, dim, "take_along_dim")
    if x.ndim == 0 and idx.ndim == 0:                # as the 1-d case (max(x, 0) of a 0-d x)
        return take_along_dim(x.reshape(1), idx.reshape(1), 0).reshape(())
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_dim: input and indices must have the same number of "
                         f"dimensions, got shapes {x.shape} and {idx.shape}")
    size = x.shape[dim]
    if idx.size and not (-size <= idx.min() and idx.max() < size):
        raise IndexError(f"take_along_dim: an index is out of range for dim {dim} of size "
                         f"{size} (indices from {idx.min()} to {idx.max()})")
    try:
        others = np.broadcast_shapes(*((*s[:dim], 1, *s[dim + 1:]) for s in (x.shape, idx.shape)))
    except ValueError:
        raise ValueError(f"take_along_dim: shapes {x.shape} and {idx.shape} cannot be broadcast "
                         f"along the dimensions other than {dim}") from None
    x = x.expand(*others[:dim], size, *others[dim + 1:])
    idx = np.broadcast_to(idx, (*others[:dim], idx.shape[dim], *others[dim + 1:]))
    grids = np.ogrid[tuple(slice(n) for n in idx.shape)]
    index = tuple(idx if axis == dim else grids[axis] for axis in range(x.ndim))
    return movement.GetItem.apply(x, index=index)


def max(x: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *,  # noqa: A001
        other: Tensor | None = None):
    """`max()`: the largest value (ties share the gradient evenly).
    `max(dim)`: (values, indices); the gradient goes to the one index returned, as torch.
    `max(other)` with a Tensor: the elementwise `maximum`, as torch.
    """
    if isinstance(dim, Tensor) or other is not None:
        _no_dim_with_other("max", dim, keepdim, other)
        return x.maximum(dim if other is None else other)
    _refuse_empty("max", x, dim)
    keepdim_needs_dim("max", dim, keepdim)
    if dim is None:
        return x.amax()
    dim = _axis(x, dim, "max")
    indices = x.argmax(dim, keepdim=True)
    values = take_along_dim(x, indices, dim)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return ValuesIndices(values, indices)


def _refuse_empty(op: str, x: Tensor, dim: Any) -> None:
    """A max or min over an empty dimension has no value (torch's error too)."""
    if x.data.size == 0 and any(x.shape[axis] == 0 for axis in _axes(x, dim, op)):
        raise ValueError(f"{op}: cannot reduce over an empty dimension of shape {x.shape}")


def _no_dim_with_other(op: str, dim: Any, keepdim: bool, other: Any) -> None:
    """max(x, other) is elementwise: a dim or keepdim with it is an error (torch's too)."""
    if other is not None and dim is not None or keepdim:
        raise TypeError(f"{op}: other= (the elementwise {op}imum) takes no dim or keepdim")


def keepdim_needs_dim(op: str, dim: Any, keepdim: bool) -> None:
    """max(), min(), median() of all elements have no keepdim (torch's TypeError too)."""
    if dim is None and keepdim:
        raise TypeError(f"{op}: keepdim=True needs a dim (the {op} of all elements is 0-d); "
                        f"give dim=, or reshape the result")


def _reversed(x: Tensor) -> Tensor:
    """An exact order-reversing map, so that min(x) = r(max(r(x))): -x for floats; ~x for
    integers and bools (~x = -x - 1 never overflows, where -x wraps -128 or a uint 0)."""
    return -x if x.dtype.kind == "f" else ~x


def min(x: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *,  # noqa: A001
        other: Tensor | None = None):
    """Like `max`, for the smallest value: min(x) = r(max(r(x))), r = _reversed."""
    if isinstance(dim, Tensor) or other is not None:
        _no_dim_with_other("min", dim, keepdim, other)
        return minimum(x, dim if other is None else other)
    _refuse_empty("min", x, dim)
    keepdim_needs_dim("min", dim, keepdim)
    if dim is None:
        return x.amin()
    values, indices = max(_reversed(x), _axis(x, dim, "min"), keepdim)
    return ValuesIndices(_reversed(values), indices)


def amin(x: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
    """r(amax(r(x))), r = _reversed (-x for floats): ties share the gradient evenly."""
    _axes(x, dim, "amin")                             # (a bad dim is named as amin's)
    _refuse_empty("amin", x, dim)
    return _reversed(_reversed(x).amax(dim, keepdim))


def minimum(x: Tensor, other: Any) -> Tensor:
    """Elementwise min = r(maximum(r(a), r(b))), r = _reversed (-x for floats); ties share
    the gradient evenly."""
    a, b = x._operands(other, "minimum")
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        return Tensor._from_node(a.data & b.data, None)
    dtype = promote(a.dtype, b.dtype)
    a, b = a.to(dtype), b.to(dtype)
    return _reversed(_reversed(a).maximum(_reversed(b)))


def logsumexp(x: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) = m + log(sum(exp(x - m))) with m = max (a constant: it cancels).
    Where the max is infinite, m = 0 instead (x - m would be inf - inf = nan): a slice of
    -inf then gives log(0) = -inf, one holding +inf gives +inf, as torch."""
    axes = _axes(x, dim, "logsumexp")
    if x.dtype.kind != "f":                # in the default float dtype, as torch (x - m wraps)
        x = x.to(get_default_dtype())
    peak = np.max(x.data, axis=axes, keepdims=True, initial=-np.inf)  # -inf if empty
    m = Tensor(np.where(np.isfinite(peak), peak, 0))
    out = (x - m).exp().sum(axes, keepdim=True).log() + m
    return out if keepdim else out.squeeze(axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two axes (a 0-d tensor takes dims 0 and -1 and stays as it is, as torch)."""
    return swapped(x, dim0, dim1, "transpose")


def swapped(x: Tensor, dim0: int, dim1: int, op: str) -> Tensor:
    """transpose, with errors naming `op` (swapdims and swapaxes are its aliases)."""
    dims = list(range(x.ndim))
    a, b = _axis(x, dim0, op), _axis(x, dim1, op)
    if dims:
        dims[a], dims[b] = dims[b], dims[a]
    return x.permute(*dims)


def t(x: Tensor) -> Tensor:
    """Transpose of a matrix (<= 2-D)."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got shape {x.shape}")
    return x.T


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim into one."""
    if x.ndim == 0:
        for d in (start_dim, end_dim):
            if d not in (0, -1):
                raise IndexError(f"flatten: dimension {d} is out of range for a 0-d tensor "
                                 "(expected 0 or -1)")
        return x.reshape(1)
    s, e = _axis(x, start_dim, "flatten"), _axis(x, end_dim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for shape {x.shape}")
    if s == e:                                   # nothing to merge: x itself, as torch
        return x
    return x.reshape(*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 axis at `dim` (negative counts from the end of the result)."""
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dimension {dim} is out of range for a tensor of "
                         f"shape {x.shape}")
    dim = dim % (x.ndim + 1)
    return x.reshape(*x.shape[:dim], 1, *x.shape[dim:])


def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove size-1 axes (only the given ones when `dim` is set, none for dim=(); others
    are kept)."""
    none = dim is not None and as_tuple(dim) == ()
    axes = () if none else range(x.ndim) if dim is None else _axes(x, dim, "squeeze")
    drop = {i for i in axes if x.shape[i] == 1}
    return x.reshape(*[n for i, n in enumerate(x.shape) if i not in drop])


def broadcast_to(x: Tensor, size: Sequence[int] | int) -> Tensor:
    return x.expand(size)


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    return x.expand(*_other_tensor(other, "other", "expand_as").shape)


def view_as(x: Tensor, other: Tensor) -> Tensor:
    return x.reshape(*_other_tensor(other, "other", "view_as").shape)


PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """torch.nn.functional.pad: `pad` is (left, right, top, bottom, ...), last axis first.

    Along an axis of size n padded by l before and r after, output position i
    (-l <= i < n + r; x's own positions are 0..n-1) holds

        constant   x[i] for 0 <= i < n, else `value` (None, the default, is 0)
        reflect    x[-i] for i < 0, x[2(n-1) - i] for i >= n    abc -> cb|abc|ba  (l, r < n)
        replicate  x[0] for i < 0, x[n-1] for i >= n            abc -> aa|abc|cc  (n > 0)
        circular   x[i mod n]                                   abc -> bc|abc|ab  (l, r <= n)

    A negative amount crops instead, as torch: constant and circular crop first and pad the
    cropped tensor; reflect and replicate copy about the original edges, then crop (torch's
    kernels index the uncropped input; where cropping first is defined it gives the same).
    The non-constant modes pad the last 1, 2 or 3 axes of a tensor with 1 or 2 more axes.

    Gradient: each output element copies one input element (or is the constant), so
    dL/dx[j] sums g over the positions that copy x[j]. The modes are slices, expand and cat,
    whose VJPs give this (and the second derivatives): no backward of its own.
    """
    if any(isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad: the amounts must be ints, got {tuple(pad)}")
    pad, input = tuple(int(p) for p in pad), _tensor(input)
    pairs = _pad_pairs(input, pad, mode, value)
    if mode in ("reflect", "replicate", "circular"):
        out = (_crop(_pad_with_copies(input, pairs, mode), pairs) if mode != "circular"
               else _pad_with_copies(_crop(input, pairs), pairs, mode))
        # zero or cropping amounts leave x or a view of it: a new tensor, as torch
        return clone(out) if np.may_share_memory(out.data, input.data) else out
    if not pairs:
        return clone(input)                       # nothing to pad: a new tensor, as torch
    x = _crop(input, pairs)
    widths = [(0, 0)] * x.ndim
    for axis, before, after in pairs:
        widths[axis] = (builtins.max(before, 0), builtins.max(after, 0))
    return movement.Pad.apply(x, widths=tuple(widths), value=0 if value is None else value)


def _pad_pairs(x: Tensor, pad: tuple, mode: str, value: float) -> list[tuple[int, int, int]]:
    """Check torch's rules; (axis, before, after) for each padded axis, the last axis first."""
    def error(why: str) -> ValueError:
        return ValueError(f"pad: {why} (mode {mode!r}, pad {pad}, input shape {x.shape})")

    if mode not in PAD_MODES:
        raise error(f"unknown mode {mode!r}; expected one of {', '.join(map(repr, PAD_MODES))}")
    k = len(pad) // 2
    if len(pad) % 2 or k > x.ndim:
        raise error(f"the pad tuple needs an even length of at most 2 * {x.ndim}")
    if mode != "constant" and value:
        raise error(f"padding mode {mode!r} doesn't take in value argument, got value={value}")
    if mode != "constant" and (k not in (1, 2, 3) or x.ndim - k not in (1, 2)):
        raise error(f"mode {mode!r} pads the last 1, 2 or 3 dimensions of a tensor with 1 or "
                    f"2 more dimensions; {len(pad)} amounts do not fit {x.ndim} dimensions")
    pairs = [(x.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(k)]
    for axis, before, after in pairs:
        n = x.shape[axis]
        cropped = n + builtins.min(before, 0) + builtins.min(after, 0)
        # reflect and replicate crop the padded tensor (size n + before + after), the others x
        if (n + before + after if mode in ("reflect", "replicate") else cropped) < 0:
            raise error(f"the negative amounts crop dimension {axis} of size {n} below 0")
        if mode == "reflect" and builtins.max(before, after) >= n:
            raise error(f"reflect needs each amount smaller than the size {n} of dimension {axis}")
        if mode == "replicate" and n == 0:
            raise error(f"replicate needs a non-empty dimension {axis}")
        if mode == "circular" and builtins.max(before, after) > cropped:
            raise error(f"circular wraps around at most once: each amount must be at most the "
                        f"size {cropped} of dimension {axis} (after cropping)")
    if mode in ("reflect", "replicate") and builtins.min(pad) < 0 and all(
            x.shape[axis] + before + after == 0 for axis, before, after in pairs):
        raise error("the negative amounts leave every padded dimension empty (as torch, "
                    "reflect and replicate keep at least one)")
    return pairs


def _crop(x: Tensor, pairs: list) -> Tensor:
    """x without its first -before and last -after elements along each axis (negative amounts)."""
    if all(before >= 0 and after >= 0 for _, before, after in pairs):
        return x
    index = [slice(None)] * x.ndim
    for axis, before, after in pairs:
        index[axis] = slice(builtins.max(-before, 0), x.shape[axis] - builtins.max(-after, 0))
    return x[tuple(index)]


def _slice_along(x: Tensor, axis: int, start: int, stop: int, step: int = 1) -> Tensor:
    """x[start:stop:step] along `axis`; a negative stop means "through index 0" (None)."""
    return x[(slice(None),) * axis + (slice(start, None if stop < 0 else stop, step),)]


def _repeated(edge: Tensor, axis: int, times: int) -> Tensor:
    """A size-1 slice repeated `times` along `axis` (expand: no copy; its VJP sums)."""
    return edge.expand(*edge.shape[:axis], times, *edge.shape[axis + 1:])


def _pad_with_copies(x: Tensor, pairs: list, mode: str) -> Tensor:
    """Pad by the positive amounts with copies of x's own elements: cat of slices."""
    for axis, before, after in pairs:
        before, after = builtins.max(before, 0), builtins.max(after, 0)
        if not (before or after):
            continue
        n = x.shape[axis]
        if mode == "reflect":          # x[before], ..., x[1] | x | x[n-2], ..., x[n-1-after]
            pieces = [_slice_along(x, axis, before, 0, -1), x,
                      _slice_along(x, axis, n - 2, n - 2 - after, -1)]
        elif mode == "replicate":      # x[0] `before` times | x | x[n-1] `after` times
            pieces = [_repeated(_slice_along(x, axis, 0, 1), axis, before), x,
                      _repeated(_slice_along(x, axis, n - 1, n), axis, after)]
        else:                          # circular: x[n-before:] | x | x[:after]
            pieces = [_slice_along(x, axis, n - before, n), x,
                      _slice_along(x, axis, 0, after)]
        x = cat([p for p in pieces if p.shape[axis]], axis)
    return x


def _tensor_list(tensors: Any, op: str) -> list:
    """A list or tuple of tensors (numbers and arrays wrapped), not empty; a Tensor is
    refused, as torch: it would iterate as its rows."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    return [_tensor(t) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing axis. As torch, an empty 1-D tensor (shape (0,), the
    `preds = tensor([])` a loop starts from) joins tensors of any shape, as none of their
    rows (its gradient is then empty too), after taking part in the result's dtype."""
    tensors = _tensor_list(tensors, "cat")
    tensors = _promoted(tensors)
    shaped = [t_ for t_ in tensors if t_.shape != (0,)]
    if not shaped:
        return movement.Cat.apply(*tensors, dim=0)
    dim = _axis(shaped[0], dim, "cat")
    none_along = shaped[0].shape[:dim] + (0,) + shaped[0].shape[dim + 1:]
    tensors = [t_.reshape(none_along) if t_.shape == (0,) else t_ for t_ in tensors]
    first = tensors[0]
    for t_ in tensors[1:]:
        if t_.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(
                zip(t_.shape, first.shape)) if i != dim):
            raise ValueError(f"cat: shapes {first.shape} and {t_.shape} differ outside "
                             f"dimension {dim}")
    return movement.Cat.apply(*tensors, dim=dim)


def _promoted(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors in their common dtype, by torch's promotion."""
    dtype = functools.reduce(promote, (t_.dtype for t_ in tensors))
    return [t_ if t_.dtype == dtype else t_.to(dtype) for t_ in tensors]


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis `dim` (the primitive Stack)."""
    tensors = _tensor_list(tensors, "stack")
    for t_ in tensors[1:]:
        if t_.shape != tensors[0].shape:
            raise ValueError(f"stack: all tensors must have the same shape, got "
                             f"{tensors[0].shape} and {t_.shape}")
    ndim = tensors[0].ndim + 1
    if not -ndim <= dim < ndim:
        raise ValueError(f"stack: dim {dim} is out of range for tensors of shape "
                         f"{tensors[0].shape} (expected -{ndim} to {ndim - 1})")
    return movement.Stack.apply(*_promoted(tensors), dim=dim % ndim)


def split(x: Tensor, split_size_or_sections: int | Sequence[int] | None = None, dim: int = 0,
          *, split_size: int | Sequence[int] | None = None) -> tuple:
    """Pieces of `split_size_or_sections` along `dim` (or the given list of sizes);
    `split_size=` is the name Tensor.split gives it in torch."""
    if (split_size is None) == (split_size_or_sections is None):
        raise TypeError("split: give the size (or list of sizes) once, as "
                        "split_size_or_sections or split_size")
    split_size = split_size_or_sections if split_size is None else split_size
    _at_least_1d("split", x)
    dim = _axis(x, dim, "split")
    n = x.shape[dim]
    if isinstance(split_size, int):
        if split_size < 0 or (split_size == 0 and n > 0):
            raise ValueError(f"split: split_size must be positive (0 only for a dim of size "
                             f"0), got {split_size} for dim {dim} of size {n}")
        split_size = builtins.max(split_size, 1)         # (an empty dim: one empty piece)
        sizes = [builtins.min(split_size, n - start) for start in range(0, n, split_size)] or [0]
    else:
        sizes = list(split_size)
    if sum(sizes) != n or any(k < 0 for k in sizes):
        raise ValueError(f"split: sizes {sizes} must be non-negative and add up to {n} "
                         f"along dim {dim}")
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(x[(slice(None),) * dim + (slice(s, s + k),)] for s, k in zip(starts, sizes))


def split_with_sizes(x: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """split with a list of sizes only (torch's split_with_sizes)."""
    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(f"split_with_sizes: split_sizes must be a list of ints, got "
                        f"{type(split_sizes).__name__}")
    return split(x, [_integer(k, "each size", "split_with_sizes") for k in split_sizes], dim)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """`chunks` nearly equal pieces along `dim` (fewer when they would be empty, as torch)."""
    chunks = _integer(chunks, "chunks", "chunk")
    _at_least_1d("chunk", x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[_axis(x, dim, "chunk")]
    if n == 0:                                   # torch: `chunks` empty pieces
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


def _at_least_1d(op: str, x: Tensor) -> None:
    if x.ndim == 0:
        raise ValueError(f"{op}: expects a tensor of at least 1 dimension, got a 0-d tensor")


def square(x: Tensor) -> Tensor:
    """x * x; a bool tensor is squared as int64, as torch's (pow(x, 2))."""
    return x * x if x.dtype != np.bool_ else x.long() * x.long()


def reciprocal(x: Tensor) -> Tensor:
    return 1 / x


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 (no gradient: it is flat almost everywhere); a bool is its own sign.
    sign(nan) is 0, as torch's [x > 0] - [x < 0] (numpy's np.sign gives nan)."""
    if x.dtype == np.bool_:
        return Tensor._from_node(x.data.copy(), None)
    signs = np.sign(x.data)
    if signs.dtype.kind == "f":
        signs = np.where(np.isnan(signs), signs.dtype.type(0), signs)
    return Tensor._from_node(signs, None)


def contiguous(x: Tensor, memory_format: Any = contiguous_format) -> Tensor:
    """x itself when its memory is in row-major order, else a copy that is (as torch): a
    reshape to 1-D copies the elements in row-major order; the reshape back is a view.
    Differs from torch: memory_format=channels_last is accepted and gives row-major too
    (this library's one layout)."""
    check_memory_format(memory_format, "contiguous")
    return x if x.data.flags.c_contiguous else x.reshape(-1).reshape(*x.shape)


def clone(x: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of the values that stays in the graph (gradient flows through unchanged);
    memory_format is accepted and changes nothing (one layout here)."""
    check_memory_format(memory_format, "clone")
    return x + 0 if x.requires_grad else Tensor._from_node(x.data.copy(), None)


def flip(x: Tensor, dims: int | Sequence[int], *more_dims: int) -> Tensor:
    """Reverse the order of elements along `dims`: a reversing slice, copied (as torch: a
    new tensor, not a view of x). No dims: a copy. `x.flip(0, 1)` is `x.flip((0, 1))`."""
    if more_dims:
        dims = (dims, *more_dims)
    axes = set(_axes(x, dims, "flip")) if as_tuple(dims) else set()
    return clone(x[tuple(slice(None, None, -1) if i in axes else slice(None)
                         for i in range(x.ndim))])


METHODS = [mean, var, std, max, min, amin, minimum, logsumexp, transpose, t, flatten,
           unsqueeze, squeeze, broadcast_to, expand_as, view_as, split, split_with_sizes, chunk,
           square,
           reciprocal, sign, contiguous, clone, flip, take_along_dim]
for _fn in METHODS:
    setattr(Tensor, _fn.__name__, _fn)
Tensor.swapaxes = transpose
