"""Bad arguments found by a table-driven audit against torch: each is refused at the call,
with a message naming the op and what was expected (not numpy's bare words, not a silent
NaN)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


def raises(exc, text: str):
    return pytest.raises(exc, match=re.escape(text))


@pytest.mark.parametrize("call, text", [
    (lambda: tg.zeros(-1), "zeros: cannot make a tensor with a negative dimension: (-1,)"),
    (lambda: tg.randn(2, -1), "randn: cannot make a tensor with a negative dimension: (2, -1)"),
    (lambda: tg.rand(3, -1), "rand: cannot make"),
    (lambda: tg.ones((2, -3)), "ones: cannot make"),
    (lambda: tg.eye(-1), "eye: cannot make"),
    (lambda: tg.full((-1,), 3.0), "full: cannot make"),
    (lambda: tg.randint(0, 3, (-1,)), "randint: cannot make"),
    (lambda: tg.normal(0.0, 1.0, (-1,)), "normal: cannot make"),
    (lambda: tg.ones(3).new_zeros(-3), "zeros: cannot make"),
    (lambda: nn.Linear(-1, 3), "Linear: cannot make a tensor with a negative dimension: (3, -1)"),
    (lambda: nn.Conv2d(3, -2, 3), "Conv2d: cannot make"),
    (lambda: nn.Embedding(-1, 3), "Embedding: cannot make"),
    (lambda: nn.BatchNorm2d(-1), "BatchNorm2d: cannot make"),
    (lambda: nn.LayerNorm(-2), "LayerNorm: cannot make"),
])
def test_a_negative_size_names_the_op(call, text):
    with raises(ValueError, text):                 # was numpy's "negative dimensions are
        call()                                     # not allowed"


def test_a_size_that_is_not_an_integer_names_the_op():
    with raises(TypeError, "Linear: a size must be a sequence of ints, got (2, 3.5)"):
        nn.Linear(3.5, 2)
    with raises(TypeError, "zeros: a size must be a sequence of ints, got (2.0,)"):
        tg.zeros(2.0)
    with raises(TypeError, "new_ones: missing the size"):
        tg.ones(3).new_ones()                      # was KeyError: 'size'
    assert tg.zeros(tg.tensor(3)).shape == (3,) and tg.zeros(np.int64(2), 0).shape == (2, 0)
