"""2-D convolution as three primitives that are each other's VJPs.

Everything here is one trilinear form. For an image x (N, C, H, W) zero-padded to xp,
a weight w (O, C/G, kh, kw) and an array g (N, O, OH, OW) on the grid of windows:

    T(x, w, g) = sum_{n,o,i,j,c,a,b} g[n,o,i,j] w[o,c,a,b] xp[n, c', i*sh + a*dh, j*sw + b*dw]

with c' = group(o) * C/G + c (groups: output channel o only sees its group's inputs).
The three ops are the three partial derivatives of T, each linear in both its arguments:

    Conv2d(x, w)            = dT/dg   (N, O, OH, OW)   the convolution (a correlation)
    ConvTranspose2d(g, w)   = dT/dx   (N, C, H, W)     its adjoint in x
    Conv2dWeightGrad(x, g)  = dT/dw   (O, C/G, kh, kw) its adjoint in w

For an op f = dT/dv, <G, f> is T with G in place of v, so the VJP of f with respect to
each of its two arguments is again a partial derivative of T: the VJPs of every op are
the other two ops. Second derivatives need nothing else. Conv2d also takes the layer's
optional bias, added as the weight of an input that is always 1; its VJP is the sum of g
over N, OH, OW (see Conv2d).

Shared options: stride (sh, sw), padding ((top, bottom), (left, right)) (zeros),
dilation (dh, dw), groups. The grid has OH = (H + top + bottom - dh*(kh-1) - 1) // sh + 1
rows (rows of xp past the last window are not used; the same for columns).

How the numbers are computed. Alternatives were timed on the benchmark layer (float32,
N=32, 32->64 channels, 3x3, pad 1, 32x32, 2 OpenBLAS threads, default malloc; the
kept versions are timed against torch in benchmarks/bench_conv.py), fastest kept:
- Images are handled channel-major, (C, N, H, W): the window view of the padded image
  copies to the columns (C*kh*kw, N*OH*OW) in 3-7 ms, vs 23-28 ms for the pixel-major
  (N*OH*OW, C*kh*kw). The GEMM result (O, N*OH*OW) is copied once into the output's
  own (N, O, OH, OW) order (0.4 ms of the layer's 40 ms step): returned as a transposed
  view it cost more downstream, where every elementwise op on the strided array ran
  2-3x slower (with relu's max against zeros, ops/elementwise.py, LeNet's train step
  went 9.7 -> 9.0 ms, 2 threads).
- Conv2d: the columns and one GEMM per group, 18 ms; a GEMM per kernel offset on
  shifted slices took 25 ms, pixel-major columns and one GEMM 40 ms.
- ConvTranspose2d: one GEMM to columns (W^T @ G), then col2im as one strided add per
  kernel offset, 20-22 ms. A GEMM per offset was as fast on an idle machine but 2-3x
  slower whenever other processes used the cores (nine thread hand-offs instead of
  one), a GEMM per kernel row no faster; a full correlation of the padded g with the
  flipped kernel took 26 ms, and np.add.at for col2im 9x longer.
- Conv2dWeightGrad: one GEMM with the columns, 8 ms; 16 ms when they are built again
  from x, which is why Conv2d saves its columns for its backward.
- Wide rows (PaddedImage, width-stride 1): numpy pays per copied or added row. For
  im2col when the grid is at most 24 windows wide: forward + both gradients, one
  thread, LeNet's conv 6->16 (14x14 -> 10x10, batch 64) 4.2 -> 3.6 ms, 8x8 grids -13%,
  20x20 -4%; slower from 28 columns on (the layer's forward +5%) and with stride 2
  (+6-13%), which keep rows of OW. For col2im always: the layer's ConvTranspose2d
  17.3 -> 15.9 ms (its whole backward 27.5 -> 26.3 ms, malloc thresholds raised).

Second round (malloc thresholds raised; each change timed against the previous code in
the same process, steps alternating, medians of 80-120 paired ratios). The layer's
step then took ~37 ms where torch's took ~25: the three GEMMs ~8.6 ms each
(OpenBLAS at ~80 GFLOP/s per core, about this CPU's peak; torch's whole step is the
same FLOPs at the same rate), im2col with its padded copy ~4 ms, col2im ~5 ms (~1 ms
of it zeroing the wrapping columns), g's channel-major copy ~0.8 ms, the engine's copy
of dL/dx into .grad ~0.4 ms. Kept, in order:
- The bias as a row of ones in the columns (Conv2d): step -2.4%, forward -5%.
- col2im copies kernel offset (0, 0) instead of adding it to zeros: backward -0.3..-2%.
- Tight rows for col2im and one copy of g for both gradients: backward -3..-3.6%
  (LeNet's 14 -> 10 conv -4%); dL/dw before dL/dx: backward -0.1..-1.5%.
Together: the layer's step -8% (forward -7.5%, backward -8%), LeNet's train step -3.5%.
Measured and dropped:
- Bias added in place into the GEMM output (0.3 ms) and its gradient as g's rows times
  a vector of ones (0.2 ms; np.sum 0.6 ms); the row of ones costs each GEMM one more
  row or column of 289.
- dL/dw as one GEMM per image on g as it is, no channel-major copy: the layer's
  weight gradient -5%, but LeNet's conv backward +15% (64 tiny GEMMs); both gradients'
  GEMMs per image (dL/dx's written channel-major through out=): the layer +2%, LeNet's
  conv +47%.
- Wide rows for the layer's im2col (32 windows wide): step +4.7% (a shared copy of g
  would win back ~1.5%). Tight rows for im2col: the one-run copy was no faster
  (memory bound), zeroing the wrapping columns ~1 ms more.
- im2col straight from x (nine slice copies, borders zeroed): +6-8%; the padded copy
  in np.empty with only its border zeroed: no faster.
- The forward as three GEMMs, one per kernel row (K = C*kw), on column-shifted views of
  a flat image copied three times: +6%; im2col and a GEMM per kernel row: +20%.
- col2im into one image per kernel column (its wrapped junk zeroed there, then summed)
  instead of zeroing the columns: no faster; straight into an unpadded (N, C, H, W)
  image (no copy into .grad): +15%. Blocks of channels that stay in the cache (a
  Python loop): slower.
- Two Python threads, each with half of the channels, for im2col and col2im: see the
  threads below (kept, split over the images, where OPENBLAS_THREAD_TIMEOUT is set).
- GEMM leading dimensions off multiples of 4 KiB, np.matmul(..., out=): no change.

Threads (tinygrad_edu/parallel.py, set_num_threads): im2col and col2im split the batch
into one chunk of images per thread (numpy releases the GIL in its copies and adds;
each chunk writes its own images, so the numbers are bitwise those of one thread).
With 2 threads and OPENBLAS_THREAD_TIMEOUT=4: the benchmark layer's step 43 -> 40 ms
(ours/torch 1.46x -> 1.33-1.35x); LeNet's convs (5 MB of columns) stay on one thread,
they were no faster with two.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import grad_mode, parallel
from ..function import Function


WIDE_ROWS_UP_TO = 24
"""im2col uses wide rows for grids at most this many windows wide (col2im for all); see
PaddedImage."""


class PaddedImage:
    """Zero-padded channel-major images, flat: (C, N, Hp*pitch + slack), for im2col and col2im.

    The Hp padded image rows follow each other every `pitch` elements, Wp (the padded
    width) unless tight (with wide rows, (kw-1)*dw zeros of slack follow where the last
    wide row ends). For kernel offset (a, b), output row i reads its windows' pixels from
    (i*sh + a*dh)*pitch + b*dw on, every sw-th element. Copying (or adding) the OW of them
    costs numpy a fixed overhead per row, large when rows are short. Wide rows (sw = 1):
    take `pitch` elements instead, running on into the next image row; the rows of all OH
    outputs then join into one contiguous run. A 3-wide kernel, Wp = 4 so OW = 2, offset
    b = 1, output row 0:

        flat:  p q r s | t u v w | ...     the windows use q r
        wide:    q r s t                   s t: garbage columns, never used

    A GEMM on wide columns gives (.., OH, pitch) outputs whose first OW columns are the
    result. Where a gradient g enters (weight gradient, col2im) it is zero-extended, so
    the garbage columns add nothing; 0 * inf would be nan, so an image (or, for col2im,
    a weight) that holds an inf or a nan is never laid out wide. The
    GEMMs do pitch/OW more work: for im2col, wide rows were faster for grids up to
    WIDE_ROWS_UP_TO windows wide, slower from 28 on (copying 28 floats a row is cheap
    enough already) and with sw = 2; col2im's in-place adds pay more per row than
    copies, and wide rows were faster at both widths measured (10 and 32).

    Tight rows (col2im's wide rows): pitch max(W, OW) instead of Wp, so that one row's
    right padding is the next row's left padding (pitch - W zeros). There are then
    pitch - OW garbage columns instead of Wp - OW: none in the benchmark layer (W = OW =
    32), whose W^T @ G GEMM does 6% less work, and g's channel rows there are those of
    the weight gradient, made once for both. A window column in the padding that the
    rows no longer keep lands on a pixel of the row before or after (3-wide kernel,
    pad 1, W = OW = 3; kernel column b = 0 of output column 0 reads the left padding):

        pitch Wp = 5:  0 p q r 0 | 0 s t u 0      b = 0, column 0 of row s t u: 0
        pitch W = 3:     p q r | s t u            b = 0, column 0 of row s t u: r

    so col2im zeroes those columns first (`wrapping_columns`): the layer's backward
    took 3% less time. im2col keeps pitch Wp: there zeroing them in the 9x larger
    columns cost about 1 ms, more than the one-run copy saved (nothing: it was already
    as fast as memory allows).
    `width`: the windows computed per output row, `pitch` when wide, else OW.
    """

    def __init__(self, image_hw: tuple, padding: tuple, kernel: tuple, stride: tuple,
                 dilation: tuple, grid: tuple, wide: bool, tight: bool = False):
        (top, bottom), (left, right) = padding
        self.size, self.top, self.left = tuple(image_hw), top, left
        self.height, self.padded_width = image_hw[0] + top + bottom, image_hw[1] + left + right
        self.kernel, self.stride, self.dilation, self.rows = kernel, stride, dilation, grid[0]
        wide = wide and stride[1] == 1
        self.pitch = max(image_hw[1], grid[1]) if wide and tight else self.padded_width
        self.width = self.pitch if wide else grid[1]
        slack = dilation[1] * (kernel[1] - 1) if wide else 0
        # the image itself must fit too: with tight rows its last row runs `left` past the
        # rows the windows cover when no slack or bottom padding follows (a transposed
        # convolution whose output_padding goes beyond its padding, stride 1)
        image_end = (top + image_hw[0] - 1) * self.pitch + left + image_hw[1]
        self.length = max(self.height * self.pitch + slack, image_end)

    def zeros(self, channels: int, batch: int, dtype) -> np.ndarray:
        """An all-zero (C, N, Hp*pitch + slack) image."""
        return np.zeros((channels, batch, self.length), dtype=dtype)

    def interior(self, flat: np.ndarray) -> np.ndarray:
        """The (C, N, H, W) view of the unpadded image inside `flat`."""
        sc, sn, item = flat.strides
        start = flat[:, :, self.top * self.pitch + self.left:]
        return as_strided(start, shape=(*flat.shape[:2], *self.size),
                          strides=(sc, sn, item * self.pitch, item))

    def windows(self, flat: np.ndarray, writeable: bool = False) -> np.ndarray:
        """The (C, kh, kw, N, OH, width) view, no copy:
        v[c, a, b, n, i, j] = flat[c, n, (i*sh + a*dh)*pitch + b*dw + j*sw].

        When the rows join into one run (wide rows, sh = 1) it has the shape
        (C, kh, kw, N, OH*width): numpy's in-place adds (col2im) ran 14-18% faster on one
        long axis than on two that it could merge.
        """
        (sh, sw), (dh, dw), (sc, sn, item) = self.stride, self.dilation, flat.strides
        if sh == sw == 1 and self.width == self.pitch:
            grid, steps = (self.rows * self.width,), (item,)
        else:
            grid, steps = (self.rows, self.width), (item * self.pitch * sh, item * sw)
        return as_strided(flat, shape=(flat.shape[0], *self.kernel, flat.shape[1], *grid),
                          strides=(sc, item * self.pitch * dh, item * dw, sn, *steps),
                          writeable=writeable)

    def wrapping_columns(self, b: int) -> list:
        """The output columns j (as slices) whose window column j + b*dw is left or right
        padding that tight rows do not keep: columns [0, left - (pitch - W)) and
        [pitch + left, Wp) land on the row before or after. None unless tight."""
        gap, step = self.pitch - self.size[1], b * self.dilation[1]
        bounds = ((0, self.left - gap - step),
                  (self.pitch + self.left - step, self.padded_width - step))
        return [slice(max(lo, 0), min(hi, self.width)) for lo, hi in bounds
                if max(lo, 0) < min(hi, self.width)]

    def col2im(self, cols: np.ndarray, channels: int, batch: int) -> np.ndarray:
        """col2im: the (C, N, Hp*pitch + slack) image in which every column of `cols`
        (C*kh*kw rows, ordered as the windows; overwritten) is added back into its
        window, one add per kernel offset. With one run per image, offset (0, 0) covers
        flat[..., :run] exactly: it is copied there and only the rest is zeroed (adding
        it to an all-zero image took 3% longer in the benchmark layer's
        ConvTranspose2d). Columns whose windows wrap into a neighbouring row (tight
        rows) are zeroed first. Big batches are split into chunks of images, one per
        thread (tinygrad_edu.parallel).
        """
        flat = np.empty((channels, batch, self.length), dtype=cols.dtype)
        cols = cols.reshape(channels, *self.kernel, batch, self.rows, self.width)

        def add_images(start: int, stop: int) -> None:
            self._add_windows(cols[:, :, :, start:stop], flat[:, start:stop])
        parallel.for_chunks(add_images, batch, cols.nbytes)
        return flat

    def _add_windows(self, per_row: np.ndarray, flat: np.ndarray) -> None:
        """col2im's adds into `flat` (C, n, ...) from its columns `per_row`
        (C, kh, kw, n, OH, width; overwritten), for one slice of the batch."""
        target = self.windows(flat, writeable=True)
        for b in range(self.kernel[1]):
            for wrapping in self.wrapping_columns(b):
                per_row[:, :, b, :, :, wrapping] = 0
        cols = per_row.reshape(target.shape)
        offsets = [(a, b) for a in range(self.kernel[0]) for b in range(self.kernel[1])]
        if target.ndim == 5:                       # one run per image
            run = target.shape[-1]
            flat[..., :run] = cols[:, 0, 0]
            flat[..., run:] = 0
            offsets = offsets[1:]
        else:
            flat[...] = 0
        for a, b in offsets:
            target[:, a, b] += cols[:, a, b]


def columns(x: np.ndarray, layout: PaddedImage, groups: int, ones_row: bool = False
            ) -> np.ndarray:
    """im2col: the windows of x as (G, C/G*kh*kw, N*OH*width), one matrix per group; with
    `ones_row`, each matrix gets one more row, all ones (the bias's input, see Conv2d).
    Big batches are copied in chunks of images, one per thread (tinygrad_edu.parallel)."""
    n, c = x.shape[:2]
    flat = layout.zeros(c, n, x.dtype)
    windows = layout.windows(flat)
    rows = c // groups * layout.kernel[0] * layout.kernel[1]
    cols = np.empty((groups, rows + ones_row, n * layout.rows * layout.width), dtype=x.dtype)
    cols[:, rows:] = 1
    per_group = (groups, c // groups, *windows.shape[1:])
    source, target = windows.reshape(per_group), cols[:, :rows].reshape(per_group)  # views

    def copy_images(start: int, stop: int) -> None:     # axis 4 of source/target: batch
        layout.interior(flat[:, start:stop])[...] = x[start:stop].transpose(1, 0, 2, 3)
        target[:, :, :, :, start:stop] = source[:, :, :, :, start:stop]
    parallel.for_chunks(copy_images, n, cols.nbytes)
    return cols


def channel_rows(g: np.ndarray, width: int, groups: int) -> np.ndarray:
    """g (N, K, h, w) as matrices (G, K/G, N*h*width): one row per channel, one matrix per
    group, each image row zero-extended to `width` (zeros in the garbage columns)."""
    n, k, h, w = g.shape
    rows = (np.empty if width == w else np.zeros)((k, n, h, width), dtype=g.dtype)
    rows[..., :w] = g.transpose(1, 0, 2, 3)
    return rows.reshape(groups, k // groups, n * h * width)


def weight_grad_from_columns(cols: np.ndarray, g_rows: np.ndarray, weight_shape: tuple
                             ) -> tuple:
    """dT/dw = G (G, O/G, N*OH*width) @ columns^T (G, N*OH*width, C/G*kh*kw), (O, C/G, kh, kw),
    with G = g's channel rows of the columns' width.

    Returns (dT/dw, the bias gradient (O,) or None): when the columns end with a row of
    ones, the product's last column is g summed over N, OH, OW, the bias's gradient.
    Computed as its transpose, columns @ G^T: the same product, equally fast on an idle
    machine, but the other orientation (a 64x288 result from K = 32768 in the benchmark)
    took 1.5-35x longer in OpenBLAS whenever other processes were using the cores.
    """
    grad_t = np.matmul(cols, g_rows.transpose(0, 2, 1))
    rows = weight_shape[1] * weight_shape[2] * weight_shape[3]     # grad_t: (G, rows [+ 1], O/G)
    grad_w = grad_t[:, :rows].transpose(0, 2, 1).reshape(weight_shape)
    return grad_w, (grad_t[:, rows].reshape(-1) if cols.shape[1] > rows else None)


def transposed_layout(image_hw: tuple, w: np.ndarray, grid: tuple, options: dict
                      ) -> PaddedImage:
    """The layout col2im adds into: tight wide rows, unless w holds an inf or a nan."""
    return PaddedImage(image_hw, options["padding"], w.shape[2:], options["stride"],
                       options["dilation"], grid, wide=np.isfinite(w).all(), tight=True)


def transposed_conv(g_rows: np.ndarray, w: np.ndarray, layout: PaddedImage, batch: int
                    ) -> np.ndarray:
    """dT/dx from g's channel rows (of the layout's width): columns = W^T @ G per group,
    then col2im; the image copied out in (N, C, H, W) row-major order, the layout torch's
    results have (so `.view(N, -1)` works on a conv's input gradient, as in WGAN-GP)."""
    groups, o = g_rows.shape[0], w.shape[0]
    cols = np.matmul(w.reshape(groups, o // groups, -1).transpose(0, 2, 1), g_rows)
    padded = layout.col2im(cols, w.shape[1] * groups, batch)
    return np.ascontiguousarray(layout.interior(padded).transpose(1, 0, 2, 3))


def grid_size(image_hw: tuple, kernel: tuple, stride: tuple, padding: tuple,
              dilation: tuple) -> tuple:
    """(OH, OW): how many windows fit along each axis of the padded image."""
    return tuple((n + before + after - d * (k - 1) - 1) // s + 1
                 for n, k, s, (before, after), d in zip(image_hw, kernel, stride, padding,
                                                         dilation))


def _conv_on_grid(x, w, grid: tuple, options: dict):
    """Conv2d(x, w) restricted to the first `grid` windows.

    More windows than the grid fit only when a transposed convolution was given an
    output_padding >= stride (torch allows it when dilation is larger): its extra rows
    and columns were never written, so their windows get no gradient and are dropped.
    """
    out = Conv2d.apply(x, w, **options)
    if out.shape[2:] != tuple(grid):
        out = out[:, :, :grid[0], :grid[1]]
    return out


def _geometry(options: dict) -> dict:
    """The options the three ops share (the T they differentiate)."""
    return {k: options[k] for k in ("stride", "padding", "dilation", "groups")}


class Conv2d(Function):
    """out = conv2d(x, w) + bias, a correlation; the bias is optional.

    out[n,o,i,j] = bias[o] + sum_{c,a,b} w[o,c,a,b] xp[n, c', i*sh + a*dh, j*sw + b*dw]
    for x (N, C, H, W), w (O, C/G, kh, kw), bias (O,) -> out (N, O, OH, OW); xp is x
    zero-padded and c' = group(o) * C/G + c. As matrices, per group: out = W @ X with W
    (O/G, C/G*kh*kw) the flattened weight and X (C/G*kh*kw, N*OH*OW) the columns
    (im2col) of x (N*OH*Wp with wide rows, see PaddedImage). The bias is the weight of
    an input that is always 1: out = [W | bias] @ [X; 1], one GEMM, where adding it to
    the output took one more pass over it (0.3-0.8 ms of the benchmark's step).

    VJP: dL/dx = ConvTranspose2d(g, w)      (N, C, H, W)
         every x[n,c,y,z] meets w[o,c,a,b] in each window that covers it, so dL/dx
         collects g[n,o,i,j] w[o,c,a,b] over all (o, a, b) with y = i*sh + a*dh - top:
         the transposed convolution. With stride 1 and dilation 1 that is a full
         correlation of g with w rotated by 180 degrees (input and output channels
         swapped), cropped by the padding (drop `top` rows, `left` columns, ...).
         dL/dw = Conv2dWeightGrad(x, g)     (O, C/G, kh, kw)
         = G @ X^T per group: the correlation of the input with the output gradient,
         dL/dw[o,c,a,b] = sum_{n,i,j} g[n,o,i,j] xp[n, c', i*sh + a*dh, j*sw + b*dw].
         dL/dbias = g.sum(dim=(0, 2, 3))    (O,)
         every out[n,o,i,j] holds bias[o] once.
    Saves x, w and the columns X (with the row of ones when there is a bias), and their
    row width (ctx.width, see PaddedImage). A plain
    backward (gradients not differentiated again) runs the numpy of ConvTranspose2d and
    Conv2dWeightGrad directly: dL/dw reuses the columns (no second im2col),
    [dL/dw | dL/dbias] = G @ [X; 1]^T is one GEMM, the bias gradient its last column
    (the sum of g took 0.6 ms more), and one channel-major copy of g serves both GEMMs
    when their widths agree. When the gradients are themselves being differentiated,
    they are the recorded ops ConvTranspose2d, Conv2dWeightGrad and the sum.
    """

    @staticmethod
    def forward(ctx, x, w, bias=None, *, stride, padding, dilation, groups):
        kernel = w.shape[2:]
        grid = grid_size(x.shape[2:], kernel, stride, padding, dilation)
        layout = PaddedImage(x.shape[2:], padding, kernel, stride, dilation, grid,
                             wide=grid[1] <= WIDE_ROWS_UP_TO and np.isfinite(x).all())
        cols = columns(x, layout, groups, ones_row=bias is not None)
        ctx.save_for_backward(x, w, cols)
        ctx.width = layout.width
        w_rows = w.reshape(groups, w.shape[0] // groups, -1)
        if bias is not None:                                # [W | bias]
            w_rows = np.concatenate((w_rows, bias.reshape(groups, -1, 1)), axis=2)
        out = np.matmul(w_rows, cols)                        # (G, O/G, N*OH*width)
        out = out.reshape(w.shape[0], x.shape[0], grid[0], layout.width)[..., :grid[1]]
        return np.ascontiguousarray(out.transpose(1, 0, 2, 3))

    @staticmethod
    def backward(ctx, g):
        x, w, cols = ctx.saved_tensors
        geometry = _geometry(ctx.options)
        needs = ctx.needs_input_grad
        if grad_mode.is_grad_enabled():                      # create_graph: recorded ops
            grad_x = (ConvTranspose2d.apply(g, w, **geometry, out_size=x.shape[2:])
                      if needs[0] else None)
            grad_w = (Conv2dWeightGrad.apply(x, g, **geometry, kernel_size=w.shape[2:])
                      if needs[1] else None)
            grad_bias = g.sum(dim=(0, 2, 3)) if needs[2:] == (True,) else None
        else:
            grad_x, grad_w, grad_bias = _plain_gradients(g.data, x.shape, w.data, cols.data,
                                                         ctx.width, geometry, needs)
        return (grad_x, grad_w, grad_bias)[:len(needs)]


def _plain_gradients(g: np.ndarray, x_shape: tuple, w: np.ndarray, cols: np.ndarray,
                     width: int, geometry: dict, needs: tuple) -> tuple:
    """Conv2d's VJP when it is not itself differentiated: the numpy of ConvTranspose2d and
    Conv2dWeightGrad, with dL/dw (and dL/dbias) from the saved columns and g's channel
    rows made once when both use the same width (the benchmark layer: 32, no garbage
    columns on either side)."""
    groups = geometry["groups"]
    grad_x = grad_w = grad_bias = None
    rows_w = None
    if needs[1]:
        rows_w = channel_rows(g, width, groups)
        grad_w, grad_bias = weight_grad_from_columns(cols, rows_w, w.shape)
    if needs[0]:                    # last: its image is still in the cache when it is copied
        layout = transposed_layout(x_shape[2:], w, g.shape[2:], geometry)
        shared = rows_w is not None and layout.width == width
        rows_x = rows_w if shared else channel_rows(g, layout.width, groups)
        grad_x = transposed_conv(rows_x, w, layout, g.shape[0])
    if needs[2:] == (True,) and grad_bias is None:
        grad_bias = g.sum(axis=(0, 2, 3))
    return grad_x, grad_w, grad_bias


class ConvTranspose2d(Function):
    """out = conv_transpose2d(g, w): the adjoint of Conv2d in x, <Conv2d(x, w), g> = <x, out>.

    g (N, O, OH, OW), w (O, C/G, kh, kw) (the same weight as the convolution) ->
    out (N, C, H, W) with H, W = `out_size`. Each window of the convolution is put back:
    out[n, c', i*sh + a*dh - top, j*sw + b*dw - left] += w[o,c,a,b] g[n,o,i,j]
    (positions in the padding are dropped). As matrices, per group: columns = W^T @ G,
    then col2im adds every column back into its window.

    VJP: dL/dg = Conv2d(gout, w)               (N, O, OH, OW)
         out is linear in g with the transposed matrix of Conv2d, so its VJP is Conv2d.
         dL/dw = Conv2dWeightGrad(gout, g)     (O, C/G, kh, kw)
         dL/dw[o,c,a,b] = sum_{n,i,j} g[n,o,i,j] goutp[n, c', i*sh + a*dh, j*sw + b*dw]:
         the weight gradient of the convolution with the roles swapped (gout is the image).
    Saves g, w.
    """

    @staticmethod
    def forward(ctx, g, w, stride, padding, dilation, groups, out_size):
        ctx.save_for_backward(g, w)
        layout = transposed_layout(out_size, w, g.shape[2:], ctx.options)
        return transposed_conv(channel_rows(g, layout.width, groups), w, layout, g.shape[0])

    @staticmethod
    def backward(ctx, gout):
        g, w = ctx.saved_tensors
        geometry = _geometry(ctx.options)
        grad_g = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_g = _conv_on_grid(gout, w, g.shape[2:], geometry)
        if ctx.needs_input_grad[1]:
            grad_w = Conv2dWeightGrad.apply(gout, g, **geometry, kernel_size=w.shape[2:])
        return grad_g, grad_w


class Conv2dWeightGrad(Function):
    """out = dL/dw of Conv2d, the correlation of the image x with the output gradient g.

    out[o,c,a,b] = sum_{n,i,j} g[n,o,i,j] xp[n, c', i*sh + a*dh, j*sw + b*dw]
    for x (N, C, H, W), g (N, O, OH, OW) -> out (O, C/G, kh, kw), kh, kw = `kernel_size`;
    per group G @ X^T with X the columns of x. Linear in x and in g:

    VJP: dL/dx = ConvTranspose2d(g, gout)   (N, C, H, W)   (gout plays the weight)
         dL/dg = Conv2d(x, gout)            (N, O, OH, OW)
    Saves x, g.
    """

    @staticmethod
    def forward(ctx, x, g, stride, padding, dilation, groups, kernel_size):
        ctx.save_for_backward(x, g)
        layout = PaddedImage(x.shape[2:], padding, kernel_size, stride, dilation, g.shape[2:],
                             wide=g.shape[3] <= WIDE_ROWS_UP_TO and np.isfinite(x).all())
        cols = columns(x, layout, groups)
        weight_shape = (g.shape[1], x.shape[1] // groups, *kernel_size)
        return weight_grad_from_columns(cols, channel_rows(g, layout.width, groups),
                                        weight_shape)[0]

    @staticmethod
    def backward(ctx, gout):
        x, g = ctx.saved_tensors
        geometry = _geometry(ctx.options)
        grad_x = grad_g = None
        if ctx.needs_input_grad[0]:
            grad_x = ConvTranspose2d.apply(g, gout, **geometry, out_size=x.shape[2:])
        if ctx.needs_input_grad[1]:
            grad_g = _conv_on_grid(x, gout, g.shape[2:], geometry)
        return grad_x, grad_g
