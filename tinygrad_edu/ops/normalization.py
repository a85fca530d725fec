"""Standardizing over axes, the core of layer, group and instance normalisation, as one
primitive with a hand-derived VJP. (Composed, it recorded ten ops, each a pass over the
activations in forward and again in backward: LayerNorm(512) took 4-8x torch's time.)"""
from __future__ import annotations

import numpy as np

from .. import grad_mode
from ..function import Function
from .reduce import summed


class Standardize(Function):
    """out = (x - mean) * rstd over `axes`, with rstd = 1 / sqrt(var + eps) and var the
    biased variance (1/n) sum (x - mean)^2; n is the number of elements averaged.

    VJP: dL/dx = rstd * (g - mean(g) - out * mean(g * out)), the means over `axes`.

    Derivation: x_j moves out_i along three paths: directly (rstd [i = j]), through the
    mean (-rstd / n) and through rstd (d rstd / d x_j = -rstd^2 out_j / n, times
    x_i - mean); summed against g, that is the rule above.

    Saves out and rstd. With create_graph both are recomputed from x as Tensors, so the
    VJP differentiates again (second derivatives of layer norm).
    """

    @staticmethod
    def forward(ctx, x, axes, eps):
        if x.size == 0:                           # nothing to average (an empty batch or
            return x.copy()                       # axis): an empty result, as torch
        centered = x - summed(x, axes, True, mean=True)
        centered -= summed(centered, axes, True, mean=True)   # the mean's rounding error
        var = summed(centered * centered, axes, True, mean=True)
        rstd = (1 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        out = centered * rstd
        ctx.save_for_backward(out, rstd)
        return out

    @staticmethod
    def backward(ctx, g):
        axes = ctx.options["axes"]
        if g.numel() == 0:                        # (an empty result: nothing flows back)
            return g
        if grad_mode.is_grad_enabled():
            x = ctx.inputs[0]
            centered = x - x.mean(axes, keepdim=True)
            centered = centered - centered.mean(axes, keepdim=True)
            rstd = ((centered * centered).mean(axes, keepdim=True) + ctx.options["eps"]).rsqrt()
            out = centered * rstd
        else:
            out, rstd = ctx.saved_tensors
        return rstd * (g - g.mean(axes, keepdim=True) - out * (g * out).mean(axes, keepdim=True))
