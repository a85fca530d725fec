"""The 1-D CNN ops of torch.nn.functional, on signals (N, C, L) or unbatched (C, L):
conv1d, conv_transpose1d, max_pool1d, avg_pool1d, adaptive_avg_pool1d,
adaptive_max_pool1d and dropout1d.

A length-L signal is an image of height 1. conv1d(x, w) is conv2d of x[..., None, :]
with the 1 x k kernel w[..., None, :], stride (1, s), padding (0, p) and dilation (1, d),
its height axis dropped again; the pools likewise. Each op first checks its arguments
as its 2-D twin does, with errors that name the 1-D op and its shapes, so the 2-D op's
own checks then always pass. Values, gradients and second derivatives are exactly
those of the 2-D ops (the added and dropped axis is a reshape): nothing here has a
backward of its own.

The checks are the 2-D ops' own, for one spatial axis (`check_conv_tensors`,
`conv_options`, `conv_transpose_options` and `pool_options` take the number of axes).
"""
from __future__ import annotations

from typing import Any, Sequence

from .cnn import _dropout, avg_pool2d, floating_input, max_pool2d, pool_options
from .composed import ValuesIndices
from .conv import (check_conv_tensors, conv2d, conv_options, conv_transpose2d,
                   conv_transpose_options)
from .resample import adaptive_avg_pool2d, adaptive_max_pool2d
from .shapes import int_tuple
from .tensor import Tensor

IntOrTuple = int | Sequence[int]
SIGNAL = "2-D (C, L) or 3-D (N, C, L)"


def _image(t: Tensor) -> Tensor:
    """A signal (..., L) as an image of height 1, (..., 1, L)."""
    return t.unsqueeze(-2)


def _height_one(options: dict) -> dict:
    """1-D pooling options as those of the height-1 image: kernel, stride and dilation
    (1, v), padding (0, p)."""
    return {name: value if name == "ceil_mode" else ((0,) if name == "padding" else (1,)) + value
            for name, value in options.items()}


# ---------------------------------------------------------------------------------- convolution
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """1-D convolution (a cross-correlation), torch.nn.functional.conv1d.

    input (N, C, L) or (C, L); weight (O, C/groups, k); bias (O,) or None.

        out[n, o, i] = bias[o] + sum_{c, a} weight[o, c, a] x[n, c', i*s + a*d - p]

    with x read as 0 outside the signal, c' = group(o) * C/groups + c and
    OL = (L + 2p - d*(k-1) - 1) // s + 1. `padding` is an int, (p,), 'valid' (0) or 'same'
    (output length = L, stride 1; an odd total padding puts the extra cell on the right).
    """
    op = "conv1d"
    check_conv_tensors(op, input, weight, bias, 1)
    stride, dilation, pads, groups = conv_options(op, input, weight, bias, stride, padding,
                                                  dilation, groups, 1)
    rows_padding = padding if isinstance(padding, str) else (0, pads[0][0])
    out = conv2d(_image(input), _image(weight), bias, (1, *stride), rows_padding, (1, *dilation),
                 groups)
    return out.squeeze(-2)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """Transposed 1-D convolution, torch.nn.functional.conv_transpose1d: conv1d's adjoint.

    input (N, Cin, L) or (Cin, L); weight (Cin, Cout/groups, k) (the weight of the conv1d
    it transposes, which maps Cout channels to Cin); bias (Cout,) or None. Every input
    cell spreads over a kernel-sized stretch of the output:

        out[n, c', i*s + a*d - p] += x[n, j, i] weight[j, c, a],   c' = group(j)*Cout/groups + c

    LO = (L - 1)*s - 2p + d*(k - 1) + 1 + output_padding; output_padding (< stride or
    < dilation) picks among the lengths that conv1d maps to L; the extra cells only get bias.
    """
    op = "conv_transpose1d"
    check_conv_tensors(op, input, weight, bias, 1)
    stride, dilation, pad, extra, groups, _ = conv_transpose_options(
        op, input, weight, bias, stride, padding, output_padding, groups, dilation, 1)
    out = conv_transpose2d(_image(input), _image(weight), bias, (1, *stride), (0, *pad),
                           (0, *extra), groups, (1, *dilation))
    return out.squeeze(-2)


# ---------------------------------------------------------------------------------- pooling
def max_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over sliding windows of k cells, torch.nn.functional.max_pool1d.

        out[n, c, i] = max_a xp[n, c, i*s + a*d]     (xp: x padded with -inf, p <= k // 2)

    `stride` defaults to kernel_size; OL = floor((L + 2p - d(k-1) - 1) / s) + 1 (ceil with
    ceil_mode, a last window that starts in the right padding dropped). The gradient goes
    to the first max of each window. With return_indices, also each max's position in the
    input's L cells (int64; no gradient), as torch.
    """
    op = "max_pool1d"
    x = floating_input(op, input, (2, 3), SIGNAL, kinds="fiu")     # (integers: max_pool2d's)
    options, _ = pool_options(op, x, kernel_size, stride, padding, dilation, ceil_mode, 1)
    result = max_pool2d(_image(x), **_height_one(options), return_indices=return_indices)
    return tuple(t.squeeze(-2) for t in result) if return_indices else result.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of k cells, torch.nn.functional.avg_pool1d.

        out[n, c, i] = (1 / D_i) sum_a xp[n, c, i*s + a]     (xp: x zero-padded, p <= k // 2)

    D_i is the window's length: with count_include_pad the cells in the padding count (not
    those of a ceil_mode window beyond it), without it only the input cells do.
    """
    op = "avg_pool1d"
    x = floating_input(op, input, (2, 3), SIGNAL)
    options = _height_one(pool_options(op, x, kernel_size, stride, padding, 1, ceil_mode, 1)[0])
    del options["dilation"]
    return avg_pool2d(_image(x), **options, count_include_pad=count_include_pad).squeeze(-2)


def _adaptive_input(op: str, input: Any, output_size: IntOrTuple) -> tuple[Tensor, int]:
    x = floating_input(op, input, (2, 3), SIGNAL)
    if 0 in x.shape[-2:]:
        raise ValueError(f"{op}: expected non-empty channels and signal, got shape {x.shape}")
    (length,) = int_tuple(output_size, 1, "output_size", op, 0)
    return x, length


def adaptive_avg_pool1d(input: Tensor, output_size: IntOrTuple) -> Tensor:
    """Mean over adaptive bins, torch.nn.functional.adaptive_avg_pool1d: (N, C, L) or (C, L)
    -> (N, C, OL). Output cell i averages the input cells [floor(i*L/OL), ceil((i+1)*L/OL)),
    bins that overlap when OL does not divide L (see resample.bins)."""
    x, length = _adaptive_input("adaptive_avg_pool1d", input, output_size)
    return adaptive_avg_pool2d(_image(x), (1, length)).squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size: IntOrTuple,
                        return_indices: bool = False) -> Tensor | ValuesIndices:
    """Max over the adaptive bins of adaptive_avg_pool1d, torch's adaptive_max_pool1d; the
    gradient goes to the first max of each bin. With return_indices, also each max's
    position in the input's L cells (int64; no gradient)."""
    x, length = _adaptive_input("adaptive_max_pool1d", input, output_size)
    result = adaptive_max_pool2d(_image(x), (1, length), return_indices)
    return ValuesIndices(*(t.squeeze(-2) for t in result)) if return_indices else result.squeeze(-2)


# ---------------------------------------------------------------------------------- dropout
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Dropout of whole channels: one draw per (n, c), shared by its L cells, the kept ones
    scaled by 1/(1-p); (N, C, L) or unbatched (C, L). The identity when not training."""
    x = floating_input("dropout1d", input, (2, 3), SIGNAL, kinds="fiub")
    return _dropout("dropout1d", x, p, training, lambda shape: shape[:-1] + (1,))


for _fn in (conv1d, conv_transpose1d, max_pool1d, avg_pool1d):
    setattr(Tensor, _fn.__name__, _fn)
