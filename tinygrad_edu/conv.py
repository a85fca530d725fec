"""`conv2d` and `conv_transpose2d` as in torch.nn.functional: argument checks, then the primitives.

The arithmetic and the VJPs live in `ops/conv.py`; this module turns torch's arguments
(ints or pairs, 'same'/'valid', output_padding, unbatched input) into the primitives'
explicit geometry. conv2d's bias is an input of the Conv2d primitive (one GEMM adds it);
conv_transpose2d adds its bias as a broadcast add (its gradient, the sum of g over batch
and pixels, comes from the engine). Both are also Tensor methods.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .ops.conv import Conv2d, ConvTranspose2d
from .shapes import _SEQUENCE, int_tuple
from .tensor import Tensor

IntOrPair = int | Sequence[int]
_AXES = {1: "L", 2: "H, W", 3: "D, H, W"}


# The checks take the number n of spatial axes: conv1d and conv3d (cnn1d.py, cnn3d.py) use
# them with n = 1 and 3.
def check_conv_tensors(op: str, input: Tensor, weight: Tensor, bias: Tensor | None,
                       n: int = 2) -> bool:
    """Check types, ranks (n spatial axes, batched or not) and dtypes; True when the input
    is unbatched (C, *spatial)."""
    for t, role in ((input, "input"), (weight, "weight"), (bias, "bias")):
        if (t is not None or role != "bias") and not isinstance(t, Tensor):
            raise TypeError(f"{op}: {role} must be a Tensor, got {type(t).__name__}")
    if input.ndim not in (n + 1, n + 2):
        raise ValueError(f"{op}: expected a {n + 2}-D input (N, C, {_AXES[n]}) or a {n + 1}-D "
                         f"unbatched input (C, {_AXES[n]}), got shape {input.shape}")
    if weight.ndim != n + 2:
        raise ValueError(f"{op}: expected a {n + 2}-D weight, got shape {weight.shape}")
    if 0 in weight.shape:
        raise ValueError(f"{op}: the weight {weight.shape} has an empty axis; kernel sizes "
                         "and channel counts must be positive")
    for t, role in ((input, "input"), (weight, "weight"), (bias, "bias")):
        if t is not None and t.dtype.kind != "f":
            raise TypeError(f"{op}: {role} must be a floating point tensor, got {t.dtype}")
    for t, role in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"{op}: input is {input.dtype} but {role} is {t.dtype}; "
                            "convert one with .to()")
    return input.ndim == n + 1


def check_channels(op: str, input: Tensor, weight: Tensor, groups: int) -> None:
    """ValueError unless input's channels (axis 1, or 0 unbatched) are weight.shape[1] per
    group, as a convolution's weight (O, C/groups, *kernel) needs."""
    channels, expected = input.shape[1 - weight.ndim], weight.shape[1] * groups
    if channels != expected:
        per_group = f" ({weight.shape[1]} per group x {groups} groups)" if groups > 1 else ""
        raise ValueError(f"{op}: input has {channels} channels but weight expects "
                         f"{expected}{per_group}; input {input.shape}, weight {weight.shape}")


def conv_padding(op: str, padding: Any, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """A convolution's `padding` as (before, after) per spatial axis: an int or one per
    axis (both sides), 'valid' (none) or 'same' (stride 1; see same_padding)."""
    n = len(kernel)
    if not isinstance(padding, str):
        return tuple((p, p) for p in int_tuple(padding, n, "padding", op, 0))
    if padding == "valid":
        return ((0, 0),) * n
    if padding != "same":
        raise ValueError(f"{op}: padding must be an int, {_SEQUENCE[n]}, 'valid' or 'same', "
                         f"got {padding!r}")
    if stride != (1,) * n:
        raise ValueError(f"{op}: padding='same' needs stride 1, got stride={stride}")
    return same_padding(kernel, dilation)


def _check_groups(op: str, groups: int, in_channels: int, out_channels: int) -> int:
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    for what, n in (("input channels", in_channels), ("output channels", out_channels)):
        if n % groups:
            raise ValueError(f"{op}: groups={groups} does not divide the {n} {what}")
    return int(groups)


def _check_bias(op: str, bias: Tensor | None, out_channels: int) -> None:
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},) (one per output "
                         f"channel), got {bias.shape}")


def same_padding(kernel: tuple, dilation: tuple) -> tuple:
    """Total padding d*(k-1) per axis, the odd one extra at the bottom/right (as torch)."""
    return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                 for k, d in zip(kernel, dilation))


def check_kernel_fits(op: str, kernel: tuple, dilation: tuple, sizes: tuple, pads: tuple,
                      described: str, what: str = "input") -> None:
    """ValueError unless the dilated kernel fits in the padded input (one window at least);
    pads are (before, after) per spatial axis, `described` says where the input comes from."""
    padded = tuple(n + before + after for n, (before, after) in zip(sizes, pads))
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(span > n for span, n in zip(spans, padded)):
        def show(numbers: tuple) -> str:
            return "x".join(map(str, numbers))
        raise ValueError(f"{op}: kernel {show(kernel)} (dilated to {show(spans)}) is larger "
                         f"than the padded {what} {show(padded)} ({described})")


def conv_options(op: str, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                 padding: Any, dilation: Any, groups: Any, n: int) -> tuple:
    """A convolution's options over n spatial axes, checked by torch's rules with errors
    naming `op`: (stride, dilation, pads as (before, after) per axis, groups)."""
    stride = int_tuple(stride, n, "stride", op, 1)
    dilation = int_tuple(dilation, n, "dilation", op, 1)
    pads = conv_padding(op, padding, weight.shape[2:], stride, dilation)
    groups = _check_groups(op, groups, input.shape[-n - 1], weight.shape[0])
    check_channels(op, input, weight, groups)
    check_kernel_fits(op, weight.shape[2:], dilation, input.shape[-n:], pads,
                      f"input {input.shape}")
    _check_bias(op, bias, weight.shape[0])
    return stride, dilation, pads, groups


def conv_transpose_options(op: str, input: Tensor, weight: Tensor, bias: Tensor | None,
                           stride: Any, padding: Any, output_padding: Any, groups: Any,
                           dilation: Any, n: int) -> tuple:
    """A transposed convolution's options over n spatial axes, checked by torch's rules with
    errors naming `op`: (stride, dilation, padding, output_padding, groups, output size)."""
    stride = int_tuple(stride, n, "stride", op, 1)
    dilation = int_tuple(dilation, n, "dilation", op, 1)
    pads = int_tuple(padding, n, "padding", op, 0)
    extra = int_tuple(output_padding, n, "output_padding", op, 0)
    groups = _check_groups(op, groups, weight.shape[0], weight.shape[1] * groups)
    channels = input.shape[-n - 1]
    if channels != weight.shape[0]:
        raise ValueError(f"{op}: input has {channels} channels but weight expects "
                         f"{weight.shape[0]}; input {input.shape}, weight {weight.shape}")
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{op}: output_padding {extra} must be smaller than stride "
                         f"{stride} or dilation {dilation}")
    _check_bias(op, bias, weight.shape[1] * groups)
    out_size = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 + e for i, s, p, d, k, e in zip(
        input.shape[-n:], stride, pads, dilation, weight.shape[2:], extra))
    if min(out_size) < 1:
        raise ValueError(f"{op}: the output size {out_size} would be empty (input "
                         f"{input.shape}, kernel {weight.shape[2:]}, padding {pads})")
    return stride, dilation, pads, extra, groups, out_size


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrPair = 1,
           padding: IntOrPair | str = 0, dilation: IntOrPair = 1, groups: int = 1) -> Tensor:
    """2-D convolution (a cross-correlation, as in every framework), torch.nn.functional.conv2d.

    input (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw); bias (O,) or None.

        out[n,o,i,j] = bias[o] + sum_{c,a,b} weight[o,c,a,b] x[n, c', i*sh + a*dh - ph,
                                                                j*sw + b*dw - pw]

    with x read as 0 outside the image, c' = group(o) * C/groups + c, and
    OH = (H + 2ph - dh*(kh-1) - 1) // sh + 1. `padding` is an int, a pair, 'valid' (0) or
    'same' (output size = input size, stride 1; an odd total padding puts the extra
    row/column at the bottom/right, as torch).
    """
    op = "conv2d"
    unbatched = check_conv_tensors(op, input, weight, bias)
    x = input.unsqueeze(0) if unbatched else input
    stride, dilation, pads, groups = conv_options(op, input, weight, bias, stride, padding,
                                                  dilation, groups, 2)
    params = (weight,) if bias is None else (weight, bias)
    out = Conv2d.apply(x, *params, stride=stride, padding=pads, dilation=dilation,
                       groups=groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrPair = 1, padding: IntOrPair = 0,
                     output_padding: IntOrPair = 0, groups: int = 1,
                     dilation: IntOrPair = 1) -> Tensor:
    """Transposed convolution, torch.nn.functional.conv_transpose2d: the adjoint of conv2d.

    input (N, Cin, H, W) or (Cin, H, W); weight (Cin, Cout/groups, kh, kw) (the weight of
    the conv2d it transposes, which maps Cout channels to Cin); bias (Cout,) or None.
    conv2d with the same weight, stride, padding and dilation maps the output back to
    the input's size, and <conv2d(y, w), x> = <y, conv_transpose2d(x, w)>.
    HO = (H - 1)*sh - 2ph + dh*(kh - 1) + 1 + output_padding: output_padding (< stride or
    < dilation) picks among the sizes that conv2d maps to H; the extra rows only get bias.
    """
    op = "conv_transpose2d"
    unbatched = check_conv_tensors(op, input, weight, bias)
    x = input.unsqueeze(0) if unbatched else input
    stride, dilation, pads, _, groups, out_size = conv_transpose_options(
        op, input, weight, bias, stride, padding, output_padding, groups, dilation, 2)
    geometry = dict(stride=stride, padding=tuple((p, p) for p in pads), dilation=dilation,
                    groups=groups)
    out = ConvTranspose2d.apply(x, weight, **geometry, out_size=out_size)
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1)
    return out.squeeze(0) if unbatched else out


Tensor.conv2d = conv2d
Tensor.conv_transpose2d = conv_transpose2d
