"""Dropout: zero random elements (or whole channels) during training."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..random import generator


class Dropout(Function):
    """out = x * m / (1 - p) with m ~ Bernoulli(1 - p) drawn from the library's generator
    ("inverted" dropout: the 1/(1-p) keeps E[out] = x, so evaluation needs no rescaling).

    `mask_shape` is x's shape for dropout, or (N, C, 1, 1) for dropout2d (one draw per
    channel, broadcast over H and W). p = 1 drops everything: out = 0 (no 0/0).

    VJP: out = x * s with the constant s = m / (1 - p) (one value per element), so
         dL/dx = g * s = g * m / (1 - p)   (x's shape; the mask saved in forward, not a
         new draw).
    Saves s.
    """

    @staticmethod
    def forward(ctx, x, p, mask_shape):
        keep = generator().random(mask_shape, dtype=np.float32) >= p
        scale = keep * np.asarray(1 / (1 - p) if p < 1 else 0, dtype=x.dtype)
        ctx.save_for_backward(scale)
        return x * scale

    @staticmethod
    def backward(ctx, g):
        (scale,) = ctx.saved_tensors
        return g * scale
