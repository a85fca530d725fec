"""Resampling an image: adaptive pooling and interpolation, as in torch.nn.functional.

All of these are separable: along each spatial axis, output index i reads a few input
indices (its bin, its nearest pixel, its two neighbours) with fixed weights. So each
function resamples along W, then along H, each time one integer-array gather (GetItem)
and a reduction or a weighted sum over what it read; never a loop over output pixels.
Composed from differentiable ops: the gather's VJP adds the gradient back at the indices
it read (IndexAdd, whose own VJP is the gather), so gradients and second derivatives
come from the engine. Nothing here has a backward of its own.

Interpolation along an axis of up to MATRIX_UP_TO cells is instead one matmul with the
(out, in) matrix of its taps: out = x M^T, whose VJP g M is again a matmul.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from .cnn import floating_input
from .composed import ValuesIndices, take_along_dim
from .dtypes import check_bool
from .tensor import Tensor, _tensor

SizePair = int | None | Sequence[int | None]
INTERPOLATE_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear",
                     "area")
INTERPOLATING = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
"""The modes that weigh neighbours, and the input rank each one takes."""


def _image(op: str, input: Any) -> Tensor:
    x = floating_input(op, input)
    if 0 in x.shape[-3:]:
        raise ValueError(f"{op}: expected non-empty channels and image, got shape {x.shape}")
    return x


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


# ---------------------------------------------------------------------------- gathers
def _gather_along(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """x read at `index` along `axis` (negative); index's axes take axis's place."""
    return x[(..., index) + (slice(None),) * (-1 - axis)]


def _weighted(x: Tensor, axis: int, index: np.ndarray, weight: np.ndarray) -> Tensor:
    """x read at `index` along `axis`, times weight[i] at output index i."""
    w = weight.astype(x.dtype).reshape((-1,) + (1,) * (-1 - axis))
    return _gather_along(x, axis, index) * Tensor(w)


MATRIX_UP_TO = 256
"""The longest axis that interpolation resamples with one matmul (see `_resampled`).
Bilinear x2 of (16, 16, 64, 64) float32, forward + backward: 94-139 ms as gathers (a copy
per tap, a scatter-add per tap in backward), 20 ms as matmuls. The matrix costs n_in
multiply-adds per output cell, so long axes keep the gathers."""


def _resampled(x: Tensor, axis: int, taps: list) -> Tensor:
    """sum over the taps (index, weight) of x read at `index` along `axis` (negative),
    times weight[i] at output index i (weight None: 1)."""
    n_in, n_out = x.shape[axis], len(taps[0][0])
    if n_in > MATRIX_UP_TO or not _plain_numbers(x.data):
        terms = [_gather_along(x, axis, index) if weight is None else
                 _weighted(x, axis, index, weight) for index, weight in taps]
        return sum(terms[1:], terms[0])
    matrix = np.zeros((n_out, n_in), dtype=x.dtype)
    for index, weight in taps:
        np.add.at(matrix, (np.arange(n_out), index), 1 if weight is None else weight)
    m = Tensor(matrix)
    if axis in (-1, -2):
        return x @ m.mT if axis == -1 else m @ x
    return (x.movedim(axis, -1) @ m.mT).movedim(-1, axis)


def _plain_numbers(a: np.ndarray) -> bool:
    """No inf or nan (0 * inf would be nan in x M^T) and no -0.0 (x M^T adds +0.0 terms,
    where the gathers copy the sign, as torch)."""
    return bool(np.isfinite(a).all() and not (np.signbit(a) & (a == 0)).any())


# ---------------------------------------------------------------------------- adaptive
def output_pair(op: str, output_size: SizePair, image_hw: tuple) -> tuple:
    """output_size as (OH, OW); None keeps the input's size along that axis."""
    pair = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(pair) != 2 or not all(v is None or _is_int(v) for v in pair):
        raise TypeError(f"{op}: output_size must be an int, None or a pair of them, got "
                        f"{output_size!r}")
    if any(v is not None and v < 0 for v in pair):
        raise ValueError(f"{op}: output_size must be non-negative, got {output_size!r}")
    return tuple(n if v is None else int(v) for v, n in zip(pair, image_hw))


def bins(n: int, out: int) -> tuple:
    """torch's adaptive bins of n cells into `out`: bin i is [floor(i*n/out),
    ceil((i+1)*n/out)). Returns (index (out, K), valid (out, K) or None, sizes (out,)):
    row i lists bin i's cells, K = the largest bin, short rows padded by repeating their
    last cell (valid marks the real ones; None when every bin has K cells)."""
    i = np.arange(out)
    start, end = i * n // out, -(-(i + 1) * n // out)
    sizes = end - start
    k = int(sizes.max(initial=1))
    index = start[:, None] + np.arange(k)
    valid = index < end[:, None]
    return np.minimum(index, end[:, None] - 1), (None if valid.all() else valid), sizes


def _binned(x: Tensor, axis: int, out: int) -> tuple:
    """x's `axis` (negative) split into `out` bins: (t, index, valid, sizes) with t
    (..., out, K) for axis -1 or (..., out, K, W) for axis -2, so K sits at `axis`.
    Equal bins (n % out == 0, also the usual case) are a reshape, no gather."""
    n = x.shape[axis]
    index, valid, sizes = bins(n, out)
    if out and n % out == 0:
        shape = (*x.shape[:x.ndim + axis], out, n // out, *x.shape[x.ndim + axis + 1:])
        return x.reshape(shape), index, None, sizes
    return _gather_along(x, axis, index), index, valid, sizes


def _bin_mean(x: Tensor, axis: int, out: int) -> Tensor:
    n = x.shape[axis]
    if out and n % out and n <= MATRIX_UP_TO and _plain_numbers(x.data):
        index, valid, sizes = bins(n, out)      # unequal bins: sums by a 0/1 matrix
        weight = np.broadcast_to(True if valid is None else valid, index.shape).astype(x.dtype)
        counts = sizes.astype(x.dtype).reshape((-1,) + (1,) * (-1 - axis))
        return _resampled(x, axis, list(zip(index.T, weight.T))) / Tensor(counts)
    t, _, valid, sizes = _binned(x, axis, out)
    if valid is None:
        return t.mean(axis)
    mask = valid.reshape(valid.shape + (1,) * (-1 - axis))
    counts = sizes.astype(x.dtype).reshape((-1,) + (1,) * (-1 - axis))
    return t.where(mask, 0).sum(axis) / Tensor(counts)


def _bin_max(x: Tensor, axis: int, out: int) -> tuple:
    """(max over each bin, the input index along `axis` where it is: the first max, or in
    a bin holding nan its last nan, as torch)."""
    t, index, _, _ = _binned(x, axis, out)          # repeated cells never win: first max
    k = np.expand_dims(np.argmax(t.data, axis=axis), axis)
    nan = np.isnan(t.data)
    if nan.any():
        last = t.shape[axis] - 1 - np.argmax(np.flip(nan, axis), axis=axis)
        k = np.where(nan.any(axis, keepdims=True), np.expand_dims(last, axis), k)
    values = take_along_dim(t, k, axis).squeeze(axis)
    at = np.arange(out).reshape((-1,) + (1,) * (-1 - axis))
    return values, index[at, np.squeeze(k, axis)]


def adaptive_avg_pool2d(input: Tensor, output_size: SizePair) -> Tensor:
    """Mean over adaptive bins, torch.nn.functional.adaptive_avg_pool2d.

    input (N, C, H, W) or (C, H, W) -> (N, C, OH, OW); output_size an int, a pair, with
    None keeping that size. Output row i averages input rows [floor(i*H/OH),
    ceil((i+1)*H/OH)) (bins overlap when OH does not divide H), columns likewise; the
    bins are a product, so the mean is separable:

        out[i, j] = mean_{h in bin_i} mean_{w in bin_j} x[h, w]

    computed as a mean over column bins, then over row bins (a reshape when the bins are
    equal, else a gather padded to the largest bin, its padding masked out).
    """
    op = "adaptive_avg_pool2d"
    x = _image(op, input)
    oh, ow = output_pair(op, output_size, x.shape[-2:])
    return _bin_mean(_bin_mean(x, -1, ow), -2, oh)


def adaptive_max_pool2d(input: Tensor, output_size: SizePair,
                        return_indices: bool = False) -> Tensor | ValuesIndices:
    """Max over adaptive bins (those of adaptive_avg_pool2d), torch's adaptive_max_pool2d.

    out[i, j] = max_{h in bin_i} max_{w in bin_j} x[h, w]: the max over column bins, then
    over row bins, each `max(dim)` (the gradient goes to the index it returns). Ties go
    to the first max in row-major order, as torch: along each row the first column,
    then the first row among the rows' maxima. A bin holding a NaN gives NaN as torch,
    but at its first NaN where torch's CPU kernel picks its last. With return_indices,
    also the flat index h * W + w of each max into the H x W plane (int64).
    """
    op = "adaptive_max_pool2d"
    x = _image(op, input)
    oh, ow = output_pair(op, output_size, x.shape[-2:])
    cols_max, col = _bin_max(x, -1, ow)             # (..., H, OW), column of each max
    out, row = _bin_max(cols_max, -2, oh)          # (..., OH, OW), row of each max
    if not return_indices:
        return out
    col = np.take_along_axis(col, row, axis=-2)    # the column of the winning row
    return ValuesIndices(out, Tensor(row * x.shape[-1] + col))


# ---------------------------------------------------------------------------- interpolate
def _scale(n_in: int, n_out: int, scale_factor: float | None, dtype) -> np.floating:
    """torch's source-per-output step: 1 / scale_factor when one is used, else in / out,
    in the precision torch computes it (float32 for nearest; the input's for linear)."""
    dtype = np.dtype(dtype).type
    if scale_factor is not None and scale_factor > 0:
        return dtype(1.0 / scale_factor)
    return dtype(n_in) / dtype(n_out)


def nearest_source(n_in: int, n_out: int, scale_factor: float | None, exact: bool,
                   two_d: bool) -> np.ndarray:
    """The input index each output index copies (torch's CPU kernels, in float32):
    nearest: min(floor(i * scale), n_in - 1) (OpenCV's INTER_NEAREST);
    nearest-exact: min(floor((i + 0.5) * scale), n_in - 1) (PIL, scikit-image).
    Where i * scale falls within float32 rounding of an integer (scale_factor 2.3 at
    output 69: 69 / 2.3 = 30, 69 * float32(1 / 2.3) = 29.999998), torch's kernels for
    float64 inputs pick either side, by a rule that depends on the shape; this one
    always takes float32's, which most of them match.
    torch's 2-D nearest kernel (not the 1-D one, nor nearest-exact) first keeps two
    special cases for backward compatibility, which differ from the formula only for a
    scale_factor that is not in/out: n_out == n_in copies, n_out == 2 n_in takes i // 2.
    """
    if two_d and not exact and n_out in (n_in, 2 * n_in):
        return np.arange(n_out) // (n_out // n_in)
    scale = _scale(n_in, n_out, scale_factor, np.float32)
    i = np.arange(n_out)
    src = ((i + 0.5) * np.float64(scale)).astype(np.float32) if exact else i.astype(
        np.float32) * scale
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def linear_source(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool,
                  dtype) -> tuple:
    """(i0, i1, w0, w1): output index i is w0[i] x[i0[i]] + w1[i] x[i1[i]] (torch's rule):

        align_corners:  src = i * (n_in - 1) / (n_out - 1)       (0 when n_out == 1)
        otherwise:      src = max((i + 0.5) * scale - 0.5, 0),   scale = 1/scale_factor
                                                                  or n_in/n_out
        i0 = min(floor(src), n_in - 1),  i1 = min(i0 + 1, n_in - 1),
        w1 = clip(src - i0, 0, 1),  w0 = 1 - w1

    computed in the input's dtype, as torch's CPU kernel. (The caller leaves an axis
    whose size does not change as it is, as torch does, whatever the scale_factor.)
    """
    t = np.dtype(dtype).type
    i = np.arange(n_out, dtype=t)
    if align_corners:
        src = i * (t(n_in - 1) / t(n_out - 1)) if n_out > 1 else np.zeros(n_out, t)
    else:
        src = np.maximum(_scale(n_in, n_out, scale_factor, t) * (i + t(0.5)) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0.astype(t), t(0), t(1))
    return i0, np.minimum(i0 + 1, n_in - 1), t(1) - w1, w1


def _linear_axis(x: Tensor, axis: int, n_out: int, scale_factor: float | None,
                 align_corners: bool) -> Tensor:
    n_in = x.shape[axis]
    if n_out == n_in:
        return x
    i0, i1, w0, w1 = linear_source(n_in, n_out, scale_factor, align_corners, x.dtype)
    return _resampled(x, axis, [(i0, w0), (i1, w1)])


CUBIC_A = -0.75
"""The cubic convolution kernel's parameter (Keys), torch's and OpenCV's."""


def cubic_weights(t: Any) -> tuple:
    """The weights of the four taps floor(src) - 1 + k (k = 0..3) of cubic convolution at
    t = src - floor(src) (Keys, A = CUBIC_A): with the kernel
        near(d) = ((A+2) d - (A+3)) d^2 + 1        for |d| <= 1,
        far(d)  = ((A d - 5A) d + 8A) d - 4A        for 1 < |d| < 2,
    they are far(t + 1), near(t), near(1 - t), far(2 - t) (summing to 1). t is a numpy
    array, or a Tensor: then the weights are differentiable in t (grid_sample's grid)."""
    a = CUBIC_A

    def near(d):
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return far(t + 1), near(t), near(1 - t), far(2 - t)


def cubic_source(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool,
                 dtype) -> list:
    """[(index, weight)] for the four taps of cubic convolution: output index i is
    sum_k w_k[i] x[clip(floor(src) - 1 + k)], src as for linear but not clamped at 0,
    and w_k the cubic_weights of t = src - floor(src)."""
    f = np.dtype(dtype).type
    i = np.arange(n_out, dtype=f)
    if align_corners:
        src = i * (f(n_in - 1) / f(n_out - 1)) if n_out > 1 else np.zeros(n_out, f)
    else:
        src = _scale(n_in, n_out, scale_factor, f) * (i + f(0.5)) - f(0.5)
    start = np.floor(src)
    taps = [np.clip(start.astype(np.int64) - 1 + k, 0, n_in - 1) for k in range(4)]
    return list(zip(taps, cubic_weights(src - start)))


def _cubic_axis(x: Tensor, axis: int, n_out: int, scale_factor: float | None,
                align_corners: bool) -> Tensor:
    if n_out == x.shape[axis] and scale_factor in (None, 1):
        return x
    return _resampled(x, axis, cubic_source(x.shape[axis], n_out, scale_factor,
                                            align_corners, x.dtype))


def check_mode(op: str, mode: str, align_corners: bool | None) -> bool | None:
    """The align_corners to use for `mode` (False for the interpolating modes when None);
    ValueError for an unknown mode or align_corners given to a mode without corners."""
    if mode not in INTERPOLATE_MODES:
        raise ValueError(f"{op}: mode must be one of {', '.join(map(repr, INTERPOLATE_MODES))}"
                         f", got {mode!r}")
    if mode in INTERPOLATING:
        return align_corners is not None and check_bool(op, "align_corners", align_corners)
    if align_corners is not None:
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"'linear', 'bilinear', 'bicubic' and 'trilinear', not with "
                         f"mode={mode!r}")
    return None


def check_size_or_scale(op: str, size: Any, scale_factor: Any) -> None:
    """ValueError unless exactly one of size and scale_factor is given."""
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError(f"{op}: either size or scale_factor should be defined")


def _sizes_and_scales(input: Tensor, spatial: int, size: Any, scale_factor: Any,
                      recompute_scale_factor: bool | None) -> tuple:
    """(output sizes, the scale factors the kernels use or Nones), by torch's rules."""
    op = "interpolate"
    check_size_or_scale(op, size, scale_factor)
    given, name = (size, "size") if size is not None else (scale_factor, "scale_factor")
    values = list(given) if isinstance(given, (tuple, list)) else [given] * spatial
    if len(values) != spatial:
        raise ValueError(f"{op}: input {input.shape} has {spatial} spatial dimension(s) but "
                         f"{name} is {given!r}")
    if size is not None:
        if not all(_is_int(v) for v in values):
            raise TypeError(f"{op}: size must be an int or a tuple of ints, got {size!r}")
        if recompute_scale_factor:
            raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an "
                             "explicit size")
        sizes, scales = [int(v) for v in values], [None] * spatial
    else:
        if not all(isinstance(v, (int, float, np.integer, np.floating))
                   and not isinstance(v, bool) for v in values):
            raise TypeError(f"{op}: scale_factor must be a number or a tuple of numbers, "
                            f"got {scale_factor!r}")
        scales = [float(v) for v in values]
        sizes = [math.floor(n * s) for n, s in zip(input.shape[-spatial:], scales)]
        if recompute_scale_factor:
            scales = [None] * spatial
    return sizes, scales


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize (N, C, H, W) images, (N, C, L) signals or (N, C, D, H, W) volumes,
    torch.nn.functional.interpolate.

    Give `size` (the output's spatial size) or `scale_factor` (output size =
    floor(input size * scale_factor)), not both. The kernels then map output index i to
    the input with the step 1/scale_factor, as torch 2.x does by default, or in/out with
    `size` or with recompute_scale_factor=True (see nearest_source, linear_source).
    Modes: 'nearest' (x[floor(i * step)]), 'nearest-exact' (x[floor((i + 0.5) * step)]),
    'linear' (3-D), 'bilinear' (4-D) and 'trilinear' (5-D): the weighted sum of the two
    neighbours along each axis, pixel centres aligned (align_corners=False, the default)
    or corner pixels aligned (True: step (in - 1)/(out - 1), scale_factor then only sets
    the size); 'bicubic' (4-D): cubic convolution of the four neighbours along each axis
    (Keys, A = -0.75, as torch; see cubic_source); 'area': adaptive average pooling to
    the output size. Separable and composed from gathers and weighted sums, so gradients
    (of any order) come from the engine.
    The nearest modes also resize uint8 tensors (label masks), as torch; the others need
    floating point (torch's uint8 bilinear, a fixed-point image path, is not copied).
    """
    op = "interpolate"
    align_corners = check_mode(op, mode, align_corners)
    if antialias:
        raise ValueError(f"{op}: antialias=True is not supported")
    layouts = {3: "3-D (N, C, L)", 4: "4-D (N, C, H, W)", 5: "5-D (N, C, D, H, W)"}
    layout = f"{layouts[3]}, {layouts[4]} or {layouts[5]}"
    x = _tensor(input)
    if x.dtype == np.uint8 and mode in ("bilinear", "bicubic"):
        raise TypeError(f"{op}: mode={mode!r} needs a floating point input, got uint8 (torch's "
                        "fixed-point uint8 kernel is not copied): resize x.float() and round "
                        "back with .round().clamp(0, 255).byte()")
    if not (mode in ("nearest", "nearest-exact") and x.dtype == np.uint8):  # (label masks)
        x = floating_input(op, x, tuple(layouts), layout)
    elif x.ndim not in layouts:
        raise ValueError(f"{op}: expected a {layout} input, got shape {x.shape}")
    if INTERPOLATING.get(mode, x.ndim) != x.ndim:
        raise ValueError(f"{op}: mode={mode!r} needs a {layouts[INTERPOLATING[mode]]} input, "
                         f"got shape {x.shape}")
    if 0 in x.shape[1:]:
        raise ValueError(f"{op}: expected non-empty channels and sizes, got shape {x.shape}")
    spatial = x.ndim - 2
    sizes, scales = _sizes_and_scales(x, spatial, size, scale_factor, recompute_scale_factor)
    if min(sizes) < (mode != "area"):     # (area pooling to size 0 is empty, as torch)
        need = "must not be negative" if mode == "area" else "must be positive"
        raise ValueError(f"{op}: input {x.shape} would be resized to {tuple(sizes)}; output "
                         f"sizes {need} (mode={mode!r})")
    axes = (-3, -2, -1)[-spatial:]
    if mode == "area":
        for axis, n_out in zip(axes[::-1], sizes[::-1]):
            x = _bin_mean(x, axis, n_out)
    elif mode in INTERPOLATING:
        resample = _cubic_axis if mode == "bicubic" else _linear_axis
        for axis, n_out, scale in zip(axes[::-1], sizes[::-1], scales[::-1]):   # W, H, D
            x = resample(x, axis, n_out, scale, align_corners)
    else:
        for axis, n, n_out, s in zip(axes[::-1], x.shape[::-1], sizes[::-1], scales[::-1]):
            index = nearest_source(n, n_out, s, mode == "nearest-exact", spatial == 2)
            x = _resampled(x, axis, [(index, None)])
    return x.contiguous()               # in torch's row-major layout, so .view() works


def upsample(input: Tensor, size: int | Sequence[int] | None = None,
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """torch's deprecated F.upsample: interpolate, with torch's deprecation warning."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: int | Sequence[int] | None = None,
                     scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """torch's deprecated F.upsample_nearest: interpolate(mode='nearest')."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: int | Sequence[int] | None = None,
                      scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """torch's deprecated F.upsample_bilinear: interpolate(mode='bilinear',
    align_corners=True) (corners aligned, unlike interpolate's default)."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
