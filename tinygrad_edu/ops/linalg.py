"""Matrix product."""
from __future__ import annotations

import numpy as np

from ..function import Function


class Matmul(Function):
    """out = a @ b for a: (..., n, k), b: (..., k, m) -> (..., n, m); batch axes broadcast.

    out[i, j] = sum_k a[i, k] b[k, j], so
    VJP: dL/da = g @ b^T   (n, m)(m, k) -> (n, k)
         dL/db = a^T @ g   (k, n)(n, m) -> (k, m)
    (^T swaps the last two axes; a broadcast batch axis is summed by the engine).
    1-D operands are handled by `Tensor.matmul`, which adds and removes the axis.
    Saves a, b. (A gradient nobody needs, e.g. for the input batch, is not computed.)
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # Matmul.apply rather than @: the shapes are known to fit (Tensor.matmul checks them)
        grad_a = Matmul.apply(g, b.mT) if need_a else None        # g @ b^T
        grad_b = Matmul.apply(a.mT, g) if need_b else None        # a^T @ g
        return grad_a, grad_b
