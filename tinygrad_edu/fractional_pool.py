"""Fractional max pooling (Graham, 2014, arXiv:1412.6071), as torch's F.fractional_max_pool2d
and F.fractional_max_pool3d.

A max pool shrinks an image by an integer stride; a fractional one by any factor: H cells
become OH < H with windows of a fixed size k whose starts step by floor(alpha) or
ceil(alpha) cells, in a pseudo-random order. Along each axis, for one plane (n, c) with
its sample u in [0, 1), torch's CPU kernel places the window starts at

    alpha    = (H - k) / (OH - 1)
    start[i] = int((i + u) * alpha) - int(u * alpha)     for i < OH - 1
    start[OH - 1] = H - k                                (the last window ends at the edge)

computed in the input's dtype (float32 rounding for float32 images), int() truncating. So
the first window starts at 0 and the last ends at H (OH = 1: one window, the last).
The window of output cell (i, j) is the box [start_h[i], start_h[i] + kh) x
[start_w[j], start_w[j] + kw) (three axes in 3-D); windows overlap when k > alpha.

out[n, c, i, j] = x[n, c, a] where a is the cell of the box holding its max: the first max
in scan order (h, then w) on ties, the last NaN when the box holds NaNs (as torch). The
winners are found in numpy; the output is then one differentiable gather of x at them, so
the gradient of each output cell goes to its winner (adding up where overlapping windows
share one) and second derivatives come from the engine: nothing here has a backward.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np

from .cnn import floating_input
from .cnn3d import VOLUME
from .composed import take_along_dim
from .creation import rand
from .shapes import int_tuple
from .tensor import Tensor, _tensor

IntOrTuple = int | Sequence[int]
AXES = {2: "(h, w)", 3: "(d, h, w)"}
SAMPLE = {2: (1, 0), 3: (0, 1, 2)}
"""Which of a plane's samples sets each spatial axis: torch's (u_w, u_h) in 2-D, but
(u_d, u_h, u_w) in 3-D."""


def _only(axis: int, size: int, n: int) -> tuple:
    """The shape (1, .., size, .., 1) of n axes with `size` at `axis`."""
    return tuple(size if b == axis else 1 for b in range(n))


def check_options(op: str, n: int, kernel_size: Any, output_size: Any,
                  output_ratio: Any) -> tuple[tuple, tuple | None, tuple | None]:
    """(kernel, output_size, output_ratio) as n-tuples (None for the one not given), by
    torch's rules: exactly one of output_size and output_ratio, each ratio in (0, 1)."""
    kernel = int_tuple(kernel_size, n, "kernel_size", op, 1)
    if (output_size is None) == (output_ratio is None):
        raise ValueError(f"{op}: give exactly one of output_size and output_ratio, got "
                         f"output_size={output_size!r} and output_ratio={output_ratio!r}")
    if output_size is not None:
        return kernel, int_tuple(output_size, n, "output_size", op, 0), None
    ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * n
    if len(ratio) != n or not all(isinstance(r, numbers.Real) and not isinstance(r, bool)
                                  for r in ratio):
        raise TypeError(f"{op}: output_ratio must be a number or {n} numbers, got "
                        f"{output_ratio!r}")
    if not all(0 < r < 1 for r in ratio):
        raise ValueError(f"{op}: output_ratio must be between 0 and 1 (exclusive), got "
                         f"{output_ratio!r}")
    return kernel, None, tuple(float(r) for r in ratio)


def window_starts(u: np.ndarray, size: int, out: int, k: int) -> np.ndarray:
    """torch's window starts along one axis of `size` cells: u (...) of the input's dtype,
    one sample per plane, -> (..., out) int64 (see the module docstring)."""
    starts = np.full((*u.shape, out), size - k, dtype=np.int64)
    if out > 1:
        dtype = u.dtype.type
        alpha = dtype(size - k) / dtype(out - 1)
        i = np.arange(out - 1, dtype=u.dtype)
        starts[..., :-1] = (((i + u[..., None]) * alpha).astype(np.int64)
                            - (u * alpha).astype(np.int64)[..., None])
    return starts


def _winner(values: np.ndarray) -> np.ndarray:
    """The position along the last axis of each window's max: the first max, or the last
    NaN where there are NaNs (torch's scan keeps a NaN and replaces it by each later NaN)."""
    winner = np.argmax(values, axis=-1)
    nan = np.isnan(values)
    has_nan = nan.any(axis=-1)
    if has_nan.any():
        last_nan = values.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        winner = np.where(has_nan, last_nan, winner)
    return winner


def _samples(op: str, x: Tensor, batch: int, n: int, samples: Any) -> np.ndarray:
    """The samples (batch, C, n) as an array: the given ones, checked (the first `batch`
    of them), or fresh draws from the library's generator (manual_seed), as torch.rand."""
    channels = x.shape[-n - 1]
    if samples is None:
        return rand(batch, channels, n, dtype=x.dtype).data
    u = _tensor(samples)
    if u.ndim != 3 or u.shape[1:] != (channels, n) or u.shape[0] < batch:
        raise ValueError(f"{op}: _random_samples must have shape (N, C, {n}) = ({batch}, "
                         f"{channels}, {n}) for the input {tuple(x.shape)} (a larger N is "
                         f"allowed), got {tuple(u.shape)}")
    if u.dtype != x.dtype:
        raise TypeError(f"{op}: _random_samples must have the input's dtype {x.dtype}, got "
                        f"{u.dtype}")
    if u.numel() and not ((u.data >= 0) & (u.data < 1)).all():
        raise ValueError(f"{op}: _random_samples must lie in [0, 1), got values from "
                         f"{u.data.min()} to {u.data.max()}")
    return u.data[:batch]


def _fractional_max_pool(op: str, n: int, input: Any, kernel_size: Any, output_size: Any,
                         output_ratio: Any, return_indices: bool,
                         _random_samples: Any) -> Tensor | tuple[Tensor, Tensor]:
    """The pool over the last n axes of an (N, C, *spatial) or unbatched (C, *spatial) x."""
    x = (floating_input(op, input) if n == 2 else floating_input(op, input, (4, 5), VOLUME))
    kernel, out_size, ratio = check_options(op, n, kernel_size, output_size, output_ratio)
    if 0 in x.shape[-n - 1:]:
        raise ValueError(f"{op}: expected non-empty channels and "
                         f"{'image' if n == 2 else 'volume'}, got shape {tuple(x.shape)}")
    sizes = x.shape[-n:]
    if out_size is None:
        out_size = tuple(int(size * r) for size, r in zip(sizes, ratio))
    extra = n - 2                # torch's 3-D kernel wants one cell more than its 2-D one
    least = tuple(o + k - 1 + extra for o, k in zip(out_size, kernel))
    if any(m > size for m, size in zip(least, sizes)):
        rule = "output + kernel - 1" + " + 1" * extra
        raise ValueError(f"{op}: output_size {out_size} with kernel_size {kernel} needs an "
                         f"input of at least {rule} = {least} cells along {AXES[n]}, got "
                         f"shape {tuple(x.shape)}")
    unbatched = x.ndim == n + 1
    batched = x.unsqueeze(0) if unbatched else x
    batch, channels = batched.shape[:2]
    u = _samples(op, x, batch, n, _random_samples)

    # flat[n, c, o_1..o_n, k_1..k_n]: the flat index into the plane of each window's cells
    flat, stride = np.zeros((batch, channels) + (1,) * 2 * n, dtype=np.int64), 1
    for axis in reversed(range(n)):
        starts = window_starts(u[..., SAMPLE[n][axis]], sizes[axis], out_size[axis],
                               kernel[axis])
        cells = (starts.reshape(batch, channels, *_only(axis, out_size[axis], n), *(1,) * n)
                 + np.arange(kernel[axis]).reshape(_only(axis, kernel[axis], n)))
        flat, stride = flat + cells * stride, stride * sizes[axis]
    flat = flat.reshape(batch, channels, *out_size, math.prod(kernel))

    planes = batched.reshape(batch, channels, stride)
    read = flat.reshape(batch, channels, math.prod(flat.shape[2:]))
    values = np.take_along_axis(planes.data, read, axis=-1).reshape(flat.shape)
    winner = _winner(values)[..., None]
    indices = np.take_along_axis(flat, winner, axis=-1)[..., 0]
    out = take_along_dim(planes, indices.reshape(batch, channels, math.prod(out_size)), -1)
    out = out.reshape(batch, channels, *out_size)
    if unbatched:
        out, indices = out.squeeze(0), indices[0]
    return (out, Tensor(indices)) if return_indices else out


def fractional_max_pool2d(input: Tensor, kernel_size: IntOrTuple,
                          output_size: IntOrTuple | None = None,
                          output_ratio: float | Sequence[float] | None = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None
                          ) -> Tensor | tuple[Tensor, Tensor]:
    """Max over kh x kw windows at pseudo-random steps, torch.nn.functional's
    fractional_max_pool2d: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW).

    Give exactly one of output_size (OH, OW) and output_ratio (rh, rw) in (0, 1), which
    means OH = int(H * rh); OH + kh - 1 <= H (columns likewise). Each plane (n, c) has a
    sample u[n, c] = (u_w, u_h) in [0, 1) (_random_samples (N, C, 2), else drawn from the
    library's generator) fixing its window starts (module docstring):

        out[n, c, i, j] = max_{a < kh, b < kw} x[n, c, start_h[i] + a, start_w[j] + b]

    The gradient goes to the first max in (h, w) order (the last NaN). With return_indices,
    also each max's flat index h * W + w into the H x W plane (int64), as torch.
    """
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: IntOrTuple,
                          output_size: IntOrTuple | None = None,
                          output_ratio: float | Sequence[float] | None = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None
                          ) -> Tensor | tuple[Tensor, Tensor]:
    """fractional_max_pool2d over kd x kh x kw boxes of volumes (N, C, D, H, W) or
    (C, D, H, W): samples (N, C, 3) = (u_d, u_h, u_w), indices d * H*W + h * W + w.

        out[n, c, i, j, l] = max_{a, b, e} x[n, c, start_d[i] + a, start_h[j] + b,
                                            start_w[l] + e]

    torch's 3-D kernel wants OD + kd - 1 < D (strictly; the 2-D one allows equality), and
    so does this (rows and columns likewise).
    """
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)
