"""Reductions: sum over axes, sum down to a broadcast shape, and amax.

g = dL/dout. A reduction's VJP spreads g back over the axes it removed, so every
VJP here is "reshape g to keep the reduced axes as size 1, then broadcast".
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Function


def summed(a: np.ndarray, axes: tuple, keepdims: bool, mean: bool = False) -> np.ndarray:
    """np.sum (or np.mean) of `a` over `axes`. numpy adds pairwise only along one contiguous
    run of elements, the trailing axes of a row-major array; over any other axis it adds
    one element at a time, and float32 loses 5-7 bits (the mean over 60,000 images of each
    pixel: relative error 9e-6, torch's 2.4e-7). So for float32 such sums (and every
    float16 sum, which also overflows at 65504, where torch accumulates in float32)
    accumulate in float64 and round once, at about twice the time of the plain sum (under
    1% of a LeNet-5 step)."""
    reduce = np.mean if mean else np.sum
    if a.dtype.kind != "f":             # in the integer dtype itself (numpy widens uint8)
        return reduce(a, axis=axes, keepdims=keepdims, dtype=a.dtype)
    trailing = a.flags.c_contiguous and sorted(axes) == list(range(a.ndim - len(axes), a.ndim))
    if a.dtype.itemsize == 8 or trailing and a.dtype.itemsize == 4:
        return reduce(a, axis=axes, keepdims=keepdims)
    return reduce(a, axis=axes, keepdims=keepdims, dtype=np.float64).astype(a.dtype)


def kept_shape(shape: tuple, axes: tuple) -> tuple:
    """`shape` with the reduced `axes` kept as size 1 (what keepdim=True gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """out = sum of a over `axes` (a tuple of non-negative ints).

    VJP: dL/da[i] = g[i with the summed axes dropped]: every element of a moves out by
    the same amount, so g is broadcast back over the summed axes.
    Saves nothing (only a's shape, ctx.in_shape).
    """

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.in_shape = a.shape
        return summed(a, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        shape = ctx.in_shape
        return g.reshape(kept_shape(shape, ctx.options["axes"])).expand(shape)


class Mean(Function):
    """out = mean of a over `axes` = (sum over them) / n, n the number of elements averaged.

    VJP: dL/da[i] = g[i with the averaged axes dropped] / n: each element enters its mean
    with weight 1/n, so g is broadcast back and divided by n.
    Saves nothing (only a's shape, ctx.in_shape): as torch's, a second backward through a
    mean needs nothing that the first one freed (sum / n would save both for Div's VJP).
    """

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.in_shape = a.shape
        return summed(a, axes, keepdim, mean=True)

    @staticmethod
    def backward(ctx, g):
        n = math.prod(ctx.in_shape[i] for i in ctx.options["axes"])
        return Sum.backward(ctx, g) / n              # the sum's VJP, each share divided by n


class SumTo(Function):
    """out = a summed down to `shape`: the adjoint (transpose) of broadcasting to a's shape,
    not its inverse (summing k broadcast copies of x gives k x).

    The engine calls this on every gradient whose shape is a broadcast of its input's.
    VJP: dL/da = g broadcast back to a's shape.   Saves nothing (only a's shape, ctx.in_shape).
    """

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return sum_to_shape(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g.expand(ctx.in_shape)


def sum_to_shape(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum the numpy array `a` down to `shape` (the axes numpy broadcasting added or stretched)."""
    lead = a.ndim - len(shape)
    axes = [*range(lead)] + [lead + i for i, n in enumerate(shape)
                             if n == 1 and a.shape[lead + i] != 1]
    out = summed(a, tuple(axes), True) if axes else a
    return out.reshape(shape)


class Amax(Function):
    """out = max of a over `axes`.

    VJP: dL/da = g broadcast back, times w, where w = 1/k at the k positions that
    reach the max in each reduced slice and 0 elsewhere: ties share the gradient
    evenly (torch's rule for amax and for the full `max()`). A slice holding nan has
    nan as its max, and its nans share the gradient (as torch's full `max()`; torch's
    amax gives nan to the whole slice).   Saves w.
    """

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        if any(a.shape[axis] == 0 for axis in axes):
            raise ValueError(f"amax: cannot take the max over an empty dimension of shape "
                             f"{a.shape}")
        out = np.max(a, axis=axes, keepdims=True)
        is_max = a == out
        if a.dtype.kind == "f" and np.isnan(out).any():         # nan == nan is False
            is_max |= np.isnan(a) & np.isnan(out)
        ctx.save_for_backward(is_max / is_max.sum(axis=axes, keepdims=True, dtype=a.dtype))
        return out if keepdim else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    @staticmethod
    def backward(ctx, g):
        (share,) = ctx.saved_tensors
        return g.reshape(kept_shape(share.shape, ctx.options["axes"])) * share
