"""The 3-D CNN ops of torch.nn.functional, on volumes (N, C, D, H, W) or unbatched
(C, D, H, W): conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_avg_pool3d,
adaptive_max_pool3d and dropout3d (lp_pool3d and max_unpool3d, built on them, are in
nn/unpool.py with their 1-D and 2-D twins).

A volume is a stack of D images. A 3-D kernel is kd 2-D kernels, one per depth offset a,
so conv3d is a sum of kd conv2d's, each over the depth slices its offset reads:

    out[n, o, i] = bias[o] + sum_a conv2d(xp[n, :, i*s + a*d], weight[:, :, a])

(xp: x zero-padded along depth; i, s, d, p the output depth, stride, dilation and
padding along depth; conv2d does the rows and columns). For one offset a, the slices
i*s + a*d of all OD output depths are the strided slice xp[:, :, a*d : a*d + s*(OD-1)+1 : s],
a stack of OD images: folded into the batch, (N*OD, C, H, W), they are one conv2d call.
conv_transpose3d is its adjoint: conv_transpose2d of every input slice with weight[:, :, a],
placed at the output depths i*s + a*d - p.

A pooling window is a box, the product of a (kh, kw) rectangle and kd depths, so a pool
is separable: max over the box = max over the depths of the max over each rectangle
(means likewise, with torch's divisor the product of the per-axis window lengths). Each
pool is a 2-D pool of every (H, W) plane, then a 2-D pool with a (kd, 1) window down the
depth axis of the (D, OH*OW) image of plane results.

Each op first checks its arguments as its 2-D twin does, for three axes, with errors
that name the 3-D op and its shapes, so the 2-D ops' own checks then always pass. Values,
gradients and second derivatives are those of the 2-D ops and of reshape, slice and pad:
nothing here has a backward of its own.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .cnn import _dropout, avg_pool2d, floating_input, max_pool2d, pool_options
from .composed import ValuesIndices, pad
from .conv import (check_conv_tensors, conv2d, conv_options, conv_transpose2d,
                   conv_transpose_options)
from .resample import adaptive_avg_pool2d, adaptive_max_pool2d, output_pair
from .tensor import Tensor, _integer

IntOrTuple = int | Sequence[int]
VOLUME = "4-D (C, D, H, W) or 5-D (N, C, D, H, W)"


def _fold_depth(t: Tensor) -> Tensor:
    """A batch of volumes (N, C, D, H, W) as a batch of N*D images (N*D, C, H, W)."""
    n, c, d, h, w = t.shape
    return t.transpose(1, 2).reshape(n * d, c, h, w)


def _unfold_depth(t: Tensor, n: int, d: int) -> Tensor:
    """The inverse of _fold_depth: (N*D, C, H, W) -> (N, C, D, H, W)."""
    return t.reshape(n, d, *t.shape[1:]).transpose(1, 2)


def _spread_depth(t: Tensor, s: int) -> Tensor:
    """(N, C, D, H, W) with s - 1 zero slices between neighbours, (N, C, (D-1)*s + 1, H, W):
    slice i moves to depth i*s."""
    n, c, d, h, w = t.shape
    spaced = pad(t.unsqueeze(3), (0, 0, 0, 0, 0, s - 1)).reshape(n, c, d * s, h, w)
    return spaced[:, :, :(d - 1) * s + 1]


def _total(terms: list[Tensor]) -> Tensor:
    """terms[0] + terms[1] + ... (no 0 to start from: it would be a graph node of its own)."""
    return sum(terms[1:], start=terms[0])


# ---------------------------------------------------------------------------------- convolution
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """3-D convolution (a cross-correlation), torch.nn.functional.conv3d.

    input (N, C, D, H, W) or (C, D, H, W); weight (O, C/groups, kd, kh, kw); bias (O,) or
    None. With x read as 0 outside the volume and c' = group(o) * C/groups + c,

        out[n, o, i, j, l] = bias[o] + sum_{c, a, b, e} weight[o, c, a, b, e]
                             x[n, c', i*sd + a*dd - pd, j*sh + b*dh - ph, l*sw + e*dw - pw]

    OD = (D + 2pd - dd*(kd-1) - 1) // sd + 1, likewise OH, OW. `padding` is an int, three
    ints, 'valid' (0) or 'same' (output size = input size, stride 1; an odd total padding
    puts the extra cell after). Computed as the sum over depth offsets a of one conv2d of
    the depth slices that a reads (see the module docstring).
    """
    op = "conv3d"
    unbatched = check_conv_tensors(op, input, weight, bias, 3)
    stride, dilation, pads, groups = conv_options(op, input, weight, bias, stride, padding,
                                                  dilation, groups, 3)
    x = input.unsqueeze(0) if unbatched else input
    x = pad(x, (0, 0, 0, 0, *pads[0]))                   # depth padding; conv2d pads H and W
    n, kd, s, d = x.shape[0], weight.shape[2], stride[0], dilation[0]
    depth = (x.shape[2] - d * (kd - 1) - 1) // s + 1      # OD
    plane_padding = padding if isinstance(padding, str) else tuple(p for p, _ in pads[1:])
    terms = []
    for a in range(kd):
        images = _fold_depth(x[:, :, a * d:a * d + s * (depth - 1) + 1:s])   # (N*OD, C, H, W)
        terms.append(_unfold_depth(conv2d(images, weight[:, :, a], None, stride[1:],
                                          plane_padding, dilation[1:], groups), n, depth))
    out = _total(terms)
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """Transposed 3-D convolution, torch.nn.functional.conv_transpose3d: conv3d's adjoint.

    input (N, Cin, D, H, W) or (Cin, D, H, W); weight (Cin, Cout/groups, kd, kh, kw) (the
    weight of the conv3d it transposes, which maps Cout channels to Cin); bias (Cout,) or
    None. Every input cell spreads over a kernel-sized box of the output:

        out[n, c', i*sd + a*dd - pd, j*sh + b*dh - ph, l*sw + e*dw - pw]
            += x[n, q, i, j, l] weight[q, c, a, b, e],      c' = group(q)*Cout/groups + c

    DO = (D - 1)*sd - 2pd + dd*(kd - 1) + 1 + output_padding, likewise HO, WO;
    output_padding (< stride or < dilation) picks among the sizes that conv3d maps to
    D; the extra cells only get bias. Computed per depth offset a: conv_transpose2d of
    every input slice i with weight[:, :, a] lands at output depth i*sd + a*dd - pd.
    """
    op = "conv_transpose3d"
    unbatched = check_conv_tensors(op, input, weight, bias, 3)
    stride, dilation, pads, extra, groups, out_size = conv_transpose_options(
        op, input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
    x = input.unsqueeze(0) if unbatched else input
    n, depth = x.shape[0], x.shape[2]
    s, p, d = stride[0], pads[0], dilation[0]
    full = out_size[0] + 2 * p                 # the output depths before cropping p each side
    images = _fold_depth(x)                                          # (N*D, Cin, H, W)
    terms = []
    for a in range(weight.shape[2]):
        # what each input depth i gives through weight[:, :, a], (N, Cout, D, HO, WO) ...
        slices = _unfold_depth(conv_transpose2d(images, weight[:, :, a], None, stride[1:],
                                                pads[1:], extra[1:], groups, dilation[1:]),
                               n, depth)
        placed = _spread_depth(slices, s)                            # ... at depth i*s,
        terms.append(pad(placed, (0, 0, 0, 0, a * d, full - a * d - placed.shape[2])))  # +a*d
    out = _total(terms)[:, :, p:p + out_size[0]]
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


# ---------------------------------------------------------------------------------- pooling
def _plane_and_depth(options: dict) -> tuple[dict, dict]:
    """3-D pool options as those of the two 2-D pools: over each (H, W) plane, and down
    the depth of the (D, OH*OW) image of their results, with a (kd, 1) window."""
    plane, depth = {}, {}
    for name, value in options.items():
        plane[name] = value if name == "ceil_mode" else value[1:]
        depth[name] = value if name == "ceil_mode" else (value[0], 0 if name == "padding" else 1)
    return plane, depth


def _planes(x: Tensor) -> Tensor:
    """(..., C, D, H, W) as the images (..., C*D, H, W) of its planes (a reshape)."""
    return x.reshape(*x.shape[:-4], x.shape[-4] * x.shape[-3], *x.shape[-2:])


def _down_depth(planes: Tensor, x: Tensor) -> Tensor:
    """The plane results (..., C*D, OH, OW) as images (..., C, D, OH*OW), depth as rows."""
    return planes.reshape(*x.shape[:-3], x.shape[-3], planes.shape[-2] * planes.shape[-1])


def _volume_indices(depth_index: Tensor, plane_index: Tensor, x: Tensor) -> Tensor:
    """Flat indices into the D*H*W cells of x: depth_index (..., C, OD, OH*OW) is the
    flat index d * OH*OW + column of each max in the depth pool's image, the column
    being its own; plane_index the h * W + w of each plane's max, (..., C*D, OH, OW)."""
    columns = plane_index.shape[-2] * plane_index.shape[-1]
    d = depth_index.data // columns
    hw = np.take_along_axis(_down_depth(plane_index, x).data, d, axis=-2)
    return Tensor(d * (x.shape[-2] * x.shape[-1]) + hw)


def max_pool3d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, dilation: IntOrTuple = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over sliding kd x kh x kw boxes, torch.nn.functional.max_pool3d.

        out[n, c, i, j, l] = max_{a, b, e} xp[n, c, i*sd + a*dd, j*sh + b*dh, l*sw + e*dw]

    (xp: x padded with -inf, p <= k // 2.) `stride` defaults to kernel_size; sizes
    floor((D + 2p - d(k-1) - 1) / s) + 1 per axis (ceil with ceil_mode, a last window
    that starts in the right padding dropped). Separable: max_pool2d of every plane, then
    a max_pool2d with a (kd, 1) window down the depths, a running max over the depth
    offsets in which a later offset wins only if strictly greater. So the gradient goes
    to the first max in (d, h, w) order, as torch: the first depth whose plane holds the
    max, at that plane's first max. With return_indices, also each max's flat index
    d * H*W + h * W + w into the input's D x H x W cells (int64; no gradient), as torch.
    """
    op = "max_pool3d"
    x = floating_input(op, input, (4, 5), VOLUME, kinds="fiu")     # (integers: max_pool2d's)
    options, win = pool_options(op, x, kernel_size, stride, padding, dilation, ceil_mode, 3)
    plane, depth = _plane_and_depth(options)
    planes = max_pool2d(_planes(x), **plane, return_indices=return_indices)
    plane_max = planes[0] if return_indices else planes
    pooled = max_pool2d(_down_depth(plane_max, x), **depth, return_indices=return_indices)
    out = (pooled[0] if return_indices else pooled).reshape(*x.shape[:-3], *win.out_size)
    if not return_indices:
        return out
    return out, _volume_indices(pooled[1], planes[1], x).reshape(out.shape)


def _divisor(op: str, divisor_override: Any) -> int | None:
    """divisor_override checked (a positive int, or None), with errors naming `op`."""
    if divisor_override is None:
        return None
    divisor = _integer(divisor_override, "divisor_override", op)
    if divisor <= 0:
        raise ValueError(f"{op}: divisor_override must be positive, got {divisor_override}")
    return divisor


def avg_pool3d(input: Tensor, kernel_size: IntOrTuple, stride: IntOrTuple | None = None,
               padding: IntOrTuple = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding kd x kh x kw boxes, torch.nn.functional.avg_pool3d.

        out[n, c, i, j, l] = (1 / N_ijl) sum_{a, b, e} xp[n, c, i*sd + a, j*sh + b, l*sw + e]

    (xp: x zero-padded, p <= k // 2.) N_ijl is the box's size, the product of its lengths
    along the three axes: with count_include_pad the cells in the padding count (not
    those of a ceil_mode window beyond it), without it only the input cells do;
    divisor_override replaces it. Separable: avg_pool2d of every plane, then down the
    depths with a (kd, 1) window (sums first, when divisor_override divides the total).
    An input smaller than the kernel that the padding makes fit is pooled, as by
    avg_pool2d and max_pool3d (torch's avg_pool3d alone refuses it).
    """
    op = "avg_pool3d"
    x = floating_input(op, input, (4, 5), VOLUME)
    options, win = pool_options(op, x, kernel_size, stride, padding, 1, ceil_mode, 3)
    del options["dilation"]
    divisor = _divisor(op, divisor_override)
    plane, depth = _plane_and_depth(options)
    planes = avg_pool2d(_planes(x), **plane, count_include_pad=count_include_pad,
                        divisor_override=None if divisor is None else 1)
    out = avg_pool2d(_down_depth(planes, x), **depth, count_include_pad=count_include_pad,
                     divisor_override=divisor)
    return out.reshape(*x.shape[:-3], *win.out_size)


def _adaptive_input(op: str, input: Any, output_size: Any) -> tuple[Tensor, tuple]:
    """The checked volume and output_size as (OD, OH, OW) (None keeps that axis's size)."""
    x = floating_input(op, input, (4, 5), VOLUME)
    if 0 in x.shape[-4:]:
        raise ValueError(f"{op}: expected non-empty channels and volume, got shape {x.shape}")
    return x, output_sizes(op, output_size, x.shape[-3:])


def output_sizes(op: str, output_size: Any, volume: tuple) -> tuple:
    """An adaptive pool's output_size (an int or three ints, None keeping that axis's
    size) as (OD, OH, OW) for a volume of sizes `volume`."""
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(sizes) != 3 or any(isinstance(v, (tuple, list)) for v in sizes):
        raise TypeError(f"{op}: output_size must be an int, None or three of them, got "
                        f"{output_size!r}")
    return tuple(output_pair(op, v, (n, n))[0] for v, n in zip(sizes, volume))


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over adaptive bins, torch.nn.functional.adaptive_avg_pool3d: (N, C, D, H, W)
    or (C, D, H, W) -> (N, C, OD, OH, OW). Output depth i averages the input depths
    [floor(i*D/OD), ceil((i+1)*D/OD)), rows and columns likewise (see resample.bins):

        out[i, j, l] = mean_{d in bin_i} adaptive_avg_pool2d(x[d])[j, l]
    """
    op = "adaptive_avg_pool3d"
    x, (od, oh, ow) = _adaptive_input(op, input, output_size)
    planes = adaptive_avg_pool2d(_planes(x), (oh, ow))
    if oh * ow == 0:                                      # an empty result
        return planes.reshape(*x.shape[:-3], od, oh, ow)
    out = adaptive_avg_pool2d(_down_depth(planes, x), (od, None))
    return out.reshape(*x.shape[:-3], od, oh, ow)


def adaptive_max_pool3d(input: Tensor, output_size: Any,
                        return_indices: bool = False) -> Tensor | ValuesIndices:
    """Max over the adaptive bins of adaptive_avg_pool3d, torch's adaptive_max_pool3d:
    the max of each plane's bins, then over the depth bin. The gradient goes to the
    first max in (d, h, w) order. With return_indices, also each max's flat index
    d * H*W + h * W + w into the input's D x H x W cells (int64; no gradient)."""
    op = "adaptive_max_pool3d"
    x, (od, oh, ow) = _adaptive_input(op, input, output_size)
    planes = adaptive_max_pool2d(_planes(x), (oh, ow), return_indices=True)
    shape = (*x.shape[:-3], od, oh, ow)
    if oh * ow == 0:                                      # an empty result
        out, indices = (t.reshape(shape) for t in planes)
    else:
        pooled = adaptive_max_pool2d(_down_depth(planes.values, x), (od, None), True)
        out = pooled.values.reshape(shape)
        indices = _volume_indices(pooled.indices, planes.indices, x).reshape(shape)
    return ValuesIndices(out, indices) if return_indices else out


# ---------------------------------------------------------------------------------- dropout
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Dropout of whole channels: one draw per (n, c), shared by its D x H x W cells, the
    kept ones scaled by 1/(1-p); (N, C, D, H, W) or unbatched (C, D, H, W) (torch warns
    and carries on for other ranks; they are refused here). The identity when not
    training."""
    x = floating_input("dropout3d", input, (4, 5), VOLUME, kinds="fiub")
    return _dropout("dropout3d", x, p, training, lambda shape: shape[:-3] + (1, 1, 1))


for _fn in (conv3d, conv_transpose3d, max_pool3d, avg_pool3d):
    setattr(Tensor, _fn.__name__, _fn)
