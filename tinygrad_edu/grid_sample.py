"""affine_grid and grid_sample, as torch.nn.functional (the spatial transformer): sample an
image (or a volume: NeRF's voxel grids) at arbitrary points, so that a network can learn
where to look.

Coordinates are normalized: -1 and 1 are the image's edges (align_corners=False: the outer
edges of the corner pixels; True: their centres). Both functions are composed: the grid is
a matmul of the base grid with theta, and bilinear sampling is a weighted sum of the four
neighbours (eight for a volume), gathered with constant indices, so the gradient reaches
the input (through the gathers) and the grid (through the weights, which are linear in the
coordinates). Bicubic sampling weighs the 4 x 4 neighbours with the cubic convolution
weights of interpolate(mode='bicubic'), cubic in the coordinates.
"""
from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from .composed import stack
from .dtypes import check_bool
from .resample import cubic_weights
from .tensor import Tensor, _tensor


def _base_coordinates(n: int, align_corners: bool) -> np.ndarray:
    """The normalized coordinates of n pixel centres along one axis."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (2 * np.arange(n) + 1) / n - 1


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool = False) -> Tensor:
    """The sampling grid of an affine map for an output of `size`: (N, H, W, 2) from theta
    (N, 2, 3) for size (N, C, H, W), grid[n, i, j] = theta[n] @ (x_j, y_i, 1); (N, D, H,
    W, 3) from theta (N, 3, 4) for size (N, C, D, H, W), with (x, y, z, 1). x, y, z are
    the normalized coordinates of the output's voxel centres. Differentiable in theta."""
    theta = _tensor(theta)
    if align_corners is not None:                      # (None is False, as torch)
        check_bool("affine_grid", "align_corners", align_corners)
    if theta.dtype.kind != "f":
        raise TypeError(f"affine_grid: theta must be floating point, got {theta.dtype}")
    k = len(size) - 2                                  # spatial dims: 2 or 3
    if k not in (2, 3) or theta.ndim != 3 or theta.shape[1:] != (k, k + 1) or (
            theta.shape[0] != size[0]) or min(size) < 1:
        raise ValueError(f"affine_grid: expected theta (N, 2, 3) with size (N, C, H, W), or "
                         f"theta (N, 3, 4) with size (N, C, D, H, W), the same N; got theta "
                         f"{theta.shape} and size {tuple(size)}")
    spatial = tuple(size[2:])
    axes = [_base_coordinates(n, align_corners) for n in spatial]      # (z,) y, x
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack([*mesh[::-1], np.ones(spatial)], axis=-1).reshape(-1, k + 1)
    grid = Tensor(base.astype(theta.dtype)) @ theta.mT              # (N, voxels, k)
    return grid.reshape(size[0], *spatial, k)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """out[n, c, i, j] = input[n, c] read at the point grid[n, i, j] = (x, y), for input
    (N, C, H, W) and grid (N, H_out, W_out, 2); for a volume (N, C, D, H, W) and grid
    (N, D_out, H_out, W_out, 3) the points are (x, y, z). 'bilinear' (trilinear for
    volumes) weights the 2^k neighbouring pixels by their nearness, 'nearest' takes the
    closest (no gradient for the grid), 'bicubic' (images only) weights the 4 x 4 pixels
    around the point (x_p, y_p) in pixels by w_i(x_p - floor(x_p)) w_j(y_p - floor(y_p)),
    the cubic convolution weights of interpolate(mode='bicubic'). padding_mode 'zeros'
    reads 0 outside the image, 'border' the nearest edge pixel, 'reflection' the image
    mirrored at its edges; bilinear and nearest move the point into the image, bicubic
    (as torch) keeps the point and moves each of its 16 pixels.
    align_corners=None is False, as torch (which warns)."""
    op = "grid_sample"
    x, grid = _tensor(input), _tensor(grid)
    if mode not in ("bilinear", "nearest", "bicubic") or padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: supported are mode 'bilinear', 'nearest' or 'bicubic' and "
                         f"padding_mode 'zeros', 'border' or 'reflection', got {mode!r} and "
                         f"{padding_mode!r}")
    k = x.ndim - 2
    if k not in (2, 3) or grid.ndim != x.ndim or grid.shape[-1] != k or \
            grid.shape[0] != x.shape[0]:
        raise ValueError(f"{op}: expected input (N, C, H, W) with grid (N, H_out, W_out, 2), "
                         f"or input (N, C, D, H, W) with grid (N, D_out, H_out, W_out, 3), "
                         f"the same N; got {x.shape} and {grid.shape}")
    if mode == "bicubic" and k != 2:
        raise ValueError(f"{op}: mode 'bicubic' supports only 4-D input (N, C, H, W), got "
                         f"input {x.shape}")
    if x.dtype.kind != "f" or grid.dtype != x.dtype:
        raise TypeError(f"{op}: input and grid must have one floating point dtype, got "
                        f"{x.dtype} and {grid.dtype}")
    align_corners = align_corners is not None and check_bool(op, "align_corners", align_corners)
    # pixel coordinates along the input's axes (D,) H, W: the grid lists them as (x, y, z)
    finite = np.isfinite(grid.data).all(axis=-1)    # torch's volumes read 0 at a nan or inf
    if k == 3 and padding_mode == "zeros" and not finite.all():    # point (its 2-D: nan)
        grid = grid.where(finite[..., None], -3.0)                 # (far outside)
    if mode == "bicubic":
        return _bicubic(x, grid, align_corners, padding_mode)
    at = [_pixel_coordinate(grid[..., k - 1 - axis], n, align_corners, padding_mode)
          for axis, n in enumerate(x.shape[2:])]
    batch = np.arange(x.shape[0]).reshape(-1, *(1,) * k)
    if mode == "nearest":                    # torch rounds half to even, as np.rint
        return _read(x, batch, [np.rint(c.data) for c in at])
    low = [np.floor(c.data) for c in at]
    upper_weights = [c - f for c, f in zip(at, low)]          # linear in the grid
    out = 0
    for corner in itertools.product((0, 1), repeat=k):        # the 2^k neighbours
        weight = 1
        for up, w in zip(corner, upper_weights):
            weight = weight * (w if up else 1 - w)
        out = out + _read(x, batch, [f + up for f, up in zip(low, corner)]) * weight.unsqueeze(1)
    return out


PADDING_MODES = ("zeros", "border", "reflection")


def _unnormalized(normalized: Tensor, n: int, align_corners: bool) -> Tensor:
    """A normalized coordinate as a pixel coordinate: -1..1 to 0..n-1 (align_corners) or
    to -0.5..n-0.5."""
    return (normalized + 1) / 2 * (n - 1) if align_corners else ((normalized + 1) * n - 1) / 2


def _pixel_coordinate(normalized: Tensor, n: int, align_corners: bool,
                      padding_mode: str) -> Tensor:
    """The pixel coordinate of a normalized one, padded: _padded(_unnormalized(...))."""
    return _padded(_unnormalized(normalized, n, align_corners), n, align_corners, padding_mode)


def _padded(pixel: Tensor, n: int, align_corners: bool, padding_mode: str) -> Tensor:
    """A pixel coordinate moved into the image: 'border' clamps it (gradient 0 outside,
    as torch); 'reflection' mirrors it at the edges (-1 and 1) first, then clamps;
    'zeros' leaves it (_read gives 0 outside)."""
    if padding_mode == "reflection":
        low, high = (0.0, n - 1.0) if align_corners else (-0.5, n - 0.5)
        pixel = _reflected(pixel, low, high)
    if padding_mode == "zeros":
        return pixel
    inside = (pixel.data > 0) & (pixel.data < n - 1)        # as torch: no gradient at or
    return pixel.where(inside, np.clip(np.nan_to_num(pixel.data), 0, n - 1))   # past an edge


def _bicubic(x: Tensor, grid: Tensor, align_corners: bool, padding_mode: str) -> Tensor:
    """out[n, c, i, j] = sum_{a, b < 4} wy_a wx_b x[n, c, row_a, col_b]: the 4 x 4 pixels
    around the point, gathered at once as (N, C, H_out, W_out, 4, 4) and weighted by the
    outer product of the cubic weights along y and x (see _cubic_taps)."""
    rows, wy = _cubic_taps(grid[..., 1], x.shape[2], align_corners, padding_mode)
    cols, wx = _cubic_taps(grid[..., 0], x.shape[3], align_corners, padding_mode)
    batch = np.arange(x.shape[0]).reshape(-1, 1, 1, 1, 1)
    pixels = _read(x, batch, np.broadcast_arrays(rows[..., :, None], cols[..., None, :]))
    weight = wy.unsqueeze(-1) * wx.unsqueeze(-2)                   # (N, H_out, W_out, 4, 4)
    return (pixels * weight.unsqueeze(1)).sum((-2, -1))


def _cubic_taps(normalized: Tensor, n: int, align_corners: bool, padding_mode: str) -> tuple:
    """(indices, weights), each (..., 4): the four pixels floor(p) - 1 + k (k = 0..3)
    around the pixel coordinate p along one axis, and the cubic convolution weights of
    t = p - floor(p) (cubic in the grid). As torch, p itself is not padded: each index
    is (mirrored and) clamped into the image, or with 'zeros' left to read 0 outside."""
    pixel = _unnormalized(normalized, n, align_corners)
    start = np.floor(pixel.data)
    neighbours = start[..., None] + np.arange(-1, 3, dtype=start.dtype)   # as torch, in x's dtype
    indices = _padded(Tensor(neighbours), n, align_corners, padding_mode).data
    return indices, stack(cubic_weights(pixel - start), -1)


def _reflected(x: Tensor, low: float, high: float) -> Tensor:
    """x folded into [low, high] by mirroring at both ends (slope +1 or -1)."""
    span = high - low
    if span <= 0:
        return x * 0 + low
    distance = (x - low).abs()
    flips = np.floor(distance.data / span)                    # whole spans travelled
    inside = distance - flips * span
    return (inside + low).where(flips % 2 == 0, high - inside)


def _read(x: Tensor, batch: np.ndarray, coordinates: list) -> Tensor:
    """x[n, :, *coordinates] as (N, C, *out), out the coordinates' shape, 0 where the
    point is outside the image."""
    spatial = x.shape[2:]
    inside = np.ones(coordinates[0].shape, bool)
    index = []
    for c, n in zip(coordinates, spatial):
        inside &= (c >= 0) & (c < n)                          # (nan: outside)
        index.append(np.clip(np.nan_to_num(c), 0, n - 1).astype(np.int64))
    channels_last = x.permute(0, *range(2, x.ndim), 1)
    values = channels_last[(batch, *index)]                   # (N, *out, C)
    masked = values.where(inside[..., None], 0.0)     # (not a product: an inf pixel or a
    return masked.movedim(-1, 1)                       # nan weight would give 0 * inf = nan)
