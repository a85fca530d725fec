"""torch.nn.utils.fusion: a batch norm in eval mode folded into the conv or linear layer
before it. Eval-mode batch norm is the affine map y = (x - mean) s + beta per channel,
s = gamma / sqrt(var + eps), so after a layer x = W z + b:

    y = (s W) z + ((b - mean) s + beta)

one layer with weight s W (each output channel's row scaled) and bias (b - mean) s + beta.
"""
from __future__ import annotations

import copy

import numpy as np

from tinygrad_edu import Tensor

from ..module import Module, Parameter


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of `conv` (Conv1d/2d, or ConvTranspose with transpose=True) that computes
    bn(conv(x)), for both in eval mode."""
    _check_eval("fuse_conv_bn_eval", conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor,
                         bn_rv: Tensor, bn_eps: float, bn_w: Tensor | None,
                         bn_b: Tensor | None, transpose: bool = False) -> tuple:
    """(weight, bias) Parameters of the fused conv: the weight scaled per output channel
    (axis 0, or axis 1 of a transposed conv's weight)."""
    shape = [1, -1] if transpose else [-1, 1]
    scale, bias = _folded(conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, conv_w.dtype)
    weight = conv_w.data * scale.reshape(*shape, *[1] * (conv_w.ndim - 2))
    return (Parameter(weight, requires_grad=conv_w.requires_grad),      # (a new bias where
            Parameter(bias, requires_grad=conv_b is not None and conv_b.requires_grad))  # none)


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of `linear` that computes bn(linear(x)), for both in eval mode."""
    _check_eval("fuse_linear_bn_eval", linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise ValueError(f"fuse_linear_bn_eval: the linear layer's {linear.out_features} "
                         f"outputs do not match the batch norm's {bn.num_features} features")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor, bn_b: Tensor) -> tuple:
    """(weight, bias) Parameters of the fused linear layer: each output row scaled."""
    scale, bias = _folded(linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, linear_w.dtype)
    weight = linear_w.data * scale.reshape(-1, 1)
    return (Parameter(weight, requires_grad=linear_w.requires_grad),
            Parameter(bias, requires_grad=linear_b is not None and linear_b.requires_grad))


def _folded(layer_b, bn_rm, bn_rv, bn_eps: float, bn_w, bn_b, dtype) -> tuple:
    """(s = gamma / sqrt(var + eps), (b - mean) s + beta) as arrays; a missing layer bias
    or beta is 0, a missing gamma 1."""
    mean, var = (np.asarray(t.data, dtype) for t in (bn_rm, bn_rv))
    gamma = np.ones_like(mean) if bn_w is None else np.asarray(bn_w.data, dtype)
    beta = np.zeros_like(mean) if bn_b is None else np.asarray(bn_b.data, dtype)
    b = np.zeros_like(mean) if layer_b is None else np.asarray(layer_b.data, dtype)
    scale = gamma / np.sqrt(var + bn_eps)
    return scale, ((b - mean) * scale + beta).astype(dtype)


def _check_eval(op: str, layer: Module, bn: Module) -> None:
    if layer.training or bn.training:
        raise RuntimeError(f"{op}: fusion is only for eval mode; call .eval() on both first")
    if getattr(bn, "running_mean", None) is None:
        raise ValueError(f"{op}: the batch norm has no running statistics "
                         "(track_running_stats=False)")
