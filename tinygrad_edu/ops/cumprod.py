"""Running products: cumprod, whose VJP must not divide by the zeros of its input.

No composition of the existing ops is both exact and cheap: exp(cumsum(log a)) fails at
zeros and negative numbers, and Prod of every masked prefix (row i holding a_0..a_i and
ones after) is exact but takes n times the memory. So cumprod is a primitive, with
the VJP derived in its docstring.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import grad_mode
from ..function import Function
from .scan import Cumsum

if TYPE_CHECKING:
    from ..tensor import Tensor


class Cumprod(Function):
    """out[i] = prod_{k <= i} a[k] along axis `dim` (a non-negative int).

    VJP: dL/da[j] = sum_{i >= j} g[i] * prod_{k <= i, k != j} a[k].

    Every out[i] with i >= j has a[j] as a factor, and its derivative there is the
    product of its other factors. Where a[j] != 0 that is out[i] / a[j], so
        dL/da[j] = (sum_{i >= j} g[i] out[i]) / a[j]     (a cumsum from the end).
    Dividing is wrong at zeros (0 / 0). Let z be the first zero of a slice:
      - j < z: a[j] != 0, the formula holds (out[i] = 0 for i >= z, as it should be).
      - j = z: the product of the other factors of out[i] is cumprod(b)[i], where b is
        a with a[z] set to 1, so dL/da[z] = sum_{i >= z} g[i] cumprod(b)[i].
      - j > z: every term keeps the factor a[z] = 0, so the gradient is 0. For second
        derivatives it is written as a[z] * (the VJP at b)[j]: that is exactly the sum,
        since each product is a[z] times the same product for b, and its derivative in
        a[z] is the VJP at b, found by the same rules (b has one zero fewer).
    Each piece equals the sum above near a (the masks are constants), so it differentiates
    again. Where a holds inf or nan the division is used as is (torch does too).
    Saves a, out.
    """

    @staticmethod
    def forward(ctx, a, dim):
        wide = np.float64 if a.dtype.kind == "f" and a.dtype.itemsize < 8 else None  # as cumsum
        out = np.cumprod(a, axis=dim, dtype=wide).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return cumprod_vjp(a, out, g, ctx.options["dim"])


def cumprod_vjp(a: Tensor, out: Tensor, g: Tensor, dim: int) -> Tensor:
    """dL/da of out = cumprod(a) along `dim` (see Cumprod)."""
    if a.shape[dim] == 1:                              # out = a: g itself (inf / inf is nan)
        return g
    zeros_so_far = np.cumsum(a.data == 0, axis=dim)
    before = zeros_so_far == 0                         # before the first zero: a[j] != 0
    first = (a.data == 0) & (zeros_so_far == 1)
    grad = (suffix_sums(g * out, dim) / a.where(before, 1)).where(before, 0)
    if not first.any():
        return grad
    b = a.where(~first, 1)
    out_b = Cumprod.apply(b, dim=dim)
    grad = suffix_sums(g * out_b, dim).where(first, grad)
    if grad_mode.is_grad_enabled():                    # create_graph: the zeros after z
        at_first = a.where(first, 0).sum(dim, keepdim=True)     # a[z] (= 0) per slice
        grad = (at_first * cumprod_vjp(b, out_b, g, dim)).where(~before & ~first, grad)
    return grad


def suffix_sums(t: Tensor, dim: int) -> Tensor:
    """s[j] = sum_{i >= j} t[i] along `dim`: a cumsum of t reversed, reversed back."""
    backwards = (slice(None),) * dim + (slice(None, None, -1),)
    return Cumsum.apply(t[backwards], dim=dim)[backwards]
