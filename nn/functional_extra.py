"""Still more of `torch.nn.functional`: softmax and log_softmax with F's signature, the
remaining activations (prelu, softmin, softsign, hardswish, hardsigmoid, mish, selu, celu,
tanhshrink, threshold, hardshrink, softshrink, glu), the pixel and channel shuffles, and
the distances pairwise_distance and pdist.

Everything is composed from differentiable Tensor ops (no backward of its own), so
first and second derivatives come from the primitives' VJPs. A piecewise function is
`where` of its pieces with the mask torch uses, so the slope at each kink is torch's.
`inplace` arguments are accepted for torch compatibility; the result is always new.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tinygrad_edu import Tensor, random
from tinygrad_edu.cnn import _float_operands, log1p_exp
from tinygrad_edu.dtypes import check_bool, float16_via_float32
from tinygrad_edu.indexed import index_add
from tinygrad_edu.linear_algebra import norm as vector_norm
from tinygrad_edu.linear_algebra_more import einsum
from tinygrad_edu.ops import elementwise as ew
from tinygrad_edu.shapes import broadcast_shapes
from tinygrad_edu.tensor import _axis, _dim_or_implicit, _tensor

from . import functional_more as F
from .functional_more import _floating, _padding_index, elu, relu6

__all__ = ["softmax", "log_softmax", "prelu", "rrelu", "softmin", "softsign", "hardswish",
           "hardsigmoid", "mish", "selu", "celu", "tanhshrink", "threshold", "hardshrink",
           "softshrink", "glu", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "pairwise_distance", "pdist", "gumbel_softmax", "embedding_bag", "bilinear",
           "alpha_dropout", "feature_alpha_dropout"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
"""selu's constants (Klambauer et al. 2017), those torch uses."""


# ---------------------------------------------------------------------------- activations
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight * x otherwise, with one learnable slope per channel (axis 1)
    or one for all (weight of one element).

    Derivatives as torch: d/dx = 1 for x > 0, weight for x <= 0 (weight at 0);
    d/dweight = x where x <= 0, summed over the positions that share the slope.
    """
    op = "prelu"
    x, w = _floating(op, input), _floating(op, weight)
    if x.dtype != w.dtype:
        raise TypeError(f"{op}: input ({x.dtype}) and weight ({w.dtype}) must have one dtype "
                        "(as torch: no type promotion here)")
    if w.ndim > 1:
        raise ValueError(f"{op}: expected weight to be a scalar or 1-D tensor, got shape "
                         f"{tuple(w.shape)}")
    if w.numel() == 1:
        w = w.reshape(())
    else:
        channels = x.shape[1] if x.ndim > 1 else 1
        if w.numel() != channels:
            raise ValueError(f"{op}: weight has {w.numel()} slopes but input of shape "
                             f"{tuple(x.shape)} has {channels} channels (axis 1)")
        w = w.reshape(channels, *(1,) * (x.ndim - 2))
    return x.where(x.data > 0, w * x)


def _with_stacklevel(method: str) -> Callable[..., Tensor]:
    """F.<method>: x.<method>(dim, dtype) with torch.nn.functional's signature (input,
    dim=None, _stacklevel=3, dtype=None), where tg.<method> has torch.<method>'s (input,
    dim, dtype). `_stacklevel` places the warning of an implicit dim (dim=None): 3 is the
    caller of F.<method>."""
    def fn(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
           dtype: Any = None) -> Tensor:
        x = _tensor(input)
        return getattr(x, method)(_dim_or_implicit(dim, x, method, _stacklevel), dtype)
    fn.__name__ = fn.__qualname__ = method
    fn.__doc__ = f"x.{method}(dim, dtype) with torch.nn.functional's signature."
    return fn


softmax = _with_stacklevel("softmax")            # exp(x_i) / sum_j exp(x_j)
log_softmax = _with_stacklevel("log_softmax")    # x_i - log sum_j exp(x_j)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """softmax(-x) along `dim`: exp(-x_i) / sum_j exp(-x_j), the smallest entry weighted
    most. `dtype` casts the input first, as torch."""
    x = _floating("softmin", input if dtype is None else _tensor(input).to(dtype))
    return (-x).softmax(_axis(x, _dim_or_implicit(dim, x, "softmin", _stacklevel), "softmin"))


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A differentiable sample from the categorical distribution softmax(logits):
    softmax((logits + G) / tau) with Gumbel noise G = -log(E), E ~ Exp(1) (drawn from the
    library's generator). hard=True returns the one-hot of its argmax in the forward pass
    and the soft sample's gradient (straight-through: y_hard - y_soft.detach() + y_soft).
    `eps` is unused, as in torch."""
    x = _floating("gumbel_softmax", logits)
    noise = -np.log(random.generator().exponential(size=x.shape)).astype(x.dtype)
    soft = ((x + noise) / tau).softmax(dim)
    if not hard:
        return soft
    one_hot = (soft.data == soft.data.max(axis=dim, keepdims=True)).astype(x.dtype)
    one_hot *= np.cumsum(one_hot, axis=dim) == 1                # one index on a tie
    return soft - soft.detach() + Tensor(one_hot)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|). Derivative 1 / (1 + |x|)^2."""
    (x,) = _float_operands("softsign", input)
    return x / (x.abs() + 1)


@float16_via_float32
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between.

    Derivative as torch: x / 3 + 1/2 strictly between -3 and 3, 0 for x <= -3 and 1 for
    x >= 3 (the slopes from outside at the two kinks). nan stays nan.
    """
    x = _floating("hardswish", input)
    inside = ~((x.data <= -3) | (x.data >= 3))          # nan too: the formula keeps it
    x_in = x.where(inside, 0)                           # (so that inf gives 0 * 3, not 0 * inf)
    return (x_in * (x_in + 3) / 6).where(inside, x.where(x.data >= 3, 0))


@float16_via_float32
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between.
    Derivative 1/6 strictly between -3 and 3, 0 elsewhere (as torch)."""
    return relu6(_floating("hardsigmoid", input) + 3) / 6


@float16_via_float32
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)), softplus(x) = log(1 + e^x) computed without overflow.
    Derivative tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), sp = softplus(x)."""
    x = _floating("mish", input)
    return x * log1p_exp(x).tanh()


@float16_via_float32
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with torch's constants SELU_SCALE and SELU_ALPHA:
    scale x for x > 0, scale alpha (e^x - 1) for x <= 0 (slope scale alpha at 0)."""
    return SELU_SCALE * elu(_floating("selu", input), SELU_ALPHA)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: a dropped element becomes SELU's lowest value
    alpha' = -scale * alpha instead of 0, and a x + b with a = ((1 - p)(1 + p alpha'^2))^-1/2,
    b = -a alpha' p keeps the mean and variance of a standardized input, as torch:
    out = a (m x + (1 - m) alpha') + b with the kept mask m ~ Bernoulli(1 - p). The
    identity when not training (torch's default training=False)."""
    return _alpha_dropout("alpha_dropout", input, p, training, lambda shape: shape)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """alpha_dropout of whole channels: one mask entry per (n, c) of (N, C, ...)."""
    if _tensor(input).ndim < 2:
        raise ValueError("feature_alpha_dropout: feature dropout needs at least 2 dimensions "
                         f"(N, C, ...) in the input, got shape {_tensor(input).shape}")
    return _alpha_dropout("feature_alpha_dropout", input, p, training,
                          lambda shape: shape[:2] + (1,) * (len(shape) - 2))


def _alpha_dropout(op: str, input: Any, p: float, training: bool, mask_shape: Any) -> Tensor:
    x = _tensor(input)
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not check_bool(op, "training", training) or p == 0:
        return x                                     # (any dtype, as torch)
    x = _floating(op, x)
    if p == 1:
        return x * 0
    lowest = -SELU_SCALE * SELU_ALPHA                    # selu(-inf): alpha'
    a = float(1 / np.sqrt((1 - p) * (1 + p * lowest ** 2)))
    kept = (random.generator().random(mask_shape(x.shape)) >= p).astype(x.dtype)
    return x * Tensor((a * kept).astype(x.dtype)) + Tensor(
        (a * lowest * (1 - kept) - a * lowest * p).astype(x.dtype))


@float16_via_float32
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: x for x > 0, a x otherwise. While training, a is drawn
    uniformly from [lower, upper] for each element (from `tinygrad_edu.random`, seeded by
    manual_seed); otherwise a = (lower + upper) / 2, i.e. leaky_relu. Derivative 1 where
    x > 0, a elsewhere (at 0 too, as torch)."""
    x = _floating("rrelu", input)
    if lower > upper:
        raise ValueError(f"rrelu: lower ({lower}) must not be greater than upper ({upper})")
    if not training:
        return ew.LeakyRelu.apply(x, slope=(lower + upper) / 2)
    slope = random.generator().uniform(lower, upper, x.shape)
    return x * Tensor(np.where(x.data > 0, 1, slope).astype(x.dtype))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (e^(x / alpha) - 1) for x <= 0: continuously differentiable
    for every alpha (slope 1 on both sides of 0)."""
    x = _floating("celu", input)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 (x / alpha)")
    return x.where(x.data > 0, alpha * (x.clamp(max=0) / alpha).expm1())


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x). Derivative tanh(x)^2."""
    (x,) = _float_operands("tanhshrink", input)
    return x - x.tanh()


@float16_via_float32
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else `value` (nan stays nan, as torch); an integer x keeps
    its dtype (value truncated to it). Derivative 1 where x > threshold, 0 elsewhere.
    float16 compares in float32, as torch: threshold is not rounded to float16 first."""
    x = _tensor(input)
    if x.dtype == np.bool_:
        raise TypeError("threshold: expected a number tensor, got dtype bool")
    out = x.where(~(x.data <= threshold), value)
    return out if x.dtype.kind == "f" else out.to(x.dtype)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0. Derivative 1 where |x| > lambd, 0 elsewhere (nan
    stays nan, as torch)."""
    x = _floating("hardshrink", input)
    return x.where(~((x.data >= -lambd) & (x.data <= lambd)), 0)


@float16_via_float32
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd for x > lambd, x + lambd for x < -lambd, 0 between (lambd >= 0); nan stays
    nan. Derivative 1 where |x| > lambd, 0 elsewhere. float16 is computed in float32 and
    rounded once, as torch (x - lambd in float16 would round lambd and the difference)."""
    x = _floating("softshrink", input)
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lambd}")
    between = (x.data >= -lambd) & (x.data <= lambd)
    return (x - lambd).where(x.data > lambd, (x + lambd).where(~between, 0))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b), a and b the first and second halves of the input
    along `dim` (whose size must be even). Derivatives sigmoid(b) for a, a s (1 - s) for b."""
    op = "glu"
    x = _floating(op, input)
    if x.ndim == 0:
        raise ValueError(f"{op}: a 0-d input cannot be halved")
    axis = _axis(x, dim, op)
    if x.shape[axis] % 2:
        raise ValueError(f"{op}: halving dimension must be even, but dimension {dim} of input "
                         f"{tuple(x.shape)} is size {x.shape[axis]}")
    a, b = x.chunk(2, axis)
    return a * b.sigmoid()


# ---------------------------------------------------------------------------- shuffles
def _factor(op: str, name: str, factor: int) -> int:
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor <= 0:
        raise ValueError(f"{op}: expected a positive integer {name}, got {factor!r}")
    return int(factor)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[..., c, h r + i, w r + j] =
    x[..., c r^2 + i r + j, h, w] (the sub-pixel convolution's rearrangement).
    A reshape, a permutation and a reshape: the gradient is the inverse rearrangement."""
    op, r = "pixel_shuffle", _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    x = _tensor(input)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of shape (*, C, H, W), got {tuple(x.shape)}")
    *batch, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"{op}: the channel dimension {c} of input {tuple(x.shape)} must be "
                         f"divisible by upscale_factor**2 = {r * r}")
    k = len(batch)
    x = x.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)          # (*, C, H, r, W, r)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    op, r = "pixel_unshuffle", _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    x = _tensor(input)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of shape (*, C, H, W), got {tuple(x.shape)}")
    *batch, c, h, w = x.shape
    if h % r or w % r:
        raise ValueError(f"{op}: the height {h} and width {w} of input {tuple(x.shape)} must "
                         f"be divisible by downscale_factor={r}")
    k = len(batch)
    x = x.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)          # (*, C, r, r, H, W)
    return x.reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *): view the channels as a (groups, C / groups) grid and transpose it, so
    out[:, j * groups + g] = x[:, g * (C / groups) + j] (ShuffleNet's mixing of groups)."""
    op = "channel_shuffle"
    x = _tensor(input)
    g = _factor(op, "groups", groups)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of shape (N, C, *) with at least 3 "
                         f"dimensions, got {tuple(x.shape)}")
    n, c, *rest = x.shape
    if c % g:
        raise ValueError(f"{op}: the {c} channels of input {tuple(x.shape)} must be divisible "
                         f"by groups={g}")
    return x.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(*x.shape)


# ---------------------------------------------------------------------------- distances
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None
             ) -> Tensor:
    """out[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]: one
    bilinear form per output feature (torch.nn.functional.bilinear), composed as
    einsum('...i,oij,...j->...o'), so its gradients are einsums too."""
    op = "bilinear"
    x1, x2, w = (_floating(op, t) for t in (input1, input2, weight))
    if w.ndim != 3 or x1.shape[-1:] != w.shape[1:2] or x2.shape[-1:] != w.shape[2:]:
        raise ValueError(f"{op}: expected weight (out, in1, in2) with in1 = input1's last "
                         f"size and in2 = input2's, got input1 {x1.shape}, input2 {x2.shape}, "
                         f"weight {w.shape}")
    if x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(f"{op}: input1 {x1.shape} and input2 {x2.shape} must have the same "
                         "leading dimensions")
    out = einsum("...i,oij,...j->...o", x1, w, x2)
    return out if bias is None else out + bias


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dimension of the broadcast inputs (torch's rule:
    eps is added to every difference, so equal vectors are sqrt(D) eps apart for p = 2
    and the distance is differentiable there). p as `tinygrad_edu.norm`."""
    op = "pairwise_distance"
    a, b = _float_operands(op, x1, x2)          # (int, int): float32, as torch
    try:
        broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: x1 of shape {tuple(a.shape)} and x2 of shape "
                         f"{tuple(b.shape)} cannot be broadcast together") from None
    return vector_norm(a - b + eps, p, -1, keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances ||x_i - x_j||_p between the rows of an (N, M) input, for
    i < j in row-major order: N (N - 1) / 2 values, the upper triangle of cdist(x, x).
    Gradient 0 where two rows are equal (the norm's rule at 0); for p = inf, coordinates
    tied for the largest |x_i - x_j| share its gradient evenly (torch gives each all of it)."""
    op = "pdist"
    x = _floating(op, input)
    if x.ndim != 2:
        raise ValueError(f"{op}: expected a 2-D input (N, M), got shape {tuple(x.shape)}")
    if not p >= 0:
        raise ValueError(f"{op}: p must be non-negative, got {p}")
    i, j = np.triu_indices(x.shape[0], 1)
    return vector_norm(x[i] - x[j], p, 1)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2, scale_grad_by_freq:
                  bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of each bag of embeddings, (B, embedding_dim): a bag is a row
    of a 2-D input (B, N), or, for a 1-D input, input[offsets[b]:offsets[b + 1]].

    Composed: the rows looked up (`embedding`), then summed into their bags with
    `index_add` (the gradient of a row is its bag's gradient), divided by the bag sizes
    for 'mean'; 'max' lays the bags out padded with -inf and takes max(dim=1), whose
    gradient goes to the one row that won. padding_idx entries are left out of their bag
    (and of its size); an empty bag gives zeros, as torch. per_sample_weights (mode 'sum'
    only) scale each row first.
    """
    op = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    idx = _tensor(input)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: offsets must be None for a 2-D input (each row is a bag)")
        bags, lengths = idx.shape[0], np.full(idx.shape[0], idx.shape[1])
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError(f"{op}: a 1-D input needs offsets (where each bag starts)")
        marks = _tensor(offsets)
        if marks.ndim != 1 or marks.dtype.kind not in "iu":
            raise TypeError(f"{op}: offsets must be a 1-D tensor of integers, got "
                            f"{marks.dtype} of shape {marks.shape}")
        starts = marks.data.astype(np.int64)
        if include_last_offset:                    # the last offset marks the end (torch's
            if starts.size and starts[-1] > idx.shape[0]:  # last bag runs to the input's end)
                raise ValueError(f"{op}: offsets[-1] ({starts[-1]}) can not be greater than "
                                 f"the input's length {idx.shape[0]}")
            starts = starts[:-1]
        ends = np.append(starts[1:], idx.shape[0])[:starts.size]
        if starts.size and (starts[0] != 0 or np.any(ends < starts) or ends[-1] > idx.shape[0]):
            raise ValueError(f"{op}: offsets must start at 0 and increase up to the input's "
                             f"length {idx.shape[0]}, got {starts.tolist()}")
        bags, lengths = starts.size, ends - starts
    else:
        raise ValueError(f"{op}: input must be 1-D (with offsets) or 2-D (B, N), got shape "
                         f"{idx.shape}")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"{op}: per_sample_weights needs mode='sum', got {mode!r}")
    if per_sample_weights is not None and tuple(_tensor(per_sample_weights).shape) != idx.shape:
        raise ValueError(f"{op}: per_sample_weights must have the input's shape {idx.shape}, "
                         f"got {tuple(_tensor(per_sample_weights).shape)}")
    if per_sample_weights is not None and _tensor(per_sample_weights).dtype != weight.dtype:
        raise TypeError(f"{op}: per_sample_weights must have the weight's dtype "
                        f"{weight.dtype}, got {_tensor(per_sample_weights).dtype}")
    if bags == 0:                                  # (include_last_offset with one offset:
        return weight[:0]                          # no rows, still in the graph)
    flat = idx.reshape(-1)
    bag = np.repeat(np.arange(bags), lengths)
    pad = _padding_index(op, padding_idx, weight.shape[0])
    keep = np.ones(flat.shape, bool) if pad is None else flat.data != pad
    rows = F.embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    if pad is not None:                  # (after the lookup: max_norm renorms padding rows
        rows = rows[keep]                # too, as torch)
    if per_sample_weights is not None:
        rows = rows * _tensor(per_sample_weights).reshape(-1)[keep].unsqueeze(1)
    bag, sizes = bag[keep], np.bincount(bag[keep], minlength=bags)
    if mode != "max":
        total = index_add(weight.new_zeros(bags, weight.shape[1]), 0, bag, rows)
        return total if mode == "sum" else total / np.maximum(sizes, 1)[:, None].astype(
            weight.dtype)
    if bag.size == 0:                              # every index was padding: empty bags
        return weight.new_zeros(bags, weight.shape[1])
    slot = np.arange(bag.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)   # place in bag
    layout = np.full((bags, max(sizes.max(initial=0), 1)), -1)
    layout[bag, slot] = np.arange(bag.size)
    padded = rows[np.maximum(layout, 0)].masked_fill(Tensor(layout[..., None] < 0), -np.inf)
    return padded.max(1).values.masked_fill(Tensor(sizes[:, None] == 0), 0.0)
