"""More of `torch.nn.functional`: activations, layer and group norm, embedding, one_hot,
normalize, cosine_similarity, and the L1 / Huber / BCE / KL losses.

Everything here is composed from differentiable Tensor ops and has no backward of its
own, so first and second derivatives come from the primitives' VJPs. Where the textbook
formula overflows or makes nan (e^x for large x, log 0, 0 * inf), each piece is evaluated
only where it is finite and `where` picks between the pieces. `where` sends an exact zero
gradient to the piece it did not pick, and that zero is then multiplied by the piece's
local derivatives, so those must be finite too: that is what the clamps before each
`exp` and the "safe" arguments before each `log` are for.

`inplace` arguments are accepted for torch compatibility; the result is always a new
tensor. `nn.functional` re-exports every public name of this module.
"""
from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.cnn import (REDUCTIONS, _check_reduction, _elementwise_weighted,
                              _float_operands, _reduce, _same_shape, _tensor, _weighted,
                              log1p_exp)
from tinygrad_edu.dtypes import float16_via_float32
from tinygrad_edu.linear_algebra import norm as vector_norm
from tinygrad_edu.math_more import erfc
from tinygrad_edu.ops.normalization import Standardize
from tinygrad_edu.shapes import as_tuple, broadcast_shapes, new_shape
from tinygrad_edu.tensor import _axes, _axis

__all__ = ["elu", "silu", "softplus", "hardtanh", "relu6", "logsigmoid", "gelu", "layer_norm",
           "group_norm", "embedding", "one_hot", "normalize", "cosine_similarity", "l1_loss",
           "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "kl_div"]

LOG_FLOOR = -100.0
"""binary_cross_entropy clamps each log at -100, as torch, so probabilities 0 and 1 give
a finite loss (100 per element at most)."""


def _floating(op: str, x: object) -> Tensor:
    x = _tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    return x


# ---------------------------------------------------------------------------- building blocks
def _floored_log(u: Tensor, plus_one: bool = False) -> Tensor:
    """max(log(u), -100), or max(log(1 + u), -100) with `plus_one`. Where the log is -inf
    (u <= 0, or u <= -1) the value is -100 and the gradient 0, not 0 * inf = nan."""
    valid = u.data > (-1 if plus_one else 0)
    safe = u.where(valid, 0 if plus_one else 1)
    log = safe.log1p() if plus_one else safe.log()
    return log.clamp(min=LOG_FLOOR).where(valid, LOG_FLOOR)


@float16_via_float32
def _standardized(x: Tensor, axes: tuple, eps: float) -> Tensor:
    """(x - mean) / sqrt(var + eps) over `axes`, var the biased variance (1/n): the
    primitive Standardize (ops/normalization.py). Float16 in float32 (squared deviations
    over 256 would overflow)."""
    return Standardize.apply(x, axes=tuple(a % x.ndim for a in axes), eps=float(eps))


def _move_running_stats(running_mean: Tensor, running_var: Tensor, mean: np.ndarray,
                        var: np.ndarray, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch, in place and unrecorded
    (var: the batch's unbiased variance, torch's rule)."""
    running_mean.copy_((1 - momentum) * running_mean.data + momentum * mean)
    running_var.copy_((1 - momentum) * running_var.data + momentum * var)


def _clamped_norm(x: Tensor, p: float, axes: tuple, eps: float,
                  clamp_value_only: bool = False) -> Tensor:
    """max(||x||_p, eps) over `axes` (kept as size 1), with tinygrad_edu.norm (scaled, so
    it does not overflow; gradient 0 at a zero vector). Where the norm is below eps the
    result is the constant eps: gradient 0 through it; with `clamp_value_only` the
    gradient is that of the unclamped norm (torch's cosine_similarity clamps a copy of the
    norm without recording it).
    """
    norm = vector_norm(x, p, axes, keepdim=True)
    if clamp_value_only:
        return norm.where(norm.data >= eps, norm - norm.detach() + eps)
    return norm.clamp(min=eps)


def _matching(op: str, name: str, t: Tensor | None, shape: tuple, x: Tensor,
              dtype: np.dtype | None = None) -> None:
    """t (if given) of `shape`, which input x implies, and, when `dtype` is given, of that
    dtype (torch refuses a float64 weight for a float32 input: "mixed dtype")."""
    if t is None:
        return
    if tuple(t.shape) != tuple(shape):
        raise ValueError(f"{op}: expected {name} of shape {tuple(shape)} for input of shape "
                         f"{tuple(x.shape)}, got {tuple(t.shape)}")
    if dtype is not None and t.dtype != dtype and not (dtype == np.float16
                                                       and t.dtype == np.float32):
        raise TypeError(f"{op}: the input is {dtype} but {name} is {t.dtype}; convert one "
                        "(model.double(), or x.float()), as torch refuses mixed dtypes here "
                        "(only float16 input with float32 parameters goes)")


def _normalized_shape(op: str, x: Tensor, normalized_shape: int | Sequence[int]) -> tuple:
    """layer_norm's and rms_norm's trailing shape as a tuple, checked against x's shape."""
    shape = new_shape(as_tuple(normalized_shape), op)
    if not shape:
        raise ValueError(f"{op}: normalized_shape must have at least one element, got {shape}")
    if x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"{op}: normalized_shape {shape} expects input of shape "
                         f"(*, {', '.join(map(str, shape))}), got {tuple(x.shape)}")
    return shape


# ---------------------------------------------------------------------------- activations
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (e^x - 1) for x <= 0.

    Derivative 1 for x > 0, alpha e^x for x <= 0 (alpha at 0, as torch). expm1 is taken of
    min(x, 0), so large positive inputs never overflow in the unused piece.
    """
    x = _floating("elu", input)
    return x.where(x.data > 0, alpha * x.clamp(max=0).expm1())


@float16_via_float32
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x) (swish). Derivative sigmoid(x) (1 + x (1 - sigmoid(x)))."""
    x = _floating("silu", input)
    return x * x.sigmoid()


@float16_via_float32
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/beta) log(1 + e^(beta x)), and x itself where beta x > threshold (torch's linear
    region, where the two differ by less than e^-threshold / beta).

    Stable for every x (see `_softplus`): softplus(-1000) = 0, softplus(1000) = 1000.
    Derivative sigmoid(beta x) below the threshold, 1 above it.
    """
    x = _floating("softplus", input)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero (1/beta scales the result)")
    z = x * beta
    return x.where(z.data > threshold, log1p_exp(z) / beta)


@float16_via_float32
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val). Derivative 1 strictly between the bounds and 0 outside
    and at them, as torch (so relu6'(0) = 0 like relu'(0)). float16 compares in float32,
    as torch: the bounds are not rounded to float16 first."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    x = _tensor(input)
    if x.dtype.kind == "u" and min_val < 0:
        raise ValueError(f"hardtanh: cannot clamp an unsigned tensor ({x.dtype}) to a negative "
                         f"limit (min_val={min_val}); expected limits >= 0, as torch")
    if x.dtype.kind in "iu":                   # as torch: clamped, then truncated to int
        return x.clamp(min_val, max_val).to(x.dtype)
    inside = (x.data > min_val) & (x.data < max_val)
    return x.where(inside, x.detach().clamp(min_val, max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) = hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0)


@float16_via_float32
def logsigmoid(input: Tensor) -> Tensor:
    """log sigmoid(x) = -softplus(-x): stable at both ends (logsigmoid(-1000) = -1000,
    not log 0). Derivative 1 - sigmoid(x) = sigmoid(-x)."""
    return -log1p_exp(-_floating("logsigmoid", input))


@float16_via_float32
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x), Phi the standard normal CDF:

        'none':  0.5 x (1 + erf(x / sqrt 2))  = 0.5 x erfc(-x / sqrt 2)
        'tanh':  0.5 x (1 + tanh(u))          = x sigmoid(2 u),  u = sqrt(2/pi) (x + 0.044715 x^3)

    Each is computed by its right-hand side, the same function without the cancellation
    of 1 + (-1 + tiny) for negative x: gelu(-10) = -7.6e-23, where torch's form gives 0
    (and is 2% off at -8). The relative error of 'none' grows like x^2 eps for x < 0 (from
    the rounding of x / sqrt 2): 1e-14 at -10, 2e-13 at -37, below which it underflows.
    Derivative Phi(x) + x phi(x) with phi = e^(-x^2/2) / sqrt(2 pi) (for 'none').
    gelu(-inf) is nan (-inf * 0), as torch.
    """
    x = _floating("gelu", input)
    if approximate == "none":
        return x / 2 * erfc(x * -math.sqrt(0.5))
    if approximate == "tanh":
        return x * ((x + 0.044715 * x * x * x) * (2 * math.sqrt(2 / math.pi))).sigmoid()
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# ---------------------------------------------------------------------------- normalization
def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) axes of each sample:

        out = (x - mean) / sqrt(var + eps) * weight + bias

    with the biased variance; weight and bias have shape normalized_shape. The gradient
    flows through mean and var (no running statistics).
    """
    op = "layer_norm"
    x = _floating(op, input)
    shape = _normalized_shape(op, x, normalized_shape)
    _matching(op, "weight", weight, shape, x, x.dtype)
    _matching(op, "bias", bias, shape, x, x.dtype)
    out = _standardized(x, tuple(range(x.ndim - len(shape), x.ndim)), eps)
    if weight is not None:
        out = out * weight
    return (out if bias is None else out + bias).to(x.dtype)      # (float16 in, float16 out)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the C channels of (N, C, *) input into num_groups groups of C/G channels and
    normalise each group of each sample over its channels and positions:

        out = (x - mean_g) / sqrt(var_g + eps) * weight[c] + bias[c]

    G = 1 is layer norm over (C, *) with per-channel affine; G = C is instance norm.
    """
    op = "group_norm"
    x = _floating(op, input)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected input of shape (N, C, *), got {tuple(x.shape)}")
    n, channels = x.shape[:2]
    if num_groups <= 0 or channels % num_groups:
        raise ValueError(f"{op}: num_groups={num_groups} must divide the {channels} channels "
                         f"of input {tuple(x.shape)}")
    if x.numel() // num_groups == 1:           # torch's check: one value in all the groups
        raise ValueError(f"{op}: expected more than 1 value per group, got input of shape "
                         f"{tuple(x.shape)} in {num_groups} groups")
    _matching(op, "weight", weight, (channels,), x, x.dtype)
    _matching(op, "bias", bias, (channels,), x, x.dtype)
    groups = x.reshape(n, num_groups, channels // num_groups * math.prod(x.shape[2:]))
    out = _standardized(groups, (2,), eps).reshape(*x.shape)
    per_channel = (channels,) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(*per_channel)
    return (out if bias is None else out + bias.reshape(*per_channel)).to(x.dtype)


# ---------------------------------------------------------------------------- lookup, encodings
def _padding_index(op: str, padding_idx: int | None, num_embeddings: int) -> int | None:
    """padding_idx as a row in [0, num_embeddings) (a negative one counts from the end)."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{op}: padding_idx={padding_idx} must be within num_embeddings="
                         f"{num_embeddings} (-{num_embeddings} <= padding_idx < "
                         f"{num_embeddings})")
    return padding_idx % num_embeddings


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """out[...] = weight[input[...]]: rows of the (num_embeddings, dim) table, shape
    input.shape + (dim,).

    Gradient: dL/dweight[r] sums the output gradients of every position that looked up
    row r (repeated indices accumulate). The padding_idx row gets no gradient, as torch:
    its lookups are swapped for constants (the same values, detached).
    With max_norm, each row looked up whose norm_type-norm exceeds max_norm is first
    rescaled in the table, in place and unrecorded, to max_norm / (norm + 1e-7) times
    itself, as torch's embedding_renorm_. torch's `scale_grad_by_freq` and `sparse`
    gradients are not implemented: they must be False (their default).
    """
    op = "embedding"
    _dense_gradient_only(op, scale_grad_by_freq, sparse)
    idx = _tensor(input)
    if idx.dtype.kind not in "iu" or idx.dtype == np.uint8:    # (uint8: a mask in torch)
        raise TypeError(f"{op}: indices must have an integer dtype, got {idx.dtype}"
                        + (" (torch refuses uint8 here)" if idx.dtype == np.uint8 else "")
                        + "; convert with .long()")
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {tuple(weight.shape)}")
    rows = weight.shape[0]
    pad = _padding_index(op, padding_idx, rows)
    i = idx.data
    if i.size and (i.min() < 0 or i.max() >= rows):
        bad = i[(i < 0) | (i >= rows)].flat[0]
        raise IndexError(f"{op}: index {bad} is out of range for weight of shape "
                         f"{tuple(weight.shape)} (expected 0 <= index < {rows})")
    if max_norm is not None:
        if weight.dtype.kind != "f":
            raise TypeError(f"{op}: max_norm rescales rows of the table, so weight must be "
                            f"floating point, got {weight.dtype}")
        _renorm_rows(weight, np.unique(i), max_norm, norm_type)
    out = weight[i]
    if pad is None or not (i == pad).any():
        return out
    return out.where(np.expand_dims(i != pad, -1), out.detach())


def _dense_gradient_only(op: str, scale_grad_by_freq: bool, sparse: bool) -> None:
    for name, value in (("scale_grad_by_freq", scale_grad_by_freq), ("sparse", sparse)):
        if value:
            raise NotImplementedError(f"{op}: {name}=True is not implemented here (the "
                                      "table's gradient is the dense, unscaled sum over the "
                                      "lookups)")


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the table's `rows` whose norm exceeds max_norm down to it (torch's rule)."""
    table = weight.data[rows]
    norms = np.linalg.norm(table, ord=norm_type, axis=1, keepdims=True)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1).astype(table.dtype)
    with no_grad():
        weight[rows] = Tensor._from_node(table * scale, None)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape tensor.shape + (num_classes,), 1 at each index, 0 elsewhere;
    num_classes=-1 means max + 1. No gradient (the result is integer)."""
    op = "one_hot"
    t = _tensor(tensor)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected an integer index tensor, got dtype {t.dtype}")
    i = t.data
    if num_classes < -1:
        raise ValueError(f"{op}: num_classes must be -1 (max + 1) or a size, got {num_classes}")
    if num_classes == -1:
        if i.size == 0:
            raise ValueError(f"{op}: cannot infer the number of classes of an empty tensor; "
                             "pass num_classes")
        num_classes = int(i.max()) + 1
    if i.size and i.min() < 0:
        raise ValueError(f"{op}: class values must be non-negative, got {i.min()}")
    if i.size and i.max() >= num_classes:
        raise ValueError(f"{op}: class values must be smaller than num_classes={num_classes}, "
                         f"got {i.max()}")
    return Tensor((i[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input: Tensor, p: float = 2.0, dim: int | Sequence[int] = 1,
              eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along `dim`: unit vectors, and x / eps for vectors shorter
    than eps (so a zero vector stays 0, with gradient 1/eps as torch). p > 0 or inf.

    Derivative (p = 2, ||x|| > eps): (I - y y^T) / ||x|| with y the output.
    """
    op = "normalize"
    x = _floating(op, input)
    if not p > 0:
        raise ValueError(f"{op}: p must be positive (or inf), got {p}")
    return x / _clamped_norm(x, p, _axes(x, dim, op), eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) along `dim` (torch 2.x: each norm
    clamped separately, and each vector divided by it before the product). As torch, the
    gradient flows through the unclamped norms even where the clamp is active.

    x1 and x2 broadcast to a common shape; `dim` is removed. The result is in [-1, 1].
    """
    op = "cosine_similarity"
    if not eps >= 0:
        raise ValueError(f"{op}: eps must be non-negative, got {eps}")
    a, b = _float_operands(op, x1, x2, integers=False, bools=True)   # (int, float32): float32
    try:
        shape = broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: x1 of shape {tuple(a.shape)} and x2 of shape "
                         f"{tuple(b.shape)} cannot be broadcast together") from None
    a, b = a.expand(*shape), b.expand(*shape)
    axis = _axis(a, dim, op)
    norms = [_clamped_norm(v, 2, (axis,), eps, clamp_value_only=True) for v in (a, b)]
    return ((a / norms[0]) * (b / norms[1])).sum(axis)


# ---------------------------------------------------------------------------- losses
def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """|x - y|, reduced. Derivative sign(x - y) (0 at x = y, as torch). `weight` as mse_loss."""
    _check_reduction("l1_loss", reduction)
    x, t = _same_shape("l1_loss", input, target, integers=False)
    return _elementwise_weighted("l1_loss", (x - t).abs(), weight, reduction)


def _huber(diff: Tensor, delta: float) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2): quadratic near 0, then
    linear with slope delta; value and slope are continuous at |d| = delta. The quadratic
    is d * d (not |d|^2), so the second derivative at d = 0 is 1."""
    if math.isinf(delta):
        return 0.5 * diff * diff
    size = diff.abs()
    small = size.data < delta
    near, far = diff.where(small, 0), size.where(~small, delta)   # each piece finite where
    return (0.5 * near * near).where(small, delta * (far - 0.5 * delta))   # it is not used


def smooth_l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (d = x - y) = huber(d, beta) / beta.
    Derivative clamp(d / beta, -1, 1). beta = 0 is l1_loss."""
    op = "smooth_l1_loss"
    _check_reduction(op, reduction)
    if not beta >= 0:                                # (nan too)
        raise ValueError(f"{op}: beta must be non-negative, got {beta}")
    x, t = _same_shape(op, input, target, integers=False, bools=True)
    losses = (x - t).abs() if beta == 0 else _huber(x - t, beta) / beta
    return _reduce(losses, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2) (d = x - y).
    Derivative clamp(d, -delta, delta): the gradient of a large error is capped at delta.
    `weight` (input's shape) multiplies each term; the mean is then mean(w l), as torch
    (whose l1_loss and mse_loss divide by sum(w) instead)."""
    op = "huber_loss"
    _check_reduction(op, reduction)
    if not delta > 0:
        raise ValueError(f"{op}: delta must be positive, got {delta}")
    x, t = _same_shape(op, input, target)
    return _elementwise_weighted(op, _huber(x - t, delta), weight, reduction,
                                mean_over_weights=False)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         *, reduction: str = "mean") -> Tensor:
    """-w [y log(x) + (1 - y) log(1 - x)] for probabilities x in [0, 1] (after a sigmoid;
    `binary_cross_entropy_with_logits` takes the logits and is the stabler choice).

    Each log is clamped at -100, as torch, so x = 0 or 1 gives a finite loss. Derivative
    w (x - y) / (x (1 - x)) inside (0, 1); at x = 0 and 1 it is the derivative of the
    clamped function: the clamped log contributes 0, the other its usual slope, so it
    is w (1 - y) at x = 0 and -w y at x = 1. (torch divides by max(x (1 - x), 1e-12)
    instead and gives w (x - y) 1e12 there: +-1e12 for the opposite hard label, 0 for
    y = x, where the slope of the loss is w (1 - y) = w, resp. -w y = -w. That floor also
    shrinks torch's gradient wherever 0 < x (1 - x) < 1e-12, a saturated sigmoid: at
    x = 1e-13, y = 1 torch gives -1e12, the exact -1e13 here.)
    """
    op = "binary_cross_entropy"
    _check_reduction(op, reduction)
    x, t = _same_shape(op, input, target)
    for name, values in (("input", x.data), ("target", t.data)):
        outside = ~((values >= 0) & (values <= 1))
        if outside.any():
            raise ValueError(f"{op}: all elements of {name} should be between 0 and 1, got "
                             f"{values[outside].flat[0]}")
    losses = -(t * _floored_log(x) + (1 - t) * _floored_log(-x, plus_one=True))
    return _reduce(_weighted(op, losses, weight), reduction)


KL_REDUCTIONS = REDUCTIONS + ("batchmean",)


def kl_div(input: Tensor, target: Tensor, *, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence terms of the target distribution p against input = log q:

        log_target=False (target p):      p (log p - log q),  0 where p = 0 (0 log 0 = 0)
        log_target=True  (target log p):  e^t (t - log q),    0 where e^t = 0

    Derivative -p for the input. Reductions: 'batchmean' is sum / N, the mean over the
    batch of each sample's KL(p || q); 'mean' divides by every element (batch * classes),
    torch's default, which warns about it as torch does. The target's gradient where
    p = 0 is taken as -log q, the derivative of -p log q, with p log p contributing 0 there
    (torch: nan; the one-sided derivative log p + 1 - log q is -inf).
    """
    op = "kl_div"
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {KL_REDUCTIONS}, got {reduction!r}")
    x, t = _same_shape(op, input, target)
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size "
                      "and the support size; 'batchmean' divides only by the batch size and "
                      "is the KL divergence (torch will switch 'mean' to it)", stacklevel=2)
    p = t.exp() if log_target else t
    seen = p.data != 0
    log_p = t.where(seen, 0) if log_target else t.where(seen, 1).log()
    finite_x = x.where(seen | np.isfinite(x.data), 0)     # p = 0 and log q = -inf: 0, not nan
    losses = p * log_p - p * finite_x
    if reduction == "batchmean":
        return losses.sum() / x.shape[0] if x.ndim else losses.sum()
    return _reduce(losses, reduction)
