"""`nn.FractionalMaxPool2d` and `nn.FractionalMaxPool3d`: modules of
F.fractional_max_pool2d / 3d (tinygrad_edu/fractional_pool.py, where the windows are
explained)."""
from __future__ import annotations

from typing import Any

from tinygrad_edu import Tensor
from tinygrad_edu.fractional_pool import (check_options, fractional_max_pool2d,
                                          fractional_max_pool3d)

from .module import Module


class _FractionalMaxPool(Module):
    """What both ranks keep, as torch: kernel_size and output_size or output_ratio as
    n-tuples (checked here, at construction), return_indices, and the buffer
    `_random_samples` (None: every call draws new windows)."""

    n: int
    functional: Any

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        self.kernel_size, self.output_size, self.output_ratio = check_options(
            type(self).__name__, self.n, kernel_size, output_size, output_ratio)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return self.functional(input, self.kernel_size, self.output_size, self.output_ratio,
                               self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPool):
    """Max over kh x kw windows at pseudo-random steps (Graham's fractional max pooling),
    (N, C, H, W) -> (N, C, OH, OW): give exactly one of output_size and output_ratio."""

    n = 2
    functional = staticmethod(fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPool):
    """FractionalMaxPool2d over kd x kh x kw boxes of volumes (N, C, D, H, W)."""

    n = 3
    functional = staticmethod(fractional_max_pool3d)
