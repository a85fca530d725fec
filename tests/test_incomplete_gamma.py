"""The incomplete gamma functions, the gamma quantile and the reparameterized gamma draws
(ops/incomplete_gamma.py), against mpmath at 40 digits.

Errors are measured relative to the value, except where a function is ill-conditioned:
a quantile is checked by its residual, how far P(a, z) is from u, in units of the slope
d ln P / d ln z (that is the relative error of z that the residual implies).
"""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.ops.incomplete_gamma import (gamma_quantile_numpy, gammainc_numpy,
                                               shape_derivative_numpy)

mp.mp.dps = 40
SHAPES = [1e-3, 0.05, 0.3, 1.0, 1.7, 9.99, 10.0, 33.3, 100.0, 1e3, 1e4]


def points(a: float) -> np.ndarray:
    """x on both sides of a + 1 and in both tails, where mpmath itself converges."""
    xs = np.concatenate([a * np.array([1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0]),
                         a + np.array([-1.0, 0.9999999, 1.0, 1.0000001]),
                         a + np.sqrt(a) * np.array([-6, -3, -1, 1, 3, 6]),
                         [1e-5, 0.5, 1.0, 2.0, 30.0]])
    return np.unique(xs[(xs > 0) & (xs < a + 10 * np.sqrt(a) + 30)])


def reference(a: float, x: float) -> tuple:
    """P, Q and D = (dP/da) / p at 40 digits (D from whichever of P, Q is smaller)."""
    ma, mx = mp.mpf(a), mp.mpf(x)
    lower = mp.gammainc(ma, 0, mx, regularized=True)
    upper = mp.gammainc(ma, mx, mp.inf, regularized=True)
    density = mx ** (ma - 1) * mp.exp(-mx) / mp.gamma(ma)
    if lower < upper:
        slope = mp.diff(lambda s: mp.gammainc(s, 0, mx, regularized=True), ma)
    else:
        slope = -mp.diff(lambda s: mp.gammainc(s, mx, mp.inf, regularized=True), ma)
    return lower, upper, slope / density


def relative(got: float, want) -> float:
    return float(abs(mp.mpf(got) - want) / abs(want))


@pytest.mark.parametrize("a", SHAPES)
def test_gammainc_gammaincc_and_the_shape_derivative_keep_their_digits(a):
    xs = points(a)
    lower, upper = gammainc_numpy(a, xs, False), gammainc_numpy(a, xs, True)
    shape_derivative = shape_derivative_numpy(a, xs)
    for x, p, q, d in zip(xs, lower, upper, shape_derivative):
        want_p, want_q, want_d = reference(a, x)
        # P and Q: within 60 ulp, more only where their condition number in a is large
        # (P(100, 1) = 1e-144 is 1e-13 off: d ln P / d ln a = a ln(x / a) = -460 there)
        bound = 2.2e-16 * max(60, 2 * abs(a * float(mp.log(x / a))))
        if want_p > 1e-300:
            assert relative(p, want_p) < bound, (x, p, want_p)
        if want_q > 1e-300:
            assert relative(q, want_q) < bound, (x, q, want_q)
        assert relative(d, want_d) < 2e-14, (x, d, want_d)


def test_edges_follow_torch():
    a = np.array([0.0, 0.0, 1.0, -1.0, np.inf, 1.0, np.inf, 2.0, 1e-300, np.nan, 1.0])
    x = np.array([1.0, 0.0, 0.0, 1.0, 1.0, np.inf, np.inf, -1.0, 1.0, 1.0, np.nan])
    nan = np.nan
    np.testing.assert_array_equal(gammainc_numpy(a, x, False),
                                  [1, nan, 0, nan, 0, 1, nan, nan, 1, nan, nan])
    upper = gammainc_numpy(a, x, True)
    np.testing.assert_array_equal(np.delete(upper, 8), [0, nan, 1, nan, 1, 0, nan, nan, nan, nan])
    assert upper[8] == pytest.approx(1e-300 * float(mp.e1(1)), rel=1e-14)    # torch: 0


def test_public_functions_dtypes_and_methods():
    a, x = tg.tensor([0.5, 2.0]), tg.tensor([1.0, 3.0])
    np.testing.assert_allclose(tg.special.gammainc(a, x).numpy(), [0.8427007929497149,
                                                                   0.8008517265285442],
                               rtol=1e-7)
    assert tg.special.gammainc(a, x).dtype == np.float32
    assert tg.igamma(a.double(), 2).dtype == np.float64
    total = tg.igamma(a, x) + a.igammac(x)
    np.testing.assert_allclose(total.numpy(), [1, 1], rtol=1e-7)
    y = a.clone()
    y.igamma_(x)
    np.testing.assert_array_equal(y.numpy(), tg.igamma(a, x).numpy())


def test_gradients_are_the_density_and_the_shape_derivative():
    a = Tensor(np.array([0.4, 3.0, 25.0]), requires_grad=True)
    x = Tensor(np.array([2.0, 1.0, 30.0]), requires_grad=True)
    tg.special.gammaincc(a, x).sum().backward()
    density = [float(mp.mpf(xi) ** (ai - 1) * mp.exp(-xi) / mp.gamma(ai))
               for ai, xi in zip([0.4, 3.0, 25.0], [2.0, 1.0, 30.0])]
    np.testing.assert_allclose(x.grad.numpy(), -np.array(density), rtol=1e-14)
    slopes = [float(mp.diff(lambda s: mp.gammainc(s, mp.mpf(xi), mp.inf, regularized=True),
                            mp.mpf(ai))) for ai, xi in zip([0.4, 3.0, 25.0], [2.0, 1.0, 30.0])]
    np.testing.assert_allclose(a.grad.numpy(), slopes, rtol=1e-13)


def test_second_derivative_in_a_is_refused_by_name():
    a = Tensor(np.array([2.0]), requires_grad=True)
    (grad,) = tg.grad(tg.special.gammainc(a, 1.5).sum(), [a], create_graph=True)
    with pytest.raises(RuntimeError, match="gamma_inc: a second derivative through this "
                                           "gradient is not available: the derivative of "
                                           "gammainc/gammaincc in the shape a is summed"):
        grad.sum().backward()
    (grad,) = tg.grad(D.Beta(a, a).rsample().sum(), [a], create_graph=True)
    with pytest.raises(RuntimeError, match=r"gamma_quantile: .* the derivative of a gamma "
                                           r"draw \(Gamma, Chi2, Beta"):
        grad.sum().backward()


QUANTILES = [1e-300, 1e-100, 1e-20, 1e-8, 1e-3, 0.1, 0.5, 0.50001, 0.9, 0.999, 1 - 1e-8,
             1 - 2 ** -53]


@pytest.mark.parametrize("a", SHAPES[:-1])
def test_the_quantile_inverts_the_cdf(a):
    """The residual of P(a, z) = u (Q(a, z) = 1 - u above 1/2), in units of the slope
    d ln P / d ln z, is a relative error of z: within 1e-13 (5e-13 where a is so small
    that the slope is a: z then moves 1000x more than P)."""
    z = gamma_quantile_numpy(np.full(len(QUANTILES), a), np.array(QUANTILES))
    for u, zi in zip(QUANTILES, z):
        mz, ma = mp.mpf(zi), mp.mpf(a)
        if zi <= np.finfo(float).tiny * (1 + 1e-9):        # the quantile underflows:
            assert mp.gammainc(ma, 0, mz, regularized=True) >= u       # z stays at tiny
            continue
        lower = u <= 0.5
        cdf = (mp.gammainc(ma, 0, mz, regularized=True) if lower
               else mp.gammainc(ma, mz, mp.inf, regularized=True))
        target = mp.mpf(u) if lower else 1 - mp.mpf(u)
        slope = mz ** ma * mp.exp(-mz) / mp.gamma(ma) / cdf
        assert float(abs(mp.log(cdf / target)) / slope) < (5e-13 if a < 0.01 else 1e-13)
    assert gamma_quantile_numpy(np.array(1.0), np.array(0.0)) == np.finfo(float).tiny
    assert np.isnan(gamma_quantile_numpy(np.array([1.0, -1.0]), np.array([1.0, 0.5]))).all()


def seeded(draw):
    """fn(params) that draws with the same seed on every call: the same uniforms u, so
    finite differences see z(a) = P^-1(a, u) at fixed u, the reparameterized draw."""
    def run(*params):
        tg.manual_seed(5)
        return draw(*params)
    return run


D = tg.distributions


@pytest.mark.parametrize("name, draw, params", [
    ("Gamma", lambda a, r: D.Gamma(a, r).rsample((4,)), [[0.3, 2.0, 15.0], [1.0, 0.5, 2.0]]),
    ("Chi2", lambda k: D.Chi2(k).rsample((3,)), [[0.7, 4.0]]),
    ("Beta", lambda a, b: D.Beta(a, b).rsample((4,)), [[0.5, 2.0], [0.8, 3.0]]),
    ("Dirichlet", lambda a: D.Dirichlet(a).rsample((3,)), [[[0.4, 1.5, 3.0], [2.0, 2.0, 0.7]]]),
    ("StudentT", lambda df, loc, s: D.StudentT(df, loc, s).rsample((4,)),
     [[1.5, 6.0], [0.0, 1.0], [1.0, 2.0]]),
])
def test_rsample_gradient_is_the_derivative_at_fixed_uniforms(name, draw, params):
    tensors = [Tensor(np.array(p), requires_grad=True) for p in params]
    assert gradcheck(seeded(draw), tensors, atol=1e-7, rtol=1e-6)
    assert draw(*tensors).requires_grad


def test_the_draw_gradient_is_minus_the_shape_derivative():
    tg.manual_seed(2)
    a = Tensor(np.full(6, 2.5), requires_grad=True)
    z = D.Gamma(a, 1.0).rsample()
    z.sum().backward()
    for zi, gi in zip(z.detach().numpy(), a.grad.numpy()):
        assert gi == pytest.approx(-float(reference(2.5, zi)[2]), rel=1e-13)


@pytest.mark.parametrize("dist", [
    lambda: D.Gamma(Tensor(np.array([0.2, 3.0, 50.0])), Tensor(np.array([1.0, 2.0, 0.5]))),
    lambda: D.Beta(Tensor(np.array([0.5, 2.0])), Tensor(np.array([0.5, 5.0]))),
    lambda: D.Dirichlet(Tensor(np.array([0.3, 1.0, 4.0]))),
    lambda: D.StudentT(Tensor(np.array([5.0, 30.0])), 1.0, 2.0),
], ids=["Gamma", "Beta", "Dirichlet", "StudentT"])
def test_rsample_draws_have_the_claimed_moments(dist):
    tg.manual_seed(0)
    d = dist()
    draws = d.rsample((40_000,)).numpy()
    sem = np.sqrt(d.variance.numpy() / len(draws))
    assert np.all(np.abs(draws.mean(0) - d.mean.numpy()) < 5 * sem)
    np.testing.assert_allclose(draws.var(0), d.variance.numpy(), rtol=0.1)   # (t: kurtosis)


def test_beta_draws_stay_inside_the_open_interval():
    tg.manual_seed(0)
    dist = D.Beta(tg.tensor([0.05]), tg.tensor([0.05]))       # float32: X / (X + Y) hits 1
    for draws in (dist.sample((20_000,)), dist.rsample((2_000,))):
        assert draws.numpy().max() < 1 and draws.numpy().min() > 0
        assert np.isfinite(dist.log_prob(draws).numpy()).all()


def test_float32_parameters_draw_float32_never_zero():
    """A quantile below float32's smallest normal number is that number (as torch), not
    0: Gamma(0.01) in float32 gave 0 for a third of its draws, and Beta 0 / 0."""
    tg.manual_seed(0)
    assert D.Gamma(tg.tensor([2.0]), tg.tensor([1.0])).rsample((3,)).dtype == np.float32
    assert D.Dirichlet(tg.tensor([2.0, 1.0])).rsample().dtype == np.float32
    draws = D.Gamma(tg.tensor([0.01]), 1.0).rsample((1000,)).numpy()
    assert draws.min() == np.finfo(np.float32).tiny
    c = tg.tensor([0.01], requires_grad=True)
    beta = D.Beta(c, c).rsample((1000,))
    beta.sum().backward()
    assert np.isfinite(beta.numpy()).all() and np.isfinite(c.grad.numpy()).all()
    assert np.isfinite(D.StudentT(tg.tensor([0.02])).rsample((1000,)).numpy()).all()
