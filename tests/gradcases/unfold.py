"""Gradient-check cases for im2col / col2im (ops/unfold.py): F.unfold and F.fold.

Each op's VJP is the other op, so gradcheck tests one against the other and
gradgradcheck the pair once more. Strides 1-2, padding 0-1, dilation 1-2, non-square
kernels and images, batch 1 and C = 1; tests/test_unfold.py checks values.
"""
from __future__ import annotations

from nn import functional as F

from . import GradCase, rand_tensor


def _image(*shape: int):
    return lambda: [rand_tensor(*shape, seed=sum(shape))]


CASES: list[GradCase] = [
    GradCase(op="im2col", id="unfold-basic-2x2",
             fn=lambda x: F.unfold(x, 2),
             inputs=_image(2, 2, 3, 4)),
    GradCase(op="im2col", id="unfold-stride2-pad1-dil2-nonsquare-batch1-c1",
             fn=lambda x: F.unfold(x, (2, 3), dilation=2, padding=1, stride=2),
             inputs=_image(1, 1, 5, 6)),
    GradCase(op="im2col", id="unfold-mixed-pairs-unbatched",
             fn=lambda x: F.unfold(x, (3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1)),
             inputs=_image(2, 4, 5)),
    # fold's input (N, C*kh*kw, L): L = the windows that fit in output_size
    GradCase(op="col2im", id="fold-basic-overlapping",
             fn=lambda y: F.fold(y, (3, 4), 2),
             inputs=_image(2, 8, 6)),                       # C=2, 2x2 kernel, 2x3 windows
    GradCase(op="col2im", id="fold-stride2-pad1-dil2-nonsquare-batch1-c1",
             fn=lambda y: F.fold(y, (5, 6), (2, 3), dilation=2, padding=1, stride=2),
             inputs=_image(1, 6, 6)),                       # grid 3x2
    GradCase(op="col2im", id="fold-mixed-pairs-unbatched",
             fn=lambda y: F.fold(y, (4, 5), (3, 2), dilation=(1, 2), padding=(1, 0),
                                 stride=(2, 1)),
             inputs=_image(6, 6)),                          # C=1, grid 2x3
]
