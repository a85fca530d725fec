"""`nn.Unfold` and `nn.Fold`: the modules of `F.unfold` (im2col) and `F.fold` (col2im)."""
from __future__ import annotations

from typing import Any

from tinygrad_edu import Tensor
from tinygrad_edu.shapes import int_pair
from tinygrad_edu.unfold import window_options

from . import functional as F
from .module import Module


class _Windows(Module):
    """The window options Unfold and Fold share, checked here, kept as given (as torch)."""

    def __init__(self, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> None:
        super().__init__()
        window_options(type(self).__name__, kernel_size, dilation, padding, stride)
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Unfold(_Windows):
    """Sliding windows as columns: (N, C, H, W) -> (N, C*kh*kw, L); see `F.unfold`."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__(kernel_size, dilation, padding, stride)

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


class Fold(_Windows):
    """Columns added back into an image: (N, C*kh*kw, L) -> (N, C, H, W); see `F.fold`."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__(kernel_size, dilation, padding, stride)
        int_pair(output_size, "output_size", type(self).__name__, 1)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()
