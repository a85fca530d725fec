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


X = tg.ones(2, 3)


@pytest.mark.parametrize("call, exc, text", [
    (lambda: X.gt(None), TypeError, "gt: expected a tensor or a number, got NoneType"),
    (lambda: X.eq("a"), TypeError, "eq: expected a tensor or a number, got str"),
    (lambda: tg.lt(X, None), TypeError, "lt: expected"),
    (lambda: X.clamp(tg.ones(2, 4)), ValueError,
     "clamp: min of shape (2, 4) does not broadcast with the input's shape (2, 3)"),
    (lambda: X.clamp("a"), TypeError, "clamp: min must be a number or a tensor, got str"),
    (lambda: tg.zeros(0, 4).min(0), ValueError, "min: cannot reduce over an empty dimension"),
    (lambda: tg.zeros(0, 4).amin(), ValueError, "amin: cannot reduce over an empty dimension"),
    (lambda: X.sum("a"), TypeError, "sum: dim must be an int, got str 'a'"),
    (lambda: X.sum(1.0), TypeError, "sum: dim must be an int, got float 1.0"),
    (lambda: X.argmax([0]), TypeError, "argmax: dim must be an int, got list [0]"),
    (lambda: X.topk(None), TypeError, "topk: k must be an int"),
    (lambda: X.tril(None), TypeError, "tril: diagonal must be an int"),
    (lambda: X.chunk(None), TypeError, "chunk: chunks must be an int"),
    (lambda: X.diag("a"), TypeError, "diag: diagonal must be an int"),
    (lambda: X.roll("a"), TypeError, "roll: shifts must be an int"),
    (lambda: X.reshape(None), TypeError, "reshape: each size must be an int"),
    (lambda: X.expand_as([1, 2]), TypeError, "expand_as: other must be a Tensor, got list"),
    (lambda: X.reshape_as(None), TypeError, "reshape_as: other must be a Tensor"),
    (lambda: X.type_as(None), TypeError, "type_as: other must be a Tensor"),
    (lambda: tg.zeros_like([1, 2]), TypeError, "zeros_like: input must be a Tensor"),
    (lambda: tg.tensor(1.0).chunk(2), ValueError, "chunk: expects a tensor of at least 1 dim"),
    (lambda: tg.tensor(1.0).split(1), ValueError, "split: expects a tensor of at least 1 dim"),
    (lambda: nn.functional.linear(X, tg.ones(4, 3), tg.ones(5)), ValueError,
     "linear: bias of shape (5,) does not fit the output of shape (2, 4) (expected (4,))"),
    (lambda: nn.utils.weight_norm(nn.Linear(3, 2), dim=5), IndexError,
     "weight_norm: dim 5 is out of range for a weight of 2 dimensions"),
    (lambda: tg.ones(3).cross(5), TypeError, "cross: other must be a Tensor, got int"),
    (lambda: tg.logical_and(X, None), TypeError, "logical_and: other must be a tensor"),
    (lambda: nn.functional.cross_entropy(X, tg.zeros(2, dtype=tg.int64), ignore_index=0.5),
     TypeError, "cross_entropy: ignore_index must be an int, got float 0.5"),
    (lambda: nn.functional.scaled_dot_product_attention(X, X, X, dropout_p=2), ValueError,
     "scaled_dot_product_attention: dropout_p must be between 0 and 1"),
])
def test_wrong_arguments_name_the_op(call, exc, text):
    with raises(exc, text):
        call()


@pytest.mark.parametrize("fill", [lambda t: nn.init.constant_(t, None),
                                  lambda t: t.fill_(None), lambda t: t.copy_("a"),
                                  lambda t: t.new_tensor(None)])
def test_none_is_never_written_as_nan(fill):
    t = tg.zeros(3)
    with pytest.raises(TypeError, match="None|str"):
        fill(t)
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_arguments_torch_accepts_that_were_refused():
    assert tg.ones(1).broadcast_to(5).tolist() == [1.0] * 5             # an int size
    assert tg.tensor([float("nan"), 1.0]).nan_to_num(None).tolist() == [0.0, 1.0]
    assert X.sum(np.int64(1)).shape == (2,) and X.sum(tg.tensor(0)).shape == (3,)
    assert nn.functional.linear(X, tg.ones(4, 3), tg.ones(1)).tolist() == [[4.0] * 4] * 2
    assert (X == None) is False                                         # noqa: E711


def test_an_int_beyond_a_small_int_dtype_wraps_as_in_torch():
    assert (tg.tensor([1], dtype=tg.uint8) + 1000).tolist() == [233]   # was numpy's
    assert (tg.tensor([1], dtype=tg.int8) * 300).tolist() == [44]      # OverflowError
    assert (tg.tensor([5], dtype=tg.uint8) - 1000).dtype == np.uint8


def test_dims_given_as_numpy_ints_or_0_d_tensors():
    x = tg.ones(2, 1, 3)
    assert x.squeeze(np.int64(1)).shape == (2, 3) and x.squeeze(tg.tensor(1)).shape == (2, 3)
    assert x.flip(np.int64(0)).shape == x.shape and x.prod(tg.tensor(0)).shape == (1, 3)
    assert x.roll(1, tg.tensor(2)).shape == x.shape
    assert x.movedim(tg.tensor(0), 2).shape == (1, 3, 2)
    assert nn.LayerNorm(np.int64(3)).normalized_shape == (3,) == nn.LayerNorm([3]).normalized_shape
    assert tg.randperm(tg.tensor(3)).shape == (3,)


def test_broadcast_shapes_stays_cached():
    from tinygrad_edu.shapes import broadcast_shapes     # (every op asks it; a decorator
    assert broadcast_shapes.cache_info() is not None     # moved by an edit once slowed them)


def test_arguments_torch_also_accepts():
    x, y = tg.randn(3, 4), tg.tensor([0, 1, 2])
    assert nn.functional.cross_entropy(x, y, ignore_index=tg.tensor(1)).item() == (
        nn.functional.cross_entropy(x, y, ignore_index=1).item())
    assert nn.functional.linear(tg.ones(3), tg.ones(2, 3), tg.ones(1, 2)).shape == (1, 2)
    assert (3.0 // tg.tensor([True, False])).tolist() == [3.0, float("inf")]


def test_third_recheck_cases():
    from nn.data.sampler import SubsetRandomSampler          # the tutorials' import line
    assert SubsetRandomSampler is nn.data.SubsetRandomSampler
    assert tg.tensor([tg.tensor([0.5]), tg.tensor([1.5])]).shape == (2,)   # numbers, as torch
    with pytest.raises(ValueError, match="only one-element tensors can be read as numbers"):
        tg.tensor([tg.ones(2), tg.ones(2)])
    fib = tg.linalg.matrix_power(tg.tensor([[1, 1], [1, 0]]), 10)          # integers, n >= 0
    assert fib.tolist() == [[89, 55], [55, 34]] and fib.dtype == np.int64
    assert tg.heaviside(tg.tensor([float("nan"), 0.0]), tg.tensor([0.5])).tolist() == [0, 0.5]
    with pytest.raises(ValueError, match="linear: bias of shape \\(5, 4, 2\\) does not fit"):
        nn.functional.linear(tg.ones(4, 3), tg.ones(2, 3), tg.ones(5, 4, 2))
    with pytest.raises(ValueError, match="histogram: `bins` must increase"):
        tg.histogram(tg.ones(3), bins=tg.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="strict=True and vectorize=True"):
        tg.autograd.functional.jacobian(lambda t: t * 2, tg.ones(2), strict=True,
                                        vectorize=True)
