"""More normalizations of `torch.nn.functional`: instance_norm, rms_norm and
local_response_norm, composed from differentiable Tensor ops (the gradient flows through
the statistics computed from the input; running statistics are constants)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from tinygrad_edu import Tensor, avg_pool2d, pad
from tinygrad_edu.cnn import _float_operands
from tinygrad_edu.dtypes import check_bool

from .functional_more import (_floating, _matching, _move_running_stats, _normalized_shape,
                              _standardized)

__all__ = ["instance_norm", "rms_norm", "local_response_norm"]


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample of (N, C, *) input over its positions:

        out[n, c] = (x[n, c] - mean[n, c]) / sqrt(var[n, c] + eps) * weight[c] + bias[c]

    with the biased variance. With use_input_stats (the default) the statistics come
    from the input and, when running_mean and running_var are given, these move towards
    the batch average of each sample's mean and unbiased variance, in place:
    running = (1 - momentum) running + momentum stat (torch's rule). Without it the
    running statistics are used, as batch_norm in evaluation.
    """
    op = "instance_norm"
    x = _floating(op, input)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, *), got {tuple(x.shape)}")
    channels = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _matching(op, name, t, (channels,), x,
                  x.dtype if name in ("weight", "bias") else None)
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{op}: running_mean and running_var must both be given or both be "
                         "None (as torch)")
    per_channel = (channels,) + (1,) * (x.ndim - 2)
    if not check_bool(op, "use_input_stats", use_input_stats):
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: use_input_stats=False needs running_mean and running_var")
        centered = x - running_mean.detach().to(x.dtype).reshape(*per_channel)
        out = centered / (running_var.detach().to(x.dtype).reshape(*per_channel) + eps).sqrt()
    else:
        out = _input_normalized(op, x, running_mean, running_var, momentum, eps)
    if weight is not None:
        out = out * weight.reshape(*per_channel)
    return out if bias is None else out + bias.reshape(*per_channel)


def _input_normalized(op: str, x: Tensor, running_mean: Tensor | None,
                      running_var: Tensor | None, momentum: float, eps: float) -> Tensor:
    """instance_norm with the input's statistics; updates the running ones when given."""
    if math.prod(x.shape[2:]) == 1:
        raise ValueError(f"{op}: expected more than 1 spatial element when training, got "
                         f"input of shape {tuple(x.shape)}")
    axes = tuple(range(2, x.ndim))
    if running_mean is not None and running_var is not None and x.numel():
        # (no positions: the running statistics stay, as torch)
        _move_running_stats(running_mean, running_var, x.data.mean(axis=axes).mean(0),
                            x.data.var(axis=axes, ddof=1).mean(0), momentum)
    return _standardized(x, axes, eps)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation over the last len(normalized_shape) axes:

        out = x / sqrt(mean(x^2) + eps) * weight

    (no centring, no bias). eps=None is the machine epsilon of the input's dtype, as torch.
    The result has the input's dtype; float16 is computed in float32 (x^2 over 256 would
    overflow).
    """
    op = "rms_norm"
    x = _floating(op, input)
    shape = _normalized_shape(op, x, normalized_shape)
    _matching(op, "weight", weight, shape, x)
    eps = float(np.finfo(x.dtype).eps) if eps is None else eps
    if x.numel() == 0:                   # (no mean to take: the empty result, as torch)
        return (x if weight is None else x * weight).to(x.dtype)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    wide = x.float() if x.dtype == np.float16 else x
    out = wide / ((wide * wide).mean(axes, keepdim=True) + eps).sqrt()
    return (out if weight is None else out * weight).to(x.dtype)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """AlexNet's normalisation across channels (axis 1 of (N, C, *) input):

        out[:, c] = x[:, c] / (k + alpha / size * sum_(c' in window(c)) x[:, c']^2)^beta

    window(c) = c - size // 2 ... c + (size - 1) // 2, channels outside [0, C) counting
    as 0 (the sum is an average pool over zero-padded channels, divided by `size` always).
    """
    op = "local_response_norm"
    (x,) = _float_operands(op, input)              # (integers: float32)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of shape (N, C, *) with at least 3 "
                         f"dimensions, got {tuple(x.shape)}")
    if size <= 0:
        raise ValueError(f"{op}: size must be positive, got {size}")
    if x.numel() == 0:
        return x
    n, channels = x.shape[:2]
    squares = pad((x * x).reshape(n, 1, channels, -1), (0, 0, size // 2, (size - 1) // 2))
    window_mean = avg_pool2d(squares, (size, 1), stride=1).reshape(*x.shape)
    return x / (window_mean * alpha + k) ** beta
