"""im2col and col2im (torch's F.unfold and F.fold): two primitives, each the other's VJP.

For an image x (N, C, H, W) zero-padded to xp (ph, pw on each side), a kh x kw kernel
with dilation (dh, dw) and stride (sh, sw), the windows form an OH x OW grid,
OH = (H + 2ph - dh*(kh-1) - 1) // sh + 1 (the same for OW), and L = OH*OW. Both ops are
the one bilinear form

    B(x, y) = sum_{n,c,a,b,i,j} y[n, (c,a,b), (i,j)] xp[n, c, i*sh + a*dh, j*sw + b*dw]

for y (N, C*kh*kw, L) on the windows, rows (c, a, b) and columns (i, j) row-major:

    Im2col(x) = dB/dy   (N, C*kh*kw, L)   unfold: the windows of x, one column each
    Col2im(y) = dB/dx   (N, C, H, W)      fold: every column added back into its window

so <Im2col(x), y> = B(x, y) = <x, Col2im(y)>: each is the other's adjoint (transpose).
Both are linear, so the VJP of either is its adjoint: the other op, and second
derivatives need nothing else. Col2im(Im2col(x)) is x times how many windows cover each
pixel; Im2col(Col2im(y)) is not y when windows overlap.

The arithmetic is conv2d's (ops/conv.py): `PaddedImage` lays the padded images out
channel-major, `columns` copies the windows one kernel offset at a time (im2col), and
`PaddedImage.col2im` adds them back one kernel offset at a time; conv2d is W @ im2col(x)
and its input gradient col2im(W^T @ G). These ops only reorder those (C*kh*kw, N*OH*OW)
matrices into torch's (N, C*kh*kw, L).

Options (pairs of (rows, columns)): kernel_size, dilation, padding (symmetric, zeros),
stride; Col2im also output_size (H, W), the image it folds into.
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from .conv import WIDE_ROWS_UP_TO, PaddedImage, channel_rows, columns, grid_size


def window_layout(image_hw: tuple, kernel_size: tuple, dilation: tuple, padding: tuple,
                  stride: tuple, for_col2im: bool) -> tuple[PaddedImage, tuple]:
    """(the PaddedImage of conv2d's im2col or col2im, the grid (OH, OW)) for torch's
    symmetric padding, with conv2d's choice of rows: wide for im2col of grids at most
    WIDE_ROWS_UP_TO windows wide, tight and wide for col2im (see PaddedImage)."""
    pads = tuple((p, p) for p in padding)
    grid = grid_size(image_hw, kernel_size, stride, pads, dilation)
    return PaddedImage(image_hw, pads, kernel_size, stride, dilation, grid,
                       wide=for_col2im or grid[1] <= WIDE_ROWS_UP_TO, tight=for_col2im), grid


def im2col(x: np.ndarray, kernel_size: tuple, dilation: tuple, padding: tuple,
           stride: tuple) -> np.ndarray:
    """x (N, C, H, W) -> its windows (N, C*kh*kw, OH*OW), one kernel offset per copy."""
    n = x.shape[0]
    layout, grid = window_layout(x.shape[2:], kernel_size, dilation, padding, stride, False)
    cols = columns(x, layout, groups=1)          # (1, C*kh*kw, N*OH*width)
    rows = cols.shape[1]
    cols = cols.reshape(rows, n, layout.rows, layout.width)[..., :grid[1]]
    return cols.transpose(1, 0, 2, 3).reshape(n, rows, grid[0] * grid[1])   # one copy


def col2im(y: np.ndarray, output_size: tuple, kernel_size: tuple, dilation: tuple,
           padding: tuple, stride: tuple) -> np.ndarray:
    """y (N, C*kh*kw, OH*OW) -> the (N, C, H, W) image with every column added into its
    window (overlaps summed, padding dropped), one kernel offset per add."""
    n, rows = y.shape[:2]
    layout, grid = window_layout(output_size, kernel_size, dilation, padding, stride, True)
    g_rows = channel_rows(y.reshape(n, rows, *grid), layout.width, groups=1)
    channels = rows // (kernel_size[0] * kernel_size[1])
    padded = layout.col2im(g_rows, channels, n)  # (C, N, flat padded image)
    return np.ascontiguousarray(layout.interior(padded).transpose(1, 0, 2, 3))


class Im2col(Function):
    """out = unfold(x): out[n, (c,a,b), (i,j)] = xp[n, c, i*sh + a*dh, j*sw + b*dw]
    for x (N, C, H, W) -> out (N, C*kh*kw, OH*OW); xp is x zero-padded, rows (c, a, b)
    and columns (i, j) in row-major order. Linear in x: out = U x.

    VJP: dL/dx = Col2im(g)   (N, C, H, W)
         x[n,c,y,z] is copied into every window that covers it, so its gradient is the
         sum of g over those copies: g's columns added back into their windows, U^T g.
    Saves nothing (the input size is kept for Col2im).
    """

    @staticmethod
    def forward(ctx, x, kernel_size, dilation, padding, stride):
        ctx.in_size = x.shape[2:]
        return im2col(x, kernel_size, dilation, padding, stride)

    @staticmethod
    def backward(ctx, g):
        return Col2im.apply(g, output_size=ctx.in_size, **ctx.options)


class Col2im(Function):
    """out = fold(y): out[n, c, p, q] = sum of y[n, (c,a,b), (i,j)] over the windows (i, j)
    and kernel offsets (a, b) with i*sh + a*dh - ph = p and j*sw + b*dw - pw = q
    for y (N, C*kh*kw, OH*OW) -> out (N, C, H, W), (H, W) = output_size. Linear: U^T y,
    the transpose of Im2col: <Im2col(x), y> = <x, Col2im(y)>.

    VJP: dL/dy = Im2col(g)   (N, C*kh*kw, OH*OW)
         y[n,(c,a,b),(i,j)] lands on one pixel of out (or in the padding, where it is
         dropped), so its gradient is g read at that pixel: the window copy U g.
    Saves nothing.
    """

    @staticmethod
    def forward(ctx, y, output_size, kernel_size, dilation, padding, stride):
        return col2im(y, output_size, kernel_size, dilation, padding, stride)

    @staticmethod
    def backward(ctx, g):
        options = {k: v for k, v in ctx.options.items() if k != "output_size"}
        return Im2col.apply(g, **options)
