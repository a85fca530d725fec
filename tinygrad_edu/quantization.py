"""Fake quantization (quantization-aware training), torch.fake_quantize_per_tensor_affine
and torch.fake_quantize_per_channel_affine:

    q   = clamp(round(x / scale) + zero_point, quant_min, quant_max)   (half to even)
    out = (q - zero_point) * scale

so out lies on the grid the integer model will use. round has derivative 0 almost
everywhere, which would stop training; the gradient is instead the straight-through
estimator, 1 where round(x / scale) + zero_point falls inside [quant_min, quant_max] and 0
where the clamp cut it (inf is clamped, as torch): out = x|inside - x.detach()|inside +
out_values. As torch, scale is a float32 number and x / scale is taken as x * (1 / scale),
its reciprocal in float32 (so that halves round alike); scale and zero_point are
constants. Float32 results equal torch's bit for bit while the levels stay below 2^24;
for float64 input torch's per-tensor form rounds its result through float32, here it
stays float64; float16 input is computed in float32, as torch. A float zero point (per
channel, as in torch's learnable quantization) is added before rounding:
q = clamp(round(x / scale + zero_point), ...), as torch (the result may differ from
torch's in the last bit); the per-tensor zero point must be an integer.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import check_int
from .tensor import Tensor, _axis, _tensor


def fake_quantize_per_tensor_affine(input: Tensor, scale: Any, zero_point: Any,
                                    quant_min: int, quant_max: int) -> Tensor:
    """One scale and zero_point for the whole tensor (numbers or one-element Tensors)."""
    op = "fake_quantize_per_tensor_affine"
    x = _floating(op, input)
    scale, zero_point = _number(scale), _number(zero_point)
    if not float(zero_point).is_integer():
        raise TypeError(f"{op}: zero_point must be an integer, got {zero_point}")
    _check_range(op, quant_min, quant_max, np.array([zero_point]))
    return _fake_quantized(x, np.float32(scale), np.asarray(zero_point), quant_min, quant_max)


def fake_quantize_per_channel_affine(input: Tensor, scale: Any, zero_point: Any, axis: int,
                                     quant_min: int, quant_max: int) -> Tensor:
    """A scale and zero_point per channel along `axis` (1-D, of that axis' length)."""
    op = "fake_quantize_per_channel_affine"
    x = _floating(op, input)
    if x.ndim == 0:
        raise ValueError(f"{op}: the input needs an axis of channels, got a 0-d tensor")
    axis = _axis(x, axis, op)
    scales, points = (np.asarray(getattr(v, "data", v)) for v in (scale, zero_point))
    if scales.shape != (x.shape[axis],) or points.shape != (x.shape[axis],):
        raise ValueError(f"{op}: scale and zero_point must have shape ({x.shape[axis]},), "
                         f"one per channel along axis {axis} of {x.shape}; got "
                         f"{scales.shape} and {points.shape}")
    _check_range(op, quant_min, quant_max, points)
    along = (-1,) + (1,) * (x.ndim - axis - 1)
    return _fake_quantized(x, scales.astype(np.float32).reshape(along), points.reshape(along),
                           quant_min, quant_max)


def _fake_quantized(x: Tensor, scale: np.ndarray, zero_point: np.ndarray, quant_min: int,
                    quant_max: int) -> Tensor:
    work = np.promote_types(x.dtype, np.float32)                 # (float16 in float32)
    data = x.data.astype(work, copy=False)
    reciprocal = (np.float32(1) / scale).astype(work)             # (float32, as torch)
    with np.errstate(invalid="ignore"):                           # (inf * 0 scale: nan)
        if zero_point.dtype.kind == "f":            # a float zero point: shift, then round
            levels = np.round(data * reciprocal + zero_point)
        else:
            levels = np.round(data * reciprocal) + zero_point     # round, then shift
    inside = (levels >= quant_min) & (levels <= quant_max)
    values = ((np.clip(np.nan_to_num(levels, nan=quant_min), quant_min, quant_max)
               - zero_point) * scale.astype(work)).astype(x.dtype)
    through = x.where(inside, 0)                 # x's gradient passes where inside; the
    return through - Tensor(through.data) + Tensor(values)      # value is exactly `values`


def _floating(op: str, input: Any) -> Tensor:
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {x.dtype}")
    return x


def _number(value: Any) -> float:
    array = np.asarray(getattr(value, "data", value))
    if array.size != 1:
        raise ValueError(f"fake_quantize_per_tensor_affine: scale and zero_point must be "
                         f"numbers or one-element tensors, got shape {array.shape}")
    return array.reshape(()).item()


def _check_range(op: str, quant_min: int, quant_max: int, zero_points: np.ndarray) -> None:
    for name, value in (("quant_min", quant_min), ("quant_max", quant_max)):
        check_int(op, name, value)
    if quant_min > quant_max:
        raise ValueError(f"{op}: quant_min ({quant_min}) must be <= quant_max ({quant_max})")
    if np.any((zero_points < quant_min) | (zero_points > quant_max)):
        raise ValueError(f"{op}: zero_point must be between quant_min ({quant_min}) and "
                         f"quant_max ({quant_max}), got {zero_points.tolist()}")
