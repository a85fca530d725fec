"""`nn.functional`: the functional forms of the layers, as `torch.nn.functional`.

The CNN primitives (convolutions, pooling, dropout, the losses) live in the engine
and are re-exported here unchanged; this module adds the few forms that are
compositions of engine ops: `linear`, `relu`, `leaky_relu`, `batch_norm`.
`inplace=True` is accepted wherever torch has it; the result is always a new tensor
and the input is left as it was (README: this engine does not record in-place ops).
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from tinygrad_edu import (Tensor, avg_pool2d, binary_cross_entropy_with_logits, conv2d,
                          conv_transpose2d, cross_entropy, dropout, dropout2d, flatten,
                          max_pool2d, mse_loss, multi_margin_loss, nll_loss, pad, sigmoid, tanh)
from tinygrad_edu.dtypes import check_bool, float16_via_float32
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.ops import elementwise as ew
from tinygrad_edu.ops.linalg import Affine
from tinygrad_edu.shapes import broadcast_shapes
from tinygrad_edu.tensor import _tensor

__all__ = ["linear", "leaky_relu", "batch_norm", "conv2d", "conv_transpose2d", "max_pool2d",
           "avg_pool2d", "dropout", "dropout2d", "cross_entropy", "nll_loss", "mse_loss",
           "binary_cross_entropy_with_logits", "multi_margin_loss", "relu", "sigmoid", "tanh",
           "flatten", "pad"]

from .functional_more import *  # noqa: E402,F401,F403  (activations, norms, embedding, losses)
from .functional_more import __all__ as _more_names  # noqa: E402
from .functional_more import _floating, _move_running_stats, _standardized  # noqa: E402

__all__ += _more_names

from tinygrad_edu.resample import (adaptive_avg_pool2d, adaptive_max_pool2d,  # noqa: E402
                                   interpolate, upsample, upsample_bilinear, upsample_nearest)
from tinygrad_edu.unfold import fold, unfold  # noqa: E402
from tinygrad_edu.grid_sample import affine_grid, grid_sample  # noqa: E402

__all__ += ["unfold", "fold", "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate",
            "affine_grid", "grid_sample", "upsample", "upsample_bilinear", "upsample_nearest"]

from tinygrad_edu.cnn1d import (adaptive_avg_pool1d, adaptive_max_pool1d,  # noqa: E402
                                avg_pool1d, conv1d, conv_transpose1d, dropout1d, max_pool1d)

__all__ += ["conv1d", "conv_transpose1d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
            "adaptive_max_pool1d", "dropout1d"]

from tinygrad_edu.cnn3d import (adaptive_avg_pool3d, adaptive_max_pool3d,  # noqa: E402
                                avg_pool3d, conv3d, conv_transpose3d, dropout3d, max_pool3d)

__all__ += ["conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d",
            "adaptive_max_pool3d", "lp_pool3d", "max_unpool3d", "dropout3d"]

from tinygrad_edu.fractional_pool import (fractional_max_pool2d,  # noqa: E402
                                          fractional_max_pool3d)

__all__ += ["fractional_max_pool2d", "fractional_max_pool3d"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """out = input @ weight^T + bias, weight of shape (out_features, in_features): the
    primitive Affine (ops/linalg.py). A bias of another shape or dtype is added after it
    (broadcast and promoted as by +). A 1-D weight (in_features,) without a bias gives
    input @ weight, of shape input.shape[:-1], as torch."""
    input, weight = _tensor(input), _tensor(weight)
    if weight.ndim == 1 and bias is None:
        return linear(input, weight.unsqueeze(0)).squeeze(-1)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), or 1-D "
                         f"without a bias, got shape {tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        features = input.shape[-1] if input.ndim else "no"
        raise ValueError(f"linear: input has {features} features (shape {input.shape}) "
                         f"but weight {tuple(weight.shape)} expects {weight.shape[1]}")
    if input.dtype != weight.dtype or input.dtype.kind != "f":
        raise TypeError(f"linear: input and weight must be floating point of one dtype, got "
                        f"{input.dtype} and {weight.dtype}")
    bias = None if bias is None else _tensor(bias)
    if bias is not None and bias.shape != weight.shape[:1]:
        _check_bias_fits(bias.shape, (*input.shape[:-1], weight.shape[0]))
    if bias is None or bias.shape != weight.shape[:1] or bias.dtype != input.dtype:
        out = Affine.apply(input, weight)
        return out if bias is None else out + bias
    return Affine.apply(input, weight, bias)


def _check_bias_fits(bias: tuple, out: tuple) -> None:
    """A bias must broadcast to the output's shape ((out_features,), (1,), ()...), as
    torch's addmm asks; for other ranks torch adds it, so it need only broadcast with it."""
    try:
        shape = broadcast_shapes(bias, out)
        if len(out) == 2 and shape != out:
            raise ValueError
    except ValueError:
        raise ValueError(f"linear: bias of shape {bias} does not fit the output of shape "
                         f"{out} (expected ({out[-1]},))") from None


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), the primitive op (gradient 0 at 0, as torch)."""
    return _tensor(input).relu()


@float16_via_float32
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x (gradient negative_slope at 0, as torch), the
    primitive op `leaky_relu`."""
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"leaky_relu: expected a floating point input, got {x.dtype} (as "
                        "torch); convert it with .float()")
    return ew.LeakyRelu.apply(x, slope=float(negative_slope))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) over the batch and spatial axes:

        out = (x - mean) / sqrt(var + eps) * weight + bias

    Training: mean and the biased var come from this batch (gradients flow through
    them: the primitive Standardize, as layer_norm), and the running statistics move
    towards them in place,
    running = (1 - momentum) * running + momentum * batch, with the *unbiased*
    variance var * n / (n - 1) for running_var (torch's rule). Evaluation: the
    running statistics are used as constants (torch refuses ones that require grad).
    """
    input = _floating("batch_norm", input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    for role, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != channels:
            raise ValueError(f"batch_norm: {role} should contain {channels} elements, one per "
                             f"channel of input {input.shape}, got shape {tuple(t.shape)}")
        if t is not None and t.dtype != input.dtype and not (      # (a float16 input with
                input.dtype == np.float16 and t.dtype == np.float32):   # float32 ones: torch's)
            raise TypeError(f"batch_norm: the input is {input.dtype} but {role} is {t.dtype}; "
                            "convert one (model.double(), or x.float()), as torch refuses "
                            "mixed dtypes here")
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: running_mean and running_var must both be given or both "
                         "be None (as torch)")
    if check_bool("batch_norm", "training", training) and not eps > 0:
        raise ValueError(f"batch_norm: eps must be positive during training, got {eps}")
    if not eps >= 0:
        raise ValueError(f"batch_norm: eps must be non-negative, got {eps}")
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    # float16 computes in float32 and rounds once at the end, as torch (its "opmath"):
    # squared deviations over 256 overflow float16
    x = input.float() if input.dtype == np.float16 else input
    if training:
        n = input.numel() // channels if channels else 0
        if n == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {input.shape}")
        if n == 0:      # an empty batch: an empty result, the running statistics kept (torch)
            return _affine_per_channel(input, weight, bias, shape)
        if running_mean is not None and running_var is not None:
            _move_running_stats(running_mean, running_var, x.data.mean(axis=axes),
                                x.data.var(axis=axes, ddof=1), momentum)
        out = _affine_per_channel(_standardized(x, axes, eps), weight, bias, shape)
        return out.to(input.dtype)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running_mean and running_var")
        if is_grad_enabled() and (running_mean.requires_grad or running_var.requires_grad):
            raise RuntimeError("batch_norm: not differentiable with respect to running_mean "
                               "or running_var (as torch); detach them")
        # constants per channel, so as torch: out = x * scale + shift, two passes over x
        rstd = 1 / np.sqrt(running_var.data.astype(x.dtype) + x.dtype.type(eps))
        scale = rstd if weight is None else weight * Tensor(rstd)
        shift = -running_mean.data * scale
        if bias is not None:
            shift = shift + bias
        out = x * _tensor(scale).reshape(shape) + _tensor(shift).reshape(shape)
        return out.to(input.dtype)                 # (float16 in, float16 out: as torch)


def _affine_per_channel(normalized: Tensor, weight: Tensor | None, bias: Tensor | None,
                        shape: tuple) -> Tensor:
    """normalized * weight + bias, one of each per channel (shape (1, C, 1, ...))."""
    out = normalized
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out.to(normalized.dtype)


from .functional_extra import *  # noqa: E402,F401,F403  (more activations, shuffles, distances)
from .functional_extra import __all__ as _extra_names  # noqa: E402
from .functional_norm import *  # noqa: E402,F401,F403  (instance, RMS, local response norms)
from .functional_norm import __all__ as _norm_names  # noqa: E402
from .functional_loss import *  # noqa: E402,F401,F403  (margin, multi-label, NLL losses)
from .ctc import ctc_loss  # noqa: E402,F401
from .unpool import (lp_pool1d, lp_pool2d, lp_pool3d, max_unpool1d,  # noqa: E402,F401
                     max_unpool2d, max_unpool3d)
from .functional_loss import __all__ as _loss_names  # noqa: E402

__all__ += _extra_names + _norm_names + _loss_names + ["ctc_loss", "lp_pool1d", "lp_pool2d",
                                                       "max_unpool1d", "max_unpool2d"]

from .attention import scaled_dot_product_attention  # noqa: E402
from .attention_functional import multi_head_attention_forward  # noqa: E402

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _with_indices(pool):
    """torch's F.max_pool2d_with_indices and the like: the pool with return_indices=True."""
    signature = inspect.signature(pool)

    def pool_with_indices(input: Tensor, *args: Any, **kwargs: Any) -> tuple:
        call = signature.bind(input, *args, **kwargs)     # (return_indices may come
        call.arguments["return_indices"] = True           # positionally, as torch allows)
        return pool(*call.args, **call.kwargs)
    pool_with_indices.__name__ = pool_with_indices.__qualname__ = f"{pool.__name__}_with_indices"
    pool_with_indices.__doc__ = f"{pool.__name__}(..., return_indices=True): (values, indices)."
    return pool_with_indices


for _pool in (max_pool1d, max_pool2d, max_pool3d, adaptive_max_pool1d, adaptive_max_pool2d,
              adaptive_max_pool3d, fractional_max_pool2d, fractional_max_pool3d):
    globals()[f"{_pool.__name__}_with_indices"] = _with_indices(_pool)
    __all__.append(f"{_pool.__name__}_with_indices")

from tinygrad_edu.in_place import in_place_of  # noqa: E402

for _fn in (relu, elu, leaky_relu, hardtanh, threshold, selu, celu, rrelu):  # noqa: F405
    globals()[f"{_fn.__name__}_"] = in_place_of(_fn, _fn.__name__, f"`F.{_fn.__name__}(x, ...)`")
    __all__.append(f"{_fn.__name__}_")      # F.relu_(x): x itself changed, as torch

from tinygrad_edu import aliases as _aliases  # noqa: E402

_aliases.install(globals())     # axis=/keepdims= as torch's native functions take them
