"""The 1-D layers: Conv1d, ConvTranspose1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d,
AdaptiveMaxPool1d and Dropout1d (BatchNorm1d is in normalization.py), thin Modules over
`tinygrad_edu.cnn1d` on signals (N, C, L) or unbatched (C, L).

Parameters, initialisation and reprs are torch's: weights kaiming_uniform_(a=sqrt(5)),
biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn weight first from the seeded generator.
The convolutions share layers._ConvNd (with `spatial = 1`), MaxPool1d shares
layers._MaxPoolNd with MaxPool2d, the adaptive pools resample._AdaptivePool with theirs.
"""
from __future__ import annotations

from typing import Any

from tinygrad_edu import Tensor
from tinygrad_edu.shapes import int_tuple
from tinygrad_edu.cnn1d import (adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d,
                                 conv1d, conv_transpose1d, dropout1d, max_pool1d)

from .layers import Dropout, _Conv, _ConvTranspose, _MaxPoolNd
from .module import Module
from .resample import _AdaptiveMaxPool, _AdaptivePool


class Conv1d(_Conv):
    """1-D convolution (cross-correlation) over (N, C, L); weight (out, in/groups, k).
    padding_mode as Conv2d's: F.pad(input, (left, right), mode), then padding 0."""

    spatial = 1
    functional = staticmethod(conv1d)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution (the adjoint of Conv1d); weight (in, out/groups, k)."""

    spatial = 1
    functional = staticmethod(conv_transpose1d)


class MaxPool1d(_MaxPoolNd):
    """Max over windows of kernel_size cells of (N, C, L) or (C, L)."""

    functional = staticmethod(max_pool1d)


class AvgPool1d(Module):
    """Mean over windows of kernel_size cells (stride defaults to kernel_size); the sizes
    are kept as 1-tuples, as torch."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = int_tuple(kernel_size, 1, "kernel_size", name, 1)
        self.stride = (self.kernel_size if stride is None
                       else int_tuple(stride, 1, "stride", name, 1))
        self.padding = int_tuple(padding, 1, "padding", name, 0)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _check_length(op: str, output_size: Any) -> None:
    int_tuple(output_size, 1, "output_size", op, 0)


class AdaptiveAvgPool1d(_AdaptivePool):
    """Mean over adaptive bins to a fixed output length (an int or (int,), kept as given)."""

    check_size, functional = staticmethod(_check_length), staticmethod(adaptive_avg_pool1d)


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """Max over adaptive bins; with return_indices also the position of each max."""

    check_size, functional = staticmethod(_check_length), staticmethod(adaptive_max_pool1d)


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) or (C, L) with probability p while training, scale
    the rest by 1/(1-p)."""

    functional = staticmethod(dropout1d)
