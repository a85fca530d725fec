"""torch's top-level names that were missing: select/slice/diagonal_scatter
(scatter_into.py), ldexp/frexp/nextafter (float_bits.py), gcd/lcm (integer_math.py), the
complex API on real tensors (real_views.py), vander/diagflat/chain_matmul/addbmm
(matrix_forms.py), scalar_tensor/empty_strided (creation.py) and is_nonzero/is_same_size/
narrow_copy (shape_more.py)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import (angle, conj, empty_strided, is_conj, is_neg, is_nonzero, is_same_size,
                          isreal, narrow_copy, positive, real, resolve_conj, resolve_neg,
                          scalar_tensor)
from tinygrad_edu.float_bits import frexp, ldexp, nextafter
from tinygrad_edu.integer_math import gcd, lcm
from tinygrad_edu.matrix_forms import addbmm, chain_matmul, diagflat, vander
from tinygrad_edu.scatter_into import diagonal_scatter, select_scatter, slice_scatter

RNG = np.random.default_rng(0)


def t64(shape, requires_grad: bool = True, rng=RNG) -> tg.Tensor:
    return tg.tensor(rng.standard_normal(shape), requires_grad=requires_grad)


# ---------------------------------------------------------------- scatter into a view
SCATTERS = [  # (function, input shape, src shape, arguments)
    (select_scatter, (3, 4), (4,), (0, 1)),
    (select_scatter, (2, 3, 4), (2, 3), (-1, -1)),
    (select_scatter, (5,), (), (0, 4)),
    (slice_scatter, (3, 4), (3, 4), ()),
    (slice_scatter, (3, 5), (3, 2), (1, 1, None, 2)),
    (slice_scatter, (4, 3), (2, 3), (0, -2, 100)),
    (slice_scatter, (4, 3), (0, 3), (0, 3, 1)),
    (diagonal_scatter, (3, 4), (3,), ()),
    (diagonal_scatter, (3, 4), (2,), (-1,)),
    (diagonal_scatter, (3, 4), (0,), (5,)),
    (diagonal_scatter, (2, 3, 4), (4, 2), (0, 1, 0)),
    (diagonal_scatter, (2, 3, 4), (2, 2), (1, -1, 1)),
]


def _numpy_scatter(fn, x: np.ndarray, src: np.ndarray, args: tuple) -> np.ndarray:
    out = x.copy()
    if fn is select_scatter:
        dim, index = args
        np.moveaxis(out, dim, 0)[index] = src
    elif fn is slice_scatter:
        dim, start, end, step = (*args, *(0, None, None, 1)[len(args):])
        np.moveaxis(out, dim, 0)[start:end:step] = np.moveaxis(src, dim, 0)
    else:
        offset, d1, d2 = (*args, *(0, 0, 1)[len(args):])
        view = np.moveaxis(out, (d1, d2), (-2, -1))
        n = np.diagonal(view, offset, -2, -1).shape[-1]
        rows = np.arange(n) + max(-offset, 0)
        view[..., rows, rows + offset] = src
    return out


@pytest.mark.parametrize("fn, shape, src_shape, args", SCATTERS)
def test_scatter_into_a_view_values_and_gradients(fn, shape, src_shape, args):
    x, src = t64(shape), t64(src_shape)
    out = fn(x, src, *args)
    expected = _numpy_scatter(fn, x.data, src.data, args)
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    # x's gradient is g with zeros where src went; src's is g read back there
    g = RNG.standard_normal(shape)
    gx, gs = tg.grad(out, (x, src), tg.tensor(g))
    written = _numpy_scatter(fn, np.zeros(shape), np.ones(src_shape), args).astype(bool)
    np.testing.assert_array_equal(gx.numpy(), np.where(written, 0, g))
    assert gs.shape == src.shape and np.sum(gs.numpy()) == pytest.approx(g[written].sum())
    assert tg.gradcheck(lambda a, b: fn(a, b, *args) ** 2, [x, src])
    assert tg.gradgradcheck(lambda a, b: fn(a, b, *args) ** 2, [x, src])


def test_scatter_into_casts_src_and_are_methods():
    x = tg.zeros(2, 3, dtype=tg.int64)
    out = x.select_scatter(tg.tensor([1.7, -2.2, 3.0]), 0, 1)
    assert out.dtype == tg.int64 and out.tolist() == [[0, 0, 0], [1, -2, 3]]
    assert tg.zeros(2, 2).slice_scatter(tg.ones(1, 2), start=1).tolist() == [[0, 0], [1, 1]]
    assert tg.zeros(2, 2).diagonal_scatter(tg.ones(1), 1).tolist() == [[0, 1], [0, 0]]
    assert x.tolist() == [[0, 0, 0], [0, 0, 0]]                       # out of place


@pytest.mark.parametrize("call, error, message", [
    (lambda: select_scatter(tg.zeros(3, 4), tg.ones(3), 0, 1), ValueError,
     r"select_scatter: src must have the shape \(4,\) of the view it replaces \(input shape "
     r"\(3, 4\)\), got \(3,\)"),
    (lambda: select_scatter(tg.zeros(3, 4), tg.ones(4), 0, 3), IndexError,
     "select_scatter: select: index 3 is out of range for dimension 0 of size 3"),
    (lambda: select_scatter(tg.zeros(()), tg.ones(()), 0, 0), IndexError, "0-d tensor"),
    (lambda: slice_scatter(tg.zeros(3, 4), tg.ones(3, 2), 1, step=0), ValueError,
     "slice_scatter: slice step must be positive, got 0"),
    (lambda: slice_scatter(tg.zeros(3, 4), tg.ones(3, 3), 1, 0, 2), ValueError,
     r"slice_scatter: src must have the shape \(3, 2\)"),
    (lambda: slice_scatter(tg.zeros(3, 4), tg.ones(3, 4), 2), IndexError,
     "slice_scatter: dimension 2 is out of range"),
    (lambda: slice_scatter(tg.zeros(3), tg.ones(1), 0, 1.5), TypeError,
     "slice_scatter: start must be an int"),
    (lambda: diagonal_scatter(tg.zeros(3, 4), tg.ones(3), 0, 1, 1), ValueError,
     "diagonal_scatter: diagonal: dim1 and dim2 must differ"),
    (lambda: diagonal_scatter(tg.zeros(3, 4), tg.ones(4)), ValueError,
     r"diagonal_scatter: src must have the shape \(3,\)"),
])
def test_scatter_into_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- float bits
def test_ldexp_values_dtypes_and_exactness():
    x = tg.tensor([1.5, -3.0, 0.0])
    assert ldexp(x, tg.tensor([1, -2, 3])).tolist() == [3.0, -0.75, 0.0]
    assert ldexp(tg.tensor([1, -2]), tg.tensor([3, 1])).dtype == tg.float32   # ints: float
    assert ldexp(x.double(), tg.tensor([1, 1, 1])).dtype == tg.float64
    assert ldexp(x, x.double()).dtype == tg.float64
    assert ldexp(x, tg.tensor(2.0, dtype=tg.float64)).dtype == tg.float32      # 0-d: no widening
    assert ldexp(x.half(), tg.tensor([1, 1, 1])).dtype == tg.float16
    assert ldexp(tg.tensor([3]), tg.tensor([True])).tolist() == [6.0]
    assert ldexp(x, tg.tensor([[1], [2]])).shape == (2, 3)
    # integer exponents are exact where 2^e alone is beyond the dtype (C's ldexp)
    assert ldexp(tg.tensor([2.0 ** -100]), tg.tensor([200])).item() == 2.0 ** 100
    big = ldexp(tg.tensor([2.0 ** -1000], dtype=tg.float64), tg.tensor([2000]))
    assert big.item() == 2.0 ** 1000
    assert ldexp(tg.tensor([1.0]), tg.tensor([200.0])).item() == math.inf   # 2 ** 200.0: inf
    values = (RNG.standard_normal(4000) * np.exp2(RNG.integers(-60, 60, 4000))).astype(np.float32)
    exps = RNG.integers(-400, 400, 4000)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(ldexp(tg.tensor(values), tg.tensor(exps)).numpy(),
                                      np.ldexp(values, exps.astype(np.int32)))
    with pytest.raises(ValueError, match=r"ldexp: shapes \(3,\) and \(2,\) cannot be broadcast"):
        ldexp(x, tg.tensor([1, 2]))


def test_ldexp_gradients():
    x, e = t64((3, 2)), tg.tensor([[1, -2], [0, 3], [5, -1]])
    (gx,) = tg.grad(ldexp(x, e).sum(), x)
    np.testing.assert_array_equal(gx.numpy(), np.exp2(e.data))
    assert tg.gradcheck(lambda a: ldexp(a, e), [x])
    other = tg.tensor(RNG.uniform(-2, 2, (2,)), requires_grad=True)
    assert tg.gradcheck(ldexp, [x, other]) and tg.gradgradcheck(ldexp, [x, other])
    (ge,) = tg.grad(ldexp(x, other).sum(), other)        # d/de x 2^e = x 2^e ln 2
    np.testing.assert_allclose(ge.numpy(), (x.data * np.exp2(other.data)).sum(0) * math.log(2))


def test_frexp_named_tuple_values_and_gradient():
    data = np.array([0.0, -0.0, 1.0, 8.0, -0.3, np.inf, -np.inf, np.nan, 1e-45], np.float32)
    result = frexp(tg.tensor(data))
    mantissa, exponent = np.frexp(data)
    assert isinstance(result, tuple) and result.mantissa is result[0]
    np.testing.assert_array_equal(result.mantissa.numpy(), mantissa)
    assert np.signbit(result.mantissa.numpy()[1])                       # -0.0 kept
    assert result.exponent.dtype == tg.int32
    assert result.exponent.tolist() == exponent.tolist()
    x = tg.tensor([3.0, -0.1, 1e300], dtype=tg.float64, requires_grad=True)
    m, e = x.frexp()
    (g,) = tg.grad(m.sum(), x)
    np.testing.assert_array_equal(g.numpy(), np.exp2(-e.data.astype(np.float64)))
    np.testing.assert_array_equal(ldexp(m, e).detach().numpy(), x.data)
    with pytest.raises(TypeError, match="frexp: expected a floating point tensor, got dtype int64"):
        frexp(tg.tensor([1, 2]))


def test_nextafter_values_and_straight_through_gradient():
    a = np.array([1.0, 0.0, -0.0, 1.0, np.nan, np.inf, -1e-45, 0.0], np.float32)
    b = np.array([2.0, 1.0, -1.0, 1.0, 0.0, 0.0, 0.0, -0.0], np.float32)
    out = nextafter(tg.tensor(a), tg.tensor(b)).numpy()
    expected = np.nextafter(a, b)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))  # -0.0 at 6 and 7
    assert out[0] == 1 + 2.0 ** -23
    x = tg.tensor([1.0, np.inf, 2.0], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([[3.0, 0.0, 0.0], [0.0, 0.0, 9.0]], dtype=tg.float64, requires_grad=True)
    gx, gy = tg.grad(nextafter(x, y), (x, y), tg.ones(2, 3, dtype=tg.float64),
                     allow_unused=True)
    assert gx.tolist() == [2.0, 0.0, 2.0] and gy is None         # (summed over the 2 rows)
    assert nextafter(tg.tensor([1.0]), tg.tensor([2.0], dtype=tg.float64)).dtype == tg.float64
    assert nextafter(tg.tensor([1]), tg.tensor([2.0])).dtype == tg.float32
    with pytest.raises(TypeError, match="nextafter: expected floating point tensors, got dtypes "
                                        "int64 and int64"):
        nextafter(tg.tensor([1]), tg.tensor([2]))


# ---------------------------------------------------------------- gcd and lcm
def test_gcd_lcm_values_signs_dtypes_and_errors():
    a, b = tg.tensor([12, -18, 0, 0, 7, -4]), tg.tensor([-8, -12, 5, 0, 0, 6])
    assert gcd(a, b).tolist() == [4, 6, 5, 0, 7, 2]
    assert lcm(a, b).tolist() == [24, 36, 0, 0, 0, 12]
    assert a.gcd(b.int()).dtype == tg.int64 and a.int().lcm(b.int()).dtype == tg.int32
    assert gcd(tg.tensor([12], dtype=tg.int16), tg.tensor(8)).dtype == tg.int16   # 0-d rule
    assert gcd(tg.tensor([200, 6], dtype=tg.uint8), tg.tensor([150, 4], dtype=tg.uint8)
               ).tolist() == [50, 2]
    assert gcd(a, tg.tensor([[4], [6]])).tolist() == [[4, 2, 4, 4, 1, 4], [6, 6, 6, 6, 1, 2]]
    assert lcm(tg.tensor([200], dtype=tg.uint8), tg.tensor([3], dtype=tg.uint8)).tolist() == [88]
    big = RNG.integers(-10 ** 6, 10 ** 6, (2, 50))
    assert gcd(tg.tensor(big[0]), tg.tensor(big[1])).tolist() == np.gcd(*big).tolist()
    assert lcm(tg.tensor(big[0]), tg.tensor(big[1])).tolist() == np.lcm(*big).tolist()
    with pytest.raises(TypeError, match="gcd: expected integer tensors, got dtypes int64 and "
                                        "float32"):
        gcd(a, tg.tensor([1.0]))
    with pytest.raises(TypeError, match="lcm: expected integer tensors, got dtypes bool"):
        lcm(tg.tensor([True]), tg.tensor([True]))
    with pytest.raises(ValueError, match=r"gcd: shapes \(6,\) and \(2,\) cannot be broadcast"):
        gcd(a, tg.tensor([1, 2]))


# ---------------------------------------------------------------- the complex API on reals
def test_complex_api_on_real_tensors():
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    for fn in (real, conj, resolve_conj, resolve_neg, positive):
        assert fn(x) is x
    assert x.real is x and x.conj() is x and x.positive() is x
    assert not is_conj(x) and not is_neg(x) and not x.is_neg()
    flags = isreal(tg.tensor([[1.0, np.nan, np.inf]]))
    assert flags.dtype == tg.bool_ and flags.tolist() == [[True, True, True]]
    with pytest.raises(TypeError, match=r"positive: the \+ operator on a bool tensor"):
        positive(tg.tensor([True]))


def test_angle_values_dtypes_and_zero_gradient():
    values = angle(tg.tensor([1.0, -1.0, 0.0, -0.0, np.nan, -np.inf, np.inf])).numpy()
    np.testing.assert_array_equal(values, np.float32([0, math.pi, 0, 0, np.nan, math.pi, 0]))
    assert angle(tg.tensor([1, -1])).dtype == tg.float32
    assert angle(tg.tensor([-1.0], dtype=tg.float64)).item() == math.pi
    x = tg.tensor([1.0, -2.0, np.nan], requires_grad=True)
    out = x.angle()
    assert out.requires_grad
    (g,) = tg.grad(out.sum(), x)
    assert g.tolist() == [0.0, 0.0, 0.0]


def test_scalar_tensor_is_nonzero_is_same_size_empty_strided():
    assert scalar_tensor(3).dtype == tg.float32 and scalar_tensor(3).shape == ()
    assert scalar_tensor(True).item() == 1.0
    assert scalar_tensor(2.5, dtype=tg.int64).item() == 2
    s = scalar_tensor(2.5, dtype=tg.float64, requires_grad=True)
    assert s.requires_grad and s.dtype == tg.float64
    with pytest.raises(TypeError, match="scalar_tensor: s must be a number, got list"):
        scalar_tensor([2.0])
    with pytest.raises(ValueError, match="does not fit in uint8"):
        scalar_tensor(300, dtype=tg.uint8)
    assert is_nonzero(tg.tensor([[3]])) and is_nonzero(tg.tensor(np.nan))
    assert not tg.tensor([0.0]).is_nonzero()
    for data, amount in (([1.0, 2.0], "more than one value"), ([], "no values")):
        with pytest.raises(RuntimeError, match=f"is_nonzero: Boolean value of Tensor with "
                                               f"{amount} is ambiguous"):
            is_nonzero(tg.tensor(data))
    assert is_same_size(tg.zeros(2, 3), tg.zeros(2, 3, dtype=tg.int64))
    assert not tg.zeros(2, 3).is_same_size(tg.zeros(3, 2))
    with pytest.raises(TypeError, match="is_same_size: other must be a Tensor, got list"):
        is_same_size(tg.zeros(1), [1])
    e = empty_strided((2, 3), (1, 2), dtype=tg.int64)
    assert e.shape == (2, 3) and e.dtype == tg.int64 and e.stride() == (3, 1)   # not kept
    assert empty_strided([2], [1], requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="empty_strided: size .* and stride .* as many dims"):
        empty_strided((2, 3), (1,))
    with pytest.raises(ValueError, match="must be non-negative"):
        empty_strided((2, 3), (-1, 1))


def test_narrow_copy_is_a_differentiable_copy():
    x = t64((2, 5))
    out = narrow_copy(x, -1, -3, 2)
    np.testing.assert_array_equal(out.detach().numpy(), x.data[:, 2:4])
    assert not np.shares_memory(out.data, x.data)
    assert tg.gradcheck(lambda a: a.narrow_copy(1, 1, 3), [x])
    with pytest.raises(ValueError, match=r"narrow_copy: narrow: start \(4\) \+ length \(2\)"):
        narrow_copy(x, 1, 4, 2)


@pytest.mark.parametrize("values, N, increasing", [([0.5, -1.0, 2.0], None, False),
                                                   ([0.0, 1.5], 4, True),
                                                   ([0.0, 0.0, 3.0], 3, False),
                                                   ([1.2], 1, False), ([2.0, 3.0], 0, False)])
def test_vander_values_and_gradients(values, N, increasing):
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    out = vander(x, N, increasing)
    np.testing.assert_allclose(out.detach().numpy(),
                               np.vander(np.array(values), N, increasing), rtol=1e-15)
    assert tg.gradcheck(lambda a: vander(a, N, increasing), [x])
    assert tg.gradgradcheck(lambda a: vander(a, N, increasing), [x])
    # d/dx sum_k x^k = sum_k k x^(k-1), also at 0 (torch 2.13's own vander backward
    # raises an in-place error, so this closed form is the reference)
    (g,) = tg.grad(out.sum(), x)
    k = np.arange(len(values) if N is None else N)
    x0 = np.array(values)[:, None]
    slope = (k * np.where(k > 0, x0, 1.0) ** np.maximum(k - 1, 0)).sum(1)
    np.testing.assert_allclose(g.numpy(), slope, rtol=1e-14)


def test_vander_dtypes_and_errors():
    assert vander(tg.tensor([1, 2, 3])).tolist() == [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    assert vander(tg.tensor([2, 3], dtype=tg.int32)).dtype == tg.int64
    assert vander(tg.tensor([True, False])).tolist() == [[1, 1], [0, 1]]
    assert vander(tg.tensor([])).shape == (0, 0)
    with pytest.raises(ValueError, match=r"vander: x must be a one-dimensional tensor, got "
                                         r"shape \(2, 2\)"):
        vander(tg.ones(2, 2))
    with pytest.raises(ValueError, match="vander: N must be non-negative, got -1"):
        vander(tg.ones(2), N=-1)


def test_diagflat_values_and_gradients():
    assert diagflat(tg.tensor([[1, 2], [3, 4]]), 1).tolist() == np.diagflat([1, 2, 3, 4], 1
                                                                             ).tolist()
    assert diagflat(tg.tensor(5.0)).tolist() == [[5.0]]
    assert tg.tensor([1.0, 2.0]).diagflat(-1).tolist() == [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    x = t64((2, 2))
    assert tg.gradcheck(lambda a: diagflat(a, -2), [x])
    assert tg.gradgradcheck(lambda a: diagflat(a, 1) ** 2, [x])


def test_chain_matmul_warns_and_composes_matmul():
    a, b, c = t64((2, 3)), t64((3, 4)), t64((4, 1))
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        out = chain_matmul(a, b, c)
    np.testing.assert_allclose(out.detach().numpy(), a.data @ b.data @ c.data, rtol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tg.gradcheck(chain_matmul, [a, b, c])
        single = chain_matmul(a)
        assert single is not a and single.tolist() == a.tolist()
        with pytest.raises(ValueError, match="chain_matmul: expected one or more matrices"):
            chain_matmul()
        with pytest.raises(ValueError, match=r"chain_matmul: matrix 0 must be 2-D, got shape "
                                             r"\(3,\)"):
            chain_matmul(tg.ones(3), tg.ones(3, 4))


def test_addbmm_values_broadcasting_dtypes_and_gradients():
    x, b1, b2 = t64((4,)), t64((5, 2, 3)), t64((5, 3, 4))
    out = addbmm(x, b1, b2, beta=2, alpha=0.5)
    expected = 2 * x.data + 0.5 * np.einsum("bij,bjk->ik", b1.data, b2.data)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-13)
    assert tg.gradcheck(lambda *t: addbmm(*t, beta=2, alpha=0.5), [x, b1, b2])
    assert tg.gradgradcheck(lambda *t: addbmm(*t, beta=2, alpha=0.5) ** 2, [x, b1, b2])
    nan_input = tg.full((2, 4), math.nan, dtype=tg.float64)
    assert not np.isnan(addbmm(nan_input, b1, b2, beta=0).numpy()).any()
    ints = [tg.ones(*s, dtype=tg.int32) for s in ((2, 4), (5, 2, 3), (5, 3, 4))]
    assert addbmm(*ints).dtype == tg.int32 and addbmm(*ints).tolist() == [[16] * 4] * 2
    assert addbmm(*ints, beta=0.5).tolist() == [[15] * 4] * 2           # beta -> int(0.5)
    assert addbmm(tg.ones(2, 4), tg.ones(0, 2, 3), tg.ones(0, 3, 4)).tolist() == [[1] * 4] * 2
    assert tg.ones(4).addbmm(tg.ones(5, 2, 3), tg.ones(5, 3, 4)).shape == (2, 4)
    with pytest.raises(ValueError, match=r"addbmm: input of shape \(3, 4\) does not broadcast"):
        addbmm(tg.ones(3, 4), tg.ones(5, 2, 3), tg.ones(5, 3, 4))
    with pytest.raises(TypeError, match="addbmm: input and the matrices must have the same "
                                        "dtype"):
        addbmm(tg.ones(2, 4, dtype=tg.float64), tg.ones(5, 2, 3), tg.ones(5, 3, 4))


# ---------------------------------------------------------------- against torch
def _torch():
    return pytest.importorskip("torch")


def _tg(t, requires_grad=False):
    return tg.tensor(t.detach().numpy(), requires_grad=requires_grad)


def test_scatter_into_matches_torch_in_a_seeded_sweep():
    torch = _torch()
    rng = np.random.default_rng(1)
    cases = 0
    for _ in range(60):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(n) for n in rng.integers(1, 5, ndim))
        x = torch.tensor(rng.standard_normal(shape), requires_grad=True)
        kind = rng.integers(3) if ndim >= 2 else rng.integers(2)
        dim = int(rng.integers(-ndim, ndim))
        if kind == 0:
            index = int(rng.integers(-shape[dim], shape[dim]))
            args = (dim, index)
            view = x.select(dim, index)
            ours, theirs = select_scatter, torch.select_scatter
        elif kind == 1:
            start, end = (int(v) for v in rng.integers(-5, 6, 2))
            args = (dim, start, end, int(rng.integers(1, 3)))
            view = x.movedim(dim, 0)[slice(start, end, args[3])].movedim(0, dim)
            ours, theirs = slice_scatter, torch.slice_scatter
        else:
            d1, d2 = rng.choice(ndim, 2, replace=False)
            args = (int(rng.integers(-3, 4)), int(d1), int(d2))
            view = x.diagonal(*args)
            ours, theirs = diagonal_scatter, torch.diagonal_scatter
        src = torch.tensor(rng.standard_normal(tuple(view.shape)), requires_grad=True)
        expected = theirs(x, src, *args)
        g = torch.tensor(rng.standard_normal(shape))
        gx, gs = torch.autograd.grad(expected, (x, src), g)
        a, b = _tg(x, True), _tg(src, True)
        out = ours(a, b, *args)
        np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
        hx, hs = tg.grad(out, (a, b), tg.tensor(g.numpy()))
        np.testing.assert_array_equal(hx.numpy(), gx.numpy())
        np.testing.assert_array_equal(hs.numpy(), gs.numpy())
        cases += 1
    assert cases == 60


def test_float_bits_match_torch_in_a_seeded_sweep():
    torch = _torch()
    rng = np.random.default_rng(2)
    dtypes = [np.float16, np.float32, np.float64, np.int32, np.int64]
    for _ in range(40):
        d1, d2 = (dtypes[i] for i in rng.integers(len(dtypes), size=2))
        x = rng.standard_normal(5) * np.exp2(rng.integers(-20, 20, 5))
        e = rng.integers(-30, 30, 5)
        a, b = x.astype(d1) if d1 in dtypes[:3] else np.round(x).astype(d1), e.astype(d2)
        expected = torch.ldexp(torch.from_numpy(a), torch.from_numpy(b))
        out = ldexp(tg.tensor(a), tg.tensor(b))
        assert out.dtype == np.dtype(str(expected.dtype).split(".")[1])
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6 if
                                   np.dtype(d2).kind == "f" else 0)
        if np.dtype(d1).kind == "f":
            m, k = frexp(tg.tensor(a))
            tm, tk = torch.frexp(torch.from_numpy(a))
            np.testing.assert_array_equal(m.numpy(), tm.numpy())
            np.testing.assert_array_equal(k.numpy(), tk.numpy())
        if "f" in np.dtype(d1).kind + np.dtype(d2).kind:
            y = (rng.standard_normal(5) * 3).astype(d2) if np.dtype(d2).kind == "f" else e
            ours = nextafter(tg.tensor(a), tg.tensor(y))
            theirs = torch.nextafter(torch.from_numpy(a), torch.from_numpy(y))
            assert ours.dtype == np.dtype(str(theirs.dtype).split(".")[1])
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # gradients: ldexp in both arguments, frexp's mantissa, nextafter's straight-through
    x = torch.tensor(rng.standard_normal(4), requires_grad=True)
    e = torch.tensor(rng.uniform(-3, 3, 4), requires_grad=True)
    y = torch.tensor(rng.standard_normal(4), requires_grad=True)
    outs = (torch.ldexp(x, e), torch.frexp(x).mantissa, torch.nextafter(x, y))
    a, b, c = _tg(x, True), _tg(e, True), _tg(y, True)
    mine = (ldexp(a, b), frexp(a).mantissa, nextafter(a, c))
    for theirs, ours in zip(outs, mine):
        expected = torch.autograd.grad(theirs.sum(), (x, e, y), allow_unused=True,
                                       materialize_grads=True)
        got = tg.grad(ours.sum(), (a, b, c), allow_unused=True)
        for t, o in zip(expected, got):
            np.testing.assert_allclose(o.numpy() if o is not None else 0.0, t.numpy(),
                                       rtol=1e-14)


def test_gcd_lcm_match_torch_in_a_seeded_sweep():
    torch = _torch()
    rng = np.random.default_rng(3)
    for dt in (np.uint8, np.int8, np.int16, np.int32, np.int64):
        hi = 100 if np.dtype(dt).itemsize == 1 else 10 ** 4
        lo = 0 if dt == np.uint8 else -hi
        a, b = (rng.integers(lo, hi, (3, 40)).astype(dt) for _ in range(2))
        a[0, :5] = 0
        b[0, 3:8] = 0
        for ours, theirs in ((gcd, torch.gcd), (lcm, torch.lcm)):
            expected = theirs(torch.from_numpy(a), torch.from_numpy(b)).numpy()
            out = ours(tg.tensor(a), tg.tensor(b)).numpy()
            assert out.dtype == expected.dtype
            np.testing.assert_array_equal(out, expected)
    mixed = torch.gcd(torch.tensor([12], dtype=torch.int16), torch.tensor(8))
    assert str(gcd(tg.tensor([12], dtype=tg.int16), tg.tensor(8)).dtype) == "int16" == str(
        mixed.dtype).split(".")[1]


def test_real_views_and_matrices_match_torch():
    torch = _torch()
    rng = np.random.default_rng(4)
    data = np.array([1.5, -2.0, 0.0, -0.0, np.nan, np.inf, -np.inf])
    for dtype in (np.float32, np.float64, np.int64):
        values = data.astype(dtype) if dtype != np.int64 else np.array([3, -1, 0])
        np.testing.assert_array_equal(angle(tg.tensor(values)).numpy(),
                                      torch.angle(torch.from_numpy(values)).numpy())
    for n in range(0, 4):
        x = torch.tensor(rng.standard_normal(n), requires_grad=True)
        for N in (None, 0, 1, 3):
            for increasing in (False, True):
                theirs = torch.vander(x, N, increasing)
                ours = vander(_tg(x), N, increasing)
                np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-15)
    for offset in (-2, 0, 1):
        m = rng.standard_normal((2, 3))
        np.testing.assert_array_equal(diagflat(tg.tensor(m), offset).numpy(),
                                      torch.diagflat(torch.from_numpy(m), offset).numpy())
    worst = 0.0
    for _ in range(10):
        b, n, k, m = (int(v) for v in rng.integers(1, 5, 4))
        inp = rng.standard_normal([(n, m), (m,), (1, m), ()][int(rng.integers(4))])
        b1, b2 = rng.standard_normal((b, n, k)), rng.standard_normal((b, k, m))
        beta, alpha = float(rng.uniform(-2, 2)), float(rng.uniform(-2, 2))
        tensors = [torch.tensor(v, requires_grad=True) for v in (inp, b1, b2)]
        theirs = torch.addbmm(*tensors, beta=beta, alpha=alpha)
        mine = [_tg(t, True) for t in tensors]
        ours = addbmm(*mine, beta=beta, alpha=alpha)
        worst = max(worst, np.abs(ours.detach().numpy() - theirs.detach().numpy()).max())
        g = rng.standard_normal(theirs.shape)
        for t, o in zip(torch.autograd.grad(theirs, tensors, torch.from_numpy(g)),
                        tg.grad(ours, mine, tg.tensor(g))):
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12, atol=1e-14)
    assert worst < 1e-13
    assert scalar_tensor(3).dtype == np.dtype(str(torch.scalar_tensor(3).dtype).split(".")[1])
    assert is_nonzero(tg.tensor([0.0])) == torch.is_nonzero(torch.tensor([0.0]))


# ---------------------------------------------------------------- session 26's names
def test_linalg_vander_tensorinv_tensorsolve_values_and_gradients():
    x = tg.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, -2.0]], dtype=tg.float64)
    expected = np.stack([np.vander(row, increasing=True) for row in x.numpy()])
    np.testing.assert_array_equal(tg.linalg.vander(x).numpy(), expected)
    assert tg.linalg.vander(x, N=2).shape == (2, 3, 2)
    assert tg.linalg.vander(tg.tensor([1, 2])).dtype == np.int64
    assert tg.gradcheck(lambda v: tg.linalg.vander(v, N=4), (t64((2, 3)),))
    a = RNG.standard_normal((4, 6, 8, 3))
    inverse = tg.linalg.tensorinv(tg.tensor(a))
    assert inverse.shape == (8, 3, 4, 6)
    np.testing.assert_allclose(np.tensordot(inverse.numpy(), a, 2), np.eye(24).reshape(8, 3, 8, 3),
                               atol=1e-10)
    assert tg.gradcheck(lambda m: tg.linalg.tensorinv(m, ind=1), (t64((6, 2, 3)),))
    a, b = RNG.standard_normal((6, 4, 2, 3)), RNG.standard_normal((4, 3))
    x = tg.linalg.tensorsolve(tg.tensor(a), tg.tensor(b), dims=(0, 2))     # A's (6, 2) last
    moved = np.moveaxis(a, (0, 2), (2, 3))
    np.testing.assert_allclose(np.tensordot(moved, x.numpy(), 2), b, atol=1e-10)
    assert tg.gradcheck(lambda m, v: tg.linalg.tensorsolve(m, v), (t64((2, 3, 6)), t64((2, 3))))
    with pytest.raises(ValueError, match="linalg.vander: N must be greater than 1, got 1"):
        tg.linalg.vander(x, N=1)
    with pytest.raises(ValueError, match=r"tensorinv: A of shape \(2, 3\) with ind=1 is a map "
                                         "from 3 to 2 numbers"):
        tg.linalg.tensorinv(tg.ones(2, 3), ind=1)
    with pytest.raises(ValueError, match=r"tensorsolve: A of shape \(2, 3\) must start with B's"):
        tg.linalg.tensorsolve(tg.ones(2, 3), tg.ones(3))


def test_deprecated_and_small_torch_names():
    a = tg.tensor(RNG.standard_normal((4, 3)))
    q, r = a.qr()
    np.testing.assert_allclose((q @ r).numpy(), a.numpy(), atol=1e-14)
    assert q.shape == (4, 3) and tg.qr(a, some=False).Q.shape == (4, 4)
    s = a.mT @ a
    np.testing.assert_allclose(s.cholesky().numpy(), np.linalg.cholesky(s.numpy()), rtol=1e-13)
    np.testing.assert_allclose(s.cholesky(True).numpy(), np.linalg.cholesky(s.numpy()).T,
                               rtol=1e-13)
    leaf = t64(3)
    assert not tg.detach(leaf).requires_grad and np.shares_memory(tg.detach(leaf).data, leaf.data)
    assert tg.linalg.matmul(a, a.mT).shape == (4, 4)
    x = tg.ones(2, 3, requires_grad=True)
    assert x.sum_to_size(1, 3).tolist() == [[2.0, 2.0, 2.0]]
    assert x.sum_to_size((2, 1)).shape == (2, 1) and x.sum_to_size(3).shape == (3,)
    x.sum_to_size(3).sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2
    with pytest.raises(ValueError, match=r"sum_to_size: size \(4,\) does not broadcast to the "
                                         r"tensor's shape \(2, 3\)"):
        x.sum_to_size(4)
    assert x.get_device() == -1 and x.is_cpu and not x.is_cuda
    m = tg.tensor([[0, 1], [2, 0], [3, 3]])
    assert tg.nonzero_static(m, size=2).tolist() == [[0, 1], [1, 0]]
    assert m.nonzero_static(size=5, fill_value=-5).tolist() == [[0, 1], [1, 0], [2, 0], [2, 1],
                                                                 [-5, -5]]
    assert m.nonzero_static(size=0).shape == (0, 2)
    with pytest.raises(ValueError, match="nonzero_static: size must be a non-negative int"):
        m.nonzero_static(size=-1)
