"""torch.gradient: the derivative of sampled values, estimated by finite differences along
each dimension (numpy.gradient's formulas). Composed from slices, so it is differentiable.

With the samples f_i at points x_i, spacing h between them when uniform:
  inside   (f_(i+1) - f_(i-1)) / 2h                                  (central difference)
           non-uniform, hd = x_i - x_(i-1), hs = x_(i+1) - x_i:
           (hd^2 f_(i+1) + (hs^2 - hd^2) f_i - hs^2 f_(i-1)) / (hs hd (hd + hs))
  edges    edge_order=1: one-sided (f_1 - f_0) / h and (f_(n-1) - f_(n-2)) / h;
           edge_order=2: second order, (-3 f_0 + 4 f_1 - f_2) / 2h and mirrored
           (the weights of the quadratic through three points when non-uniform).
"""
from __future__ import annotations

from numbers import Number
from typing import Any, Sequence

import numpy as np

from .composed import cat
from .tensor import Tensor, _axis, _tensor


def gradient(input: Tensor, *, spacing: Any = 1, dim: int | Sequence[int] | None = None,
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """One tensor per dimension in `dim` (all by default): the estimated derivative along
    it. `spacing`: one number for every dim, one number per dim, or one 1-D tensor of
    sample coordinates per dim."""
    op = "gradient"
    x = _tensor(input)
    if x.dtype.kind != "f":
        x = x._as_float()
    dims = list(range(x.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [_axis(x, d, op) for d in dims]
    if edge_order not in (1, 2):
        raise ValueError(f"{op}: edge_order must be 1 or 2, got {edge_order}")
    steps = [spacing] * len(dims) if isinstance(spacing, Number) else list(spacing)
    if len(steps) != len(dims):
        raise ValueError(f"{op}: spacing gives {len(steps)} values for {len(dims)} dims")
    out = []
    for d, step in zip(dims, steps):
        if x.shape[d] < edge_order + 1:
            raise ValueError(f"{op}: each dim must have at least edge_order + 1 = "
                             f"{edge_order + 1} samples, dim {d} of shape {x.shape} has "
                             f"{x.shape[d]}")
        moved = x.movedim(d, 0)
        if isinstance(step, Number):
            derivative = _uniform(moved, float(step), edge_order)
        else:
            coordinates = _tensor(step)
            if coordinates.shape != (x.shape[d],):
                raise ValueError(f"{op}: the coordinates for dim {d} must have shape "
                                 f"({x.shape[d]},), got {coordinates.shape}")
            derivative = _nonuniform(moved, coordinates._as_float().data, edge_order)
        out.append(derivative.movedim(0, d))
    return tuple(out)


def _uniform(f: Tensor, h: float, edge_order: int) -> Tensor:
    inside = (f[2:] - f[:-2]) / (2 * h)
    if edge_order == 1:
        first, last = (f[1:2] - f[:1]) / h, (f[-1:] - f[-2:-1]) / h
    else:
        first = (-3 * f[:1] + 4 * f[1:2] - f[2:3]) / (2 * h)
        last = (3 * f[-1:] - 4 * f[-2:-1] + f[-3:-2]) / (2 * h)
    return cat([first, inside, last], 0)


def _nonuniform(f: Tensor, x: np.ndarray, edge_order: int) -> Tensor:
    column = (slice(None),) + (None,) * (f.ndim - 1)          # weights along dim 0
    hd, hs = (x[1:-1] - x[:-2])[column], (x[2:] - x[1:-1])[column]
    inside = (hd ** 2 * f[2:] + (hs ** 2 - hd ** 2) * f[1:-1] - hs ** 2 * f[:-2]) / (
        hs * hd * (hd + hs))
    if edge_order == 1:
        first = (f[1:2] - f[:1]) / (x[1] - x[0])
        last = (f[-1:] - f[-2:-1]) / (x[-1] - x[-2])
    else:
        d1, d2 = x[1] - x[0], x[2] - x[1]
        first = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * f[:1] + (d1 + d2) / (d1 * d2) * f[1:2]
                 - d1 / (d2 * (d1 + d2)) * f[2:3])
        d1, d2 = x[-2] - x[-3], x[-1] - x[-2]
        last = (d2 / (d1 * (d1 + d2)) * f[-3:-2] - (d1 + d2) / (d1 * d2) * f[-2:-1]
                + (2 * d2 + d1) / (d2 * (d1 + d2)) * f[-1:])
    return cat([first, inside, last], 0)   # (in the dtype f and x promote to, as torch)
