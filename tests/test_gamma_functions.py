"""lgamma, digamma, polygamma (ops/gamma.py) against mpmath's 40-digit values, their special
values and errors, mvlgamma and the composed torch.special functions (special.py).

Tolerances are what was measured, rounded up: on x > 0, within 8 ulp for lgamma and 6
for polygamma, digamma included, also at its root x0 = 1.4616 (torch's digamma is off by
up to 1e-15 there, where its sum cancels every digit); below 0 the reflection loses
digits near the roots of lgamma and near the poles: relative to max(1, |value|), 4e-15
for lgamma and 2e-13 for polygamma.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.ops.gamma import lgamma_numpy, polygamma_numpy

mpmath = pytest.importorskip("mpmath")
mpmath.mp.dps = 40
RNG = np.random.default_rng(7)
POSITIVE = np.concatenate([RNG.uniform(0, 3, 1500), RNG.uniform(3, 40, 500),
                           10.0 ** RNG.uniform(-12, 15, 300), np.linspace(0.95, 1.05, 101),
                           np.linspace(1.95, 2.05, 101), [0.5, 1.5, 2.5, 10.0, 1e-300, 2e305]])
NEGATIVE = np.concatenate([RNG.uniform(-6, 0, 600), -(10.0 ** RNG.uniform(-10, 3, 200))])
NEGATIVE = NEGATIVE[NEGATIVE != np.floor(NEGATIVE)]
DIGAMMA_ROOT = 1.4616321449683623


def reference(fn, x: np.ndarray) -> np.ndarray:
    return np.array([float(fn(mpmath.mpf(float(v)))) for v in x])


def lgamma_ref(v):
    return mpmath.log(abs(mpmath.gamma(v)))


def ulps(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got - ref| in units of ref's last place (0 where both are the same infinity)."""
    same = got == ref
    with np.errstate(invalid="ignore"):
        return np.where(same, 0, np.abs(got - ref) / np.spacing(np.abs(np.where(same, 1, ref))))


def test_lgamma_positive_within_8_ulp():
    assert ulps(lgamma_numpy(POSITIVE), reference(lgamma_ref, POSITIVE)).max() <= 8


def test_lgamma_negative_by_reflection():
    ref = reference(lgamma_ref, NEGATIVE)
    error = np.abs(lgamma_numpy(NEGATIVE) - ref) / np.maximum(1, np.abs(ref))
    assert error.max() <= 4e-15


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_positive_within_6_ulp(n):
    x = POSITIVE[POSITIVE < 1e6]            # (beyond, n >= 2 underflows to 0 near 1e300)
    ref = reference(lambda v: mpmath.polygamma(n, v), x)
    assert ulps(polygamma_numpy(n, x), ref).max() <= 6


def test_digamma_positive_within_6_ulp_also_at_its_root():
    x = np.concatenate([POSITIVE, np.linspace(1.2, 1.7, 501), DIGAMMA_ROOT + np.spacing(
        DIGAMMA_ROOT) * np.arange(-3, 4)])
    assert ulps(polygamma_numpy(0, x), reference(mpmath.digamma, x)).max() <= 6


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_negative_by_reflection(n):
    ref = reference(lambda v: mpmath.polygamma(n, v), NEGATIVE)
    error = np.abs(polygamma_numpy(n, NEGATIVE) - ref) / np.maximum(1, np.abs(ref))
    assert error.max() <= 2e-13


def test_special_values():
    inf, nan = np.inf, np.nan
    x = np.array([0.0, -0.0, -1.0, -7.0, inf, -inf, nan])
    np.testing.assert_array_equal(lgamma_numpy(x), [inf, inf, inf, inf, inf, inf, nan])
    np.testing.assert_array_equal(polygamma_numpy(0, x), [-inf, inf, nan, nan, inf, nan, nan])
    np.testing.assert_array_equal(polygamma_numpy(1, x), [inf, inf, inf, inf, 0, nan, nan])
    np.testing.assert_array_equal(polygamma_numpy(2, x), [-inf, -inf, -inf, -inf, 0, nan, nan])
    assert lgamma_numpy(np.array([1.0, 2.0])).tolist() == [0.0, 0.0]          # exact roots
    assert lgamma_numpy(np.array([3e305]))[0] == inf                          # overflows
    assert math.isfinite(lgamma_numpy(np.array([2.5e305]))[0])
    assert lgamma_numpy(np.array([1e-300]))[0] == pytest.approx(690.7755278982137, rel=1e-15)


def test_float32_inputs_get_the_float64_value_rounded():
    x = RNG.uniform(-5, 30, 1000).astype(np.float32)
    x = x[x != np.floor(x)]
    assert lgamma_numpy(x).dtype == np.float32
    np.testing.assert_array_equal(lgamma_numpy(x), lgamma_numpy(x.astype(np.float64))
                                  .astype(np.float32))
    np.testing.assert_array_equal(polygamma_numpy(1, x), polygamma_numpy(1, x.astype(
        np.float64)).astype(np.float32))


def test_functions_methods_and_dtypes():
    x = Tensor([0.5, 3.0, 7.25])
    assert tg.lgamma(x).dtype == np.float32 and tg.lgamma([1, 2, 3]).dtype == np.float32
    np.testing.assert_array_equal(x.lgamma().numpy(), tg.special.gammaln(x).numpy())
    np.testing.assert_array_equal(x.digamma().numpy(), tg.special.psi(x).numpy())
    np.testing.assert_array_equal(x.polygamma(2).numpy(), tg.special.polygamma(2, x).numpy())
    assert tg.digamma(Tensor([1.0], dtype=np.float64)).item() == pytest.approx(-0.5772156649015329,
                                                                              rel=1e-15)
    assert tg.polygamma(1, Tensor([1.0], dtype=np.float64)).item() == pytest.approx(
        math.pi ** 2 / 6, rel=1e-15)


def test_derivatives_are_the_next_function():
    x = Tensor([0.3, 2.5, 11.0], dtype=np.float64, requires_grad=True)
    first, = tg.grad(x.lgamma().sum(), x, create_graph=True)
    np.testing.assert_array_equal(first.numpy(), tg.digamma(x).detach().numpy())
    second, = tg.grad(first.sum(), x, create_graph=True)
    third, = tg.grad(second.sum(), x)
    np.testing.assert_array_equal(third.numpy(), tg.polygamma(2, x).detach().numpy())


def test_in_place_forms():
    x = Tensor([1.5, 4.0])
    x.lgamma_()
    np.testing.assert_allclose(x.numpy(), [math.lgamma(1.5), math.log(6)], rtol=1e-6)
    y = Tensor([2.0, 3.0], dtype=np.float64)
    y.polygamma_(1)
    np.testing.assert_allclose(y.numpy(), [math.pi ** 2 / 6 - 1, math.pi ** 2 / 6 - 1.25],
                               rtol=1e-15)
    a = Tensor([2.0], requires_grad=True)
    b = a * 1
    b.digamma_()
    assert b.grad_fn is not None and type(b.grad_fn).__name__.startswith("Polygamma")


@pytest.mark.parametrize("n, error", [(-1, ValueError), (171, ValueError), (1.0, TypeError),
                                      (True, TypeError)])
def test_polygamma_refuses_bad_n(n, error):
    with pytest.raises(error, match="polygamma: n must"):
        tg.polygamma(n, Tensor([1.0]))


def test_mvlgamma():
    x = Tensor([1.6, 2.5, 9.0], dtype=np.float64, requires_grad=True)
    out = tg.mvlgamma(x, 3)
    expected = [3 / 2 * math.log(math.pi) + sum(math.lgamma(v - i / 2) for i in range(3))
                for v in (1.6, 2.5, 9.0)]
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [sum(float(mpmath.digamma(v - i / 2))
                                                    for i in range(3)) for v in (1.6, 2.5, 9.0)],
                               rtol=1e-14)
    assert tg.special.multigammaln is tg.mvlgamma
    with pytest.raises(ValueError, match="mvlgamma: p must be a positive int"):
        tg.mvlgamma(x, 0)


def test_entr_ndtr_xlog1py():
    nan, inf = np.nan, np.inf
    out = tg.special.entr(Tensor([0.0, -1.0, 0.5, inf, nan], dtype=np.float64)).numpy()
    np.testing.assert_array_equal(out, [0.0, -inf, 0.5 * math.log(2), -inf, nan])
    x = Tensor([-30.0, -3.0, 0.0, 3.0], dtype=np.float64)
    expected = [0.5 * math.erfc(30 / math.sqrt(2)), 0.5 * math.erfc(3 / math.sqrt(2)), 0.5,
                1 - 0.5 * math.erfc(3 / math.sqrt(2))]
    # erfc(a) magnifies the rounding of a = x / sqrt(2) by 2 a^2 = 900 at x = -30
    np.testing.assert_allclose(tg.special.ndtr(x).numpy(), expected, rtol=2e-13)
    out = tg.special.xlog1py(Tensor([0.0, 0.0, 2.0]), Tensor([nan, -1.0, 1.0])).numpy()
    np.testing.assert_array_equal(out[:2], [nan, 0.0])
    assert out[2] == pytest.approx(2 * math.log(2), rel=1e-6)
    y = Tensor([0.5, 2.0], dtype=np.float64, requires_grad=True)
    tg.special.entr(y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [-(math.log(0.5) + 1), -(math.log(2) + 1)])


def test_special_namespace_has_torchs_names():
    for name in tg.special.__all__:
        assert callable(getattr(tg.special, name)), name
    x = Tensor([[0.5, -1.0, 2.0]])
    np.testing.assert_allclose(tg.special.expit(x).numpy(), x.sigmoid().numpy())
    np.testing.assert_allclose(tg.special.log_softmax(x, 1).numpy(), x.log_softmax(1).numpy())
    np.testing.assert_allclose(tg.special.round(Tensor([1.26]), decimals=1).numpy(), [1.3])


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    x = np.concatenate([RNG.uniform(0.05, 30, 200), RNG.uniform(-5, 0, 50)])
    x = x[x != np.floor(x)]
    t = torch.tensor(x)
    np.testing.assert_allclose(lgamma_numpy(x), torch.lgamma(t).numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(polygamma_numpy(0, x), torch.digamma(t).numpy(), rtol=1e-12,
                               atol=1e-13)
    # torch's trigamma is a short asymptotic series: 1e-10 off (ours is exact, above)
    np.testing.assert_allclose(polygamma_numpy(1, x), torch.polygamma(1, t).numpy(), rtol=1e-9)
    np.testing.assert_allclose(polygamma_numpy(3, x), torch.polygamma(3, t).numpy(), rtol=1e-12)


@pytest.mark.parametrize("n", [0, 2, 6, 10])
def test_polygamma_at_negative_half_integers_keeps_its_digits(n):
    """cot(pi x) is exactly 0 there (a quotient of two sines), so the reflection's
    pi^(n+1) P_n(cot) term does not magnify a rounding of cot by n! pi^(n+1)."""
    x = np.array([-0.5, -2.5, -3.25, -7.5])
    ref = reference(lambda v: mpmath.polygamma(n, v), x)
    np.testing.assert_allclose(polygamma_numpy(n, x), ref, rtol=1e-15)


def test_polygamma_just_below_zero_is_inf():
    x = np.array([-1e-310, -5e-324, -1e-300])
    for n in (0, 1, 2):
        out = polygamma_numpy(n, x)
        assert np.isposinf(out[:2]).all() and (n > 0 or out[2] == pytest.approx(1e300))


def test_xlog1py_and_entr_gradients():
    x = Tensor([0.0, 1.0, 0.0, 0.0], requires_grad=True)
    out = tg.special.xlog1py(x, Tensor([2.0, 2.0, -1.0, np.inf]))
    out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), [0, np.float32(math.log(3)), 0, 0])
    np.testing.assert_allclose(x.grad.numpy()[:2], [math.log(3)] * 2, rtol=1e-6)  # also at x = 0
    y = Tensor([np.nan, 2.0], requires_grad=True)
    tg.special.entr(y).sum().backward()
    assert np.isnan(y.grad.numpy()[0])                   # a nan input gets a nan gradient
    assert tg.polygamma(Tensor(1), Tensor([2.0])).item() == pytest.approx(math.pi ** 2 / 6 - 1)
