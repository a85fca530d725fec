"""The torch tensor ops added with selection.py, linear_algebra.py, comparison.py and
ops/scan.py (and sin, cos, log1p, expm1, rounding): values worked by hand on small inputs,
gradients by hand and by finite differences, dtype rules and the errors.

Only the last test uses torch (skipped without it); everything else stands on its own.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck

nan, inf = math.nan, math.inf


def f64(data, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


def grad_of(fn, x: Tensor, weights) -> np.ndarray:
    """d sum(weights * fn(x)) / dx."""
    x.grad = None
    (fn(x) * f64(weights, requires_grad=False)).sum().backward()
    return x.grad.data


def hessian(fn, x: Tensor) -> np.ndarray:
    """The matrix of second derivatives of the scalar fn(x), through create_graph."""
    (g,) = tg.grad(fn(x), [x], create_graph=True)
    g = g.reshape(-1)
    return np.stack([tg.grad(g[i], [x], retain_graph=True)[0].data.ravel()
                     for i in range(g.shape[0])])


# ---------------------------------------------------------------- sin, cos, log1p, expm1
def test_trig_values_and_gradients():
    x = f64([0.0, math.pi / 2, math.pi, -math.pi / 6])
    np.testing.assert_allclose(x.sin().data, [0, 1, 0, -0.5], atol=1e-15)
    np.testing.assert_allclose(x.cos().data, [1, 0, -1, math.sqrt(3) / 2], atol=1e-15)
    np.testing.assert_allclose(grad_of(Tensor.sin, x, [1, 1, 1, 1]), [1, 0, -1, math.sqrt(3) / 2],
                               atol=1e-15)
    np.testing.assert_allclose(grad_of(Tensor.cos, x, [1, 2, 1, 1]), [0, -2, 0, 0.5], atol=1e-15)


def test_log1p_expm1_are_exact_for_tiny_inputs():
    x = f64([1e-12, -1e-12, 0.0])
    np.testing.assert_allclose(x.log1p().data, [1e-12 - 5e-25, -1e-12 - 5e-25, 0], rtol=1e-15)
    np.testing.assert_allclose(x.expm1().data, [1e-12 + 5e-25, -1e-12 + 5e-25, 0], rtol=1e-15)
    assert (x.exp() - 1).data[0] != x.expm1().data[0]       # the naive formula is off
    y = f64([0.0, 1.0, -0.5])
    np.testing.assert_allclose(grad_of(Tensor.log1p, y, [1, 1, 1]), [1, 0.5, 2])
    np.testing.assert_allclose(grad_of(Tensor.expm1, y, [1, 1, 1]), np.exp([0.0, 1.0, -0.5]))


def test_log1p_of_minus_one_is_minus_inf_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.log1p(Tensor([-1.0])).tolist() == [-inf]


@pytest.mark.parametrize("name", ["sin", "cos", "log1p", "expm1"])
def test_unary_of_integers_is_float32_and_has_a_function_form(name):
    out = getattr(tg, name)(Tensor([0, 1]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, getattr(np, name)([0.0, 1.0]), rtol=1e-6)


# ---------------------------------------------------------------- floor, ceil, trunc, round
HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.7, -2.7]


@pytest.mark.parametrize("name, expected", [
    ("floor", [-3, -2, -1, 0, 1, 2, 2, -3]),
    ("ceil", [-2, -1, 0, 1, 2, 3, 3, -2]),
    ("trunc", [-2, -1, 0, 0, 1, 2, 2, -2]),
    ("round", [-2, -2, 0, 0, 2, 2, 3, -3]),          # halves to even, as torch
])
def test_rounding_values_and_no_gradient(name, expected):
    x = Tensor(HALVES, requires_grad=True)
    out = getattr(x, name)()
    assert out.tolist() == expected and out.dtype == np.float32
    assert not out.requires_grad and out.grad_fn is None
    assert getattr(tg, name)(x).tolist() == expected


def test_round_with_decimals_as_torch():
    x = f64([1.25, -0.75, 2.5], requires_grad=False)
    np.testing.assert_array_equal(x.round(decimals=1).data, [1.2, -0.8, 2.5])
    big = f64([1250.0, 1350.0, 1234.5, -150.0], requires_grad=False)
    np.testing.assert_array_equal(tg.round(big, decimals=-2).data, [1200, 1400, 1200, -200])


def test_rounding_integers_copies_and_refuses_bools():
    x = Tensor(np.array([3, -2], dtype=np.int32))
    for name in ("floor", "ceil", "trunc", "round"):
        out = getattr(x, name)()
        assert out.dtype == np.int32 and out.tolist() == [3, -2]
        assert not np.shares_memory(out.data, x.data)
        with pytest.raises(TypeError, match=f"{name}: not implemented for bool"):
            getattr(Tensor([True]), name)()
    with pytest.raises(TypeError, match="round: not implemented for int32 tensors with decimals=1"):
        x.round(decimals=1)


# ---------------------------------------------------------------- cumsum
def test_cumsum_values_along_each_dim():
    x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.cumsum(1).tolist() == [[1, 3, 6], [4, 9, 15]]
    assert tg.cumsum(x, dim=0).tolist() == [[1, 2, 3], [5, 7, 9]]
    assert x.cumsum(-1).tolist() == x.cumsum(1).tolist()
    assert Tensor(2.5).cumsum(0).tolist() == 2.5
    assert Tensor(np.zeros((2, 0))).cumsum(1).shape == (2, 0)


def test_cumsum_gradient_is_the_reversed_cumsum():
    x = f64([0.5, -1.0, 2.0, 3.0])
    # d/dx_j sum_i w_i cumsum(x)_i = sum_{i >= j} w_i
    np.testing.assert_array_equal(grad_of(lambda t: t.cumsum(0), x, [1, 2, 3, 4]), [10, 9, 7, 4])


@pytest.mark.parametrize("data, dtype, expected", [
    (np.array([1, 2, 3], dtype=np.int32), np.int64, [1, 3, 6]),
    ([True, True, False], np.int64, [1, 2, 2]),
    (np.array([0.5, 0.25], dtype=np.float32), np.float32, [0.5, 0.75]),
])
def test_cumsum_dtypes(data, dtype, expected):
    out = Tensor(data).cumsum(0)
    assert out.dtype == dtype and out.tolist() == expected


def test_cumsum_dtype_argument_and_bad_dim():
    assert Tensor([1, 2]).cumsum(0, dtype=tg.float64).dtype == np.float64
    with pytest.raises(IndexError, match=r"cumsum: dimension 2 is out of range .* \(2, 3\)"):
        Tensor(np.ones((2, 3))).cumsum(2)


# ---------------------------------------------------------------- prod
def test_prod_values_dtypes_and_shapes():
    x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.prod().tolist() == 720 and x.prod(0).tolist() == [4, 10, 18]
    assert x.prod(1, keepdim=True).tolist() == [[6], [120]]
    assert tg.prod(x, -1).tolist() == [6, 120]
    assert Tensor(np.array([2, 3], dtype=np.int32)).prod().dtype == np.int64
    assert Tensor([True, True]).prod().tolist() == 1
    assert Tensor([2, 3]).prod(dtype=tg.float64).dtype == np.float64
    assert Tensor(np.ones((0, 3))).prod(0).tolist() == [1, 1, 1]       # the empty product
    with pytest.raises(TypeError, match=r"prod: dim must be an int or None .*\(0, 1\)"):
        x.prod((0, 1))


@pytest.mark.parametrize("data, expected", [
    ([2.0, 3.0, 4.0], [12, 8, 6]),
    ([0.0, 2.0, 3.0], [6, 0, 0]),            # one zero: the product of the others there
    ([0.0, 2.0, 0.0], [0, 0, 0]),            # two zeros: every product of others holds one
    ([0.0], [1]),
    ([math.inf], [1]),                       # inf and nan are found without dividing too
    ([0.0, math.inf, 2.0], [math.inf, 0, math.nan]),       # as torch: 0 * inf = nan at 2
    ([math.inf, 2.0], [2, math.inf]),
    ([1.5, math.nan, 0.0, 2.0], [math.nan, 0, math.nan, math.nan]),
])
def test_prod_gradient_by_hand_with_zeros(data, expected):
    x = f64(data)
    with np.errstate(invalid="ignore"):
        x.prod().backward()
    np.testing.assert_array_equal(x.grad.data, expected)


def test_prod_gradient_per_slice():
    x = f64([[0.0, 2.0, 3.0], [1.0, 2.0, 4.0], [0.0, 0.0, 5.0]])
    np.testing.assert_array_equal(grad_of(lambda t: t.prod(1), x, [1, 10, 100]),
                                  [[6, 0, 0], [80, 40, 20], [0, 0, 0]])


def test_prod_second_derivatives_at_zeros_as_torch():
    one_zero = hessian(lambda t: t.prod(), f64([0.0, 2.0, 3.0]))
    np.testing.assert_array_equal(one_zero, [[0, 3, 2], [3, 0, 0], [2, 0, 0]])
    two_zeros = hessian(lambda t: t.prod(), f64([0.0, 2.0, 0.0, 5.0]))
    expected = np.zeros((4, 4))
    expected[0, 2] = expected[2, 0] = 10       # d2/dx0 dx2 = x1 * x3: not 0
    np.testing.assert_array_equal(two_zeros, expected)


# ---------------------------------------------------------------- gather
X23 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_gather_values_along_each_dim():
    x = Tensor(X23)
    assert x.gather(1, Tensor([[2, 0], [1, 1]])).tolist() == [[3, 1], [5, 5]]
    assert tg.gather(x, 0, Tensor([[1, 0, 1]])).tolist() == [[4, 2, 6]]
    # index smaller than input in the other dims reads the leading part (torch's rule)
    assert x.gather(1, Tensor([[1]])).tolist() == [[2]]
    assert x.gather(1, Tensor(np.zeros((2, 0), dtype=np.int64))).shape == (2, 0)
    ints = Tensor([[1, 2], [3, 4]])
    assert ints.gather(1, Tensor(np.array([[1], [0]], dtype=np.int32))).tolist() == [[2], [3]]


def test_gather_of_0d_tensors():
    assert tg.gather(Tensor(5.0), 0, Tensor(0)).tolist() == 5.0
    assert tg.gather(Tensor(5.0), 0, Tensor([0, 0])).tolist() == [5, 5]
    assert tg.gather(Tensor([5.0, 6.0]), 0, Tensor(1)).tolist() == 6.0


def test_gather_gradient_adds_repeated_reads():
    x = f64(X23)
    index = Tensor([[2, 2, 0], [1, 1, 1]])
    np.testing.assert_array_equal(grad_of(lambda t: t.gather(1, index), x, [[1, 2, 3], [4, 5, 6]]),
                                  [[3, 0, 3], [0, 15, 0]])


@pytest.mark.parametrize("index, error, message", [
    (np.zeros((1, 1, 1), np.int64), ValueError,
     r"gather: index has 3 dims but input has 2 \(index shape \(1, 1, 1\), input shape \(2, 3\)\)"),
    (np.zeros((3, 1), np.int64), ValueError,
     r"gather: index shape \(3, 1\) is larger than input shape \(2, 3\) in dimension 0"),
    (np.array([[3], [0]]), IndexError,
     r"gather: index 3 is out of bounds for dimension 1 with size 3 \(input shape \(2, 3\)\)"),
    (np.array([[-1], [0]]), IndexError, r"gather: index -1 is out of bounds"),
    (np.array([[0.0], [1.0]]), TypeError,
     r"gather: index must be an integer tensor, got dtype float64"),
])
def test_gather_errors(index, error, message):
    with pytest.raises(error, match=message):
        Tensor(X23).gather(1, Tensor(index))


def test_gather_bad_dim():
    with pytest.raises(IndexError, match="gather: dimension 2 is out of range"):
        Tensor(X23).gather(2, Tensor([[0], [0]]))


# ---------------------------------------------------------------- index_select
def test_index_select_values_and_gradient():
    x = f64(X23)
    assert x.index_select(1, Tensor([2, 0, 2])).tolist() == [[3, 1, 3], [6, 4, 6]]
    assert tg.index_select(x, 0, Tensor(1)).tolist() == [[4, 5, 6]]          # a 0-d index
    assert x.index_select(1, Tensor(np.zeros(0, np.int64))).shape == (2, 0)
    np.testing.assert_array_equal(grad_of(lambda t: t.index_select(1, Tensor([2, 0, 2])), x,
                                          [[1, 2, 3], [4, 5, 6]]), [[2, 0, 4], [5, 0, 10]])
    assert Tensor(3.0).index_select(0, Tensor([0])).tolist() == 3.0


def test_index_select_errors():
    x = Tensor(X23)
    with pytest.raises(ValueError, match=r"index_select: index must be 1-D, got shape \(1, 1\)"):
        x.index_select(1, Tensor([[0]]))
    with pytest.raises(IndexError, match=r"index_select: index 3 is out of bounds for dimension "
                                         r"1 with size 3"):
        x.index_select(1, Tensor([0, 3]))
    with pytest.raises(TypeError, match="index_select: index must be an integer tensor"):
        x.index_select(0, Tensor([True]))
    with pytest.raises(ValueError, match="index_select: a 0-d input takes one index, got 2"):
        Tensor(3.0).index_select(0, Tensor([0, 0]))


# ---------------------------------------------------------------- masked_fill
def test_masked_fill_values_broadcasting_and_dtype():
    x = Tensor(X23)
    mask = Tensor([True, False, True])
    assert x.masked_fill(mask, -1.0).tolist() == [[-1, 2, -1], [-1, 5, -1]]
    assert tg.masked_fill(Tensor([1.0, 2.0]), Tensor([[True, False], [False, False]]),
                          0.0).tolist() == [[0, 2], [1, 2]]                   # mask broadcasts x
    ints = Tensor([1, 2, 3]).masked_fill(mask, 1.7)
    assert ints.dtype == np.int64 and ints.tolist() == [1, 2, 1]           # truncated, as torch
    attention = Tensor([[0.5, 1.0, 2.0]]).masked_fill(Tensor([[False, False, True]]), -inf)
    np.testing.assert_allclose(attention.softmax(-1).data, [[1 / (1 + math.e ** 0.5),
                                                             1 / (1 + math.e ** -0.5), 0]])


def test_masked_fill_gradient_to_input_and_value():
    x, value = f64([1.0, 2.0, 3.0]), f64(2.0)
    out = x.masked_fill(Tensor([True, False, True]), value)
    (out * f64([10.0, 20.0, 30.0], requires_grad=False)).sum().backward()
    assert x.grad.tolist() == [0, 20, 0] and value.grad.tolist() == 40


@pytest.mark.parametrize("mask, value, error, message", [
    (Tensor([1, 0, 1]), 0.0, TypeError, "masked_fill: mask must be a bool tensor, got dtype int64"),
    (Tensor([True, False]), 0.0, ValueError,
     r"masked_fill: mask of shape \(2,\) does not broadcast with input of shape \(2, 3\)"),
    (Tensor([True, False, True]), Tensor([1.0]), ValueError,
     r"masked_fill: value must be a number or a 0-d tensor, got shape \(1,\)"),
    (Tensor([True, False, True]), "a", TypeError, "masked_fill: value must be a number"),
])
def test_masked_fill_errors(mask, value, error, message):
    with pytest.raises(error, match=message):
        Tensor(X23).masked_fill(mask, value)


def test_masked_fill_value_that_does_not_fit():
    with pytest.raises(ValueError, match="masked_fill: the value 1099511627776 does not fit in "
                                         "int32"):
        Tensor(np.array([1, 2], np.int32)).masked_fill(Tensor([True, False]), 2 ** 40)


# ---------------------------------------------------------------- sort, argsort, topk
TIES = [3.0, 1.0, 3.0, 2.0, 1.0, 3.0]


def test_sort_is_stable_both_ways():
    values, indices = Tensor(TIES).sort()
    assert values.tolist() == [1, 1, 2, 3, 3, 3] and indices.tolist() == [1, 4, 3, 0, 2, 5]
    values, indices = tg.sort(Tensor(TIES), descending=True, stable=True)
    assert values.tolist() == [3, 3, 3, 2, 1, 1] and indices.tolist() == [0, 2, 5, 3, 1, 4]
    assert tg.argsort(Tensor(TIES), descending=True).tolist() == [0, 2, 5, 3, 1, 4]
    assert Tensor(TIES).argsort().tolist() == [1, 4, 3, 0, 2, 5]


def test_sort_keeps_ties_in_order_on_long_inputs():
    # (numpy's default quicksort is stable on short arrays only: this needs a long one)
    data = np.random.default_rng(3).integers(0, 3, 2000).astype(np.float64)
    for descending in (False, True):
        values, indices = Tensor(data).sort(descending=descending)
        ranks = values.data if not descending else -values.data
        assert np.all(np.diff(ranks) >= 0)
        in_order = np.lexsort((indices.data, ranks))      # by value, then by index
        np.testing.assert_array_equal(in_order, np.arange(2000))
    top = Tensor(data).topk(600).indices.data                # 632 of the values are 2
    np.testing.assert_array_equal(top, np.flatnonzero(data == 2)[:600])


def test_sort_along_a_dim_nan_and_dtypes():
    out = Tensor([[2, 0, 1], [5, 9, 7]]).sort(dim=0, descending=True)
    assert out.values.tolist() == [[5, 9, 7], [2, 0, 1]]
    assert out.indices.tolist() == [[1, 1, 1], [0, 0, 0]]
    assert out.values.dtype == np.int64 and out.indices.dtype == np.int64
    with_nan = Tensor([1.0, nan, 0.0, -inf, inf])
    assert with_nan.sort().indices.tolist() == [3, 2, 0, 4, 1]                 # nan last
    assert with_nan.sort(descending=True).indices.tolist() == [1, 4, 0, 2, 3]  # nan first
    assert Tensor([True, False, True]).sort().values.tolist() == [False, True, True]
    assert Tensor(3.0).sort().values.tolist() == 3.0 and Tensor(3.0).sort().indices.tolist() == 0


def test_sort_gradient_goes_to_the_sorted_position():
    x = f64([3.0, 1.0, 2.0])
    # values = [x1, x2, x0]: sum(w * values) = 10 x1 + 20 x2 + 30 x0
    np.testing.assert_array_equal(grad_of(lambda t: t.sort().values, x, [10, 20, 30]), [30, 10, 20])


def test_topk_values_ties_and_gradient():
    x = f64([1.0, 5.0, 3.0, 5.0])
    values, indices = x.topk(2)
    assert values.tolist() == [5, 5] and indices.tolist() == [1, 3]           # lower index first
    np.testing.assert_array_equal(grad_of(lambda t: t.topk(2).values, x, [1, 2]), [0, 1, 0, 2])
    smallest = tg.topk(Tensor(TIES), 3, largest=False)
    assert smallest.values.tolist() == [1, 1, 2] and smallest.indices.tolist() == [1, 4, 3]
    rows = Tensor([[4, 8, 6], [9, 7, 1]]).topk(1, dim=1)
    assert rows.values.tolist() == [[8], [9]] and rows.indices.tolist() == [[1], [0]]
    assert Tensor([1.0, nan, 0.0]).topk(2).indices.tolist() == [1, 0]         # nan is largest
    assert x.topk(0).values.shape == (0,)


def test_topk_errors():
    with pytest.raises(ValueError, match=r"topk: k=5 is out of range for dimension 0 of size 4 "
                                         r"\(input shape \(4,\)\)"):
        Tensor([1.0, 2.0, 3.0, 4.0]).topk(5)
    with pytest.raises(ValueError, match="topk: k=-1 is out of range"):
        Tensor([1.0]).topk(-1)
    with pytest.raises(TypeError, match="topk: not implemented for bool"):
        Tensor([True]).topk(1)
    with pytest.raises(IndexError, match="sort: dimension 1 is out of range"):
        Tensor([1.0]).sort(1)


# ---------------------------------------------------------------- tril, triu
def test_tril_triu_values():
    x = Tensor(np.arange(12).reshape(3, 4))
    assert x.tril().tolist() == [[0, 0, 0, 0], [4, 5, 0, 0], [8, 9, 10, 0]]
    assert tg.tril(x, 1).tolist() == [[0, 1, 0, 0], [4, 5, 6, 0], [8, 9, 10, 11]]
    assert x.triu().tolist() == [[0, 1, 2, 3], [0, 5, 6, 7], [0, 0, 10, 11]]
    assert tg.triu(x, diagonal=-1).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [0, 9, 10, 11]]
    assert x.tril().dtype == np.int64
    assert Tensor(np.ones((2, 2), bool)).tril().tolist() == [[True, False], [True, True]]
    assert Tensor(np.ones((2, 2, 2))).triu().sum().tolist() == 6          # batched


def test_tril_gradient_is_the_mask_and_needs_2_dims():
    x = f64(np.ones((2, 3)))
    np.testing.assert_array_equal(grad_of(Tensor.tril, x, np.full((2, 3), 2.0)),
                                  [[2, 0, 0], [2, 2, 0]])
    for op in ("tril", "triu"):
        with pytest.raises(ValueError, match=rf"{op}: needs at least 2 dimensions, got "
                                             r"shape \(3,\)"):
            getattr(Tensor([1.0, 2.0, 3.0]), op)()


# ---------------------------------------------------------------- roll
def test_roll_values():
    x = Tensor(np.arange(6).reshape(2, 3))
    assert x.roll(1).tolist() == [[5, 0, 1], [2, 3, 4]]                     # flattened
    assert tg.roll(x, 1, 1).tolist() == [[2, 0, 1], [5, 3, 4]]
    assert x.roll((1, -1), (0, 1)).tolist() == [[4, 5, 3], [1, 2, 0]]
    assert x.roll((1, 1), (1, 1)).tolist() == [[1, 2, 0], [4, 5, 3]]          # applied twice
    assert Tensor([0, 1, 2]).roll(-7).tolist() == [1, 2, 0]
    assert Tensor(3.0).roll(1).tolist() == 3.0
    assert Tensor(np.zeros((0, 3))).roll(1, 0).shape == (0, 3)
    same = x.roll(3, 1)
    assert same.tolist() == x.tolist() and not np.shares_memory(same.data, x.data)


def test_roll_gradient_and_errors():
    x = f64([1.0, 2.0, 3.0, 4.0])
    # out[(i + 1) mod 4] = x[i]: x[i]'s gradient is w[(i + 1) mod 4]
    np.testing.assert_array_equal(grad_of(lambda t: t.roll(1), x, [10, 20, 30, 40]),
                                  [20, 30, 40, 10])
    with pytest.raises(ValueError, match="roll: 2 shifts and 1 dims must align"):
        x.roll((1, 2), 0)
    with pytest.raises(ValueError, match="roll: 2 shifts need as many dims"):
        x.roll((1, 2))
    with pytest.raises(IndexError, match="roll: a 0-d tensor has no dimension"):
        Tensor(1.0).roll(1, 0)


# ---------------------------------------------------------------- repeat, unbind
def test_repeat_values_and_gradient():
    x = Tensor([[1, 2]])
    assert x.repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert x.repeat((2, 1, 2)).tolist() == [[[1, 2, 1, 2]], [[1, 2, 1, 2]]]   # a leading dim
    assert x.repeat(0, 2).shape == (0, 4) and Tensor(1.0).repeat(3).tolist() == [1, 1, 1]
    v = f64([1.0, 2.0])
    np.testing.assert_array_equal(grad_of(lambda t: t.repeat(3), v, np.arange(6.0)), [6, 9])
    for sizes in ((1, 1), (3, 1)):               # (reshapes of an expand can be views of x)
        out = x.repeat(*sizes)
        assert out.data.flags.writeable and not np.shares_memory(out.data, x.data)


def test_repeat_errors():
    with pytest.raises(ValueError, match=r"repeat: 1 sizes for a tensor of shape \(1, 2\); it "
                                         "needs at least 2"):
        Tensor([[1, 2]]).repeat(2)
    with pytest.raises(ValueError, match=r"repeat: sizes must be non-negative, got \(2, -1\)"):
        Tensor([[1, 2]]).repeat(2, -1)


def test_unbind():
    x = f64(X23)
    columns = x.unbind(1)
    assert [c.tolist() for c in columns] == [[1, 4], [2, 5], [3, 6]]
    assert [r.tolist() for r in tg.unbind(x)] == X23
    (columns[0] * 2 + columns[2]).sum().backward()
    assert x.grad.tolist() == [[2, 0, 1], [2, 0, 1]]
    assert Tensor(np.zeros((0, 3))).unbind() == ()
    with pytest.raises(IndexError, match="unbind: a 0-d tensor"):
        Tensor(1.0).unbind()


# ---------------------------------------------------------------- type_as, new_*
def test_type_as_and_new_factories_take_self_dtype():
    ints = Tensor(np.array([1, 2], np.int32))
    assert Tensor([1.7, -2.2]).type_as(ints).tolist() == [1, -2]
    assert ints.new_zeros(2, 3).dtype == np.int32 and ints.new_zeros((2, 3)).shape == (2, 3)
    assert ints.new_ones(2).tolist() == [1, 1] and ints.new_empty(1).dtype == np.int32
    assert ints.new_ones(2, dtype=tg.float64).dtype == np.float64
    assert ints.new_full((2,), 1.7).tolist() == [1, 1]
    assert ints.new_tensor([1.7, 2.0]).tolist() == [1, 2]
    made = Tensor([1.0]).new_tensor(f64([1.0, 2.0]), requires_grad=True)
    assert made.dtype == np.float32 and made.is_leaf and made.requires_grad
    assert not Tensor([1.0], requires_grad=True).new_zeros(2).requires_grad


# ---------------------------------------------------------------- outer, dot, mm, bmm
def test_products_values_and_dtypes():
    assert tg.outer(Tensor([1, 2]), Tensor([1.5, 2.0])).tolist() == [[1.5, 2], [3, 4]]
    assert Tensor([1, 2, 3]).dot(Tensor([4, 5, 6])).tolist() == 32
    assert tg.dot(Tensor([1, 2]), Tensor([3, 4])).dtype == np.int64
    a, b = Tensor([[1.0, 2.0], [3.0, 4.0]]), Tensor([[5.0], [6.0]])
    assert tg.mm(a, b).tolist() == [[17], [39]] and a.mm(b).dtype == np.float32
    batch = tg.bmm(Tensor(np.ones((2, 1, 3))), Tensor(np.arange(12.0).reshape(2, 3, 2)))
    assert batch.tolist() == [[[6, 9]], [[24, 27]]]


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.mm(Tensor(np.ones(3)), Tensor(np.ones((3, 2)))), ValueError,
     r"mm: expects two 2-D tensors, got shapes \(3,\) and \(3, 2\)"),
    (lambda: tg.mm(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))), ValueError,
     r"mm: shapes \(2, 3\) and \(4, 5\) cannot be multiplied: the second must have shape \(3, m\)"),
    (lambda: tg.bmm(Tensor(np.ones((2, 2, 3))), Tensor(np.ones((3, 3, 5)))), ValueError,
     r"bmm: shapes \(2, 2, 3\) and \(3, 3, 5\) cannot be multiplied: .* shape \(2, 3, m\)"),
    (lambda: tg.bmm(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 5)))), ValueError,
     r"bmm: expects two 3-D tensors, got shapes \(2, 3\) and \(3, 5\)"),
    (lambda: tg.mm(Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2), np.float32))), TypeError,
     "mm: both operands must have the same dtype, got float64 and float32"),
    (lambda: tg.dot(Tensor([1.0, 2.0]), Tensor([1, 2])), TypeError,
     "dot: both operands must have the same dtype, got float32 and int64"),
    (lambda: tg.dot(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0])), ValueError,
     r"dot: the vectors have different lengths: shapes \(2,\) and \(3,\)"),
    (lambda: tg.dot(Tensor([True]), Tensor([True])), TypeError, "dot: not implemented for bool"),
    (lambda: tg.outer(Tensor(np.ones((2, 1))), Tensor([1.0])), ValueError,
     r"outer: expects two 1-D tensors, got shapes \(2, 1\) and \(1,\)"),
])
def test_product_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- norm
@pytest.mark.parametrize("p, expected", [
    ("fro", 13.0), (2, 13.0), (1, 19.0), (inf, 12.0), (-inf, 3.0), (0, 3.0),
    (3, (27 + 64 + 1728) ** (1 / 3)), (-1, 1 / (1 / 3 + 1 / 4 + 1 / 12)),
])
def test_norm_values(p, expected):
    x = f64([3.0, -4.0, 12.0], requires_grad=False)
    assert x.norm(p).tolist() == pytest.approx(expected, rel=1e-14)


def test_norm_dims_keepdim_and_dtype():
    x = Tensor([[3.0, 4.0], [6.0, -8.0]])
    assert x.norm(dim=1).tolist() == [5, 10] and x.norm(dim=1, keepdim=True).shape == (2, 1)
    assert tg.norm(x, 1, dim=0).tolist() == [9, 12] and x.norm(dim=(0, 1)).shape == ()
    assert x.norm(dtype=tg.float64).dtype == np.float64 and x.norm().dtype == np.float32
    assert Tensor(-3.0).norm().tolist() == 3.0 and Tensor(np.zeros(0)).norm().tolist() == 0


def test_norm_does_not_overflow_where_the_answer_is_finite():
    big, small = Tensor([1e30, 1e30]), Tensor([3e-30, 4e-30])
    assert big.norm().tolist() == pytest.approx(math.sqrt(2) * 1e30, rel=1e-6)  # torch: inf
    assert small.norm().tolist() == pytest.approx(5e-30, rel=1e-6)              # torch: 0
    assert Tensor([inf, 1.0]).norm().tolist() == inf


def test_norm_gradients_by_hand():
    x = f64([3.0, 4.0])
    np.testing.assert_allclose(grad_of(Tensor.norm, x, 1.0), [0.6, 0.8])
    ties = f64([2.0, -2.0, 1.0])
    np.testing.assert_array_equal(grad_of(lambda t: t.norm(inf), ties, 1.0), [0.5, -0.5, 0])
    np.testing.assert_array_equal(grad_of(lambda t: t.norm(1), f64([0.0, 2.0, -3.0]), 1.0),
                                  [0, 1, -1])


@pytest.mark.parametrize("p, data, expected", [
    ("fro", [0.0, 0.0], [0, 0]),                 # no 0/0: torch gives 0
    (3, [0.0, 0.0, 0.0], [0, 0, 0]),
    (0.5, [0.0, 1.0, 4.0], [0, 3, 1.5]),         # |x|**(p-1) is inf at 0 for p < 1: 0 there
    (-2, [0.0, 2.0], [0, 0]),                    # a zero makes the norm 0, its gradient too
])
def test_norm_gradient_at_zeros_is_finite_as_torch(p, data, expected):
    np.testing.assert_allclose(grad_of(lambda t: t.norm(p), f64(data), 1.0), expected)


def test_norm_errors():
    with pytest.raises(TypeError, match="norm: expects a floating point tensor, got dtype int64"):
        Tensor([1, 2]).norm()
    with pytest.raises(ValueError, match=r"norm: p='nuc' needs a 2-D tensor or dim=\(rows, "
                                         r"columns\), got shape \(2, 2, 2\)"):
        Tensor(np.ones((2, 2, 2))).norm("nuc")
    with pytest.raises(ValueError, match="norm: unknown p='abc'"):
        Tensor([1.0]).norm("abc")
    with pytest.raises(ValueError, match=r"norm: the inf norm of an empty slice is undefined"):
        Tensor(np.zeros(0)).norm(inf)
    with pytest.raises(ValueError, match=r"norm: p='fro' takes at most 2 dims"):
        Tensor(np.ones((2, 2, 2))).norm("fro", dim=(0, 1, 2))


# ---------------------------------------------------------------- isclose, allclose, equal
def test_isclose_values():
    a = Tensor([1.0, nan, inf, 1.0, -inf, 0.0])
    b = Tensor([1.0 + 1e-6, nan, inf, 1.1, inf, 1e-9])
    assert tg.isclose(a, b).tolist() == [True, False, True, False, False, True]
    assert a.isclose(b, equal_nan=True).tolist()[1] is True
    assert tg.isclose(Tensor([1.0]), Tensor([1.05]), rtol=0.1).tolist() == [True]
    assert tg.isclose(Tensor([1.0]), Tensor([1.05]), atol=0.01).tolist() == [False]
    assert Tensor([1, 2]).isclose(Tensor([1, 3])).tolist() == [True, False]
    assert Tensor([True, False]).isclose(Tensor([True, True])).tolist() == [True, False]
    assert tg.isclose(Tensor(np.ones((2, 3))), Tensor(np.ones(3))).shape == (2, 3)


def test_allclose_and_equal():
    assert tg.allclose(Tensor([1.0, 2.0]), Tensor([1.0, 2.0 + 1e-7])) is True
    assert Tensor([1.0, 2.0]).allclose(Tensor([1.0, 2.1])) is False
    assert tg.equal(Tensor([1.0, 2.0]), Tensor([1.0, 2.0])) is True
    assert Tensor([1.0, 2.0]).equal(Tensor([1, 2])) is True                 # by value, as torch
    assert tg.equal(Tensor([1.0, 2.0]), Tensor([[1.0, 2.0]])) is False       # shapes differ
    assert tg.equal(Tensor([nan]), Tensor([nan])) is False
    assert tg.equal(Tensor([1.0, 2.0]), Tensor([1.0, 2.5])) is False


def test_isclose_errors():
    with pytest.raises(TypeError, match="isclose: both tensors must have the same dtype, got "
                                        "float32 and float64"):
        tg.isclose(Tensor([1.0]), f64([1.0]))
    with pytest.raises(ValueError, match="isclose: rtol and atol must be non-negative"):
        tg.allclose(Tensor([1.0]), Tensor([1.0]), rtol=-1)
    with pytest.raises(ValueError, match=r"isclose: shapes \(2, 3\) and \(2,\) cannot be "
                                         "broadcast"):
        tg.allclose(Tensor(np.ones((2, 3))), Tensor(np.ones(2)))


# ---------------------------------------------------------------- gradients of the composed ops
INDEX = np.array([[1, 0, 1], [2, 2, 0]])
COMPOSED = {  # id: (function, input shape)
    "gather": (lambda t: t.gather(0, INDEX), (3, 3)),
    "index_select": (lambda t: t.index_select(1, Tensor([2, 0, 2])), (2, 3)),
    "masked_fill": (lambda t: t.masked_fill(Tensor([True, False, True]), 0.5) * t, (2, 3)),
    "sort": (lambda t: t.sort(dim=0, descending=True).values * t, (3, 2)),
    "topk": (lambda t: t.topk(2, dim=1).values ** 2, (2, 4)),
    "tril": (lambda t: t.tril(-1) @ t, (3, 3)),
    "triu": (lambda t: t.triu(1) * t, (2, 4)),
    "roll": (lambda t: t.roll((1, -2), (0, 1)) * t, (3, 4)),
    "roll-flat": (lambda t: t.roll(2) * t, (2, 3)),
    "repeat": (lambda t: t.repeat(2, 1, 3) ** 2, (2, 2)),
    "unbind": (lambda t: t.unbind(1)[1] * t.unbind(1)[0], (3, 2)),
    "outer": (lambda t: tg.outer(t, t.sin()), (3,)),
    "dot": (lambda t: t.dot(t.exp()), (4,)),
    "mm": (lambda t: t.mm(t.T), (2, 3)),
    "bmm": (lambda t: t.bmm(t.mT), (2, 2, 3)),
    "norm-fro": (lambda t: t.norm(), (2, 3)),
    "norm-3-dim": (lambda t: t.norm(3, dim=1), (2, 3)),
    "norm-1.5-keep": (lambda t: t.norm(1.5, dim=0, keepdim=True), (2, 3)),
    "norm--2": (lambda t: t.norm(-2), (4,)),
}


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_composed_op_gradients(name):
    fn, shape = COMPOSED[name]
    rng = np.random.default_rng(sorted(COMPOSED).index(name))
    # values away from 0 and from each other: no kinks (|x|, ties of sort/topk) within eps
    x = f64(rng.permutation(np.linspace(0.3, 2.0, math.prod(shape))).reshape(shape)
            * rng.choice([-1, 1], shape))
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


# ---------------------------------------------------------------- against torch (optional)
def test_against_torch_on_random_cases():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 4, (3, 2))
    same = [  # functions spelled the same for both libraries
        lambda t: t.sort(0, descending=True).values,
        lambda t: t.topk(2, largest=False).values,
        lambda t: t.masked_fill(t > 0, -1.5),
        lambda t: t.tril(1) + t.triu(-1),
        lambda t: t.roll((2, -1), (1, 0)),
        lambda t: t.repeat(2, 1, 2),
        lambda t: t.cumsum(0) * t.cumsum(1),
        lambda t: t.sin() * t.cos() + t.log1p().expm1(),
        lambda t: t.mm(t.T),
    ]
    # these also see exact zeros (the others not: sort and topk would meet ties, whose
    # order torch leaves open)
    with_zeros = [
        lambda t: t.prod(1) + t.prod(0).sum(),
        lambda t: t.norm(3, dim=1) + t.norm() + t.norm(1) + t.norm(0.5),
    ]
    cases = [(f, f, False) for f in same] + [(f, f, True) for f in with_zeros] + [
        (lambda t: t.gather(1, Tensor(idx)), lambda t: t.gather(1, torch.from_numpy(idx)), True),
        (lambda t: t.index_select(1, Tensor([3, 0, 3])),
         lambda t: t.index_select(1, torch.tensor([3, 0, 3])), True),
    ]
    for trial in range(4):
        smooth = rng.uniform(-0.9, 2.0, (3, 4))
        zeroed = np.where(rng.random((3, 4)) < 0.25, 0.0, smooth)
        for k, (ours, theirs, zeros) in enumerate(cases):
            data = zeroed if zeros else smooth
            x, y = f64(data), torch.tensor(data, requires_grad=True)
            out, expected = ours(x), theirs(y)
            np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12,
                                       atol=1e-12, err_msg=f"case {k}, trial {trial}")
            w = rng.standard_normal(expected.shape)
            (out * f64(w, requires_grad=False)).sum().backward()
            (expected * torch.from_numpy(w)).sum().backward()
            np.testing.assert_allclose(x.grad.data, y.grad.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"gradient of case {k}, trial {trial}")
    for data in ([1.5, 2.5, -0.5, -2.5, 0.49999997], [[0.0, 3.0], [-1.0, 2.0]]):
        x, y = Tensor(data), torch.tensor(data)
        for name in ("floor", "ceil", "trunc", "round"):
            np.testing.assert_array_equal(getattr(x, name)().data, getattr(y, name)().numpy())
        assert tg.allclose(x, x + 1e-6) == torch.allclose(y, y + 1e-6)


def test_fuzz_found_edge_cases_follow_torch():
    x = Tensor(np.array([1.0, np.nan, 2.0]), requires_grad=True)
    for p in (2, 1, 3, 0.5, -1, "fro", None):                  # nan propagates, as torch
        assert np.isnan(tg.norm(x, p).item()), p
    big = Tensor(np.array([2**53 + 1, 10**17]))
    assert tg.isclose(big, Tensor(np.array([2**53, 10**17 + 1])), rtol=0, atol=0).tolist() == [
        False, False]
    assert tg.isclose(Tensor([True]), Tensor([False]), atol=1).tolist() == [True]
    with pytest.raises(ValueError, match="full: the value nan does not fit in int64"):
        Tensor(np.zeros(2, np.int64)).new_full((2,), float("nan"))
    assert np.isnan(Tensor([1.5]).round(decimals=400).item())
    assert Tensor([1.0]).new_zeros(size=(2, 3)).shape == (2, 3)


def test_indices_changed_after_the_forward_pass_do_not_reroute_the_gradient():
    x = Tensor(np.array([3.0, 1.0, 2.0]), requires_grad=True)
    values, indices = x.sort()
    indices[0] = 0                                   # the caller's copy, not the graph's
    values.backward(Tensor(np.array([1.0, 10.0, 100.0])))
    np.testing.assert_array_equal(x.grad.data, [100.0, 1.0, 10.0])
    y = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    index = Tensor([0, 1, 2])
    picked = tg.gather(y, 0, index)
    index[0] = 2
    picked.backward(Tensor(np.array([1.0, 10.0, 100.0])))
    np.testing.assert_array_equal(y.grad.data, [1.0, 10.0, 100.0])


def test_topk_by_partition_equals_the_first_k_of_a_stable_sort():
    from tinygrad_edu.selection import _sort_order, _top_order
    rng = np.random.default_rng(5)
    for _ in range(400):
        shape = tuple(int(n) for n in rng.integers(2, 30, rng.integers(1, 4)))
        dim = int(rng.integers(len(shape)))
        k = int(rng.integers(1, shape[dim]))
        data = [rng.standard_normal(shape), rng.integers(-3, 3, shape),       # many ties
                rng.integers(-2**63, 2**63 - 1, shape, dtype=np.int64),      # ~x, not -x
                np.round(rng.standard_normal(shape)).astype(np.float32)][_ % 4]
        for largest in (True, False):
            expected = np.take(_sort_order(data, dim, largest), range(k), axis=dim)
            np.testing.assert_array_equal(_top_order(data, dim, k, largest), expected)
    x = tg.tensor([[3.0, 1.0, 3.0, 2.0, 0.0, 3.0, 1.0, 3.0, 5.0, -1.0]], requires_grad=True)
    values, indices = x.topk(1)                   # 8 * k < n: the partition path
    assert values.tolist() == [[5.0]] and indices.tolist() == [[8]]
    values, indices = x.topk(1, largest=False)
    assert indices.tolist() == [[9]]
