"""The CNN ops of `torch.nn.functional` besides convolution: pooling, dropout and losses.

Each function checks its arguments (raising an error that names the op, the shapes
and what was expected) and then calls a primitive from `ops/` (max/avg pooling,
dropout, cross-entropy: hand-written VJPs) or composes primitives (the other losses).
Layout is NCHW; pooling also accepts an unbatched (C, H, W) input, as torch.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import grad_mode
from .dtypes import check_bool, get_default_dtype, promote
from .ops.dropout import Dropout
from .ops.loss import CrossEntropy
from .ops.pool import AvgPool2d, MaxPool2d, Windows, first_max_offsets, flat_indices
from .shapes import broadcast_shapes, int_tuple
from .tensor import Tensor, _integer, _result_dtype, _tensor

REDUCTIONS = ("none", "mean", "sum")


# ---------------------------------------------------------------------------------- checks
def floating_input(op: str, x: Any, ranks: tuple = (3, 4),
                   layout: str = "3-D (C, H, W) or 4-D (N, C, H, W)", kinds: str = "f") -> Tensor:
    """x as a Tensor; a ValueError unless it has one of `ranks` dimensions (described by
    `layout`), a TypeError unless its dtype's kind is one of `kinds`: floating point by
    default; max pooling also takes integers ("fiu"), dropout any dtype ("fiub": its own
    check comes after its identity cases). Default: an image, batched or not."""
    x = _tensor(x)
    if x.ndim not in ranks:
        raise ValueError(f"{op}: expected a {layout} input, got shape {x.shape}")
    if x.dtype.kind not in kinds:
        raise TypeError(f"{op}: expected a floating point{' or integer' * ('i' in kinds)} "
                        f"input, got dtype {x.dtype}")
    return x


def _float_operands(op: str, *operands: Any, integers: bool = True,
                    bools: bool = False) -> list[Tensor]:
    """The operands as Tensors of their common dtype (`_result_dtype`, torch's promotion), for
    the functions torch composes from -, *, pow, exp, ... (which promote). A common dtype that
    is integer or bool becomes the default float dtype when `integers` (int - int, then a
    sqrt, is float32), else is a TypeError (torch's mse_loss(int, int)); a bool operand is a
    TypeError unless `bools` (torch's subtraction refuses it)."""
    ts = [_tensor(x) for x in operands]
    if not bools and any(t.dtype.kind == "b" for t in ts):
        raise TypeError(f"{op}: expected a floating point or integer input, got dtype bool "
                        "(as torch)")
    dtype = _result_dtype(*ts)
    if dtype.kind != "f":
        if not integers:
            raise TypeError(f"{op}: expected a floating point input, got dtype"
                            f"{'s' * (len(ts) > 1)} {' and '.join(str(t.dtype) for t in ts)}")
        dtype = get_default_dtype()
    return [t.to(dtype) for t in ts]


def _empty_sequence(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 0


def pool_options(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, ceil_mode: bool, n: int = 2) -> tuple[dict, Windows]:
    """Validated options over the last n axes (n-tuples) and the window geometry, by torch's
    rules (n = 1: the 1-D pools of cnn1d.py)."""
    kernel = int_tuple(kernel_size, n, "kernel_size", op, 1)
    options = dict(kernel_size=kernel,
                   stride=kernel if stride is None or _empty_sequence(stride)   # as torch
                   else int_tuple(stride, n, "stride", op, 1),
                   padding=int_tuple(padding, n, "padding", op, 0),
                   dilation=int_tuple(dilation, n, "dilation", op, 1),
                   ceil_mode=check_bool(op, "ceil_mode", ceil_mode))
    if any(p > k // 2 for p, k in zip(options["padding"], kernel)):
        raise ValueError(f"{op}: padding {options['padding']} must be at most half of "
                         f"kernel_size {kernel} (torch's limit: pad <= kernel_size // 2)")
    win = Windows.of(x.shape[-n:], **options)
    if min(win.out_size) < 1:
        raise ValueError(
            f"{op}: the kernel is larger than the padded input: input {tuple(x.shape)} "
            f"with kernel_size {kernel}, dilation {options['dilation']} and padding "
            f"{options['padding']} gives an output of {'x'.join(map(str, win.out_size))}")
    if win.some_window_sees_only_padding():
        raise ValueError(f"{op}: with dilation {options['dilation']} and padding "
                         f"{options['padding']}, some windows of the input {tuple(x.shape)} "
                         "cover only padding cells")
    return options, win


# ---------------------------------------------------------------------------------- pooling
def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over sliding kh x kw windows (torch.nn.functional.max_pool2d).

    Windows may overlap (stride < kernel_size); `stride` defaults to `kernel_size`.
    The input is padded with -inf (padding <= kernel_size // 2); the output size is
    floor((H + 2p - d(k-1) - 1) / s) + 1 (ceil with ceil_mode). The gradient goes to
    one position per window, the first max in row-major order on ties (as torch).
    With return_indices, also returns the argmax of each window as a flat index
    row * W + col into the input's H x W plane (int64), as torch. Integer inputs (masks:
    dilation and erosion) are pooled as float64, exact up to 2**53, without gradient.
    """
    x = _tensor(input)
    if x.dtype.kind in "iu":
        if x.numel() and np.abs(x.data).max() > 2 ** 53:
            raise ValueError("max_pool2d: integer inputs are pooled as float64, exact only "
                             "up to 2**53 in magnitude")
        pooled = max_pool2d(x.double(), kernel_size, stride, padding, dilation, ceil_mode,
                            return_indices)
        return (pooled[0].to(x.dtype), pooled[1]) if return_indices else pooled.to(x.dtype)
    x = floating_input("max_pool2d", x)
    options, win = pool_options("max_pool2d", x, kernel_size, stride, padding, dilation,
                                 ceil_mode)
    out = MaxPool2d.apply(x, **options)
    if not return_indices:
        return out
    return out, Tensor(flat_indices(first_max_offsets(x.data, out.data, win), win))


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding kh x kw windows (torch.nn.functional.avg_pool2d).

    Zero padding (padding <= kernel_size // 2). Each window is divided by its size:
    with count_include_pad the padded cells count (but not the cells a ceil_mode
    window has beyond the padding), without it only the input cells do;
    divisor_override replaces the divisor for every window.
    """
    x = floating_input("avg_pool2d", input)
    options, _ = pool_options("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    del options["dilation"]
    check_bool("avg_pool2d", "count_include_pad", count_include_pad)
    if divisor_override is not None and (isinstance(divisor_override, bool)
                                         or not isinstance(divisor_override, (int, np.integer))):
        raise TypeError(f"avg_pool2d: divisor_override must be an int, got "
                        f"{divisor_override!r}")
    if divisor_override is not None and divisor_override <= 0:
        raise ValueError(f"avg_pool2d: divisor_override must be positive, got "
                         f"{divisor_override}")
    return AvgPool2d.apply(x, **options, count_include_pad=bool(count_include_pad),
                           divisor_override=divisor_override)


# ---------------------------------------------------------------------------------- dropout
def _dropout(op: str, x: Any, p: float, training: bool, mask_shape) -> Tensor:
    x = _tensor(x)
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not check_bool(op, "training", training) or p == 0:
        return x                                     # (any dtype, as torch)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    return Dropout.apply(x, p=float(p), mask_shape=tuple(mask_shape(x.shape)))


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted
    dropout: the expected value is unchanged); the identity when not training.
    The mask comes from `tinygrad_edu.random.generator()` (seeded by manual_seed).
    `inplace` is accepted as in torch; the result is always a new tensor."""
    return _dropout("dropout", input, p, training, lambda shape: shape)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Dropout of whole channels: one draw per (n, c), shared by its H x W plane.
    Accepts (N, C, H, W) and unbatched (C, H, W) (torch's documented meaning of 3-D; torch
    2.13 still reads 3-D as (N, C, L), with a warning). A 2-D (N, features) input, as
    torch, is dropped element by element with torch's deprecation warning."""
    if _tensor(input).ndim == 2:
        warnings.warn("dropout2d: Received a 2-D input to dropout2d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead.", stacklevel=2)
        return dropout(input, p, training)
    x = floating_input("dropout2d", input, kinds="fiub")
    return _dropout("dropout2d", x, p, training, lambda shape: shape[:-2] + (1, 1))


# ---------------------------------------------------------------------------------- losses
def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if losses.numel() == 0:            # the mean of no losses: 0/0 = nan, as torch
        return losses.sum() + math.nan
    return losses.mean()


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _logits(op: str, x: Any) -> Tensor:
    x = _tensor(x)
    if x.ndim == 0:
        raise ValueError(f"{op}: expected an input of shape (C,), (N, C) or (N, C, d1, ...), "
                         f"got a 0-d tensor")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    return x


def _as_batch(op: str, x: Tensor, target: Tensor) -> tuple[Tensor, Tensor, bool]:
    """An unbatched input (C,) and its target as a batch of one, and whether they were
    unbatched; the target's shape is checked first, so an error shows the shapes given."""
    if x.ndim != 1:
        return x, target, False
    probabilities = op == "cross_entropy" and target.shape == x.shape
    if target.ndim != 0 and not probabilities:
        raise ValueError(f"{op}: unbatched input of shape {x.shape} needs a 0-d class index"
                         + (f" or probabilities of shape {x.shape}" if op == "cross_entropy"
                            else "") + f", got target of shape {target.shape}")
    return x.unsqueeze(0), target.unsqueeze(0), True


def _class_indices(op: str, x: Tensor, target: Tensor, ignore_index: int | None) -> np.ndarray:
    """The integer target array for input x (N, C, d1, ...), checked like torch's nll_loss:
    each in [0, C) or equal to ignore_index (when there is one)."""
    expected = x.shape[:1] + x.shape[2:]
    if target.shape != expected:
        raise ValueError(f"{op}: input of shape {x.shape} needs class indices of shape "
                         f"{expected}" + (f" or probabilities of shape {x.shape}"
                                          if op == "cross_entropy" else "")
                         + f", got target of shape {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index target of shape {target.shape} must have an "
                        f"integer dtype, got {target.dtype}")
    t = target.data
    if t.size == 0 or 0 <= t.min() and t.max() < x.shape[1]:     # the usual case, two reductions
        return t
    bad = (t < 0) | (t >= x.shape[1])
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        ignored = "" if ignore_index is None else f" or target == ignore_index={ignore_index}"
        raise ValueError(f"{op}: target {t[bad].flat[0]} is out of bounds for input of shape "
                         f"{x.shape} (expected 0 <= target < {x.shape[1]}{ignored})")
    return t


def _class_weight(op: str, weight: Any, x: Tensor) -> Tensor | None:
    """The per-class weight (C,), a constant: one that requires grad is refused, as torch
    does for class-index targets (it differentiates it only for probability targets)."""
    if weight is None:
        return None
    weight = _tensor(weight)
    if weight.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(f"{op}: the class weight is not differentiated here; pass "
                           "weight.detach()")
    weight = weight.to(x.dtype)
    if weight.shape != (x.shape[1],):
        raise ValueError(f"{op}: weight must have shape ({x.shape[1]},), one per class of "
                         f"input {x.shape}, got {weight.shape}")
    return weight


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  *, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits (N, C), (N, C, d1, ...) or unbatched (C,), one fused
    primitive (see `ops.loss.CrossEntropy` for the math and its VJP (softmax - onehot)/N).

    `target`: class indices (N,) / (N, d1, ...) / () of an integer dtype, or class
    probabilities shaped like the input. `weight` (C,) is a constant per-class weight;
    'mean' divides by the summed weights of the non-ignored targets, as torch.
    """
    op = "cross_entropy"
    ignore_index = _integer(ignore_index, "ignore_index", op)
    _check_reduction(op, reduction)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"{op}: label_smoothing must be between 0 and 1, got "
                         f"{label_smoothing}")
    x, target = _logits(op, input), _tensor(target)
    if target.shape == x.shape and target.dtype.kind != "f":
        raise TypeError(f"{op}: a target shaped like the input {x.shape} holds class "
                        f"probabilities and must be floating point, got {target.dtype} "
                        "(for one-hot labels, pass the class indices: their argmax over "
                        "the class dim)")
    x, target, unbatched = _as_batch(op, x, target)
    if target.shape == x.shape:
        if ignore_index >= 0:
            raise ValueError(f"{op}: ignore_index ({ignore_index}) does not apply to class "
                             "probability targets (as in torch)")
        dtype = promote(x.dtype, target.dtype)     # (float64 probabilities: float64, torch)
        x, target = x.to(dtype), target.to(dtype)
    else:
        _class_indices(op, x, target, ignore_index)
    weights = () if weight is None else (_class_weight(op, weight, x),)
    out = CrossEntropy.apply(x, target, *weights, ignore_index=int(ignore_index),
                             reduction=reduction, label_smoothing=float(label_smoothing))
    return out.squeeze(0) if unbatched and reduction == "none" else out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             *, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C, ...): loss_i = -w_(y_i) x[i, y_i].

    Composed: a gather of x at the targets (getitem), times constant weights that are 0
    at ignored targets; 'mean' divides by the summed weights, as torch.
    """
    op = "nll_loss"
    ignore_index = _integer(ignore_index, "ignore_index", op)
    _check_reduction(op, reduction)
    x, target = _logits(op, input), _tensor(target)
    x, target, unbatched = _as_batch(op, x, target)
    t = _class_indices(op, x, target, ignore_index)
    weight = _class_weight(op, weight, x)
    kept = t != ignore_index
    safe = np.where(kept, t, 0)
    w = (1 if weight is None else weight.data[safe]) * kept
    picked = x.take_along_dim(np.expand_dims(safe, 1), 1).squeeze(1)
    losses = -picked * Tensor(w.astype(x.dtype))
    if reduction == "mean":
        total_weight = float(w.sum())
        if total_weight == 0:      # torch's loss 0/0 = nan; the gradient is 0 when every
            if not kept.any():     # target is ignored, else nan at the targets (0/0 too)
                return losses.sum() + math.nan
            return (losses * np.where(kept, math.nan, 0).astype(x.dtype)).sum()
        return losses.sum() / total_weight
    out = _reduce(losses, reduction)
    return out.squeeze(0) if unbatched and reduction == "none" else out


def _same_shape(op: str, input: Any, target: Any, **promote: bool) -> tuple[Tensor, Tensor]:
    """input and target as Tensors of one shape. Without `promote` the input must be floating
    point and a target of another kind is cast to its dtype; with `_float_operands`' options
    both are promoted together, as torch's mse_loss (int, float32) is float32."""
    x, t = _tensor(input), _tensor(target)
    if x.shape != t.shape:
        raise ValueError(f"{op}: target shape {t.shape} must match input shape {x.shape}")
    if promote:
        x, t = _float_operands(op, x, t, **promote)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    return x, t.to(x.dtype) if t.dtype.kind != "f" else t


def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """(input - target)**2, reduced. Composed; shapes must match (no silent broadcasting).
    `weight` (input's shape, torch 2.x) multiplies each term; its mean is then
    sum(w l) / sum(w)."""
    _check_reduction("mse_loss", reduction)
    x, t = _same_shape("mse_loss", input, target, integers=False, bools=True)
    diff = x - t
    return _elementwise_weighted("mse_loss", diff * diff, weight, reduction)


def log1p_exp(z: Tensor) -> Tensor:
    """log(1 + e^z) (softplus) for any z, without overflow and smooth at 0:

        z > 0:   z + log1p(e^-z)        z <= 0:   log1p(e^z)

    The clamps keep each exp's argument <= 0, so neither piece overflows anywhere.
    Derivative sigmoid(z) = e^z / (1 + e^z) from either piece; second sigmoid(z) sigmoid(-z)
    (1/4 at z = 0, where a max(z, 0) + log(1 + e^-|z|) form would give 0).
    """
    return (z + (-z.clamp(min=0)).exp().log1p()).where(z.data > 0, z.clamp(max=0).exp().log1p())


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, *, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """-w [pw t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], computed stably as

        (1 - t) x + (1 + (pw - 1) t) softplus(-x)

    with softplus = `log1p_exp`, exact to every order (also at x = 0). Composed.
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(op, reduction)
    x, t = _same_shape(op, input, target)
    softplus = log1p_exp(-x)
    scale = 1 if pos_weight is None else 1 + (
        _checked_weight(op, pos_weight, x, "pos_weight") - 1) * t
    losses = (1 - t) * x + scale * softplus
    return _reduce(_weighted(op, losses, weight), reduction)


def _elementwise_weighted(op: str, losses: Tensor, weight: Tensor | None, reduction: str,
                         mean_over_weights: bool = True) -> Tensor:
    """The reduced losses with torch 2.x's per-element `weight` of l1/mse/huber loss: of
    the input's shape, multiplying each term; the mean is sum(w l) / sum(w) (huber's is
    torch's mean(w l): mean_over_weights=False)."""
    if weight is None:
        return _reduce(losses, reduction)
    w = _tensor(weight).to(losses.dtype)
    if w.shape != losses.shape:
        raise ValueError(f"{op}: weight must have the input's shape {tuple(losses.shape)}, "
                         f"got {tuple(w.shape)}")
    if reduction == "mean" and mean_over_weights:
        return (losses * w).sum() / w.sum()
    return _reduce(losses * w, reduction)


def _weighted(op: str, losses: Tensor, weight: Tensor | None) -> Tensor:
    """losses * weight, a weight that broadcasts to the losses' shape (None: as they are)."""
    return losses if weight is None else losses * _checked_weight(op, weight, losses)


def _checked_weight(op: str, weight: Any, like: Tensor, name: str = "weight") -> Tensor:
    """`weight` in like's dtype, refused unless it broadcasts to like's shape."""
    w = _tensor(weight).to(like.dtype)
    if not _broadcasts_to(w.shape, like.shape):
        raise ValueError(f"{op}: {name} of shape {tuple(w.shape)} cannot be broadcast to "
                         f"input shape {tuple(like.shape)}")
    return w


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    try:
        return broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, *, reduction: str = "mean") -> Tensor:
    """torch's multiclass hinge loss, averaged over the C classes:

        loss_i = (1/C) sum_(c != y_i) w_(y_i) max(0, margin - x[i, y_i] + x[i, c])**p

    The CS231n SVM loss (Weston-Watkins, margin 1) is the same sum without the
    1/C, i.e. C times this. Composed from gather, relu and sums.
    """
    op = "multi_margin_loss"
    _check_reduction(op, reduction)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 are supported, got {p}")
    x, target = _logits(op, input), _tensor(target)
    x, target, unbatched = _as_batch(op, x, target)
    if x.ndim != 2:
        raise ValueError(f"{op}: expected an input of shape (N, C) or (C,), got {x.shape}")
    t = _class_indices(op, x, target, ignore_index=None)
    n_classes = x.shape[1]
    others = np.arange(n_classes) != t[:, None]
    hinge = (margin - x.take_along_dim(t[:, None], 1) + x).relu() * Tensor(others.astype(x.dtype))
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * Tensor(_class_weight(op, weight, x).data[t][:, None])
    losses = hinge.sum(1) / n_classes
    out = _reduce(losses, reduction)
    return out.squeeze(0) if unbatched and reduction == "none" else out


for _fn in (max_pool2d, avg_pool2d):
    setattr(Tensor, _fn.__name__, _fn)
