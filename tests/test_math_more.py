"""tinygrad_edu.math_more and gelu: values against Python's math module and numpy (erf and
erfc to the ulp on a dense grid, random points and the extremes), torch's special values
(inf, -inf, nan, signed zeros) worked out by hand, first and second derivatives against
finite differences in float64, and the errors. The last tests compare with torch when it
is installed."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.math_more as M
from nn import functional as F
from nn.activation import GELU
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu.ops.special import erf_numpy

inf, nan = math.inf, math.nan
RNG = np.random.default_rng(7)


def f64(values, requires_grad: bool = False) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def grad_of(fn, *values) -> list:
    """d sum(fn(x, ...)) / dx for each float64 argument."""
    xs = [f64(v, requires_grad=True) for v in values]
    return [g.numpy() for g in tg.grad(fn(*xs).sum(), xs)]


def assert_ulps(ours: np.ndarray, ref: np.ndarray, ulps: float) -> None:
    """|ours - ref| <= ulps * spacing(ref) (5e-324 for a subnormal or zero ref), infinities
    and nan in the same places."""
    ours, ref = np.asarray(ours), np.asarray(ref, dtype=ours.dtype)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(ours[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    unit = np.spacing(np.abs(ref[finite]))
    worst = np.max(np.abs(ours[finite] - ref[finite]) / unit, initial=0)
    assert worst <= ulps, f"{worst} ulp"


@pytest.fixture
def strict_numpy():
    """Every overflow, invalid operation or division by zero in numpy raises."""
    with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------------------- erf, erfc
BOUNDARIES = [0.25, 0.84375, 1.25, 1 / 0.35, 6.0, 26.5, 27.2, 28.0]   # of erf_numpy's regions
EXTREMES = np.array([0.0, 5e-324, 1e-310, 2.2e-308, 1e-300, 1e-20, 3.7e-9, 1e-5, 1e3, 1e300,
                     np.finfo(np.float64).max]
                    + [np.nextafter(b, d) for b in BOUNDARIES for d in (0, 100)] + BOUNDARIES)
POINTS = np.concatenate([
    np.linspace(-30, 30, 60001),                                   # dense grid
    RNG.standard_normal(20000) * 3,
    np.exp(RNG.uniform(math.log(1e-310), math.log(1e300), 20000)) * RNG.choice([-1, 1], 20000),
    EXTREMES, -EXTREMES])


@pytest.mark.parametrize("name, ulps", [("erf", 2), ("erfc", 5)])
def test_erf_and_erfc_against_math_to_the_ulp(name, ulps):
    """Within 1 (erf) and 3 (erfc) ulp of the correctly rounded value (docstring of
    erf_numpy), so within 2 and 5 of glibc's, which is within 1 and 3 itself."""
    ref = np.array([getattr(math, name)(v) for v in POINTS])
    assert_ulps(erf_numpy(POINTS, complement=name == "erfc"), ref, ulps)


@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_and_erfc_in_float32_round_the_float64_value(name):
    x = POINTS[np.abs(POINTS) < 3e38].astype(np.float32)
    out = erf_numpy(x, complement=name == "erfc")
    assert out.dtype == np.float32
    ref = np.array([getattr(math, name)(v) for v in x.astype(np.float64)]).astype(np.float32)
    assert_ulps(out, ref, 1)       # (the reference itself is rounded twice)


def test_erf_special_values():
    x = np.array([-inf, -0.0, 0.0, inf, nan, -40.0, 40.0])
    out = erf_numpy(x)
    np.testing.assert_array_equal(out, [-1, 0, 0, 1, nan, -1, 1])
    assert np.signbit(out[1]) and not np.signbit(out[2])             # erf(-0.) = -0.
    np.testing.assert_array_equal(erf_numpy(x, complement=True), [2, 1, 1, 0, nan, 2, 0])
    assert erf_numpy(np.array(10.0), complement=True) == pytest.approx(math.erfc(10), rel=1e-15)
    assert erf_numpy(np.array(26.0), complement=True) == pytest.approx(math.erfc(26), rel=1e-13)


def test_erf_on_tensors_keeps_float_dtypes_and_makes_integers_float32():
    assert tg.Tensor([0.5], dtype=tg.float32).erf().dtype == np.float32
    out = M.erf(tg.Tensor([0, 1, 2]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [math.erf(v) for v in (0, 1, 2)], rtol=1e-7)
    assert M.erfc(True).dtype == np.float32
    np.testing.assert_array_equal(M.erf(f64(np.zeros((0, 3)))).numpy(), np.zeros((0, 3)))


def test_erf_and_erfc_derivatives():
    x = [-3.0, -0.5, 0.0, 0.7, 2.0, 30.0, 1e200]
    slope = [2 / math.sqrt(math.pi) * math.exp(-min(v * v, 1e300)) for v in x]
    with np.errstate(over="ignore"):                   # x^2 = inf at 1e200: e^-inf = 0
        np.testing.assert_allclose(grad_of(M.erf, x)[0], slope, rtol=1e-15)
        np.testing.assert_allclose(grad_of(M.erfc, x)[0], np.negative(slope), rtol=1e-15)


# ---------------------------------------------------------------------------- atan, atan2
def test_atan_values_and_derivative():
    x = [-inf, -1e300, -1.0, -0.0, 0.0, 1e-310, 0.5, 3.0, inf]
    out = M.atan(f64(x)).numpy()
    np.testing.assert_array_equal(out, [math.atan(v) for v in x])
    assert np.signbit(out[3])
    with np.errstate(over="ignore"):                   # 1 + x^2 = inf at 1e300: 1 / inf = 0
        np.testing.assert_allclose(grad_of(M.atan, x[1:-1])[0],
                                   [1 / (1 + v * v) for v in x[1:-1]],
                                   rtol=1e-15)


SIGNED = [0.0, -0.0, 1.0, -1.0, inf, -inf, nan, 1e-300, 1e300]


def test_atan2_matches_c_on_signed_zeros_infinities_and_nan():
    y, x = np.meshgrid(SIGNED, SIGNED, indexing="ij")
    out = M.atan2(f64(y), f64(x)).numpy()
    ref = np.vectorize(math.atan2)(y, x)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(ref))    # atan2(-0., 1) = -0.


def test_atan2_derivatives_and_zero_at_the_origin():
    gy, gx = grad_of(M.atan2, [3.0, -1.0, 0.0, 0.0, 2.0], [4.0, 0.0, -2.0, 0.0, 0.0])
    np.testing.assert_allclose(gy, [4 / 25, 0.0, -0.5, 0.0, 0.0], rtol=1e-15)
    np.testing.assert_allclose(gx, [-3 / 25, 1.0, 0.0, 0.0, -0.5], rtol=1e-15)


def test_atan2_broadcasts_promotes_and_takes_numbers():
    y = f64(RNG.standard_normal((2, 1, 3)))
    x = Tensor(RNG.standard_normal((4, 1)).astype(np.float32))
    out = y.atan2(x)
    assert out.shape == (2, 4, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), np.arctan2(y.numpy(), x.numpy().astype(np.float64)))
    assert M.atan2(tg.Tensor([1, -1]), tg.Tensor([0, 0])).dtype == np.float32
    np.testing.assert_allclose(y.atan2(2.0).numpy(), np.arctan2(y.numpy(), 2.0))
    assert M.arctan2 is M.atan2 and Tensor.arctan2 is Tensor.atan2 and Tensor.arctan is Tensor.atan
    with pytest.raises(ValueError, match=r"atan2: shapes \(2, 1, 3\) and \(5,\) cannot be"):
        y.atan2(f64(np.ones(5)))


# ---------------------------------------------------------------------------- log2, log10, exp2
def test_log2_log10_exp2_are_exact_at_powers(strict_numpy):
    k = np.arange(-1074, 1024)
    powers = np.ldexp(1.0, k)
    np.testing.assert_array_equal(M.log2(f64(powers)).numpy(), k)
    np.testing.assert_array_equal(M.exp2(f64(k.astype(float))).numpy(), powers)
    np.testing.assert_array_equal(M.log10(f64(10.0 ** np.arange(23))).numpy(), np.arange(23))


def test_log2_log10_exp2_special_values_and_derivatives():
    np.testing.assert_array_equal(M.log2(f64([0.0, -0.0, inf])).numpy(), [-inf, -inf, inf])
    with np.errstate(invalid="ignore"):
        assert np.isnan(M.log10(f64([-1.0])).numpy()).all()
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(M.exp2(f64([-inf, 1024.0, -1075.0, inf])).numpy(),
                                      [0, inf, 0, inf])
    x = [0.3, 1.0, 8.0, 1e10]
    np.testing.assert_allclose(grad_of(M.log2, x)[0], [1 / (v * math.log(2)) for v in x],
                               rtol=1e-15)
    np.testing.assert_allclose(grad_of(M.log10, x)[0], [1 / (v * math.log(10)) for v in x],
                               rtol=1e-15)
    np.testing.assert_allclose(grad_of(M.exp2, x[:3])[0], [2 ** v * math.log(2) for v in x[:3]],
                               rtol=1e-15)
    assert M.exp2(tg.Tensor([3, -1])).tolist() == [8.0, 0.5]          # integers: float32


# ---------------------------------------------------------------------------- rsqrt, tan
def test_rsqrt_values_and_special_values():
    x = [1e-300, 0.25, 2.0, 1e300]
    np.testing.assert_allclose(M.rsqrt(f64(x)).numpy(), [1 / math.sqrt(v) for v in x],
                               rtol=1e-15)
    with np.errstate(invalid="ignore"):
        out = M.rsqrt(f64([0.0, -0.0, inf, -1.0])).numpy()
    np.testing.assert_array_equal(out, [inf, -inf, 0.0, nan])
    np.testing.assert_allclose(grad_of(M.rsqrt, [0.25, 4.0])[0], [-4.0, -1 / 16], rtol=1e-15)


def test_tan_against_math_within_a_few_ulp():
    x = np.concatenate([np.linspace(-10, 10, 2001), [1e-300, -1e-8, math.pi / 2, 1e5]])
    assert_ulps(M.tan(f64(x)).numpy(), np.array([math.tan(v) for v in x]), 3)
    np.testing.assert_allclose(grad_of(M.tan, [0.3, -1.2])[0],
                               [1 / math.cos(v) ** 2 for v in (0.3, -1.2)], rtol=1e-14)


# ---------------------------------------------------------------------------- sinh, cosh
HYPERBOLIC = np.concatenate([np.linspace(-712, 712, 14241), np.linspace(-3, 3, 6001),
                             [1e-300, -1e-10, 3e-8, -0.0, 0.0, 709.9, 710.4, -710.4]])


@pytest.mark.parametrize("name", ["sinh", "cosh"])
def test_sinh_cosh_against_math_up_to_their_overflow(name):
    ref = []
    for v in HYPERBOLIC:
        try:
            ref.append(getattr(math, name)(v))
        except OverflowError:
            ref.append(math.copysign(inf, v) if name == "sinh" else inf)
    with np.errstate(over="ignore"):
        out = getattr(M, name)(f64(HYPERBOLIC)).numpy()
    assert_ulps(out, np.array(ref), 4)
    assert np.isfinite(out[HYPERBOLIC == 710.4]).all()           # where e^x alone is inf


def test_sinh_cosh_special_values_and_derivatives():
    with np.errstate(over="ignore"):
        s = M.sinh(f64([-inf, -0.0, inf])).numpy()
        c = M.cosh(f64([-inf, 0.0, inf])).numpy()
    np.testing.assert_array_equal(s, [-inf, 0.0, inf])
    assert np.signbit(s[1])
    np.testing.assert_array_equal(c, [inf, 1.0, inf])
    x = [-2.0, 1e-9, 0.5, 700.0]
    np.testing.assert_allclose(grad_of(M.sinh, x)[0], [math.cosh(v) for v in x], rtol=1e-14)
    np.testing.assert_allclose(grad_of(M.cosh, x)[0], [math.sinh(v) for v in x], rtol=1e-14)


# ---------------------------------------------------------------------------- hypot
def test_hypot_values_without_overflow_or_underflow(strict_numpy):
    x = [3.0, 1e200, 1e-200, -5.0, 0.0, 0.0, 1e308, 2.5]
    y = [4.0, 1e200, -1e-200, 0.0, -7.0, 0.0, 1e308, 1e-20]
    np.testing.assert_allclose(M.hypot(f64(x), f64(y)).numpy(),
                               [math.hypot(a, b) for a, b in zip(x, y)], rtol=4e-16)
    assert M.hypot(f64([1e308]), f64([1e308])).item() == pytest.approx(math.sqrt(2) * 1e308)
    assert M.hypot(f64([3.0]), f64([4.0])).tolist() == [5.0]


def test_hypot_infinity_beats_nan_and_gradients():
    with np.errstate(invalid="ignore"):
        out = M.hypot(f64([inf, nan, -inf, nan, 1.0]), f64([nan, -inf, 2.0, 1.0, nan])).numpy()
    np.testing.assert_array_equal(out, [inf, inf, inf, nan, nan])
    gx, gy = grad_of(M.hypot, [3.0, 0.0, -1e200, 0.0], [-4.0, 2.0, 1e200, 0.0])
    np.testing.assert_allclose(gx, [0.6, 0.0, -math.sqrt(0.5), 0.0], rtol=1e-15)
    np.testing.assert_allclose(gy, [-0.8, 1.0, math.sqrt(0.5), 0.0], rtol=1e-15)


def test_hypot_second_derivatives_are_exact_also_on_the_axes():
    """d2/dx2 hypot = y^2 / r^3, d2/dxdy = -x y / r^3: 1/|y| at x = 0 (0 if |x| were
    differentiated there), also for huge and tiny values; and gradgradcheck elsewhere."""
    x, y = f64([0.0, 3.0, 1e-300, -1e200], requires_grad=True), f64([-2.0, 4.0, 2.0, 1e200])
    (gx,) = tg.grad(M.hypot(x, y).sum(), x, create_graph=True)
    (hxx,) = tg.grad(gx.sum(), x)
    r = np.hypot(x.numpy(), y.numpy())
    np.testing.assert_allclose(hxx.numpy(), (y.numpy() / r) ** 2 / r, rtol=1e-15)
    rng = np.random.default_rng(11)
    a = f64(rng.standard_normal((3, 2)), requires_grad=True)
    b = f64(rng.standard_normal(2), requires_grad=True)
    assert tg.gradgradcheck(M.hypot, [a, b])
    with np.errstate(invalid="ignore"):
        (g_nan,) = grad_of(lambda t: M.hypot(t, f64([math.nan])), [0.5])
    assert np.isnan(g_nan).all()                                 # as torch


def test_hypot_logaddexp_refuse_two_integer_tensors_as_torch():
    for fn in (M.hypot, M.logaddexp, M.logaddexp2):
        with pytest.raises(TypeError, match=f"{fn.__name__}: expected floating point tensors"):
            fn(tg.Tensor([3]), tg.Tensor([4]))
        assert fn(tg.Tensor([3.0]), tg.Tensor([True])).dtype == np.float32    # one float: fine
    assert M.hypot(tg.Tensor([3.0]), tg.Tensor([4])).tolist() == [5.0]


# ---------------------------------------------------------------------------- logaddexp(2)
def test_logaddexp_against_numpy_and_at_the_infinities(strict_numpy):
    x = np.array([0.0, 1000.0, -1000.0, -inf, -inf, inf, inf, 3.0, -2.0, 1e300])
    y = np.array([0.0, 1000.0, -999.0, -inf, 5.0, inf, -inf, -40.0, 7.5, -1e300])
    for ours, ref in [(M.logaddexp, np.logaddexp), (M.logaddexp2, np.logaddexp2)]:
        np.testing.assert_allclose(ours(f64(x), f64(y)).numpy(), ref(x, y), rtol=4e-16)
        np.testing.assert_array_equal(ours(f64(x), f64(y)).numpy()[3:7], [-inf, 5, inf, inf])
    assert M.logaddexp2(f64([3.5, -7.25]), f64([3.5, -7.25])).tolist() == [4.5, -6.25]


def test_logaddexp_nan_and_derivatives():
    with np.errstate(invalid="ignore"):
        assert np.isnan(M.logaddexp(f64([nan, 1.0, nan]), f64([1.0, nan, inf])).numpy()).all()
    x, y = [0.0, 2.0, -30.0], [0.0, -1.0, 5.0]
    gx, gy = grad_of(M.logaddexp, x, y)
    np.testing.assert_allclose(gx, [1 / (1 + math.exp(b - a)) for a, b in zip(x, y)], rtol=1e-15)
    np.testing.assert_allclose(gy, [1 / (1 + math.exp(a - b)) for a, b in zip(x, y)], rtol=1e-15)
    gx, _ = grad_of(M.logaddexp2, x, y)
    np.testing.assert_allclose(gx, [1 / (1 + 2 ** (b - a)) for a, b in zip(x, y)], rtol=1e-15)


# ---------------------------------------------------------------------------- xlogy
def test_xlogy_zero_rule_as_torch():
    x = [0.0, 0.0, 0.0, -0.0, 0.0, 2.0, 2.0, 3.0]
    y = [0.0, inf, -1.0, 0.0, nan, 0.0, nan, 0.5]
    with np.errstate(invalid="ignore"):
        out = M.xlogy(f64(x), f64(y)).numpy()
    np.testing.assert_array_equal(out, [0, 0, 0, 0, nan, -inf, nan, 3 * math.log(0.5)])
    assert not np.signbit(out[3])                                    # +0, as torch


def test_xlogy_gradients_at_x_zero_are_torchs():
    gx, gy = grad_of(M.xlogy, [0.0, 0.0, 2.0, -1.5], [0.0, 3.0, 4.0, 0.5])
    np.testing.assert_array_equal(gx[:2], [0, math.log(3.0)])   # linear in x when y > 0
    np.testing.assert_array_equal(gy[:2], [0, 0])
    assert tg.gradcheck(M.xlogy, [f64([0.0, 0.0], True), f64([2.0, 0.5], True)])
    np.testing.assert_allclose(gx[2:], [math.log(4.0), math.log(0.5)], rtol=1e-15)
    np.testing.assert_allclose(gy[2:], [0.5, -3.0], rtol=1e-15)


def test_xlogy_takes_numbers_and_integers():
    y = f64([1.0, 2.0, 4.0])
    np.testing.assert_allclose(M.xlogy(2.0, y).numpy(), 2 * np.log([1.0, 2.0, 4.0]))
    np.testing.assert_allclose(y.xlogy(3).numpy(), [math.log(3), 2 * math.log(3),
                                                    4 * math.log(3)])
    out = M.xlogy(tg.Tensor([0, 1, 2]), tg.Tensor([0, 2, 4]))
    assert out.dtype == np.float32 and out.tolist() == pytest.approx([0, math.log(2),
                                                                      2 * math.log(4)])


# ---------------------------------------------------------------------------- logit
def test_logit_values_special_values_and_eps():
    p = [1e-300, 0.1, 0.5, 0.75, 1 - 1e-12]
    np.testing.assert_allclose(M.logit(f64(p)).numpy(), [math.log(v / (1 - v)) for v in p],
                               rtol=1e-12)
    with np.errstate(invalid="ignore"):
        out = M.logit(f64([0.0, 1.0, -0.5, 1.5, nan])).numpy()
    np.testing.assert_array_equal(out, [-inf, inf, nan, nan, nan])
    out = M.logit(f64([0.0, 0.05, 0.5, 0.9, 1.0]), eps=0.1).numpy()
    np.testing.assert_allclose(out, [math.log(1 / 9), math.log(1 / 9), 0.0, math.log(9),
                                     math.log(9)], rtol=1e-14, atol=1e-16)
    assert M.logit(tg.Tensor([0, 1]), eps=0.25).dtype == np.float32


def test_logit_gradient_is_zero_outside_the_eps_clamp():
    (g,) = grad_of(lambda p: M.logit(p, eps=0.1), [0.05, 0.1, 0.5, 0.9, 0.95])
    np.testing.assert_allclose(g, [0.0, 1 / 0.09, 4.0, 1 / 0.09, 0.0], rtol=1e-13)


# ---------------------------------------------------------------------------- lerp
def test_lerp_number_weights_and_exact_end():
    start, end = f64([1.0, -2.0, 0.1]), f64([3.0, 4.0, 0.7])
    np.testing.assert_allclose(M.lerp(start, end, 0.25).numpy(), [1.5, -0.5, 0.25], rtol=1e-15)
    np.testing.assert_allclose(start.lerp(end, 0.75).numpy(), [2.5, 2.5, 0.55], rtol=1e-15)
    np.testing.assert_allclose(start.lerp(end, 2).numpy(), [5.0, 10.0, 1.3], rtol=1e-15)
    f32 = [Tensor(np.array(v, dtype=np.float32)) for v in ([0.1, 1e20], [0.3, -3.0])]
    assert f32[0].lerp(f32[1], 1.0).tolist() == f32[1].tolist()       # end, exactly
    assert f32[0].lerp(f32[1], Tensor(np.ones(2, np.float32))).tolist() == f32[1].tolist()


def test_lerp_tensor_weight_broadcasts_and_gradients():
    start, end = f64(np.zeros((3, 1))), f64(np.ones(4))
    weight = f64(np.full((2, 1, 1), 0.3))
    assert M.lerp(start, end, weight).shape == (2, 3, 4)
    gs, ge, gw = grad_of(M.lerp, [1.0, 2.0], [3.0, -1.0], [0.2, 0.9])
    np.testing.assert_allclose(gs, [0.8, 0.1], rtol=1e-15)
    np.testing.assert_allclose(ge, [0.2, 0.9], rtol=1e-15)
    np.testing.assert_allclose(gw, [2.0, -3.0], rtol=1e-15)


def test_lerp_dtype_rules_and_errors_as_torch():
    a = Tensor(np.ones(3, np.float32))
    assert a.lerp(a, f64(0.5)).dtype == np.float32                  # a 0-d weight may differ
    with pytest.raises(TypeError, match="lerp: expected dtype float32 for end but got float64"):
        a.lerp(f64(np.ones(3)), 0.5)
    with pytest.raises(TypeError, match="lerp: expected dtype float32 for weight"):
        a.lerp(a, f64(np.full(3, 0.5)))
    with pytest.raises(TypeError, match="lerp: expected a floating point tensor, got dtype int64"):
        M.lerp(tg.Tensor([1, 2]), tg.Tensor([3, 4]), 0.5)
    with pytest.raises(TypeError, match="lerp: end must be a Tensor, got float"):
        a.lerp(3.0, 0.5)
    with pytest.raises(ValueError, match=r"lerp: shapes \(3,\), \(2,\) and \(\) cannot be"):
        a.lerp(Tensor(np.ones(2, np.float32)), 0.5)


# ---------------------------------------------------------------------------- frac, sgn, clamps
def test_frac_keeps_the_sign_and_refuses_integers():
    x = [-1.25, 1.75, -0.0, 1e300, 3.0]
    out = M.frac(f64(x)).numpy()
    np.testing.assert_array_equal(out, [-0.25, 0.75, 0.0, 0.0, 0.0])
    assert not np.signbit(out[2])
    np.testing.assert_array_equal(grad_of(M.frac, x)[0], np.ones(5))
    for bad in (tg.Tensor([1, 2]), tg.Tensor([True])):
        with pytest.raises(TypeError, match="frac: expected a floating point tensor"):
            bad.frac()


def test_sgn_is_sign_without_gradient():
    x = f64([-2.5, -0.0, 0.0, 3.0], requires_grad=True)
    out = x.sgn()
    assert out.tolist() == [-1.0, 0.0, 0.0, 1.0] and not out.requires_grad
    assert M.sgn(tg.Tensor([-3, 0, 2])).tolist() == [-1, 0, 1]


def test_clamp_min_max_with_numbers_and_tensors():
    x = f64([1.0, 2.0, 3.0])
    assert x.clamp_min(2.0).tolist() == [2.0, 2.0, 3.0]
    assert M.clamp_max(x, 2.5).tolist() == [1.0, 2.0, 2.5]
    assert M.clamp_min(tg.Tensor([1, 2, 4]), 2.5).tolist() == [2.5, 2.5, 4.0]
    bound = f64([[2.0], [0.0]])
    np.testing.assert_array_equal(x.clamp_min(bound).numpy(), [[2, 2, 3], [1, 2, 3]])
    np.testing.assert_array_equal(x.clamp_max(bound).numpy(), [[1, 2, 2], [0, 0, 0]])
    out = M.clamp_min(f64([1.0, nan, 3.0]), f64([2.0, 2.0, nan])).numpy()
    np.testing.assert_array_equal(out, [2.0, nan, nan])                  # nan wins, as torch


def test_clamp_min_tensor_gradient_goes_to_input_on_ties():
    gx, gb = grad_of(M.clamp_min, [1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(gx, [0, 1, 1])
    np.testing.assert_array_equal(gb, [1, 0, 0])
    gx, gb = grad_of(M.clamp_max, [1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(gx, [1, 1, 0])
    np.testing.assert_array_equal(gb, [0, 0, 1])


# ---------------------------------------------------------------------------- nan_to_num, isinf
def test_nan_to_num_defaults_values_and_gradient():
    x = [nan, inf, -inf, 2.0]
    assert M.nan_to_num(f64(x)).tolist() == [0.0, 1.7976931348623157e308,
                                             -1.7976931348623157e308, 2.0]
    f32 = Tensor(np.array(x, np.float32)).nan_to_num()
    assert f32.dtype == np.float32 and f32.tolist()[1] == float(np.finfo(np.float32).max)
    assert f64(x).nan_to_num(1.0, 2.0, -3.0).tolist() == [1.0, 2.0, -3.0, 2.0]
    big = Tensor(np.array(x, np.float32)).nan_to_num(posinf=1e300)
    assert big.tolist()[1] == inf                                     # beyond float32, as torch
    np.testing.assert_array_equal(grad_of(M.nan_to_num, x)[0], [0, 0, 0, 1])
    ints = tg.Tensor([1, 2])
    out = ints.nan_to_num()
    assert out.tolist() == [1, 2] and out.dtype == np.int64 and out.data is not ints.data


def test_isinf_isposinf_isneginf_are_masks():
    x = f64([-inf, -1.0, 0.0, inf, nan], requires_grad=True)
    assert x.isinf().tolist() == [True, False, False, True, False]
    assert M.isposinf(x).tolist() == [False, False, False, True, False]
    assert M.isneginf(x).tolist() == [True, False, False, False, False]
    assert not x.isinf().requires_grad and x.isinf().dtype == np.bool_
    assert tg.Tensor([1, 2]).isinf().tolist() == [False, False]


def test_aliases_are_the_methods():
    x = f64([-1.5, 2.0])
    assert x.absolute().tolist() == [1.5, 2.0] and x.negative().tolist() == [1.5, -2.0]
    assert x.multiply(2).tolist() == [-3.0, 4.0] and x.true_divide(2).tolist() == [-0.75, 1.0]
    assert x.fix().tolist() == [-1.0, 2.0]
    assert x.arctan().tolist() == x.atan().tolist()


# ---------------------------------------------------------------------------- gelu
def test_gelu_values_by_hand():
    x = [-40.0, -10.0, -3.0, -0.5, 0.0, 1.0, 30.0, 1e308]
    exact = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    np.testing.assert_allclose(F.gelu(f64(x)).numpy(), exact, rtol=2e-13)   # x^2 eps for x < 0
    assert F.gelu(f64([-10.0])).item() == pytest.approx(-7.619853024160527e-23, rel=1e-13)
    u = [math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3) for v in x[1:-1]]
    tanh_form = [v / (1 + math.exp(-2 * w)) for v, w in zip(x[1:-1], u)]  # 0.5 v (1 + tanh w)
    np.testing.assert_allclose(F.gelu(f64(x[1:-1]), approximate="tanh").numpy(), tanh_form,
                               rtol=1e-14)
    assert 0.5 * -10 * (1 + math.tanh(u[0])) == 0          # the textbook form: no digit left
    with np.errstate(invalid="ignore"):
        out = F.gelu(f64([inf, -inf, nan])).numpy()
    np.testing.assert_array_equal(out, [inf, nan, nan])                   # -inf * 0, as torch


def test_gelu_derivative_is_cdf_plus_x_times_density():
    x = [-6.0, -1.0, 0.0, 0.5, 4.0]
    cdf = [0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    density = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in x]
    np.testing.assert_allclose(grad_of(F.gelu, x)[0],
                               [c + v * d for c, v, d in zip(cdf, x, density)], rtol=1e-14)


def test_gelu_errors_and_float32():
    assert F.gelu(Tensor(np.ones(2, np.float32))).dtype == np.float32
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'x'"):
        F.gelu(f64([1.0]), approximate="x")
    with pytest.raises(TypeError, match="gelu: expected a floating point input, got dtype int64"):
        F.gelu(tg.Tensor([1, 2]))


def test_gelu_module_repr_forward_and_late_check():
    x = f64(RNG.standard_normal((2, 3)))
    assert repr(GELU()) == "GELU(approximate='none')"
    assert repr(GELU("tanh")) == "GELU(approximate='tanh')"
    np.testing.assert_array_equal(GELU("tanh")(x).numpy(), F.gelu(x, "tanh").numpy())
    bad = GELU("x")                                  # torch checks when called
    with pytest.raises(ValueError, match="approximate"):
        bad(x)


# ---------------------------------------------------------------------------- derivatives
def r(*shape: int, low: float = -2.0, high: float = 2.0):
    return lambda: f64(RNG.uniform(low, high, shape), requires_grad=True)


def away_from_integers(*shape: int):
    return lambda: f64(RNG.integers(-3, 3, shape) + RNG.uniform(0.2, 0.8, shape),
                       requires_grad=True)


def apart(*shape: int, low: float = -2.0):
    """Two inputs at least 0.3 apart (clamp's kink at ties)."""
    def make() -> list:
        a = RNG.uniform(low, 2, shape)
        return [f64(a, requires_grad=True),
                f64(a + RNG.choice([-1, 1], shape) * RNG.uniform(0.3, 1, shape), True)]
    return make


SHAPES = {"vec": (4,), "0d": (), "size1": (1, 3, 1), "empty": (0, 2)}
UNARY = {  # name: (function, (low, high))
    "exp2": (M.exp2, (-2, 2)),
    "rsqrt": (M.rsqrt, (0.3, 3)),
    "tan": (M.tan, (-1.2, 1.2)),
    "sinh": (M.sinh, (-3, 3)),
    "cosh": (M.cosh, (-3, 3)),
    "logit": (M.logit, (0.1, 0.9)),
    "logit-eps": (lambda p: M.logit(p, eps=0.05), (0.1, 0.9)),
    "nan_to_num": (M.nan_to_num, (-2, 2)),
    "gelu": (F.gelu, (-4, 4)),
    "gelu-tanh": (lambda x: F.gelu(x, approximate="tanh"), (-4, 4)),
    "GELU": (GELU(), (-3, 3)),
}
CASES = {f"{name}-{sid}": (fn, [r(*shape, low=low, high=high)])
         for name, (fn, (low, high)) in UNARY.items() for sid, shape in SHAPES.items()}
CASES.update({
    "frac": (M.frac, [away_from_integers(3, 2)]),
    "hypot": (M.hypot, [r(3, 4), r(4)]),
    "hypot-0d": (M.hypot, [r(), r(2, 1)]),
    "hypot-empty": (M.hypot, [r(0, 3), r(3)]),
    "logaddexp": (M.logaddexp, [r(2, 1, 3, low=-5, high=5), r(4, 1, low=-5, high=5)]),
    "logaddexp-0d": (M.logaddexp, [r(), r(3)]),
    "logaddexp-ties": (M.logaddexp, [lambda: f64([0.5, -1.0], True)] * 2),
    "logaddexp2": (M.logaddexp2, [r(3, 2, low=-5, high=5), r(2, low=-5, high=5)]),
    "xlogy": (M.xlogy, [r(3, 1), r(4, low=0.3, high=3)]),
    "xlogy-0d": (M.xlogy, [r(), r(1, 2, low=0.3, high=3)]),
    "lerp-low": (lambda a, b: M.lerp(a, b, 0.3), [r(2, 3), r(3)]),
    "lerp-high": (lambda a, b: M.lerp(a, b, 0.8), [r(2, 3), r(1, 1)]),
    "lerp-tensor": (M.lerp, [r(2, 1), r(3), r(2, 3, low=-1, high=1.5)]),
    "lerp-0d": (M.lerp, [r(), r(), r()]),
    "clamp_min": (M.clamp_min, apart(2, 3)),
    "clamp_max": (M.clamp_max, apart(4)),
    "atan2-composite": (lambda y, x: M.atan2(y * y + 0.5, x).sinh(), [r(3), r(3)]),
})


@pytest.mark.parametrize("name", list(CASES))
def test_first_and_second_derivatives(name):
    fn, makers = CASES[name]
    inputs = makers() if callable(makers) else [make() for make in makers]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ---------------------------------------------------------------------------- against torch
SPECIAL = [-inf, -1e300, -710.2, -3.0, -1.0, -0.5, -0.0, 0.0, 1e-310, 1e-8, 0.25, 0.5, 1.0,
           2.0, 30.0, 1e300, inf, nan]
UNARY_TORCH = ["erf", "erfc", "atan", "arctan", "log2", "log10", "exp2", "rsqrt", "tan", "sinh",
               "cosh", "frac", "logit", "isinf", "isposinf", "isneginf", "nan_to_num"]
BINARY_TORCH = ["atan2", "hypot", "logaddexp", "logaddexp2", "xlogy"]


def torch_pair(torch, values, requires_grad=False):
    data = np.asarray(values, dtype=np.float64)
    return f64(data, requires_grad), torch.tensor(data, requires_grad=requires_grad)


def same_values(ours: np.ndarray, theirs: np.ndarray, rtol: float = 1e-15) -> None:
    """Equal to rtol, nan in the same places; subnormal results to their last unit (x / 2
    rounds there: sinh(1e-310) is 1 unit off)."""
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=5e-324)


@pytest.mark.parametrize("name", UNARY_TORCH)
def test_special_values_as_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = torch_pair(torch, SPECIAL)
    with np.errstate(all="ignore"):
        out = getattr(M, name)(ours).numpy()
    expected = getattr(torch, name)(theirs).numpy()
    if name in ("sinh", "cosh"):     # torch's overflow early: sinh(-710.2) = -1.36e308
        expected[2] = getattr(math, name)(-710.2)
    same_values(out, expected, rtol=4e-16)
    assert np.array_equal(np.signbit(out[np.isfinite(out) & (out == 0)]),
                          np.signbit(expected[np.isfinite(expected) & (expected == 0)]))


@pytest.mark.parametrize("name", BINARY_TORCH)
def test_binary_special_values_as_torch(name):
    torch = pytest.importorskip("torch")
    grid = [0.0, -0.0, 1.0, -2.5, inf, -inf, nan, 1e-200, 1e200]
    y, x = (np.ravel(v) for v in np.meshgrid(grid, grid, indexing="ij"))
    (ours_y, torch_y), (ours_x, torch_x) = torch_pair(torch, y), torch_pair(torch, x)
    with np.errstate(all="ignore"):
        out = getattr(M, name)(ours_y, ours_x).numpy()
    same_values(out, getattr(torch, name)(torch_y, torch_x).numpy(), rtol=4e-16)


def test_values_and_gradients_against_torch_on_random_inputs():
    torch = pytest.importorskip("torch")
    data = RNG.uniform(-3, 3, (3, 4))
    positive = RNG.uniform(0.05, 0.95, (3, 4))
    unary = {name: data for name in ("erf", "erfc", "atan", "exp2", "tan", "sinh", "cosh",
                                     "frac")}
    unary.update({name: positive for name in ("log2", "log10", "rsqrt", "logit")})
    for name, values in unary.items():
        (ours, theirs) = torch_pair(torch, values, requires_grad=True)
        out, expected = getattr(M, name)(ours), getattr(torch, name)(theirs)
        same_values(out.numpy(), expected.detach().numpy(), rtol=1e-14)
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-13,
                                   err_msg=name)
    for name in BINARY_TORCH + ["lerp", "clamp_min", "clamp_max"]:
        a, ta = torch_pair(torch, data, requires_grad=True)
        b, tb = torch_pair(torch, positive[0], requires_grad=True)
        args = (a, b, 0.3) if name == "lerp" else (a, b)
        targs = (ta, tb, 0.3) if name == "lerp" else (ta, tb)
        out, expected = getattr(M, name)(*args), getattr(torch, name)(*targs)
        with np.errstate(invalid="ignore"):
            same_values(out.numpy(), expected.detach().numpy(), rtol=1e-14)
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-13, err_msg=name)
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-13, err_msg=name)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_against_torch(approximate):
    """Down to x = -5 (torch's 1 + erf(x / sqrt 2) cancels below: 2e-10 off at -5, 2% at -8,
    0 from -8.3 on), and at the special values."""
    torch = pytest.importorskip("torch")
    ours, theirs = torch_pair(torch, RNG.uniform(-5, 5, 40), requires_grad=True)
    out = F.gelu(ours, approximate)
    expected = torch.nn.functional.gelu(theirs, approximate=approximate)
    same_values(out.numpy(), expected.detach().numpy(), rtol=1e-9)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9)
    ours, theirs = torch_pair(torch, [-0.0, 0.0, 1e308, inf, -inf, nan])
    with np.errstate(all="ignore"):
        out = F.gelu(ours, approximate).numpy()
    np.testing.assert_array_equal(out, torch.nn.functional.gelu(theirs, approximate=approximate))
    assert repr(GELU(approximate)) == repr(torch.nn.GELU(approximate))


def test_inverse_trig_and_hyperbolic_values_aliases_and_dtypes():
    half = tg.tensor(0.5, dtype=tg.float64)
    expected = {"asin": math.pi / 6, "acos": math.pi / 3, "atanh": math.atanh(0.5)}
    for name, value in expected.items():
        assert getattr(tg, name)(half).item() == pytest.approx(value, rel=1e-15)
        assert getattr(half, "arc" + name[1:])().item() == getattr(half, name)().item()
    assert tg.asinh(tg.tensor([1.0], dtype=tg.float64)).item() == pytest.approx(
        math.asinh(1.0), rel=1e-15)
    assert tg.acosh(tg.tensor([2], dtype=tg.int64)).dtype == np.float32     # ints: float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # atanh(+-1) = +-inf, no warning
        assert tg.atanh(tg.tensor([-1.0, 1.0])).tolist() == [-math.inf, math.inf]
    x = tg.tensor([0.6], dtype=tg.float64, requires_grad=True)
    x.acos().backward()
    assert x.grad.item() == pytest.approx(-1 / 0.8, rel=1e-15)


def test_in_place_methods_write_through_views_and_refuse_what_torch_refuses():
    x = tg.tensor([0.25, 4.0])
    view = x.data[:1]
    assert x.sqrt_() is x and x.tolist() == [0.5, 2.0] and view[0] == 0.5
    x.addcmul_(tg.tensor([1.0, 1.0]), tg.tensor([2.0, 3.0]), value=0.5)
    assert x.tolist() == [1.5, 3.5]
    x.clip_(max=3.0).neg_()
    assert x.tolist() == [-1.5, -3.0]
    leaf = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="exp_: a leaf tensor that requires grad can only "
                                           "be changed in place inside no_grad"):
        leaf.exp_()
    with tg.no_grad():
        leaf.exp_()
    assert leaf.item() == pytest.approx(math.e) and leaf.grad_fn is None
    with pytest.raises(TypeError, match="sqrt_: a int64 tensor cannot hold the result, "
                                        "float32, in place; use sqrt"):
        tg.tensor([4]).sqrt_()
    with pytest.raises(TypeError, match="addcdiv: integer division is not supported"):
        tg.addcdiv(tg.ones(2), tg.tensor([1, 2]), tg.tensor([3, 4]))
    assert tg.addcdiv(tg.ones(2), tg.tensor([1.0, 2.0]), tg.tensor([4.0, 8.0]),
                      value=2).tolist() == [1.5, 1.5]


def test_fmod_sinc_copysign_angles_heaviside():
    a = tg.tensor([5.3, -5.3, 7.0, -7.0], dtype=tg.float64)
    assert tg.fmod(a, 2.0).tolist() == list(np.fmod(a.numpy(), 2.0))     # the sign of a
    assert tg.fmod(tg.tensor([7, -7]), 3).tolist() == [1, -1]
    with pytest.raises(ZeroDivisionError, match="fmod: integer division by zero"):
        tg.fmod(tg.tensor([7]), 0)
    x = tg.tensor([0.0, 0.5, -1.5, 2.0], dtype=tg.float64, requires_grad=True)
    assert tg.sinc(x).tolist() == pytest.approx([1.0, 2 / math.pi, -2 / (3 * math.pi), 0.0],
                                                abs=1e-15)
    assert tg.grad(tg.sinc(x).sum(), x)[0][0].item() == 0.0               # the limit at 0
    zero = tg.tensor(0.0, dtype=tg.float64, requires_grad=True)
    (d1,) = tg.grad(tg.sinc(zero), zero, create_graph=True)
    (d2,) = tg.grad(d1, zero, create_graph=True)
    (d3,) = tg.grad(d2, zero, create_graph=True)
    (d4,) = tg.grad(d3, zero)                 # the 2nd is -pi^2 / 3 and the 4th pi^4 / 5
    assert [d1.item(), d3.item()] == [0.0, 0.0]                    # (all four were 0)
    assert d2.item() == pytest.approx(-math.pi ** 2 / 3) and d4.item() == pytest.approx(
        math.pi ** 4 / 5)
    near = np.array([0.0, 0.01, 0.0499, 0.05, 0.3, -2.5, 1e6])
    np.testing.assert_allclose(tg.sinc(tg.tensor(near)).numpy(), np.sinc(near), atol=2e-16)
    assert gradgradcheck(tg.sinc, [tg.tensor([0.0, 0.02, 0.049, 0.051, 1.3],
                                             dtype=tg.float64, requires_grad=True)])
    assert gradcheck(tg.sinc, [tg.tensor([0.3, -1.2, 2.5], dtype=tg.float64,
                                         requires_grad=True)])
    signs = tg.tensor([-1.0, 1.0, -0.0, 0.0], dtype=tg.float64)
    assert tg.copysign(tg.tensor([1.0, -2.0, 3.0, -4.0]), signs).tolist() == [-1, 2, -3, 4]
    assert gradcheck(lambda t: tg.copysign(t, signs), [tg.tensor(
        [1.0, -2.0, 3.0, -4.0], dtype=tg.float64, requires_grad=True)])
    assert tg.deg2rad(tg.tensor([180.0])).item() == pytest.approx(math.pi)
    assert tg.rad2deg(tg.tensor([1])).dtype == np.float32
    assert tg.heaviside(tg.tensor([-1.0, 0.0, 2.0]), tg.tensor([0.5])).tolist() == [0, 0.5, 1]


def test_matrix_power_by_repeated_squaring():
    a = tg.tensor(np.random.default_rng(0).standard_normal((2, 3, 3)), requires_grad=True)
    for n in (0, 1, 2, 5, -1, -3):
        expected = np.linalg.matrix_power(a.detach().numpy(), n)
        np.testing.assert_allclose(tg.linalg.matrix_power(a, n).detach().numpy(), expected,
                                   rtol=1e-10, atol=1e-12)
    assert tg.matrix_power(a, 1) is not a and a.matrix_power(0).requires_grad is True
    for n in (3, -2):
        assert gradcheck(lambda t: tg.linalg.matrix_power(t, n), [a])
    with pytest.raises(TypeError, match="matrix_power: n must be an int"):
        tg.linalg.matrix_power(a, 1.5)
