"""dropout / dropout2d: seeded masks, inverted scaling, the saved mask in backward."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck


def ones(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_gradient_is_mask_times_scale(p):
    tg.manual_seed(0)
    x = Tensor(np.random.default_rng(0).uniform(1, 2, (50, 40)), requires_grad=True)
    out = tg.dropout(x, p)
    kept = out.data != 0
    np.testing.assert_allclose(out.data, x.data * kept / (1 - p), rtol=1e-15)
    tg.randn(1000)                        # later draws must not change the saved mask
    g = np.random.default_rng(1).standard_normal(x.shape)
    out.backward(Tensor(g))
    np.testing.assert_allclose(x.grad.data, g * kept / (1 - p), rtol=1e-15)
    assert 0 < kept.mean() < 1


def test_the_seed_fixes_the_mask_and_draws_come_from_the_library_generator():
    x = Tensor(np.ones((8, 8)))
    tg.manual_seed(3)
    a = tg.dropout(x).data
    tg.manual_seed(3)
    b = tg.dropout(x).data
    c = tg.dropout(x).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)       # a new mask on every call


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_mean_is_preserved(p):
    """Each output is Bernoulli(1-p)/(1-p) for an input of 1: mean 1, variance p/(1-p). Over
    n = 200,000 elements the sample mean's standard deviation is sqrt(p/(1-p)/n) <= 0.0023;
    we allow 5 of them (false-alarm probability < 1e-6 for an unlucky seed)."""
    n = 200_000
    tg.manual_seed(1)
    out = tg.dropout(Tensor(np.ones(n)), p)
    tolerance = 5 * np.sqrt(p / (1 - p) / n)
    assert abs(out.data.mean() - 1) < tolerance
    assert abs((out.data == 0).mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_eval_mode_and_p0_are_the_identity():
    x = ones(3, 4)
    assert tg.dropout(x, 0.5, training=False) is x
    assert tg.dropout2d(ones(1, 2, 3, 3), 0.7, training=False).shape == (1, 2, 3, 3)
    out = tg.dropout(x, 0.0)
    np.testing.assert_array_equal(out.data, x.data)


def test_p1_gives_zeros_and_zero_gradient_without_nan():
    x = ones(5, 3)
    out = tg.dropout(x, 1.0)
    np.testing.assert_array_equal(out.data, 0.0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 0.0)


def test_float32_stays_float32():
    assert tg.dropout(Tensor(np.ones((4, 4), dtype=np.float32)), 0.5).dtype == np.float32


@pytest.mark.parametrize("shape", [(6, 5, 3, 4), (40, 3, 2)])
def test_dropout2d_drops_whole_channels(shape):
    tg.manual_seed(2)
    x = ones(*shape)
    out = tg.dropout2d(x, 0.5)
    planes = out.data.reshape(*shape[:-2], -1)
    assert np.all((planes == 0) | (planes == 2))
    assert np.all(planes.min(-1) == planes.max(-1))       # one draw per (n, c) plane
    kept = planes[..., 0] != 0
    assert 0 < kept.mean() < 1
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)   # grad = mask * scale, x = 1


def seeded(fn, p):
    def run(x):
        tg.manual_seed(5)
        return fn(x, p)
    return run


@pytest.mark.parametrize("fn, shape", [(tg.dropout, (3, 4)), (tg.dropout2d, (2, 3, 2, 2))])
def test_gradcheck(fn, shape):
    x = Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    assert gradcheck(seeded(fn, 0.4), [x]) and gradgradcheck(seeded(fn, 0.4), [x])


@pytest.mark.parametrize("call, message", [
    (lambda: tg.dropout(ones(3), 1.5),
     r"dropout: dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: tg.dropout2d(ones(2, 3, 4, 4), -0.1), r"dropout2d: dropout probability"),
    (lambda: tg.dropout2d(ones(3), 0.5),
     r"dropout2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got shape \(3,\)"),
    (lambda: tg.dropout(Tensor(np.ones(3, dtype=np.int64)), 0.5),
     r"dropout: expected a floating point input, got dtype int64"),
])
def test_bad_input_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_against_torch_statistics():
    """Same semantics as torch (scale 1/(1-p), zeros elsewhere); the masks differ by design."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).uniform(1, 2, (100, 100))
    tg.manual_seed(0)
    ours = tg.dropout(Tensor(x), 0.25).data
    theirs = torch.nn.functional.dropout(torch.tensor(x), 0.25).numpy()
    for out in (ours, theirs):
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / 0.75)
        assert abs(kept.mean() - 0.75) < 0.03
