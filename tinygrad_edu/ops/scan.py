"""Running sums and products along axes: cumsum, logcumsumexp and prod.

g = dL/dout. Output i of a cumsum adds up inputs 0..i, so input j reaches outputs j..n-1
and its gradient adds up g over those: a cumsum run from the other end. The gradient of a
product at a_i is the product of the other factors, which must not be computed as out / a_i
where a_i = 0 (that is 0 / 0).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import grad_mode
from ..function import Function
from .movement import GetItem, IndexAdd
from .reduce import kept_shape

if TYPE_CHECKING:
    from ..tensor import Tensor


class Cumsum(Function):
    """out[..., i, ...] = sum_{j <= i} a[..., j, ...] along axis `dim`.

    VJP: dL/da[j] = sum_{i >= j} g[i]   (g reversed along dim, cumsum, reversed back: again
    a cumsum, so it differentiates again).   Saves nothing.
    numpy adds one element at a time; float32 and float16 run totals are kept in float64
    (100,000 float32 values: relative error 1.3e-4 before, 6e-8 now, as torch's).
    """

    @staticmethod
    def forward(ctx, a, dim):
        wide = np.float64 if a.dtype.kind == "f" and a.dtype.itemsize < 8 else None
        out = np.cumsum(a, axis=dim, dtype=wide).astype(a.dtype, copy=False)
        return out.reshape(a.shape)                        # (numpy makes a 0-d input 1-d)

    @staticmethod
    def backward(ctx, g):
        dim = ctx.options["dim"]
        backwards = (slice(None),) * dim + (slice(None, None, -1),) if g.ndim else ()  # views
        return Cumsum.apply(g[backwards], dim=dim)[backwards].contiguous()


class LogCumsumExp(Function):
    """out[..., i, ...] = log sum_{j <= i} e^(a[..., j, ...]) along axis `dim`, one
    logaddexp at a time (numpy's logaddexp.accumulate: no overflow, no underflow to -inf
    of a prefix that is merely small; float32 runs in float64 and rounds once).

    d out_i / d a_j = e^(a_j - out_i) for j <= i: J is lower triangular, each row the
    softmax of its prefix. VJP: dL/da = J^T g, dL/da_j = sum_{i >= j} g_i e^(a_j - out_i)
    (LogCumsumExpJacobian below, itself differentiable). Saves a, out.
    """

    @staticmethod
    def forward(ctx, a, dim):
        wide_a = np.atleast_1d(a.astype(np.float64 if a.dtype.itemsize < 8 else a.dtype,
                                        copy=False))          # (a 0-d a is its own)
        out = np.logaddexp.accumulate(wide_a, axis=dim).astype(a.dtype).reshape(a.shape)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return LogCumsumExpJacobian.apply(g, a, out, dim=ctx.options["dim"], transpose=True)


class LogCumsumExpJacobian(Function):
    """y = J v or (transpose) y = J^T v, J the Jacobian of out = logcumsumexp(a) along dim:

        J v:    y_i = sum_{j <= i} v_j e^(a_j - out_i)       (a JVP)
        J^T v:  y_j = sum_{i >= j} v_i e^(a_j - out_i)       (the VJP)

    Each is summed in log space, the positive and negative parts of v apart, so nothing
    overflows where e^(-out_i) alone would. A row with out_i = -inf (a prefix of -inf
    inputs) is left out: no input there moves it (torch gives those inputs nan).
    y is linear in v, and e^(a_j - out_i) moves with a_j and out_i, so with k = dL/dy
    VJP (J v):    dL/dv = J^T k,   dL/da = v * (J^T k),   dL/dout = -k * y
    VJP (J^T v):  dL/dv = J k,     dL/da = k * y,         dL/dout = -v * (J k)
    (this op again: logcumsumexp differentiates to any order, forward-mode tricks too).
    Saves v, a, out, y.
    """

    @staticmethod
    def forward(ctx, v, a, out, dim, transpose):
        wide = np.float64 if v.dtype.itemsize < 8 else v.dtype
        v, a_w, out_w = (np.atleast_1d(x.astype(wide, copy=False)) for x in (v, a, out))
        reached = out_w != -np.inf
        v, out_w = np.where(reached, v, 0), np.where(reached, out_w, 0)
        flip = (slice(None),) * dim + (slice(None, None, -1),)
        y = np.zeros_like(v)
        for sign in (1, -1):
            log_part = np.full(v.shape, -np.inf)
            np.log(sign * v, out=log_part, where=sign * v > 0)
            if transpose:                    # e^(a_j) * sum_{i >= j} v_i e^(-out_i)
                suffix = np.logaddexp.accumulate((log_part - out_w)[flip], axis=dim)[flip]
                y += sign * np.exp(a_w + suffix)
            else:                            # e^(-out_i) * sum_{j <= i} v_j e^(a_j)
                prefix = np.logaddexp.accumulate(log_part + a_w, axis=dim)
                y += sign * np.exp(prefix - out_w)
        y = np.where(reached, y, 0) if not transpose else y
        y = y.astype(out.dtype).reshape(out.shape)
        ctx.save_for_backward(ctx.inputs[0].data, a, out, y)
        return y

    @staticmethod
    def backward(ctx, k):
        v, a, out, y = ctx.saved_tensors
        dim, transpose = ctx.options["dim"], ctx.options["transpose"]
        other = LogCumsumExpJacobian.apply(k, a, out, dim=dim, transpose=not transpose)
        if transpose:
            return other, k * y, -v * other
        return other, v * other, -k * y


class Prod(Function):
    """out = the product of a over `axes` (a tuple of non-negative ints), keepdim as for sum.

    VJP: dL/da_i = g * prod_{j != i} a_j   (the other factors of a_i's slice).
    That is out / a_i where a_i is finite and not 0; at a zero, inf or nan it is found
    without dividing:
        one such a_m in the slice:  at m, Prod of the slice with a_m set to 1
        two or more:                at each, the same, one per element (0 if all are zeros)
    Each piece equals prod_{j != i} a_j near a (the masks are constants), so it
    differentiates again exactly. (With create_graph, even the 0 at a zero m that shares
    its slice with another zero is built as Prod of the slice with a_m set to 1: its value
    is 0, but its derivative in the other zero a_k is the product of the rest.)
    These are torch's values while the slice holds no inf or nan. Where it does, torch
    differs (it divides, or gives zeros when there are two zeros): the gradient of
    prod([inf, 2, 3]) is [6, inf, inf] here, [nan, inf, inf] in torch.
    Saves a, out.
    """

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        with np.errstate(invalid="ignore"):              # 0 * inf = nan, as IEEE and torch
            out = np.prod(a, axis=axes, keepdims=keepdim, dtype=a.dtype)    # (ints stay so)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        axes = ctx.options["axes"]
        shape = kept_shape(a.shape, axes)
        return g.reshape(shape) * _product_of_others(a, out.reshape(shape), axes)


def _product_of_others(a: Tensor, out: Tensor, axes: tuple) -> Tensor:
    """prod_{j != i} a_j over the slice (the reduced `axes`) of every a_i.

    `out` is Prod(a) with the reduced axes kept as size 1.
    """
    zero = a.data == 0
    special = zero | ~np.isfinite(a.data)                 # out / a_i is wrong there
    in_slice = special.sum(axis=axes, keepdims=True)
    overflowed = np.isnan(out.data) & (in_slice == zero.sum(axis=axes, keepdims=True))
    if overflowed.any():              # zeros and no inf or nan, yet numpy's product is
        out = out.where(~overflowed, 0)          # inf * 0 = nan: the exact product is 0
    with np.errstate(invalid="ignore"):                    # (out may be inf or nan)
        others = (out / a.where(~special, 1)).where(~special, 0)
    lone = special & (in_slice == 1)
    if lone.any():
        others = Prod.apply(a.where(~special, 1), axes=axes, keepdim=True).where(lone, others)
    shared = special & (in_slice > 1)
    only_zeros = not (shared & (a.data != 0)).any()       # then the value there is 0
    if shared.any() and (grad_mode.is_grad_enabled() or not only_zeros):
        others = others + _others_at_shared(a, shared, axes)
    return others


def _others_at_shared(a: Tensor, shared: np.ndarray, axes: tuple) -> Tensor:
    """At each element m marked in `shared` (a zero, inf or nan that shares its slice with
    another): Prod of its slice with a_m set to 1 (0 elsewhere).

    The slices are laid out as rows (kept axes first, reduced axes last), the row of each
    such zero is picked once per zero, and the products are added back at the zeros.
    """
    order = [i for i in range(a.ndim) if i not in axes] + list(axes)
    n = math.prod(a.shape[i] for i in axes)
    rows = a.permute(*order).reshape(-1, n)
    row, col = np.nonzero(shared.transpose(order).reshape(-1, n))
    picked = GetItem.apply(rows, index=(row,))
    without_m = picked.where(np.arange(n) != col[:, None], 1)
    products = Prod.apply(without_m, axes=(1,), keepdim=False)
    spread = IndexAdd.apply(products, shape=rows.shape, index=(row, col))
    return spread.reshape(*[a.shape[i] for i in order]).permute(*np.argsort(order).tolist())
