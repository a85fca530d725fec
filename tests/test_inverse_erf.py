"""erfinv, the normal quantile special.ndtri (by erfcinv), special.log_ndtr and the
Normal/LogNormal icdf, against mpmath at 50 digits (torch only as an optional check)."""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradgradcheck
from tinygrad_edu.ops.inverse_erf import erfcinv_numpy, erfinv_numpy

mp.mp.dps = 50
ULP = 2.0 ** -52


def test_erfinv_within_one_ulp():
    rng = np.random.default_rng(0)
    ys = np.concatenate([rng.uniform(-1, 1, 1500), 1 - np.geomspace(1e-16, 0.5, 300),
                         np.geomspace(1e-300, 0.5, 300), [0.5, -0.5, 0.4999999999999]])
    for y, x in zip(ys, erfinv_numpy(ys)):
        want = mp.erfinv(mp.mpf(y))
        assert abs(mp.mpf(x) - want) <= 1.0 * ULP * abs(want), (y, x)


def test_erfcinv_within_two_ulp_times_its_condition_number():
    """Near q = 1 the answer is small and sensitive: q's own rounding moves it by
    |q x'(q) / x| ulp (210 at q = 0.995), which the bound allows."""
    qs = np.concatenate([np.geomspace(5e-324, 1, 1500), 2 - np.geomspace(1e-16, 1, 300)])
    for q, x in zip(qs, erfcinv_numpy(qs)):
        mq = mp.mpf(q)
        want = (mp.erfinv(1 - mq) if 1e-30 < q < 2 - 1e-15
                else mp.findroot(lambda t: mp.erfc(t) - mq, float(x)))
        if want == 0 or mp.isinf(want):
            assert x == want
            continue
        condition = abs(mq * mp.sqrt(mp.pi) / 2 * mp.exp(want ** 2) / want)
        assert abs(mp.mpf(x) - want) <= 2 * ULP * abs(want) * max(1, condition), (q, x)


def test_edges_dtypes_and_methods():
    out = erfinv_numpy(np.array([1.0, -1.0, 1.5, np.nan, 0.0, -0.0]))
    np.testing.assert_array_equal(out, [np.inf, -np.inf, np.nan, np.nan, 0.0, -0.0])
    assert math.copysign(1, out[-1]) == -1
    np.testing.assert_array_equal(erfcinv_numpy(np.array([0.0, 2.0, -0.1, 2.1, 1.0])),
                                  [np.inf, -np.inf, np.nan, np.nan, 0.0])
    y = tg.tensor([0.3, 0.9999])
    assert tg.erfinv(y).dtype == np.float32 and tg.special.erfinv(y.double()).dtype == np.float64
    np.testing.assert_array_equal(y.erfinv().numpy(), erfinv_numpy(y.numpy()))
    z = y.clone()
    z.erfinv_()
    np.testing.assert_array_equal(z.numpy(), y.erfinv().numpy())
    np.testing.assert_allclose(tg.erf(tg.erfinv(tg.tensor([-0.7, 0.2]))).numpy(), [-0.7, 0.2],
                               rtol=1e-7)


def test_ndtri_keeps_both_tails():
    ps = [1e-300, 1e-100, 1e-10, 0.025, 0.5, 0.975, 1 - 1e-10, 1 - 2 ** -53]
    got = tg.special.ndtri(Tensor(np.array(ps))).numpy()
    for p, x in zip(ps, got):
        want = -mp.sqrt(2) * mp.erfinv(1 - 2 * mp.mpf(p)) if p < 0.5 else mp.sqrt(2) * \
            mp.erfinv(2 * mp.mpf(p) - 1)
        assert abs(mp.mpf(x) - want) <= 4 * ULP * max(abs(want), 1e-300) * max(
            1, abs(mp.mpf(p) * mp.sqrt(2 * mp.pi) * mp.exp(want ** 2 / 2) / want)
            if want else 1), (p, x)
    assert got[4] == 0 and math.copysign(1, got[4]) == 1
    p = Tensor(np.array([0.01, 0.4, 0.8]), requires_grad=True)
    tg.special.ndtri(p).sum().backward()
    x = tg.special.ndtri(p).detach().numpy()
    np.testing.assert_allclose(p.grad.numpy(), np.sqrt(2 * np.pi) * np.exp(x ** 2 / 2),
                               rtol=1e-13)
    assert gradgradcheck(tg.special.ndtri, [Tensor(np.array([0.01, 0.6]), requires_grad=True)])


def test_log_ndtr_is_finite_where_ndtr_underflows():
    """Within 4 ulp times 1 + x^2 up to -20: ndtr(x) = erfc(-x / sqrt 2) / 2 rounds
    x / sqrt 2 first, and erfc magnifies that by its condition number, about x^2 + 1."""
    xs = [-1e3, -40.0, -20.0001, -20.0, -5.0, 0.0, 3.0, 10.0, 38.0]
    got = tg.special.log_ndtr(Tensor(np.array(xs))).numpy()
    for x, value in zip(xs, got):
        want = mp.log(mp.ncdf(mp.mpf(x))) if x <= 0 else mp.log1p(-mp.ncdf(-mp.mpf(x)))
        bound = 4 * ULP * abs(want) * (1 if x < -20 else 1 + x * x) + 2e-323   # (subnormal)
        assert abs(mp.mpf(value) - want) <= bound, (x, value)
    x = Tensor(np.array([-50.0, -20.5, -19.5, -1.0, 2.0, 12.0]), requires_grad=True)
    assert gradgradcheck(tg.special.log_ndtr, [x])
    tg.special.log_ndtr(x).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_normal_and_log_normal_icdf_invert_the_cdf():
    normal = tg.distributions.Normal(Tensor(np.array([1.0, -2.0])), Tensor(np.array([2.0, 0.5])))
    u = Tensor(np.array([[1e-12, 0.3], [0.5, 0.999]]))
    np.testing.assert_allclose(normal.cdf(normal.icdf(u)).numpy(), u.numpy(), rtol=1e-13)
    log_normal = tg.distributions.LogNormal(Tensor(np.array(0.2)), Tensor(np.array(0.5)))
    np.testing.assert_allclose(log_normal.icdf(u).numpy(), np.exp(
        tg.distributions.Normal(Tensor(np.array(0.2)), Tensor(np.array(0.5))).icdf(u).numpy()),
        rtol=1e-15)
    np.testing.assert_allclose(log_normal.cdf(log_normal.icdf(u)).numpy(), u.numpy(),
                               rtol=1e-13)


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    ys = np.random.default_rng(1).uniform(-1, 1, 200)
    np.testing.assert_allclose(erfinv_numpy(ys), torch.erfinv(torch.tensor(ys)).numpy(),
                               rtol=1e-14)
    xs = np.array([-30.0, -3.0, 0.5, 7.0])
    np.testing.assert_allclose(tg.special.log_ndtr(Tensor(xs)).numpy(),
                               torch.special.log_ndtr(torch.tensor(xs)).numpy(), rtol=1e-14)
