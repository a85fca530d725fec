"""2-D pooling primitives (max and average) over the last two axes of (..., H, W) arrays.

A pooling window slides over the (padded) image; the window at output (oh, ow)
covers rows oh*s + i*d and columns ow*s + j*d for the kernel offsets (i, j).
For one kernel offset, the cells it touches in all windows at once form a strided
slice of the padded input, shaped like the output:

    xp[..., i*d : i*d + (OH-1)*s + 1 : s,  j*d : j*d + (OW-1)*s + 1 : s]

So every op here is a loop over the kh*kw kernel offsets with one whole-array numpy
operation per offset, and no loop over images, channels or positions. Measured for a
2x2 max-pool of (32, 64, 32, 32) float32: a running `np.maximum` over these slices
takes 1.2 ms; argmax over a copy of the windows 24 ms, `.max` over a
sliding_window_view 64 ms, `.max` over a (..., 16, 2, 16, 2) reshape 43 ms.

Big windows that tile the input (stride = kernel, no padding or dilation; a global
max-pool of 64x64 has 4,096 offsets, each a tiny slice) are instead reshaped into one
(..., OH, OW, kh*kw) array and reduced along its last axis: `tiles` and `untile`.

Pairs of ops that are each other's VJP (so pooling has second derivatives):
MaxPool2dScatter <-> MaxPool2dGather, AvgPool2d <-> AvgPool2dAdjoint.
"""
from __future__ import annotations

from typing import Iterator, NamedTuple

import numpy as np

from ..function import Function
from .elementwise import tied


def pooled_size(n: int, kernel: int, stride: int, padding: int, dilation: int,
                ceil_mode: bool) -> int:
    """torch's output length: floor (or ceil) of (n + 2p - d(k-1) - 1) / s, plus 1.

    With ceil_mode the last window must start inside the input or the left padding
    (a window starting in the right padding only would see no input); torch drops it.
    """
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1
    return out


class Windows(NamedTuple):
    """Where the pooling windows of one call lie (pairs are (rows, columns))."""

    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    in_size: tuple
    out_size: tuple

    @classmethod
    def of(cls, in_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
           dilation: tuple, ceil_mode: bool) -> Windows:
        out = tuple(pooled_size(*args, ceil_mode)
                    for args in zip(in_size, kernel_size, stride, padding, dilation))
        return cls(kernel_size, stride, padding, dilation, tuple(in_size), out)

    def pad_widths(self) -> tuple:
        """(before, after) per axis: `padding` before; after, enough for the last window
        (ceil_mode windows may run past the right padding)."""
        return tuple((p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p))
                     for n, k, s, p, d, o in zip(self.in_size, self.kernel, self.stride,
                                                 self.padding, self.dilation, self.out_size))

    def pad(self, x: np.ndarray, value: float) -> np.ndarray:
        """x with the padding of the last two axes filled with `value`."""
        widths = self.pad_widths()
        if not any(before or after for before, after in widths):
            return x
        (top, bottom), (left, right) = widths
        h, w = self.in_size
        out = np.full(x.shape[:-2] + (top + h + bottom, left + w + right), value, dtype=x.dtype)
        out[..., top:top + h, left:left + w] = x
        return out

    def crop(self, xp: np.ndarray) -> np.ndarray:
        """The input-sized part of a padded array (undoes `pad`)."""
        (top, _), (left, _) = self.pad_widths()
        h, w = self.in_size
        if xp.shape[-2:] == (h, w):
            return xp
        return np.ascontiguousarray(xp[..., top:top + h, left:left + w])

    def some_window_sees_only_padding(self) -> bool:
        """True when a window's cells all lie in the padding (possible with dilation):
        along some axis, none of its k positions o*s + i*d - p is inside the input."""
        for n, k, s, p, d, o in zip(self.in_size, self.kernel, self.stride, self.padding,
                                    self.dilation, self.out_size):
            positions = np.arange(o)[:, None] * s + np.arange(k) * d - p
            if not ((positions >= 0) & (positions < n)).any(axis=1).all():
                return True
        return False

    def disjoint(self) -> bool:
        """True when no two windows share a cell (stride >= the dilated kernel's extent)."""
        return all(s >= d * (k - 1) + 1 for k, s, d in zip(self.kernel, self.stride,
                                                           self.dilation))

    def padded_shape(self, lead: tuple) -> tuple:
        return lead + tuple(before + n + after
                            for (before, after), n in zip(self.pad_widths(), self.in_size))

    def offsets(self) -> Iterator[tuple]:
        """(k, slice) per kernel offset (i, j), k = i*kw + j in row-major order: the slice
        of the padded input that offset reads in every window, shaped like the output."""
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = (self.kernel, self.stride, self.dilation,
                                                  self.out_size)
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, (Ellipsis,
                                   slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                                   slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))


TILED_FROM = 128
"""Kernel area from which windows that tile the input are reduced as one reshaped array.
Max-pool forward + backward of (16, 32, 64, 64) float32, offset loop against reshape:
8x8 windows 7 against 12 ms, 16x16 13 against 7, 64x64 60 against 2.3 (average
pooling: 6 against 4, 14 against 2.6, 43 against 1)."""


def tiling(win: Windows) -> bool:
    """Do the windows tile the input (stride = kernel, no dilation or padding), with a
    kernel area of at least TILED_FROM?"""
    return (win.kernel[0] * win.kernel[1] >= TILED_FROM and win.stride == win.kernel
            and win.dilation == (1, 1)
            and not any(before or after for before, after in win.pad_widths()))


def tiles(x: np.ndarray, win: Windows) -> np.ndarray:
    """The windows of a tiling as a (..., OH, OW, kh*kw) array (a copy; row-major kernel
    offsets along the last axis)."""
    (kh, kw), (oh, ow) = win.kernel, win.out_size
    blocks = x[..., :oh * kh, :ow * kw].reshape(x.shape[:-2] + (oh, kh, ow, kw))
    return blocks.swapaxes(-3, -2).reshape(x.shape[:-2] + (oh, ow, kh * kw))


def untile(t: np.ndarray, win: Windows) -> np.ndarray:
    """The inverse of `tiles`: (..., OH, OW, kh*kw) values put back on their cells of a
    zero (..., H, W) array."""
    (kh, kw), (oh, ow), (h, w) = win.kernel, win.out_size, win.in_size
    lead = t.shape[:-3]
    out = np.zeros(lead + (h, w), dtype=t.dtype)
    blocks = t.reshape(lead + (oh, ow, kh, kw)).swapaxes(-3, -2)
    out[..., :oh * kh, :ow * kw] = blocks.reshape(lead + (oh * kh, ow * kw))
    return out


def windows_of(ctx, in_size: tuple) -> Windows:
    o = ctx.options
    return Windows.of(in_size, o["kernel_size"], o["stride"], o["padding"],
                      o.get("dilation", (1, 1)), o["ceil_mode"])


def fold_windows(ufunc: np.ufunc, xp: np.ndarray, win: Windows) -> np.ndarray:
    """A binary ufunc folded over the kernel-offset slices of the padded input xp,
    in place: np.maximum gives every window's max, np.add its sum."""
    slices = (xp[cells] for _, cells in win.offsets())
    out = next(slices).copy()
    for cells in slices:
        ufunc(out, cells, out=out)
    return out


# ---------------------------------------------------------------------------------- max
def pool_max(x: np.ndarray, win: Windows) -> np.ndarray:
    """The max of every window: a running np.maximum over the kernel-offset slices."""
    if tiling(win):
        return tiles(x, win).max(axis=-1)
    return fold_windows(np.maximum, win.pad(x, -np.inf), win)


def first_max_offsets(x: np.ndarray, out: np.ndarray, win: Windows) -> np.ndarray:
    """Per window, the kernel offset k (row-major) of the FIRST cell equal to the max.

    found_k marks the windows that hold their max at one of the offsets 0..k, so the
    first max is at offset  sum over k < K-1 of [not found_k]  = (K-1) - sum_k found_k:
    ties go to the first max, as in torch. A NaN is the max of its window (np.maximum
    propagates it); such a window's winner is its LAST NaN, as in torch's CPU kernel.
    The padding is NaN here, equal to nothing: a window whose input cells are all -inf
    has its max at its first input cell, never in the padding (-inf there too).
    (Two or three bool/uint8 passes per offset; building the one-hot of the winner and
    adding k * onehot took five, and 1.2-1.6x the time.)
    """
    if tiling(win) and not (out.size and np.isnan(out.max())):
        return tiles(x, win).argmax(axis=-1)            # (argmax: the first max, as here)
    xp = win.pad(x, np.nan)
    last = win.kernel[0] * win.kernel[1] - 1
    winner = np.full(out.shape, last, dtype=np.min_scalar_type(last))
    found, is_max = np.empty(out.shape, dtype=bool), np.empty(out.shape, dtype=bool)
    for k, cells in win.offsets():
        if k == last:
            break
        np.equal(xp[cells], out, out=found if k == 0 else is_max)
        if k > 0:
            found |= is_max
        winner -= found.view(np.uint8)             # as 0/1 bytes: 2x faster than bool
    if out.size and np.isnan(out.max()):           # NaN != NaN: found missed them
        xp = win.pad(x, -np.inf)                   # (the input's NaNs, not the padding)
        for k, cells in win.offsets():
            winner[np.isnan(xp[cells])] = k
    return winner


def flat_indices(winner: np.ndarray, win: Windows) -> np.ndarray:
    """torch's `return_indices`: the argmax's position row * W + col in the unpadded input."""
    (kw, (sh, sw), (ph, pw), (dh, dw), (_, w), (oh, ow)) = (
        win.kernel[1], win.stride, win.padding, win.dilation, win.in_size, win.out_size)
    i, j = np.divmod(winner.astype(np.int64), kw)
    rows = np.arange(oh)[:, None] * sh - ph + i * dh
    cols = np.arange(ow)[None, :] * sw - pw + j * dw
    return rows * w + cols


class MaxPool2d(Function):
    """out[n, c, oh, ow] = max over (i, j) of xp[n, c, oh*s + i*d, ow*s + j*d]
    (xp: x padded with -inf; options are (rows, columns) pairs).

    VJP: the max is locally a selection out = xp[a] of one cell a (the argmax of the
    window), so d out / d x is 1 at a and 0 elsewhere:
         dL/dx[p] = sum over the windows whose argmax is p of g[window]
    i.e. g (N, C, OH, OW) is routed back (MaxPool2dScatter) to x's shape (N, C, H, W);
    cells that are the max of several overlapping windows add up. On ties the first
    max in row-major window order gets it all, as in torch. Saves x and out (the
    argmax offsets are recomputed from them in backward: one equality test per offset).
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, ceil_mode):
        out = pool_max(x, windows_of(ctx, x.shape[-2:]))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from ..tensor import Tensor
        x, out = ctx.saved_tensors
        win = windows_of(ctx, x.shape[-2:])
        winner = Tensor(first_max_offsets(x.data, out.data, win))
        routed = MaxPool2dScatter.apply(g, winner, **ctx.options, input_size=x.shape[-2:])
        return tied(routed, x)              # (a second backward reaches x with zeros)


def _router(g: np.ndarray):
    """mask -> g where mask, else 0: g * mask (the fast form) when g is all finite, else
    np.where, so that a cell no window picked gets 0 even next to an inf (0 * inf = nan)."""
    if np.isfinite(g).all():
        return lambda mask: g * mask
    return lambda mask: np.where(mask, g, 0).astype(g.dtype, copy=False)


class MaxPool2dScatter(Function):
    """out = zeros (..., H, W) with out[argmax of window w] += g[w] for every window;
    `winner` (an int array shaped like g) holds each window's argmax kernel offset.

    Linear in g: out = R g with R[p, w] = 1 when p is window w's argmax. Its VJP is
    the transpose R^T, which reads (gathers) the upstream gradient at each window's
    argmax: VJP: dL/dg = MaxPool2dGather(gout)   (shape of g),  dL/dwinner = none (the
    argmax offsets are integers).   Saves winner.
    """

    @staticmethod
    def forward(ctx, g, winner, kernel_size, stride, padding, dilation, ceil_mode, input_size):
        ctx.save_for_backward(winner)
        win = windows_of(ctx, input_size)
        if tiling(win):                  # g on each window's winner, a one-hot over offsets
            one_hot = np.arange(win.kernel[0] * win.kernel[1]) == winner[..., None]
            return untile(_router(g[..., None])(one_hot), win)
        gp = np.zeros(win.padded_shape(g.shape[:-2]), dtype=g.dtype)
        routed = _router(g)
        if win.disjoint():   # each cell written once, no adding: 1.9 vs 3.3 ms for a 2x2 pool
            for k, cells in win.offsets():
                gp[cells] = routed(winner == k)
        else:
            for k, cells in win.offsets():
                gp[cells] += routed(winner == k)
        return win.crop(gp)

    @staticmethod
    def backward(ctx, gout):
        (winner,) = ctx.saved_tensors
        options = {k: v for k, v in ctx.options.items() if k != "input_size"}
        return MaxPool2dGather.apply(gout, winner, **options), None


class MaxPool2dGather(Function):
    """out[w] = h[argmax of window w]: h (..., H, W) read at each window's saved argmax
    (`winner` holds its kernel offset), shaped like the pooled output.

    Linear in h: out = R^T h. VJP: dL/dh = R gout = MaxPool2dScatter(gout),
    dL/dwinner = none (integers).   Saves winner (and h's size, ctx.in_size).
    """

    @staticmethod
    def forward(ctx, h, winner, kernel_size, stride, padding, dilation, ceil_mode):
        ctx.save_for_backward(winner)
        ctx.in_size = h.shape[-2:]
        win = windows_of(ctx, ctx.in_size)
        if tiling(win):
            return np.take_along_axis(tiles(h, win), winner[..., None], -1)[..., 0]
        hp = win.pad(h, 0)
        out = np.zeros(winner.shape, dtype=h.dtype)
        for k, cells in win.offsets():
            out += _router(hp[cells])(winner == k)
        return out

    @staticmethod
    def backward(ctx, g):
        (winner,) = ctx.saved_tensors
        return MaxPool2dScatter.apply(g, winner, **ctx.options, input_size=ctx.in_size), None


# ---------------------------------------------------------------------------------- average
def window_sizes(win: Windows, count_include_pad: bool,
                 divisor_override: int | None) -> np.ndarray | int:
    """The divisor of every window, (OH, OW), by torch's rule.

    With count_include_pad the window is clipped to the padded input (cells of a
    ceil_mode window beyond the right padding do not count); without, to the input.
    """
    if divisor_override:
        return divisor_override
    sizes = []
    for n, k, s, p, o in zip(win.in_size, win.kernel, win.stride, win.padding, win.out_size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        sizes.append(end - start)
    return np.outer(*sizes)


class AvgPool2d(Function):
    """out[n, c, oh, ow] = (1 / D[oh, ow]) * sum over (i, j) of xp[n, c, oh*s + i, ow*s + j]
    (xp: x zero-padded; D: the window's size by torch's count_include_pad rule).

    Linear: out = A x with A[w, p] = 1/D[w] for the cells p in window w. So
    VJP: dL/dx = A^T g = AvgPool2dAdjoint(g): each window spreads g[w] / D[w] evenly
    over its cells, (N, C, OH, OW) -> (N, C, H, W); overlaps add up.
    Saves nothing (only x's size, ctx.in_size).
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
        ctx.in_size = x.shape[-2:]
        win = windows_of(ctx, ctx.in_size)
        total = tiles(x, win).sum(axis=-1) if tiling(win) else fold_windows(
            np.add, win.pad(x, 0), win)
        total /= np.asarray(window_sizes(win, count_include_pad, divisor_override), x.dtype)
        return total

    @staticmethod
    def backward(ctx, g):
        return AvgPool2dAdjoint.apply(g, **ctx.options, input_size=ctx.in_size)


class AvgPool2dAdjoint(Function):
    """out = A^T g: zeros (..., H, W) plus g[w] / D[w] on every cell of window w
    (the transpose of average pooling; overlapping windows add up).

    Linear, so VJP: dL/dg = (A^T)^T gout = A gout = AvgPool2d(gout).   Saves nothing.
    """

    @staticmethod
    def forward(ctx, g, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override, input_size):
        win = windows_of(ctx, input_size)
        share = g / np.asarray(window_sizes(win, count_include_pad, divisor_override), g.dtype)
        if tiling(win):
            return untile(np.broadcast_to(share[..., None], share.shape + (
                win.kernel[0] * win.kernel[1],)), win)
        gp = np.zeros(win.padded_shape(g.shape[:-2]), dtype=g.dtype)
        for _, cells in win.offsets():
            gp[cells] += share
        return win.crop(gp)

    @staticmethod
    def backward(ctx, gout):
        options = {k: v for k, v in ctx.options.items() if k != "input_size"}
        return AvgPool2d.apply(gout, **options)
