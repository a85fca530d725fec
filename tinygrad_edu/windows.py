"""Window functions for spectral analysis (torch.hann_window, ...): constants (they never
require grad unless asked), computed in float64 and rounded once to the dtype.

For a window of length L, n = 0 .. L-1 and N = L + 1 when periodic (the default: the
window of length L + 1 without its last point, for a DFT of size L), else N = L:
  hann      0.5 - 0.5 cos(2 pi n / (N - 1))
  hamming   alpha - beta cos(2 pi n / (N - 1))            (alpha 0.54, beta 0.46)
  blackman  0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))
  bartlett  1 - |2 n / (N - 1) - 1|
  kaiser    I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta)   (beta 12)
A window of length 1 is [1], of length 0 empty, as torch.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .creation import _float
from .tensor import Tensor, _integer


def _window(name: str, shape: Callable[[np.ndarray, int], np.ndarray]) -> Callable:
    def window(window_length: int, periodic: bool = True, *parameters: float,
               dtype: Any = None, requires_grad: bool = False, **options: float) -> Tensor:
        length = _integer(window_length, "window_length", name)
        if length < 0:
            raise ValueError(f"{name}: window_length must be non-negative, got {length}")
        if length <= 1:
            values = np.ones(length)
        else:
            n = np.arange(length, dtype=np.float64)
            values = shape(n, length + 1 if periodic else length, *parameters, **options)
        return Tensor(values.astype(_float(dtype)), requires_grad=requires_grad)
    window.__name__ = window.__qualname__ = name
    window.__doc__ = f"torch.{name} (see tinygrad_edu.windows for the formula)."
    return window


def _cosines(*coefficients: float) -> Callable:
    def shape(n: np.ndarray, N: int) -> np.ndarray:
        x = 2 * np.pi * n / (N - 1)
        return sum((-1) ** k * a * np.cos(k * x) for k, a in enumerate(coefficients))
    return shape


def _hamming(n: np.ndarray, N: int, alpha: float = 0.54, beta: float = 0.46) -> np.ndarray:
    return alpha - beta * np.cos(2 * np.pi * n / (N - 1))


def _bartlett(n: np.ndarray, N: int) -> np.ndarray:
    return 1 - np.abs(2 * n / (N - 1) - 1)


def _kaiser(n: np.ndarray, N: int, beta: float = 12.0) -> np.ndarray:
    ratio = 2 * n / (N - 1) - 1
    return np.i0(beta * np.sqrt(np.maximum(1 - ratio * ratio, 0))) / np.i0(beta)


hann_window = _window("hann_window", _cosines(0.5, 0.5))
hamming_window = _window("hamming_window", _hamming)
blackman_window = _window("blackman_window", _cosines(0.42, 0.5, 0.08))
bartlett_window = _window("bartlett_window", _bartlett)
kaiser_window = _window("kaiser_window", _kaiser)
