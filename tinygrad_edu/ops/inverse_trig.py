"""Inverse trigonometric and hyperbolic primitives: asin, acos, atanh, asinh, acosh.

Notation as in elementwise.py: g = dL/dout. Each forward is numpy's (libm's, correct to the
last bit or so); no composition of the other ops is: asin(x) = atan(x / sqrt(1 - x^2))
loses digits near +-1, and log(x + sqrt(x^2 + 1)) cancels for negative x. Each derivative
is algebraic and written with Tensor ops, so higher derivatives follow. (1 - a)(1 + a) is
used for 1 - a^2: exact near +-1, where 1 - a^2 would cancel.
"""
from __future__ import annotations

import numpy as np

from ..function import Function


class Asin(Function):
    """out = arcsin(a) in [-pi/2, pi/2] (nan outside [-1, 1]).

    VJP: dL/da = g / sqrt((1 - a)(1 + a))   (inf at a = +-1).   Saves a.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arcsin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / ((1 - a) * (1 + a)).sqrt()


class Acos(Function):
    """out = arccos(a) in [0, pi] (nan outside [-1, 1]).

    VJP: dL/da = -g / sqrt((1 - a)(1 + a))   (acos = pi/2 - asin).   Saves a.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arccos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g / ((1 - a) * (1 + a)).sqrt()


class Atanh(Function):
    """out = artanh(a) = ln((1 + a) / (1 - a)) / 2: +-inf at a = +-1 (without numpy's
    divide-by-zero warning, the exact limit, as torch), nan beyond.

    VJP: dL/da = g / ((1 - a)(1 + a)).   Saves a.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore"):
            return np.arctanh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / ((1 - a) * (1 + a))


class Asinh(Function):
    """out = arsinh(a) = ln(a + sqrt(a^2 + 1)), for every real a.

    VJP: dL/da = g / sqrt(a^2 + 1).   Saves a.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arcsinh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * a + 1).sqrt()


class Acosh(Function):
    """out = arcosh(a) = ln(a + sqrt(a^2 - 1)) >= 0 for a >= 1 (nan below).

    VJP: dL/da = g / sqrt((a - 1)(a + 1))   (inf at a = 1).   Saves a.
    """

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arccosh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / ((a - 1) * (a + 1)).sqrt()
