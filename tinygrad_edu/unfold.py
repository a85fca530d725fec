"""`unfold` and `fold` as in torch.nn.functional: argument checks, then the primitives.

unfold (im2col) cuts an image into its sliding windows, one column each; fold (col2im)
adds columns back into an image, summing where windows overlap. They are each other's
adjoint, so each is the other's VJP (see ops/unfold.py for the math). With them a
convolution is a matrix product:

    conv2d(x, w) == (w.reshape(O, -1) @ unfold(x, (kh, kw))).reshape(N, O, OH, OW)
"""
from __future__ import annotations

from typing import Sequence

from .cnn import floating_input
from .conv import check_kernel_fits
from .ops.conv import grid_size
from .ops.unfold import Col2im, Im2col
from .shapes import int_pair
from .tensor import Tensor

IntOrPair = int | Sequence[int]


def window_options(op: str, kernel_size: IntOrPair, dilation: IntOrPair, padding: IntOrPair,
              stride: IntOrPair) -> dict:
    """The checked options as (rows, columns) pairs, keyword arguments of the primitives."""
    return dict(kernel_size=int_pair(kernel_size, "kernel_size", op, 1),
                dilation=int_pair(dilation, "dilation", op, 1),
                padding=int_pair(padding, "padding", op, 0),
                stride=int_pair(stride, "stride", op, 1))


def _grid(op: str, image_hw: tuple, geometry: dict, what: str) -> tuple:
    """(OH, OW) for an image of `image_hw`; ValueError when no window fits."""
    pads = tuple((p, p) for p in geometry["padding"])
    check_kernel_fits(op, geometry["kernel_size"], geometry["dilation"], image_hw, pads,
                      f"{what} {tuple(image_hw)}, padding {geometry['padding']}", what)
    return grid_size(image_hw, geometry["kernel_size"], geometry["stride"], pads,
                     geometry["dilation"])


def unfold(input: Tensor, kernel_size: IntOrPair, dilation: IntOrPair = 1,
           padding: IntOrPair = 0, stride: IntOrPair = 1) -> Tensor:
    """The sliding windows of an image as columns (im2col), torch.nn.functional.unfold.

    input (N, C, H, W) or unbatched (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L):

        out[n, c*kh*kw + a*kw + b, i*OW + j] = x[n, c, i*sh + a*dh - ph, j*sw + b*dw - pw]

    with x read as 0 outside the image, OH = (H + 2ph - dh*(kh-1) - 1) // sh + 1 (OW
    likewise) and L = OH*OW. Its VJP is `fold` (the adjoint): a pixel's gradient is the
    sum over the windows that copied it.
    """
    op = "unfold"
    x = floating_input(op, input)
    shape = x.shape
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    if x.shape[1] == 0 or 0 in x.shape[2:]:
        raise ValueError(f"{op}: expected non-empty channels and image, got shape {shape}")
    geometry = window_options(op, kernel_size, dilation, padding, stride)
    _grid(op, x.shape[2:], geometry, "input")
    out = Im2col.apply(x, **geometry)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size: IntOrPair, kernel_size: IntOrPair, dilation: IntOrPair = 1,
         padding: IntOrPair = 0, stride: IntOrPair = 1) -> Tensor:
    """Columns added back into an image (col2im), torch.nn.functional.fold.

    input (N, C*kh*kw, L) or unbatched (C*kh*kw, L) -> (N, C, H, W) or (C, H, W), with
    (H, W) = output_size and L = OH*OW the number of windows that fit in it (as unfold):

        out[n, c, p, q] = sum of input[n, c*kh*kw + a*kw + b, i*OW + j]
                          over (a, b, i, j) with i*sh + a*dh - ph = p, j*sw + b*dw - pw = q

    Overlapping windows add up; entries that land in the padding are dropped. So
    fold(unfold(x)) is x times how many windows cover each pixel, and
    <unfold(x), y> = <x, fold(y)>: fold is unfold's adjoint, and its VJP is unfold.
    """
    op = "fold"
    y = floating_input(op, input, (2, 3), "2-D unbatched (C*kh*kw, L) or 3-D (N, C*kh*kw, L)")
    shape = y.shape
    unbatched = y.ndim == 2
    if unbatched:
        y = y.unsqueeze(0)
    size = int_pair(output_size, "output_size", op, 1)
    geometry = window_options(op, kernel_size, dilation, padding, stride)
    kh, kw = geometry["kernel_size"]
    if y.shape[1] == 0 or y.shape[1] % (kh * kw):
        raise ValueError(f"{op}: input dimension 1 ({y.shape[1]}, of input {shape}) must "
                         f"be C*kh*kw, a positive multiple of the kernel's {kh}x{kw} = "
                         f"{kh * kw} offsets")
    grid = _grid(op, size, geometry, "output")
    if y.shape[2] != grid[0] * grid[1]:
        raise ValueError(f"{op}: input {shape} has {y.shape[2]} columns but output_size "
                         f"{size} with kernel {kh}x{kw}, dilation {geometry['dilation']}, "
                         f"padding {geometry['padding']} and stride {geometry['stride']} has "
                         f"{grid[0]}x{grid[1]} = {grid[0] * grid[1]} windows")
    out = Col2im.apply(y, output_size=size, **geometry)
    return out.squeeze(0) if unbatched else out
