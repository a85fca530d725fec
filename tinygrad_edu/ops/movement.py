"""Movement primitives: they move, copy or select elements; no arithmetic.

Each VJP puts g back where the element came from: reshape undoes reshape,
permute undoes permute, and the VJP of selecting (indexing, slicing a pad away)
is scattering g into zeros. Pairs that are each other's VJP: Expand <-> SumTo,
GetItem <-> IndexAdd; and Pad's VJP is a GetItem (the slice that drops the pad).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import grad_mode
from ..function import Function


class Reshape(Function):
    """out = a viewed as `shape` (same elements, same order).   VJP: dL/da = g reshaped to a.shape.

    Saves nothing (only a's shape, ctx.in_shape).
    """

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class Permute(Function):
    """out = a with axes reordered: out.shape[i] = a.shape[dims[i]].

    VJP: dL/da = g permuted by the inverse permutation (argsort of dims).   Saves nothing.
    """

    @staticmethod
    def forward(ctx, a, dims):
        return a.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        return g.permute(*np.argsort(ctx.options["dims"]).tolist())


class Expand(Function):
    """out = a broadcast to `shape` (numpy rules; no copy).

    VJP: dL/da = g summed over the broadcast axes (SumTo): each element of a was used
    once per copy, so its gradient is the sum over its copies.
    Saves nothing (only a's shape, ctx.in_shape).
    """

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g.sum_to(ctx.in_shape)


def is_basic_index(index: tuple) -> bool:
    """True when `index` uses only ints, slices, None and Ellipsis (no element repeats)."""
    return not any(isinstance(i, np.ndarray) for i in index)


class GetItem(Function):
    """out = a[index]   (ints, slices, None, Ellipsis, integer arrays; numpy semantics:
    `Tensor.__getitem__` applies torch's rule as one or two of these, see indexing.py).

    VJP: dL/da = zeros like a with g added at a[index] (IndexAdd). When an integer
    array repeats an index, that element was read twice, so its gradients add up.
    In a plain backward (no graph of the gradients) that array is not built: the VJP
    returns it as a SparseGrad, which the engine adds into one array per tensor, so
    that L slices x[0], ..., x[L-1] cost O(size of x) in backward, not O(L * size).
    Saves nothing (only a's shape, ctx.in_shape; the index is an option).
    """

    name = "getitem"

    @classmethod
    def apply(cls, a: Any, index: Any) -> Any:
        """When the op is recorded, record a copy of the index's arrays: the caller may
        change its own (sort's indices, say) before backward, which must route g by the
        index that was read."""
        if grad_mode._enabled and a.requires_grad:
            if isinstance(index, tuple):
                index = tuple(np.array(i) if isinstance(i, np.ndarray) else i for i in index)
            elif isinstance(index, np.ndarray):
                index = np.array(index)
        return super().apply(a, index=index)

    @staticmethod
    def forward(ctx, a, index):
        ctx.in_shape = a.shape
        out = a[index]
        if type(out) is not np.ndarray:       # ints only: numpy copies the element out;
            out = a[(*index, ...) if isinstance(index, tuple) else (index, ...)]  # a 0-d view
        return out

    @staticmethod
    def backward(ctx, g):
        index = ctx.options["index"]
        if grad_mode.is_grad_enabled():       # create_graph: the recorded, differentiable op
            return IndexAdd.apply(g, shape=ctx.in_shape, index=index)
        return SparseGrad(g.data, ctx.in_shape, index)


def scatter_add(out: np.ndarray, index: Any, values: np.ndarray) -> None:
    """out[index] += values in place; elements that an integer array repeats add up."""
    if is_basic_index(index):
        out[index] += values
    else:
        _add_at(out, index, values)


def scattered(values: np.ndarray, shape: tuple, index: Any) -> np.ndarray:
    """zeros(shape) with `values` added at [index]."""
    out = np.zeros(shape, dtype=values.dtype)
    if is_basic_index(index):
        out[index] = values                   # no element repeats: a copy is the sum
    else:
        _add_at(out, index, values)
    return out


def _add_at(out: np.ndarray, index: Any, values: np.ndarray) -> None:
    """np.add.at(out, index, values). With index arrays on the leading axes (x[rows],
    x[rows, cols]) numpy is slow unless out is 1-D with one index array (the gradient of
    x[rows] for 50,000 rows of 64: 34 ms as given, 6-10 ms flat), so that index becomes
    flat positions, read off an arange shaped like out, when that costs no more than a
    few times the values. (An index that starts with slices, x[..., cols], is as fast
    as given.)"""
    leading = not isinstance(index, tuple) or not index or not (
        index[0] is Ellipsis or isinstance(index[0], slice))
    if leading and out.flags.c_contiguous and out.size <= 4 * max(values.size, 1) \
            and out.size < 2 ** 31:
        positions = np.arange(out.size, dtype=np.int32).reshape(out.shape)[index]
        np.add.at(out.reshape(-1), positions.reshape(-1),
                  np.broadcast_to(values, positions.shape).reshape(-1))
    else:
        np.add.at(out, index, values)


class SparseGrad:
    """The gradient zeros(shape) with `values` added at [index], not built: what
    GetItem's VJP returns when no graph of the gradients is recorded. The engine
    (autograd.py) adds such gradients into one array per tensor, touching only the
    indexed elements (scatter_add), and builds a full array only when a tensor has no
    other gradient (`dense`)."""

    __slots__ = ("values", "shape", "index")

    def __init__(self, values: np.ndarray, shape: tuple, index: Any) -> None:
        self.values, self.shape, self.index = values, shape, index

    def dense(self) -> np.ndarray:
        return scattered(self.values, self.shape, self.index)


class IndexAdd(Function):
    """out = zeros(shape) with out[index] += g (repeated indices accumulate).

    The VJP of GetItem. Its own VJP: dL/dg = gout[index] (GetItem).   Saves nothing.
    """

    @staticmethod
    def forward(ctx, g, shape, index):
        return scattered(g, shape, index)

    @staticmethod
    def backward(ctx, g):
        return GetItem.apply(g, index=ctx.options["index"])


class Pad(Function):
    """out = a with `widths[i] = (before, after)` constant `value`s around axis i.

    VJP: dL/da = g with the padding sliced away (the padded cells are constants).
    Saves nothing.
    """

    @staticmethod
    def forward(ctx, a, widths, value):
        return np.pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        inner = tuple(slice(before, n - after)
                      for (before, after), n in zip(ctx.options["widths"], g.shape))
        return GetItem.apply(g, index=inner)


class Stack(Function):
    """out = the inputs (all of one shape) joined along a new axis `dim`.

    VJP: dL/dinput_k = g[..., k, ...], the slice at position k of the new axis.
    Saves nothing. (One op where unsqueeze-then-cat made one per input: stacking 2,000
    small tensors took 11-27 ms, torch 0.2-0.9.)
    """

    @staticmethod
    def forward(ctx, *arrays, dim):
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim = ctx.options["dim"]
        return tuple(GetItem.apply(g, index=(slice(None),) * dim + (k,))
                     for k in range(len(ctx.inputs)))


class Cat(Function):
    """out = the inputs joined along axis `dim`.

    VJP: dL/dinput_k = the slice of g that input k filled.
    Saves nothing (only the inputs' sizes along dim, ctx.sizes).
    """

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim, grads, start = ctx.options["dim"], [], 0
        for size in ctx.sizes:
            index = (slice(None),) * dim + (slice(start, start + size),)
            grads.append(GetItem.apply(g, index=index))
            start += size
        return tuple(grads)
