"""i0, i0e, i1, i1e and erfcx (tinygrad_edu/bessel.py): accuracy against mpmath's 30-digit
values, special values, dtypes, derivatives (gradcheck, gradgradcheck, a third derivative,
the limits at 0), errors, and values and first and second derivatives against torch.

Tolerances are what was measured, rounded up: against mpmath, within 14 ulp for the Bessel
functions (Cephes' expansions: 13 ulp for i1 near 7.5, where torch's is 9) and 3 ulp for
erfcx. torch's erfcx is 2 e^(x*x) for x < -6.1, off by up to x^2 * 2^-53 relative (500 ulp
at -24); against it the tolerance for x < 0 grows by that much.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.bessel import bessel_numpy, erfcx, erfcx_numpy, i0, i0e, i1, i1e

FUNCTIONS = {"i0": i0, "i0e": i0e, "i1": i1, "i1e": i1e, "erfcx": erfcx}
RNG = np.random.default_rng(11)
BESSEL_X = np.concatenate([RNG.uniform(-10, 10, 300), RNG.uniform(-40, 40, 100),
                           np.sign(RNG.uniform(-1, 1, 150)) * 10.0 ** RNG.uniform(-12, 2.85, 150),
                           [0.0, 8.0, -8.0, 7.999999, 8.000001, 1e-300, 700.0, -713.9]])
ERFCX_X = np.concatenate([RNG.uniform(-26.6, 30, 400), RNG.uniform(-2, 2, 200),
                          10.0 ** RNG.uniform(-12, 300, 150), -(10.0 ** RNG.uniform(-12, 1.4, 100)),
                          [0.0, 0.84375, 1.25, 1 / 0.35, 28.0, -26.62, 1e-300]])


def ulps(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got - ref| in units of ref's last place."""
    return np.abs(got - ref) / np.spacing(np.abs(ref))


def leaf(values, dtype=np.float64) -> Tensor:
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------- accuracy (mpmath)
@pytest.mark.parametrize("order, scaled", [(0, False), (0, True), (1, False), (1, True)])
def test_bessel_against_mpmath_within_14_ulp(order, scaled):
    mp = pytest.importorskip("mpmath")
    scale = (lambda v: mp.exp(-abs(v))) if scaled else (lambda v: 1)
    with mp.workdps(30):                    # (other files set their own global precision)
        ref = np.array([float(mp.besseli(order, mp.mpf(v)) * scale(mp.mpf(v)))
                        for v in BESSEL_X])
    got = bessel_numpy(BESSEL_X, order, scaled)
    nonzero = ref != 0
    assert ulps(got[nonzero], ref[nonzero]).max() <= 14
    assert np.array_equal(got[~nonzero], ref[~nonzero])


def test_erfcx_against_mpmath_within_3_ulp():
    mp = pytest.importorskip("mpmath")

    def reference(v: float) -> float:
        v = mp.mpf(v)
        if v < 1e6:
            return float(mp.erfc(v) * mp.exp(v * v))
        u = 1 / (2 * v * v)                                     # (the asymptotic series)
        return float((1 - u + 3 * u * u - 15 * u ** 3) / (v * mp.sqrt(mp.pi)))

    with mp.workdps(30):
        ref = np.array([reference(v) for v in ERFCX_X])
    assert ulps(erfcx_numpy(ERFCX_X), ref).max() <= 3


# ---------------------------------------------------------------- special values
def test_known_values():
    x = np.array([1.0, -2.5, 10.0])
    np.testing.assert_allclose(i0(x).data, [1.2660658777520082, 3.2898391440501231,
                                            2815.7166284662544], rtol=2e-15)
    np.testing.assert_allclose(i1(x).data, [0.5651591039924851, -2.5167162452886984,
                                            2670.9883037012550], rtol=2e-15)
    np.testing.assert_allclose(i0e(x).data, np.exp(-np.abs(x)) * i0(x).data, rtol=2e-15)
    np.testing.assert_allclose(i1e(x).data, np.exp(-np.abs(x)) * i1(x).data, rtol=2e-15)
    np.testing.assert_allclose(erfcx(np.array([0.5, -1.0, 5.0])).data, [0.6156903441929259,
                                                            5.0089800807622835,
                                                            0.1107046377330686], rtol=2e-15)


def test_special_values_without_warnings():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 713.9, 714.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = {name: fn(x).data for name, fn in FUNCTIONS.items()}
        big = erfcx(np.array([1e10, 1e300, -26.62, -26.64, -1e300])).data
    np.testing.assert_array_equal(values["i0"][:5], [1, 1, np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(values["i0e"][:5], [1, 1, 0, 0, np.nan])
    np.testing.assert_array_equal(values["i1"][:5], [0, 0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(values["i1e"][:5], [0, 0, 0, 0, np.nan])
    assert np.signbit(values["i1"][1]) and np.signbit(values["i1e"][1])      # odd: -0.
    np.testing.assert_allclose(values["i0"][5:], [1.6481551866951379e308, np.inf], rtol=2e-15)
    np.testing.assert_array_equal(values["erfcx"][:5], [1, 1, 0, np.inf, np.nan])
    np.testing.assert_allclose(big[:2], 1 / (np.array([1e10, 1e300]) * math.sqrt(math.pi)),
                               rtol=2e-15)
    assert np.isfinite(big[2]) and big[2] > 1e307 and np.isinf(big[3:]).all()


def test_dtypes_and_method():
    assert i0([1, 2]).dtype == np.float32 and erfcx(tg.tensor([True])).dtype == np.float32
    before = tg.get_default_dtype()
    tg.set_default_dtype(tg.float64)
    try:
        assert i1e(tg.tensor([1, 2])).dtype == np.float64
    finally:
        tg.set_default_dtype(before)
    x = np.array([-90.0, -9.3, -3.0, 0.1, 7.5, 40.0, 90.0], dtype=np.float32)
    for name, fn in FUNCTIONS.items():
        got = fn(x).data
        assert got.dtype == np.float32, name
        with np.errstate(over="ignore"):           # rounded once from float64
            np.testing.assert_array_equal(got, fn(x.astype(np.float64)).data.astype(np.float32),
                                          err_msg=name)
    assert np.isinf(i0(np.float32(95.0)).data) and np.isinf(erfcx(np.float32(-9.5)).data)
    t = tg.tensor([0.5, -1.5])
    np.testing.assert_array_equal(t.i0().data, i0(t).data)


# ---------------------------------------------------------------- derivatives
REGIONS = {   # points on both sides of each switch of the forwards, and 0 where smooth
    "i0": [-9.0, -7.5, -0.5, 0.0, 0.3, 2.0, 8.2],
    "i0e": [-40.0, -8.5, -7.9, -0.6, 0.4, 3.0, 7.9, 8.1, 25.0],
    "i1": [-8.3, -2.0, -0.4, 0.0, 1e-9, 0.9, 7.7, 8.4],
    "i1e": [-30.0, -8.1, -7.9, -1.0, -1e-9, 0.0, 0.6, 7.9, 8.1, 50.0],
    "erfcx": [-2.5, -1.3, -0.5, 0.0, 0.8, 0.9, 1.2, 1.3, 2.8, 2.9, 9.0],
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradcheck_regions(name):
    fn = FUNCTIONS[name]
    assert tg.gradcheck(fn, [leaf(REGIONS[name])])
    smooth = [v for v in REGIONS[name] if name != "i0e" and name != "i1e" or abs(v) > 1e-6]
    assert tg.gradgradcheck(fn, [leaf(smooth)])       # (i0e, i1e: the kink of e^-|x| at 0)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("shape", [(5,), (2, 3), (), (0, 2), (1, 3, 1)])
def test_gradcheck_shapes(name, shape):
    x = leaf(RNG.uniform(0.2, 3, size=shape) * RNG.choice([-1, 1], size=shape))
    assert tg.gradcheck(FUNCTIONS[name], [x]) and tg.gradgradcheck(FUNCTIONS[name], [x])


def test_derivatives_at_zero_are_the_limits():
    x = leaf([0.0, 1e-300, -1e-300])
    slopes, curvatures = {}, {}
    for name, fn in FUNCTIONS.items():
        (d1,) = tg.grad(fn(x).sum(), [x], create_graph=True)
        (d2,) = tg.grad(d1.sum(), [x])
        slopes[name], curvatures[name] = d1.data, d2.data
    np.testing.assert_allclose(slopes["i0"], [0, 5e-301, -5e-301], rtol=1e-15)
    np.testing.assert_array_equal(slopes["i1"], [0.5] * 3)
    np.testing.assert_array_equal(slopes["i1e"], [0.5] * 3)
    np.testing.assert_array_equal(slopes["i0e"], [0, -1, 1])      # (sign(0) = 0, as torch)
    np.testing.assert_allclose(slopes["erfcx"], -2 / math.sqrt(math.pi), rtol=1e-16)
    np.testing.assert_array_equal(curvatures["i0"], [0.5] * 3)
    np.testing.assert_allclose(curvatures["i1"], [0, 3.75e-301, -3.75e-301], rtol=1e-15)  # 3x/8
    np.testing.assert_array_equal(curvatures["i1e"], [0, -1, 1])     # torch: 0 at +-1e-300
    np.testing.assert_allclose(curvatures["erfcx"], 2, rtol=1e-16)


def test_third_derivative_of_i0_is_that_of_the_series():
    """i0''' = i1'' = i1 - i1'/x + i1/x^2, through three backward passes."""
    x = leaf([0.7, -2.0, 5.0])
    (d1,) = tg.grad(i0(x).sum(), [x], create_graph=True)
    (d2,) = tg.grad(d1.sum(), [x], create_graph=True)
    (d3,) = tg.grad(d2.sum(), [x])
    v = x.data
    i1v, i0v = i1(v).data, i0(v).data
    np.testing.assert_allclose(d3.data, i1v - (i0v - i1v / v) / v + i1v / v ** 2, rtol=1e-13)


def test_errors_name_the_op():
    with pytest.raises(TypeError, match=r"^i0: got None where a tensor"):
        i0(None)
    with pytest.raises(TypeError, match=r"^erfcx: cannot make a tensor from str"):
        erfcx("1.5")


# ---------------------------------------------------------------- against torch
SPECIAL = [0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e-8, -1e-8, 700.0, -700.0, 8.0, -8.0, 1.25,
           1 / 0.35, 28.0, -26.6, -27.0, np.inf, -np.inf, np.nan]
SWEEP = np.concatenate([SPECIAL, RNG.uniform(-10, 10, 150), RNG.uniform(-30, 30, 60),
                        np.sign(RNG.uniform(-1, 1, 80)) * 10.0 ** RNG.uniform(-8, 2.8, 80)])


def assert_close(ours: np.ndarray, theirs: np.ndarray, rtol, atol=0.0) -> None:
    """|ours - theirs| <= atol + rtol |theirs| elementwise (tolerances may be arrays), the
    same infinities and nans where theirs has them."""
    same = (ours == theirs) | np.isnan(ours) & np.isnan(theirs)
    with np.errstate(invalid="ignore"):
        excess = np.where(same, 0, np.abs(ours - theirs) - atol - rtol * np.abs(theirs))
    worst = int(np.argmax(np.where(np.isnan(excess), np.inf, excess)))
    assert not excess[worst] > 0 and not np.isnan(excess[worst]), (
        f"element {worst}: ours {ours[worst]!r}, torch {theirs[worst]!r}")


def torch_erfcx_error(name: str, x: np.ndarray, unit: float) -> np.ndarray:
    """torch's erfcx is 2 e^(x*x) below -6.1: off by the rounding of x*x, x^2 units."""
    return np.where((name == "erfcx") & (x < 0), x * x * unit, 0)


def _torch_and_ours(torch, name: str, x: np.ndarray):
    """(values, first, second derivatives) of ours and of torch's at x, float64."""
    tf = getattr(torch.special, name)
    t = torch.tensor(x, requires_grad=True)
    ty = tf(t)
    ones = torch.ones_like(t)
    (t1,) = torch.autograd.grad(ty, t, ones, create_graph=True)
    (t2,) = torch.autograd.grad(t1, t, ones)
    ours = leaf(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = FUNCTIONS[name](ours)
        ones = Tensor(np.ones_like(x))                  # (a sum would add inf and -inf)
        (d1,) = tg.grad([y], [ours], [ones], create_graph=True)
        (d2,) = tg.grad([d1], [ours], [ones])
    return ((y.data, d1.data, d2.data),
            (ty.detach().numpy(), t1.detach().numpy(), t2.numpy()))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_against_torch_float64(name):
    torch = pytest.importorskip("torch")
    (y, d1, d2), (ty, t1, t2) = _torch_and_ours(torch, name, SWEEP)
    x, n = SWEEP, len(SWEEP)
    assert n >= 300
    if name in ("i0", "i1"):                 # torch: e^inf * c / sqrt(inf) = nan at +-inf
        infinite = np.isinf(x)
        assert np.isnan(ty[infinite]).all()
        np.testing.assert_array_equal(y[infinite], np.sign(x[infinite]) ** (name == "i1")
                                      * np.inf)
        ty, t1 = np.where(infinite, y, ty), np.where(infinite, d1, t1)
        t2 = np.where(infinite, d2, t2)
    if name == "erfcx":                 # torch: 2 inf * 0 = nan at +inf; ours the limit 0
        at_inf = x == np.inf
        assert np.isnan(t1[at_inf]).all() and (d1[at_inf] == 0).all() and (d2[at_inf] == 0).all()
        t1, t2 = np.where(at_inf, d1, t1), np.where(at_inf, d2, t2)
    assert_close(y, ty, rtol=2e-15 + torch_erfcx_error(name, x, 2.0 ** -52))
    # derivatives at nan: ours nan; torch's i1' is 1/2 there (its |x| > eps is False)
    assert np.isnan(d1[np.isnan(x)]).all() and np.isnan(d2[np.isnan(x)]).all()
    keep = ~np.isnan(x)
    x, d1, d2, t1, t2 = x[keep], d1[keep], d2[keep], t1[keep], t2[keep]
    assert_close(d1, t1, rtol=1e-13, atol=1e-15)
    # second derivatives: (i1(x) / x)' has terms of size 1/x that cancel near 0 (in torch
    # too, differently); at 0 < |x| <= eps torch's is 0 (ours the limit: test above)
    keep = ~((np.abs(x) <= 2.0 ** -52) & (x != 0) & (name in ("i1", "i1e")))
    scale = 1 + np.abs(x) + 1 / np.maximum(np.abs(x), 1e-8)
    assert_close(d2[keep], t2[keep], rtol=1e-12, atol=1e-14 * scale[keep])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_against_torch_float32(name):
    torch = pytest.importorskip("torch")
    x = SWEEP[np.abs(SWEEP) < 1e30].astype(np.float32)
    with np.errstate(over="ignore"):
        ours = FUNCTIONS[name](x).data
    theirs = getattr(torch.special, name)(torch.tensor(x)).numpy()
    assert ours.dtype == theirs.dtype == np.float32
    finite = np.isfinite(x) if name in ("i0", "i1") else np.ones(x.shape, bool)
    # torch evaluates in float32 (the series up to 9 float32 ulp off); ours rounds float64
    rtol = 2e-6 + torch_erfcx_error(name, x.astype(np.float64), 2.0 ** -23)
    assert_close(ours[finite], theirs[finite], rtol=rtol[finite], atol=1e-37)
