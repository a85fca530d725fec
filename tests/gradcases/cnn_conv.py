"""Gradient-check cases for the convolution primitives (ops/conv.py).

Tiny shapes: gradcheck runs two forwards per input element, gradgradcheck two
first-order passes. tests/test_conv.py checks a wider grid of options.
"""
from __future__ import annotations

import tinygrad_edu as tg
from tinygrad_edu.ops.conv import Conv2dWeightGrad

from . import GradCase, rand_tensor


def _makers(*shapes: tuple):
    return lambda: [rand_tensor(*shape, seed=k) for k, shape in enumerate(shapes)]


CASES: list[GradCase] = [
    GradCase(op="conv2d", id="conv2d-basic-bias",
             fn=lambda x, w, b: tg.conv2d(x, w, b),
             inputs=_makers((2, 2, 4, 4), (3, 2, 2, 2), (3,))),
    GradCase(op="conv2d", id="conv2d-stride2-pad1-dil2-groups2-nonsquare-bias",
             fn=lambda x, w, b: tg.conv2d(x, w, b, stride=2, padding=(1, 2), dilation=(2, 1),
                                          groups=2),
             inputs=_makers((1, 4, 5, 4), (2, 2, 2, 3), (2,))),
    GradCase(op="conv2d", id="conv2d-same-even-kernel-unbatched",
             fn=lambda x, w: tg.conv2d(x, w, padding="same"),
             inputs=_makers((1, 4, 3), (2, 1, 2, 2))),
    GradCase(op="conv_transpose2d", id="conv_transpose2d-stride2-outpad1-bias",
             fn=lambda x, w, b: tg.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                    output_padding=1),
             inputs=_makers((1, 2, 3, 2), (2, 2, 3, 2), (2,))),
    GradCase(op="conv_transpose2d", id="conv_transpose2d-groups2-dil2-outpad-beyond-stride",
             fn=lambda x, w: tg.conv_transpose2d(x, w, output_padding=1, groups=2, dilation=2),
             inputs=_makers((1, 2, 2, 3), (2, 1, 2, 2))),
    GradCase(op="conv2d_weight_grad", id="conv2d_weight_grad-stride-pad-dil",
             fn=lambda x, g: Conv2dWeightGrad.apply(
                 x, g, stride=(2, 1), padding=((1, 0), (0, 1)), dilation=(1, 2), groups=1,
                 kernel_size=(2, 2)),
             inputs=_makers((1, 2, 5, 4), (1, 2, 3, 3))),
    GradCase(op="conv2d_weight_grad", id="conv2d_weight_grad-groups2",
             fn=lambda x, g: Conv2dWeightGrad.apply(
                 x, g, stride=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=2,
                 kernel_size=(3, 2)),
             inputs=_makers((1, 4, 3, 3), (1, 4, 3, 4))),
]
