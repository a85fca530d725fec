"""Max-unpooling (the partial inverse of a max-pool, SegNet's decoder) and power-average
pooling, as torch's F.max_unpool1d/2d/3d, F.lp_pool1d/2d/3d and their modules. Composed from
scatter and avg_pool, so gradients of any order come from the engine."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.cnn import _float_operands, avg_pool2d, floating_input, max_pool2d, pool_options
from tinygrad_edu.cnn1d import avg_pool1d, max_pool1d
from tinygrad_edu.cnn3d import avg_pool3d, max_pool3d
from tinygrad_edu.shapes import int_tuple
from tinygrad_edu.tensor import _tensor

from .module import Module


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Put each value of input (N, C, H, W) back where max_pool2d(..., return_indices=True)
    found it, zeros elsewhere: out.view(N, C, -1)[n, c, indices[n, c, i, j]] = input[n, c,
    i, j]. The output is (H - 1) * stride - 2 * padding + kernel_size per axis, or
    output_size (within a stride of that, as torch). Gradient: g gathered at the indices
    for the elements written. Where an index repeats (overlapping pooling windows found
    the same max twice), one copy is kept and only it gets the gradient, as finite
    differences say; torch sends g to every copy."""
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding,
                       output_size, 2)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """max_unpool2d for (N, C, L) signals and max_pool1d's indices."""
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding,
                       output_size, 1)


def _max_unpool(op: str, input: Tensor, indices: Tensor, kernel_size: Any, stride: Any,
                padding: Any, output_size: Any, n: int) -> Tensor:
    x, indices = _tensor(input), _tensor(indices)
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{op}: expected a {n + 1}-D or {n + 2}-D input, got shape {x.shape}")
    if indices.shape != x.shape or indices.dtype.kind not in "iu":
        raise ValueError(f"{op}: indices must be integers of the input's shape {x.shape}, "
                         f"got {indices.dtype} of shape {indices.shape}")
    kernel = int_tuple(kernel_size, n, "kernel_size", op, 1)
    strides = kernel if stride is None else int_tuple(stride, n, "stride", op, 1)
    pads = int_tuple(padding, n, "padding", op, 0)
    sizes = _unpooled_size(op, x.shape[-n:], kernel, strides, pads, output_size)
    planes = x.shape[:-n]
    area = int(np.prod(sizes))
    flat_indices = indices.data.reshape(*planes, -1)
    if flat_indices.size and (flat_indices.min() < 0 or flat_indices.max() >= area):
        raise ValueError(f"{op}: found an index outside the output of size "
                         f"{tuple(sizes)} (indices must lie in [0, {area}))")
    zeros = tg.zeros(*planes, area, dtype=x.dtype)
    out = zeros.scatter(-1, Tensor(flat_indices), x.reshape(*planes, -1))
    return out.reshape(*planes, *sizes)


def _unpooled_size(op: str, in_sizes: tuple, kernel: tuple, strides: tuple, pads: tuple,
                   output_size: Any) -> tuple:
    default = tuple((i - 1) * s - 2 * p + k
                    for i, s, p, k in zip(in_sizes, strides, pads, kernel))
    if output_size is None:
        return default
    n = len(kernel)
    wanted = tuple(int(v) for v in output_size)
    if len(wanted) == n + 2:
        wanted = wanted[2:]
    if len(wanted) != n:
        raise ValueError(f"{op}: output_size must have {n} entries (or the whole shape), "
                         f"got {list(output_size)}")
    for d, (w, low, s) in enumerate(zip(wanted, default, strides)):
        if not low - s < w < low + s:
            raise ValueError(f"{op}: invalid output_size {list(output_size)} (dim {d} must be "
                             f"between {low - s} and {low + s}, exclusive)")
    return wanted


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: (sum over each window of x^p)^(1/p), as torch: p = 1 is sum
    pooling, p -> inf tends to max pooling. Computed as torch does, (k * avg_pool(x^p))^(1/p)
    with k the window's size (so a window summing to a negative value gives nan for
    fractional 1/p, as torch); p = inf gives max |x| and p = -inf min |x|, as torch."""
    return _lp_pool(avg_pool2d, max_pool2d, input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """lp_pool2d for (N, C, L) signals."""
    return _lp_pool(avg_pool1d, max_pool1d, input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over kd x kh x kw boxes, torch.nn.functional.lp_pool3d:
    (sum over each box of x^p)^(1/p), computed as torch, (kd*kh*kw * avg_pool3d(x^p))^(1/p)
    (see nn.unpool.lp_pool2d); p = inf gives max |x| and p = -inf min |x|, as torch."""
    return _lp_pool(avg_pool3d, max_pool3d, input, norm_type, kernel_size, stride, ceil_mode, 3)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Put each value of input (N, C, D, H, W) back where max_pool3d(...,
    return_indices=True) found it, zeros elsewhere, as torch.nn.functional.max_unpool3d:
    out.view(N, C, -1)[n, c, indices[n, c, i, j, l]] = input[n, c, i, j, l]. The output
    is (D - 1) * stride - 2 * padding + kernel_size per axis, or output_size (within a
    stride of that). The gradient is g gathered at the indices (see nn.unpool)."""
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding,
                       output_size, 3)


def _lp_pool(avg_pool: Any, max_pool: Any, input: Tensor, norm_type: float, kernel_size: Any,
             stride: Any, ceil_mode: bool, n: int) -> Tensor:
    op = f"lp_pool{n}d"                              # (checked here: errors name lp_pool)
    (x,) = _float_operands(op, input, bools=True)    # (integers and bools: float32, as torch)
    x = floating_input(op, x, (n + 1, n + 2), f"{n + 1}-D or {n + 2}-D")
    kernel = pool_options(op, x, kernel_size, stride, 0, 1, ceil_mode, n)[0]["kernel_size"]
    if norm_type == 0:
        raise ValueError(f"{op}: norm_type must be nonzero (the result is a power 1 / "
                         f"norm_type of the sum), got {norm_type}")
    if math.isinf(norm_type):                  # the limits: max |x|, and min |x| for -inf
        sign = 1 if norm_type > 0 else -1
        return sign * max_pool(sign * x.abs(), kernel_size, stride, ceil_mode=ceil_mode)
    mean = avg_pool(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (mean.sign() * mean.abs().relu() * int(np.prod(kernel))).pow(1.0 / norm_type)


class _MaxUnpool(Module):
    """What the MaxUnpool modules keep: kernel_size, stride and padding as `spatial`-tuples;
    forward(input, indices, output_size=None) calls `functional`."""

    spatial: int
    functional: Any

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        op, n = type(self).__name__, self.spatial
        self.kernel_size = int_tuple(kernel_size, n, "kernel_size", op, 1)
        self.stride = self.kernel_size if stride is None else int_tuple(stride, n, "stride",
                                                                          op, 1)
        self.padding = int_tuple(padding, n, "padding", op, 0)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return self.functional(input, indices, self.kernel_size, self.stride, self.padding,
                               output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpool):
    """The module of max_unpool1d."""

    spatial, functional = 1, staticmethod(max_unpool1d)


class MaxUnpool2d(_MaxUnpool):
    """The module of max_unpool2d."""

    spatial, functional = 2, staticmethod(max_unpool2d)


class MaxUnpool3d(_MaxUnpool):
    """The module of max_unpool3d."""

    spatial, functional = 3, staticmethod(max_unpool3d)


class _LPPool(Module):
    """What the LPPool modules keep (as given, as torch); forward calls `functional`."""

    functional: Any

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return self.functional(input, self.norm_type, self.kernel_size, self.stride,
                               self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    """The module of lp_pool1d."""

    functional = staticmethod(lp_pool1d)


class LPPool2d(_LPPool):
    """The module of lp_pool2d."""

    functional = staticmethod(lp_pool2d)


class LPPool3d(_LPPool):
    """The module of lp_pool3d."""

    functional = staticmethod(lp_pool3d)
