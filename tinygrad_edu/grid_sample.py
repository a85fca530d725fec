"""affine_grid and grid_sample, as torch.nn.functional (the spatial transformer): sample an
image at arbitrary points, so that a network can learn where to look.

Coordinates are normalized: -1 and 1 are the image's edges (align_corners=False: the outer
edges of the corner pixels; True: their centres). Both functions are composed: the grid is
a matmul of the base grid with theta, and bilinear sampling is a weighted sum of the four
neighbours, gathered with constant indices, so the gradient reaches the input (through the
gathers) and the grid (through the weights, which are linear in the coordinates).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .tensor import Tensor, _tensor


def _base_coordinates(n: int, align_corners: bool) -> np.ndarray:
    """The normalized coordinates of n pixel centres along one axis."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (2 * np.arange(n) + 1) / n - 1


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool = False) -> Tensor:
    """The sampling grid (N, H, W, 2) of an affine map theta (N, 2, 3) for an output of
    size (N, C, H, W): grid[n, i, j] = theta[n] @ (x_j, y_i, 1), x and y the normalized
    coordinates of the output's pixel centres. Differentiable in theta."""
    theta = _tensor(theta)
    if theta.dtype.kind != "f":
        raise TypeError(f"affine_grid: theta must be floating point, got {theta.dtype}")
    if len(size) != 4 or theta.ndim != 3 or theta.shape[1:] != (2, 3) or (
            theta.shape[0] != size[0]) or min(size) < 1:
        raise ValueError(f"affine_grid: expected theta (N, 2, 3) and size (N, C, H, W) with the "
                         f"same N, got theta {theta.shape} and size {tuple(size)}")
    _, _, height, width = size
    x = _base_coordinates(width, align_corners)
    y = _base_coordinates(height, align_corners)
    base = np.stack([np.broadcast_to(x, (height, width)),
                     np.broadcast_to(y[:, None], (height, width)),
                     np.ones((height, width))], axis=-1).reshape(-1, 3)
    grid = Tensor(base.astype(theta.dtype)) @ theta.mT              # (N, H * W, 2)
    return grid.reshape(size[0], height, width, 2)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """out[n, c, i, j] = input[n, c] read at the point grid[n, i, j] = (x, y), for input
    (N, C, H, W) and grid (N, H_out, W_out, 2): 'bilinear' weights the four neighbouring
    pixels by their nearness, 'nearest' takes the closest (no gradient for the grid).
    padding_mode 'zeros' reads 0 outside the image, 'border' the nearest edge pixel,
    'reflection' the image mirrored at its edges.
    align_corners=None is False, as torch (which warns)."""
    op = "grid_sample"
    x, grid = _tensor(input), _tensor(grid)
    if mode not in ("bilinear", "nearest") or padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: supported are mode 'bilinear' or 'nearest' and padding_mode "
                         f"'zeros', 'border' or 'reflection', got {mode!r} and "
                         f"{padding_mode!r}")
    if x.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != x.shape[0]:
        raise ValueError(f"{op}: expected input (N, C, H, W) and grid (N, H_out, W_out, 2) "
                         f"with the same N, got {x.shape} and {grid.shape}")
    if x.dtype.kind != "f" or grid.dtype != x.dtype:
        raise TypeError(f"{op}: input and grid must have one floating point dtype, got "
                        f"{x.dtype} and {grid.dtype}")
    height, width = x.shape[2:]
    ix = _pixel_coordinate(grid[..., 0], width, bool(align_corners), padding_mode)
    iy = _pixel_coordinate(grid[..., 1], height, bool(align_corners), padding_mode)
    batch = np.arange(x.shape[0])[:, None, None]
    if mode == "nearest":                    # torch rounds half to even, as np.rint
        return _read(x, batch, np.rint(iy.data), np.rint(ix.data))
    x0, y0 = np.floor(ix.data), np.floor(iy.data)
    wx1, wy1 = ix - x0, iy - y0                               # weights, linear in the grid
    out = 0
    for dy, wy in ((0, 1 - wy1), (1, wy1)):
        for dx, wx in ((0, 1 - wx1), (1, wx1)):
            out = out + _read(x, batch, y0 + dy, x0 + dx) * (wy * wx).unsqueeze(1)
    return out


PADDING_MODES = ("zeros", "border", "reflection")


def _pixel_coordinate(normalized: Tensor, n: int, align_corners: bool,
                      padding_mode: str) -> Tensor:
    """A normalized coordinate as a pixel coordinate: -1..1 to 0..n-1 (align_corners) or
    to -0.5..n-0.5; 'border' clamps it into the image (gradient 0 outside, as torch);
    'reflection' mirrors it at the edges (-1 and 1) first, then clamps."""
    pixel = (normalized + 1) / 2 * (n - 1) if align_corners else ((normalized + 1) * n - 1) / 2
    if padding_mode == "reflection":
        low, high = (0.0, n - 1.0) if align_corners else (-0.5, n - 0.5)
        pixel = _reflected(pixel, low, high)
    if padding_mode == "zeros":
        return pixel
    inside = (pixel.data > 0) & (pixel.data < n - 1)        # as torch: no gradient at or
    return pixel.where(inside, np.clip(np.nan_to_num(pixel.data), 0, n - 1))   # past an edge


def _reflected(x: Tensor, low: float, high: float) -> Tensor:
    """x folded into [low, high] by mirroring at both ends (slope +1 or -1)."""
    span = high - low
    if span <= 0:
        return x * 0 + low
    distance = (x - low).abs()
    flips = np.floor(distance.data / span)                    # whole spans travelled
    inside = distance - flips * span
    return (inside + low).where(flips % 2 == 0, high - inside)


def _read(x: Tensor, batch: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> Tensor:
    """x[n, :, rows, cols] as (N, C, H_out, W_out), 0 where the pixel is outside the image."""
    height, width = x.shape[2:]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)   # (nan: outside)
    r = np.clip(np.nan_to_num(rows), 0, height - 1).astype(np.int64)
    c = np.clip(np.nan_to_num(cols), 0, width - 1).astype(np.int64)
    values = x.permute(0, 2, 3, 1)[batch, r, c]              # (N, H_out, W_out, C)
    return (values * Tensor(inside[..., None].astype(x.dtype))).permute(0, 3, 1, 2)
