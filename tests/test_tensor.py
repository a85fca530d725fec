"""Tensor behaviour: construction, dtypes, factories, attributes, indexing, reductions' tie
rules, composed ops and save/load."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def f64(data, requires_grad=True) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


# ---------------------------------------------------------------- construction and dtypes
@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32), ([1.0, 2.0], np.float32), ([[1, 2], [3, 4]], np.int64), (3, np.int64),
    (True, np.bool_), ([True, False], np.bool_), (np.array([1.0, 2.0]), np.float64),
    (np.array([1.0], dtype=np.float32), np.float32), (np.array([1, 2], dtype=np.int32), np.int32),
    (np.float64(2.0), np.float64), (np.float32(2.0), np.float32),   # numpy scalars keep theirs
])
def test_default_dtypes(data, dtype):
    assert Tensor(data).dtype == dtype


def test_explicit_dtype_and_conversions():
    x = Tensor([1, 2], dtype=tg.float64)
    assert x.dtype == np.float64
    assert Tensor([1.0], dtype="float64").dtype == np.float64
    assert x.float().dtype == np.float32 and x.float().double().dtype == np.float64
    assert x.to(tg.int64).dtype == np.int64 and x.long().tolist() == [1, 2]
    assert x.to(np.float64) is x


def test_constructor_copies_arrays():
    arr = np.array([1.0, 2.0])
    t = Tensor(arr)
    arr[0] = 100.0
    assert t.data[0] == 1.0


def test_integer_and_bool_cannot_require_grad():
    for data in ([1, 2], [True]):
        with pytest.raises(RuntimeError, match="floating point"):
            Tensor(data, requires_grad=True)
        with pytest.raises(RuntimeError, match="floating point"):
            Tensor(data).requires_grad_()


@pytest.mark.parametrize("a, b, expected", [
    (Tensor([1.0]), Tensor(np.array([1.0])), np.float64),
    (Tensor([1.0]), Tensor([1]), np.float32),
    (Tensor([1]), Tensor([1]), np.int64),
    (Tensor([1]), 1.5, np.float32),
    (Tensor([1.0]), 2, np.float32),
    (Tensor(np.array([1.0])), 2.5, np.float64),
    (Tensor([True]), 1, np.int64),
    (Tensor([1.0], dtype=np.float64), Tensor(2.0), np.float64),
])
def test_promotion(a, b, expected):
    assert (a + b).dtype == expected and (a * b).dtype == expected


def test_true_division_of_integers_is_float32():
    assert (Tensor([1, 2]) / 2).dtype == np.float32
    np.testing.assert_array_equal((Tensor([1, 2]) / 2).data, [0.5, 1.0])
    assert (Tensor([True]) / Tensor([True])).dtype == np.float32         # numpy: float64


@pytest.mark.parametrize("make, dtype, values", [
    (lambda: Tensor([1, 2, 3]).clamp(min=1.5), np.float32, [1.5, 2, 3]),   # was int [1, 2, 3]
    (lambda: Tensor([1, 2, 3]).clamp(max=2), np.int64, [1, 2, 2]),
    (lambda: Tensor([True, False]).clamp(min=0, max=0.5), np.float32, [0.5, 0]),
    (lambda: Tensor([1.0, 2.0]) ** np.float64(2.0), np.float32, [1, 4]),  # numpy: float64
    (lambda: Tensor(np.array([3], np.int32)) ** np.int64(2), np.int32, [9]),
    (lambda: Tensor([4, 9]) ** 0.5, np.float32, [2, 3]),
    (lambda: Tensor([2]) ** -1, np.float32, [0.5]),
    (lambda: Tensor([True]) ** 2, np.int64, [1]),                          # numpy: int8
    (lambda: Tensor(np.array([200, 100], np.uint8)).sum(), np.int64, 300),  # numpy: uint64
])
def test_scalar_operands_promote_as_torch(make, dtype, values):
    out = make()
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, values)


def test_numpy_scalar_exponent_keeps_the_gradient_dtype():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x ** np.float64(3.0)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [3.0, 12.0])


def test_mixed_precision_gradients_keep_each_leaf_dtype():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = f64([3.0, 4.0])
    c = a * b
    assert c.dtype == np.float64
    c.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad.data, [3.0, 4.0])


def test_matmul_mismatched_float_dtypes_error():
    with pytest.raises(TypeError, match=r"matmul: .*float32.*float64"):
        Tensor(np.ones((2, 2), dtype=np.float32)) @ Tensor(np.ones((2, 2)))


# ---------------------------------------------------------------- factories
def test_factories_shapes_values_dtypes():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).shape == (2, 3)
    assert tg.zeros(2).dtype == np.float32 and not tg.zeros(2).data.any()
    assert tg.ones(2, 2, dtype=tg.float64).dtype == np.float64
    assert tg.ones(3).tolist() == [1.0, 1.0, 1.0]
    assert tg.full((2,), 7).dtype == np.int64 and tg.full((2,), 7.0).dtype == np.float32
    assert tg.full((2, 2), 0.5).tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert tg.arange(4).tolist() == [0, 1, 2, 3] and tg.arange(4).dtype == np.int64
    assert tg.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert tg.arange(1, 2, 0.25).dtype == np.float32
    np.testing.assert_array_equal(tg.eye(3).data, np.eye(3))
    assert tg.eye(2, 3).shape == (2, 3)
    x = tg.rand(1000)
    assert x.dtype == np.float32 and 0 <= x.data.min() and x.data.max() < 1
    n = tg.randn(4000, dtype=tg.float64)
    assert n.dtype == np.float64 and abs(n.data.mean()) < 0.1 and abs(n.data.std() - 1) < 0.1
    base = Tensor(np.ones((2, 3)))
    for like in (tg.zeros_like, tg.ones_like, tg.randn_like):
        made = like(base)
        assert made.shape == (2, 3) and made.dtype == np.float64 and made.is_leaf
    assert tg.zeros_like(base).data.sum() == 0 and tg.ones_like(base).data.sum() == 6


def test_arange_float32_values_are_computed_in_float64_like_torch():
    for start, end, step in ((1000, 1001, 0.001), (-5, 5, 0.01), (0.5, 300.25, 0.125)):
        got = tg.arange(start, end, step)
        exact = start + np.arange(len(np.arange(start, end, step))) * step    # in float64
        assert got.dtype == np.float32 and got.shape == exact.shape
        np.testing.assert_array_equal(got.data, exact.astype(np.float32))   # numpy: 24 steps off
    wide = tg.arange(1000, 1001, 0.001, dtype=tg.float64)    # np.arange: 1000.9989999999764
    assert wide[-1].item() == 1000.999 and wide[500].item() == 1000.5
    assert tg.arange(Tensor(4)).dtype == np.int64
    for args, message in (((0, 5, -1), "inconsistent with the sign of step -1"),
                          ((-3.5,), "inconsistent"), ((0, 5, 0), "step must be nonzero")):
        with pytest.raises(ValueError, match=f"arange: .*{message}"):
            tg.arange(*args)


def test_linspace_and_empty():
    assert tg.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tg.linspace(0, 1, 5).dtype == np.float32 and tg.linspace(2, 3, 0).shape == (0,)
    assert tg.empty(2, 3).shape == (2, 3) and tg.empty(2, dtype=tg.float64).dtype == np.float64


def test_factories_requires_grad():
    for make in (lambda: tg.zeros(2, requires_grad=True), lambda: tg.randn(2, requires_grad=True),
                 lambda: tg.ones_like(tg.zeros(2), requires_grad=True)):
        t = make()
        assert t.requires_grad and t.is_leaf


def test_manual_seed_reproducible():
    def draw():
        return [tg.rand(3).tolist(), tg.randn(2, 2).tolist(), tg.randn_like(tg.zeros(2)).tolist()]
    tg.manual_seed(123)
    first = draw()
    tg.manual_seed(123)
    assert draw() == first
    tg.manual_seed(124)
    assert draw() != first


def test_all_randomness_comes_from_the_shared_generator():
    tg.manual_seed(7)
    expected = np.random.default_rng(7).standard_normal(5, dtype=np.float32)
    tg.manual_seed(7)
    np.testing.assert_array_equal(tg.randn(5).data, expected)
    assert isinstance(tg.random.generator(), np.random.Generator)


# ---------------------------------------------------------------- attributes
def test_attributes():
    x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert isinstance(x.data, np.ndarray) and x.shape == (2, 3) and x.ndim == 2
    assert x.dtype == np.float32 and x.numel() == 6 and len(x) == 2
    assert x.requires_grad and x.grad is None and x.grad_fn is None and x.is_leaf
    assert x.T.shape == (3, 2) and x.T.tolist() == [[1, 4], [2, 5], [3, 6]]
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    np.testing.assert_array_equal(x.numpy(), x.data)
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name == "mul" and y.requires_grad
    assert Tensor(2.5).item() == 2.5 and isinstance(Tensor(2.5).item(), float)
    assert Tensor([7]).item() == 7 and isinstance(Tensor([7]).item(), int)


def test_detach_and_requires_grad_():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    x_d = x.detach()
    x_d.data[0] = 10.0                              # shares memory, as torch
    assert x.data[0] == 10.0
    leaf = Tensor([1.0])
    assert leaf.requires_grad_() is leaf and leaf.requires_grad
    leaf.requires_grad_(False)
    assert not leaf.requires_grad


def test_repr_shows_values_and_grad_fn():
    x = Tensor([1.5, -2.0], requires_grad=True)
    assert repr(x) == "tensor([ 1.5000, -2.0000], requires_grad=True)"   # torch's 4 decimals
    y = x * 2
    assert repr(y) == "tensor([ 3., -4.], grad_fn=<MulBackward>)"          # whole numbers
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=float64" in repr(Tensor(np.array([1.0])))
    assert repr(Tensor(0.5)) == "tensor(0.5000)"
    assert repr(Tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"   # torch's rule
    assert repr(Tensor([3798384.0, 1e8])) == "tensor([  3798384., 100000000.])"
    assert repr(Tensor([0.0, -0.0, 1.0])) == "tensor([0., -0., 1.])"    # width of nonzeros
    assert repr(Tensor([np.nan, 1e9])) == "tensor([       nan, 1.0000e+09])"
    long = repr(Tensor(np.arange(7.0, dtype=np.float32) * 1000, requires_grad=True).double())
    assert long.endswith("6000.], dtype=float64,\n       grad_fn=<CastBackward>)")


def test_len_of_0d_and_item_of_many_raise():
    with pytest.raises(TypeError):
        len(Tensor(1.0))
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).item()


# ---------------------------------------------------------------- operators
def test_operators_and_reflected_forms():
    x = f64([1.0, 2.0, 4.0], requires_grad=False)
    arr = np.array([2.0, 2.0, 2.0])
    cases = [(x + 1, [2, 3, 5]), (1 + x, [2, 3, 5]), (x - 1, [0, 1, 3]), (1 - x, [0, -1, -3]),
             (x * 3, [3, 6, 12]), (3 * x, [3, 6, 12]), (x / 2, [0.5, 1, 2]), (4 / x, [4, 2, 1]),
             (x ** 2, [1, 4, 16]), (2 ** x, [2, 4, 16]), (-x, [-1, -2, -4]),
             (arr * x, [2, 4, 8]), (arr - x, [1, 0, -2]), (arr / x, [2, 1, 0.5]),
             (x ** Tensor(np.array([2.0, 0.5, 0.5])), [1, np.sqrt(2), 2])]
    for got, expected in cases:
        assert isinstance(got, Tensor)
        np.testing.assert_allclose(got.data, expected)
    assert (x @ x).item() == 21.0 and (np.eye(3) @ x).tolist() == [1.0, 2.0, 4.0]


def test_comparisons_are_bool_without_grad():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(x > 1.5, [False, True, True]), (x <= 2, [True, True, False]),
                             (x == Tensor([1.0, 0.0, 3.0]), [True, False, True]),
                             (x != 2, [True, False, True]), (x < x, [False] * 3),
                             (x >= 3, [False, False, True])]:
        assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
        assert result.tolist() == expected


def test_comparing_with_none_or_a_string_is_false_like_torch():
    x = Tensor([1.0, 2.0])
    assert (x == None) is False and (x != "a") is True        # noqa: E711
    with pytest.raises(TypeError):
        x < None                                               # noqa: B015


@pytest.mark.parametrize("a, b", [([-7.5, 7.5, -3.0, 3.0], [2.0, -2.0, 2.0, 2.0]),
                                  ([-7, 7, 0, 5], [3, 3, -4, -2])])
def test_remainder_and_floor_division_take_the_sign_of_the_divisor(a, b):
    x, y = Tensor(np.array(a)), Tensor(np.array(b))
    np.testing.assert_array_equal((x % y).data, np.array(a) % np.array(b))   # Python's rules
    np.testing.assert_array_equal((x // y).data, np.array(a) // np.array(b))
    assert (x // y).dtype == x.dtype and (x // y).grad_fn is None


def test_remainder_gradient_is_one_and_minus_the_quotient():
    a, b = f64([7.5, -7.5]), f64([2.0, 2.0])
    (a % b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.data, [-3.0, 4.0])      # -floor(a / b)
    assert (10 % Tensor([3.0])).tolist() == [1.0] and (7 // Tensor([2])).tolist() == [3]


def test_integer_division_by_zero_is_an_error_float_division_is_not():
    with pytest.raises(ZeroDivisionError, match=r"floor_divide: integer division by zero "
                                                r"\(the int64 divisor holds a 0\)"):
        Tensor([5, 6]) // Tensor([2, 0])
    with pytest.raises(ZeroDivisionError, match="remainder: integer division by zero"):
        Tensor([5]) % 0
    with pytest.raises(ZeroDivisionError, match="remainder"):
        7 % Tensor([0])
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        7 // Tensor([3, 0])
    for two_bools in (lambda b: b // True, lambda b: b % b, lambda b: b.fmod(b)):
        with pytest.raises(TypeError, match="not defined for two bool operands"):
            two_bools(Tensor([True]))           # numpy's int8 answer; torch refuses
    assert (Tensor([True]) // 2).dtype == tg.int64
    with np.errstate(all="ignore"):
        assert np.isnan((Tensor([5.0]) % 0).item())             # float: nan, as torch
        assert (Tensor([5]) // 0.0).item() == np.inf            # promoted to float


def test_bitwise_operators_on_masks_and_integers():
    x = Tensor([0.3, 1.2, -0.5])
    assert ((x > 0) & (x < 1)).tolist() == [True, False, False]
    assert ((x > 1) | (x < 0)).tolist() == [False, True, True]
    assert ((x > 0) ^ True).tolist() == [False, False, True] and (~(x > 0)).tolist() == [
        False, False, True]
    assert (Tensor([6, 3]) & 5).tolist() == [4, 1]
    with pytest.raises(TypeError, match="bitwise_and: needs bool or integer tensors"):
        x & x


def test_python_protocols_like_torch():
    m = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(m)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]] and rows[0].grad_fn
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(Tensor(3.0))
    assert 2.0 in m and 5.0 not in m
    with pytest.raises(TypeError, match="in: expected a number or a Tensor, got NoneType"):
        None in m                                              # noqa: B015
    assert f"{Tensor(0.123456):.3f}" == "0.123" and f"{Tensor([1.0])}" == str(Tensor([1.0]))
    assert abs(Tensor([-2.0])).tolist() == [2.0] and (+m) is m


def test_function_forms_match_methods():
    x = f64([[0.5, -1.0], [2.0, 0.25]], requires_grad=False)
    for name in ("exp", "tanh", "sigmoid", "relu", "abs", "neg"):
        np.testing.assert_array_equal(getattr(tg, name)(x).data, getattr(x, name)().data)
    np.testing.assert_array_equal(tg.sum(x, 1).data, x.sum(1).data)
    np.testing.assert_array_equal(tg.matmul(x, x).data, (x @ x).data)
    np.testing.assert_array_equal(tg.softmax(x, 0).data, x.softmax(0).data)


def test_matmul_shapes_like_torch():
    for sa, sb, expected in [((3,), (3,), ()), ((3,), (3, 4), (4,)), ((2, 3), (3,), (2,)),
                             ((5, 2, 3), (3, 4), (5, 2, 4)), ((3,), (5, 3, 4), (5, 4)),
                             ((2, 1, 2, 3), (4, 3, 5), (2, 4, 2, 5))]:
        a, b = np.ones(sa), np.ones(sb)
        out = Tensor(a) @ Tensor(b)
        assert out.shape == expected == np.matmul(a, b).shape


# ---------------------------------------------------------------- indexing
@pytest.mark.parametrize("index", [
    1, -1, (0, 2), slice(1, None), (slice(None), slice(None, None, -2)), None, (None, 1),
    Ellipsis, (Ellipsis, 1), (1, Ellipsis, None), [2, 0, 2], (np.array([0, 1]), np.array([3, 3])),
    (slice(None), [1, 1]), np.array([True, False, True]),
])
def test_getitem_matches_numpy(index):
    a = np.arange(12.0).reshape(3, 4)
    got = Tensor(a)[index]
    np.testing.assert_array_equal(got.data, a[index])


def test_getitem_bool_mask_and_tensor_indices():
    a = np.arange(6.0).reshape(2, 3)
    x = Tensor(a, requires_grad=True)
    picked = x[x > 2.5]
    assert picked.tolist() == [3.0, 4.0, 5.0]
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.data, a > 2.5)
    assert Tensor(a)[Tensor([1, 1])].shape == (2, 3)


def test_getitem_masks_on_later_axes_0d_bool_and_empty_lists():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x[:, Tensor([True, False, True])].shape == (2, 2, 4)
    assert x[..., Tensor([True, False, True, True])].shape == (2, 3, 3)
    assert x[0, np.ones((3, 4), bool)].shape == (12,)
    assert x[None, ..., np.array([1, 0, 0, 1], bool)].shape == (1, 2, 3, 2)
    assert x[Tensor(True)].shape == (1, 2, 3, 4) and x[Tensor(False)].shape == (0, 2, 3, 4)
    empty = x[[]]
    assert empty.shape == (0, 3, 4)
    (empty.sum() + x[..., Tensor([True, False, True, True])].sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [1, 0, 1, 1])


def test_getitem_repeated_indices_accumulate():
    x = f64([1.0, 2.0, 3.0])
    y = x[[0, 2, 0, 0, 2]]
    (y * Tensor(np.arange(1.0, 6.0))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1 + 3 + 4, 0, 2 + 5])
    m = f64(np.zeros((2, 2)))
    m[np.array([1, 1, 0]), np.array([0, 0, 1])].sum().backward()
    np.testing.assert_array_equal(m.grad.data, [[0, 1], [2, 0]])


@pytest.mark.parametrize("shape, index, expected", [
    # (shape of x, index, torch's x[index] written out with numpy: ints first, then arrays)
    ((2, 3, 4), (0, slice(None), [1, 2]), lambda a: a[0][:, [1, 2]]),          # numpy: (2, 3)
    ((1, 3, 4), (0, slice(None), np.array([True, False, True, True])),
     lambda a: a[0][:, [0, 2, 3]]),                  # numpy: same shape, other values
    ((2, 4, 2), (slice(None), [1], Ellipsis, [0]), lambda a: a[:, [1], [0]]),  # numpy: (1, 2)
    ((2, 3, 4, 5), ([1, 0], 2, slice(None), [3, 3]), lambda a: a[:, 2][[1, 0], :, [3, 3]]),
    ((2, 3, 4), (np.int64(1), None, [2, 0], 1), lambda a: a[1][None][:, [2, 0], 1]),
    ((3, 4), (Tensor(np.array(2)), [1, 3]), lambda a: a[2][[1, 3]]),       # 0-d Tensor: an int
])
def test_getitem_ints_among_index_arrays_follow_torch(shape, index, expected):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x = f64(a)
    out = x[index]
    want = expected(a)
    assert out.shape == want.shape
    np.testing.assert_array_equal(out.data, want)
    upstream = np.arange(1.0, out.data.size + 1).reshape(out.shape)
    out.backward(Tensor(upstream))
    grad = np.zeros(shape)
    np.add.at(grad, np.unravel_index(expected(np.arange(a.size).reshape(shape)), shape),
              upstream)                                  # each picked element gets its g
    np.testing.assert_array_equal(x.grad.data, grad)


def random_index(rng: np.random.Generator, shape: tuple) -> tuple:
    """A random mix of ints, slices, index arrays, bool masks, None and one Ellipsis."""
    index, axis = [], 0
    ellipsis_at = rng.integers(-1, len(shape) + 1)          # -1: no Ellipsis
    while axis < len(shape):
        if axis == ellipsis_at:
            index.append(Ellipsis)
            axis = min(len(shape), axis + int(rng.integers(0, 2)))
            ellipsis_at = -2
            continue
        kind, n = rng.integers(0, 5), shape[axis]
        if kind == 0:
            index.append(int(rng.integers(-n, n)))
        elif kind == 1:
            index.append(slice(int(rng.integers(0, n)), None, int(rng.integers(1, 3))))
        elif kind == 2:
            index.append(rng.integers(0, n, 2).tolist())
        elif kind == 3 and axis + 1 < len(shape):
            mask = np.zeros(shape[axis:axis + 2], dtype=bool)
            mask.flat[rng.choice(mask.size, 2, replace=False)] = True
            index.append(mask)
            axis += 1
        else:
            index.append(None)
            continue
        axis += 1
    return tuple(index)


def test_getitem_random_mixed_indices_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    shape = (3, 4, 5, 2)
    a = rng.standard_normal(shape)
    for _ in range(300):
        index = random_index(rng, shape)
        x, xt = f64(a), torch.tensor(a, requires_grad=True)
        out = x[index]
        ref = xt[tuple(torch.tensor(i) if isinstance(i, (list, np.ndarray)) else i
                       for i in index)]
        assert out.shape == tuple(ref.shape), index
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        upstream = rng.standard_normal(out.shape)
        out.backward(Tensor(upstream))
        ref.backward(torch.tensor(upstream))
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_setitem_with_ints_among_index_arrays_follows_torch():
    x = Tensor(np.zeros((2, 3, 4)))
    x[1, :, [0, 3]] = Tensor(np.arange(6.0).reshape(3, 2))        # numpy would need (2, 3)
    want = np.zeros((2, 3, 4))
    want[1][:, [0, 3]] = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(x.data, want)


def test_setitem_only_outside_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        x[0] = 5.0
    with tg.no_grad():
        x[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


# ---------------------------------------------------------------- reductions: ties and var
def test_max_and_amax_ties_share_gradient_evenly():
    x = f64([1.0, 3.0, 3.0, 2.0])
    m = x.max()
    assert m.shape == () and m.item() == 3.0
    m.backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0.5, 0.5, 0])
    y = f64([[1.0, 1.0, 1.0], [0.0, 2.0, 2.0]])
    y.amax(1).sum().backward()
    np.testing.assert_allclose(y.grad.data, [[1 / 3, 1 / 3, 1 / 3], [0, 0.5, 0.5]])


def test_max_dim_sends_gradient_to_one_index():
    x = f64([[1.0, 3.0, 3.0], [5.0, 0.0, 5.0]])
    values, indices = x.max(1)
    assert values.tolist() == [3.0, 5.0] and indices.tolist() == [1, 0]
    assert indices.dtype == np.int64 and not indices.requires_grad
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [1, 0, 0]])
    kept = x.max(0, keepdim=True)
    assert kept.values.shape == (1, 3) and kept.indices.shape == (1, 3)


def test_min_rules():
    x = f64([2.0, -1.0, -1.0])
    x.min().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0.5, 0.5])
    values, indices = f64([[2.0, -1.0, -1.0]]).min(1)
    assert values.tolist() == [-1.0] and indices.tolist() == [1]
    z = f64([[4.0, 4.0], [3.0, 6.0]])
    z.amin(0).sum().backward()
    np.testing.assert_array_equal(z.grad.data, [[0, 1], [1, 0]])


def test_argmax_argmin_first_index_no_grad():
    x = Tensor([[1.0, 5.0, 5.0], [7.0, 7.0, 0.0]], requires_grad=True)
    assert x.argmax().item() == 3 and x.argmin().item() == 5    # flattened, first hit
    assert x.argmax(1).tolist() == [1, 0] and x.argmin(0).tolist() == [0, 0, 1]
    assert x.argmax(1, keepdim=True).shape == (2, 1)
    assert tg.argmax(x, 1).tolist() == [1, 0] and not x.argmax().requires_grad


@pytest.mark.parametrize("dim, correction, keepdim", [
    (None, 1, False), (0, 1, False), (1, 0, True), ((0, 1), 1, False), (-1, 2, False)])
def test_var_std_correction(dim, correction, keepdim):
    a = np.random.default_rng(0).standard_normal((4, 5))
    expected_var = np.var(a, axis=dim, ddof=correction, keepdims=keepdim)
    x = Tensor(a)
    np.testing.assert_allclose(x.var(dim, correction=correction, keepdim=keepdim).data,
                               expected_var, rtol=1e-12)
    np.testing.assert_allclose(x.std(dim, correction=correction, keepdim=keepdim).data,
                               np.sqrt(expected_var), rtol=1e-12)


def test_std_gradient_is_zero_where_the_std_is_zero():
    x = f64([[3.0, 1.0], [3.0, 5.0]])
    x.std(0).sum().backward()                  # column 0 is constant: d std = 0, not nan
    np.testing.assert_allclose(x.grad.data, [[0.0, -np.sqrt(0.5)], [0.0, np.sqrt(0.5)]],
                               rtol=1e-15)
    assert tg.gradcheck(lambda t: t.std(1), [f64([[1.0, 2.0, 4.0]])])


def test_logsumexp_of_infinite_slices():
    x = Tensor(np.array([[-np.inf, -np.inf], [np.inf, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(x.logsumexp(1).data, [-np.inf, np.inf, np.log(1 + np.e)],
                               rtol=1e-15)


def test_empty_dimensions_where_the_reduced_one_is_not_empty():
    x = tg.zeros(0, 3)
    assert x.amax(1).shape == (0,) and x.argmax(1).shape == (0,) and x.max(1).values.shape == (0,)
    with pytest.raises(ValueError, match="amax: cannot take the max over an empty dimension"):
        x.amax(0)
    with pytest.raises(ValueError, match="argmax: cannot reduce an empty tensor"):
        x.argmax()
    assert tg.zeros(1, 0, 3, 2).flatten(2, 3).shape == (1, 0, 6)
    assert tg.zeros(1, 0, 3, 2).flatten(0, 0).shape == (1, 0, 3, 2)
    assert [p.shape for p in x.chunk(2)] == [(0, 3), (0, 3)]
    assert [p.shape for p in x.split(2)] == [(0, 3)]


def test_dimension_arguments_torch_refuses():
    x = tg.ones(2, 3)
    with pytest.raises(ValueError, match=r"sum: dim \(0, 0\) names a dimension more than once"):
        x.sum((0, 0))
    with pytest.raises(ValueError, match="flatten: start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)
    with pytest.raises(ValueError, match="chunk: chunks must be positive"):
        x.chunk(0)
    with pytest.raises(ValueError, match="split: split_size must be positive"):
        x.split(0)


def test_max_and_min_of_two_tensors_are_elementwise():
    a, b = Tensor([1.0, 5.0]), Tensor([3.0, 2.0])
    assert tg.max(a, b).tolist() == [3.0, 5.0] and a.min(b).tolist() == [1.0, 2.0]


def test_minimum_with_a_bool_tensor():
    mask = Tensor([True, False])
    x = Tensor([0.5, 2.0], requires_grad=True)
    out = tg.minimum(x, mask)                                 # bools count as 0 and 1
    assert out.dtype == np.float32 and out.tolist() == [0.5, 0.0]
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]
    assert tg.minimum(mask, Tensor([True, True])).tolist() == [True, False]
    assert tg.minimum(Tensor([3, -1]), mask).tolist() == [1, -1]


def test_mean_and_sum_dims():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(a)
    np.testing.assert_array_equal(x.mean((0, 2)).data, a.mean((0, 2)))
    np.testing.assert_array_equal(x.sum(-1, keepdim=True).data, a.sum(-1, keepdims=True))
    assert x.sum().shape == () and x.mean().item() == a.mean()
    assert Tensor([1, 2, 3]).mean(dtype=tg.float32).item() == 2.0       # torch's keyword
    for fn in (tg.mean, tg.var, tg.std, tg.std_mean, tg.var_mean):
        with pytest.raises(TypeError, match=r"expected a floating point tensor, got dtype "
                                            r"int64 \(as torch"):
            fn(Tensor([1, 2, 3]))                  # torch refuses to guess the dtype too
    v = Tensor([[1.0, 2.0], [3.0, 5.0]])
    assert v.var(False).item() == pytest.approx(2.1875)        # torch's var(input, unbiased)
    assert v.std(0, unbiased=False).tolist() == [1.0, 1.5]
    assert [t.item() for t in tg.var_mean(v, True)] == [pytest.approx(35 / 12), 2.75]


# ---------------------------------------------------------------- shape ops
def test_pad_uses_torch_flat_tuple():
    x = Tensor(np.ones((2, 3)))
    out = tg.pad(x, (1, 2))                          # last axis: 1 before, 2 after
    assert out.shape == (2, 6) and out.data[:, 0].sum() == 0 and out.data[:, 1:4].sum() == 6
    out = tg.pad(x, (0, 1, 2, 0), value=-1.0)        # last axis (0, 1), then (2, 0)
    expected = np.pad(np.ones((2, 3)), ((2, 0), (0, 1)), constant_values=-1.0)
    np.testing.assert_array_equal(out.data, expected)


def test_cat_and_stack_values_and_gradients():
    a = f64(np.ones((2, 2)))
    b = f64(np.zeros((1, 2)))
    out = tg.cat([a, b])
    assert out.shape == (3, 2)
    (out * Tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[0, 1], [2, 3]])
    np.testing.assert_array_equal(b.grad.data, [[4, 5]])
    s = tg.stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])], dim=1)
    assert s.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert tg.stack([Tensor([1.0]), Tensor([2.0])], dim=-1).shape == (1, 2)
    assert tg.cat([Tensor([1.0]), Tensor(np.array([2.0]))]).dtype == np.float64


@pytest.mark.parametrize("arrays, dtype", [
    ([np.array([5, -7]), np.array([True])], np.int64),            # was bool: [True, True, True]
    ([np.array([300, -1]), np.array([1], np.uint8)], np.int64),   # was uint8: [44, 255, 1]
    ([np.array([1], np.uint8), np.array([-1], np.int8)], np.int16),
    ([np.array([True]), np.array([2], np.int32), np.array([0.5], np.float32)], np.float32),
])
def test_cat_promotes_dtypes_as_torch_without_changing_values(arrays, dtype):
    out = tg.cat([Tensor(a) for a in arrays])
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, np.concatenate([a.astype(np.float64) for a in arrays]))


@pytest.mark.parametrize("same", [
    lambda x: x.reshape(2, 2), lambda x: x.view(2, 2), lambda x: x.expand(2, 2),
    lambda x: x.permute(0, 1), lambda x: x.transpose(1, 1), lambda x: x.squeeze(),
    lambda x: tg.pad(x, (0, 0)), lambda x: x.view_as(x), lambda x: x.broadcast_to((2, 2)),
])
def test_a_view_of_the_same_shape_is_a_new_tensor_with_its_own_gradient(same):
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    y = same(x)
    assert y is not x and not y.is_leaf
    (grad_y,) = tg.grad((y * y).sum() + (x * 3).sum(), y)     # d/dy counts y's use only
    np.testing.assert_array_equal(grad_y.data, 2 * x.data)


def test_reshape_flatten_squeeze_unsqueeze_transpose():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.reshape(4, -1).shape == (4, 6) and x.view(-1).shape == (24,)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(0).shape == (1, 2, 3, 4) and x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert x.reshape(2, 1, 12).squeeze().shape == (2, 12)
    assert x.reshape(1, 2, 1, 12).squeeze(0).shape == (2, 1, 12)
    assert x.transpose(0, 2).shape == (4, 3, 2)
    np.testing.assert_array_equal(x.permute(1, 2, 0).data, x.data.transpose(1, 2, 0))
    assert Tensor([[1.0], [2.0]]).expand(2, 3).tolist() == [[1, 1, 1], [2, 2, 2]]


def test_mT_swaps_the_last_two_axes_and_needs_two():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    np.testing.assert_array_equal(x.mT.data, x.data.swapaxes(-1, -2))
    assert Tensor(np.ones((3, 4))).mT.shape == (4, 3)
    (x.mT * Tensor(np.arange(24.0).reshape(2, 4, 3))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.arange(24.0).reshape(2, 4, 3).swapaxes(-1, -2))
    with pytest.raises(ValueError, match=r"mT: needs at least 2 dimensions, got shape \(3,\)"):
        Tensor([1.0, 2.0, 3.0]).mT
    assert x.mH.shape == x.adjoint().shape == (2, 4, 3)          # real: the conjugate is x
    assert Tensor(np.ones((3, 4))).H.shape == (4, 3) and Tensor(2.0).H.item() == 2.0
    with pytest.raises(ValueError, match=r"H: expected a matrix .* got shape \(2, 3, 4\); "
                                         r"use mH"):
        x.H


def test_where_clamp_maximum_values():
    x = Tensor([-2.0, 0.5, 3.0])
    assert tg.where(x > 0, x, Tensor(0.0)).tolist() == [0.0, 0.5, 3.0]
    assert x.clamp(-1, 1).tolist() == [-1.0, 0.5, 1.0]
    assert x.clamp(min=0).tolist() == [0.0, 0.5, 3.0]
    assert x.maximum(Tensor([0.0, 1.0, 2.0])).tolist() == [0.0, 1.0, 3.0]
    assert tg.minimum(x, 0.0).tolist() == [-2.0, 0.0, 0.0]


def test_relu_abs_clamp_kinks():
    x = f64([-1.0, 0.0, 2.0])
    (x.relu() + x.abs()).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 2.0])   # relu'(0) = 0, sign(0) = 0
    y = f64([-1.0, 0.0, 1.0, 2.0])
    y.clamp(0.0, 1.0).sum().backward()                               # bounds inclusive
    np.testing.assert_array_equal(y.grad.data, [0, 1, 1, 0])
    a, b = f64([1.0, 2.0]), f64([1.0, 3.0])
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.5, 0])                # a tie is shared
    np.testing.assert_array_equal(b.grad.data, [0.5, 1])


# ---------------------------------------------------------------- softmax stability
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_stable_for_huge_logits(dtype):
    x = Tensor(np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]], dtype=dtype), requires_grad=True)
    s = x.softmax(-1)
    ls = x.log_softmax(-1)
    np.testing.assert_allclose(s.data, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    np.testing.assert_allclose(ls.data, [[0, -1e4, -2e4], [-np.log(3)] * 3], rtol=1e-6)
    (ls[:, 0].sum() + s[:, 1].sum()).backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data[0], [0, 0, 0], atol=1e-6)
    assert np.all(np.isfinite(x.logsumexp(1).data))


@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 0), ((0, 3), 1)])
def test_softmax_and_log_softmax_of_empty_tensors_are_empty(shape, dim):
    x = Tensor(np.zeros(shape), requires_grad=True)
    for fn in (tg.softmax, tg.log_softmax):
        out = fn(x, dim)
        assert out.shape == shape
        out.sum().backward()
        assert x.grad.shape == shape


# ---------------------------------------------------------------- save / load
def test_save_load_roundtrip(tmp_path):
    obj = {
        "weights": {"w": Tensor(np.arange(6.0).reshape(2, 3)), "b": Tensor([1.0, 2.0])},
        "labels": Tensor([1, 2, 3]), "mask": Tensor([True, False]),
        "raw": np.array([[1, 2]], dtype=np.int32), "epoch": 7, "lr": 0.125, "name": "mlp",
        "flag": True, "nothing": None, "history": [1.5, 2.5, {"inner": Tensor(0.5)}],
        "pair": (1, "two"),
    }
    path = tmp_path / "ckpt.npz"
    tg.save(obj, path)
    back = tg.load(path)
    assert set(back) == set(obj)
    assert isinstance(back["weights"]["w"], Tensor) and back["weights"]["w"].dtype == np.float64
    np.testing.assert_array_equal(back["weights"]["w"].data, obj["weights"]["w"].data)
    assert back["weights"]["b"].dtype == np.float32 and back["labels"].dtype == np.int64
    assert back["mask"].tolist() == [True, False]
    assert isinstance(back["raw"], np.ndarray) and not isinstance(back["raw"], Tensor)
    assert back["raw"].dtype == np.int32
    assert (back["epoch"], back["lr"], back["name"], back["flag"], back["nothing"]) == (
        7, 0.125, "mlp", True, None)
    assert back["history"][:2] == [1.5, 2.5] and back["history"][2]["inner"].item() == 0.5
    assert back["pair"] == (1, "two")
    assert not back["weights"]["w"].requires_grad


def test_deepcopy_and_pickle_copy_leaves_and_refuse_graph_tensors():
    import copy
    x = Tensor([1.0, 2.0], requires_grad=True, name="w")
    x.register_hook(lambda g: None)
    (x * 2).sum().backward()
    for clone in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert clone is not x and clone.is_leaf and clone.requires_grad and clone.name == "w"
        assert clone.tolist() == [1.0, 2.0] and clone._hooks is None and clone.data is not x.data
    deep = copy.deepcopy(x)                 # as torch: deepcopy copies .grad, pickle drops it
    assert deep.grad.tolist() == [2.0, 2.0] and deep.grad is not x.grad
    assert pickle.loads(pickle.dumps(x)).grad is None and copy.copy(x).grad is None
    with pytest.raises(RuntimeError, match=r"only leaf tensors can be deep-copied, not one made "
                                           r"by <MulBackward>; copy x.detach\(\) instead"):
        copy.deepcopy(x * 2)


def test_pickle_and_copy_of_a_graph_tensor_give_a_leaf_as_torch():
    import copy
    loss = (Tensor([1.0, 2.0], requires_grad=True) * 2).sum()
    for clone in (pickle.loads(pickle.dumps(loss)), copy.copy(loss)):
        assert clone.is_leaf and clone.requires_grad and clone.item() == 6.0
    with warnings.catch_warnings():            # (reading .grad of a non-leaf would warn)
        warnings.simplefilter("error")
        pickle.dumps({"loss": loss})


def test_load_uses_no_pickle(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    tg.save({"w": Tensor([1.0]), "s": "text"}, path)

    def refuse(*args, **kwargs):
        raise AssertionError("load must not unpickle")
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    assert tg.load(path)["s"] == "text"
    with np.load(path, allow_pickle=False) as archive:       # a plain npz without objects
        assert all(archive[k].dtype != object for k in archive.files)


def test_save_rejects_unsupported_objects(tmp_path):
    with pytest.raises(TypeError, match="save"):
        tg.save({"f": object()}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="keys must be strings, numbers, bools or None, got a "
                                        "tuple"):
        tg.save({(1, 2): Tensor([1.0])}, tmp_path / "y.npz")
    with pytest.raises(TypeError, match="save: cannot store an array of Python objects"):
        tg.save([np.array([{"a": 1}, None], dtype=object)], tmp_path / "z.npz")


def test_save_load_keeps_number_keys_and_requires_grad_through_a_file_object():
    import io
    w = Tensor([1.0, 2.0], requires_grad=True)
    obj = {0: {"step": 3, "momentum": Tensor([0.5])}, 2.5: "half", None: w, "named": w * 1}
    buffer = io.BytesIO()
    tg.save(obj, buffer)
    buffer.seek(0)
    back = tg.load(buffer)
    assert list(back) == [0, 2.5, None, "named"]
    assert back[0]["step"] == 3 and back[0]["momentum"].tolist() == [0.5]
    assert back[None].requires_grad and back[None].is_leaf and back[None].tolist() == [1.0, 2.0]
    assert back["named"].requires_grad and back["named"].is_leaf   # saved from a graph
    assert not back[0]["momentum"].requires_grad


def test_save_writes_the_path_it_is_given(tmp_path):
    path = tmp_path / "model.pt"                        # the torch habit: no .npz suffix
    tg.save({"w": Tensor([1.0, 2.0])}, path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
    assert tg.load(path)["w"].tolist() == [1.0, 2.0]


def test_load_rejects_foreign_npz(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.ones(2))
    with pytest.raises(ValueError, match="not written by"):
        tg.load(path)


# ---------------------------------------------------------------- 0-d results are arrays too
def test_numpy_of_a_0d_result_is_an_ndarray():
    y = Tensor(2.0, requires_grad=True) * 3
    assert isinstance(y.numpy(), np.ndarray)


def test_setitem_on_a_0d_result_under_no_grad():
    y = (Tensor(2.0, requires_grad=True) * 3).detach()
    with tg.no_grad():
        y[()] = 5.0
    assert y.item() == 5.0


# ---------------------------------------------------------------- the same expressions in torch
PARITY = {  # name: f(lib, a, b) written once for both libraries (a: (3, 4), b: (3, 4))
    "arith": lambda lib, a, b: a * b - a / (b.abs() + 1) + 2 ** a - b ** 2,
    "matmul": lambda lib, a, b: a @ b.T + a[0] @ b.T,
    "max-ties": lambda lib, a, b: a.max() + a.amax(1).sum() + a.amax((0, 1)),
    "min-ties": lambda lib, a, b: a.min() + a.amin(0).sum(),
    "max-dim-values": lambda lib, a, b: b.max(1).values + b.min(0, keepdim=True).values.sum(),
    "var-std": lambda lib, a, b: a.var(0) + a.std(1, keepdim=True).sum() + a.var(correction=0),
    "softmax": lambda lib, a, b: a.softmax(1) * b + a.log_softmax(0),
    "indexing": lambda lib, a, b: a[[0, 0, 2]].sum(0) + a[a > 0.5].sum() + a[..., None, 1:3].sum(),
    "pad": lambda lib, a, b: lib.pad(a, (1, 2, 0, 1), value=0.5) * 2,
    "cat-stack": lambda lib, a, b: lib.cat([a, b], 1).sum(0) * lib.stack([a, b, a], 2).sum(2)[0, 1],
    "where-clamp": lambda lib, a, b: lib.where(a > b, a, b).clamp(-0.5, 0.8) + a.maximum(b),
    "minimum": lambda lib, a, b: lib.minimum(a, b) * a.relu() + a.tanh() * b.sigmoid(),
    "shapes": lambda lib, a, b: (a.reshape(2, 6).T.flatten() + b.transpose(0, 1).reshape(-1)
                                 ).unsqueeze(0).expand(2, 12).sum(0).exp().log(),
    "logsumexp": lambda lib, a, b: a.logsumexp(1) + b.mean((0, 1)) + a.sqrt().sum(),
}


def functions_of(lib, pad):
    """The free functions PARITY uses, from tinygrad_edu or from torch."""
    from types import SimpleNamespace
    return SimpleNamespace(pad=pad, cat=lib.cat, stack=lib.stack, where=lib.where,
                           minimum=lib.minimum)


@pytest.mark.parametrize("name", sorted(PARITY))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = np.round(rng.uniform(0.1, 2.0, (3, 4)), 1)          # rounded: ties for max/min
    b = rng.standard_normal((3, 4))
    fn = PARITY[name]
    ours = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    out = fn(functions_of(tg, tg.pad), *ours)
    ref = fn(functions_of(torch, torch.nn.functional.pad), *theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(out.shape)
    out.backward(Tensor(upstream))
    ref.backward(torch.tensor(upstream))
    for mine, them in zip(ours, theirs):
        assert (mine.grad is None) == (them.grad is None)
        if mine.grad is not None:
            np.testing.assert_allclose(mine.grad.data, them.grad.numpy(), rtol=1e-12,
                                       atol=1e-12)


def test_torch_device_arguments_are_accepted_for_the_cpu_only():
    x = tg.zeros(2, 3, device="cpu")
    assert x.to("cpu") is x and x.cpu() is x and x.device == "cpu"
    assert x.to("cpu", tg.float64).dtype == np.float64
    assert x.to(device="cpu", dtype="float64").dtype == np.float64
    assert x.to(Tensor(np.zeros(1))).dtype == np.float64          # to(other): its dtype
    assert x.to(tg.int64).dtype == np.int64
    for make in (lambda d: Tensor([1.0], device=d), lambda d: tg.tensor([1.0], device=d),
                 lambda d: tg.ones(2, device=d), lambda d: tg.randn(2, device=d),
                 lambda d: tg.arange(3, device=d), lambda d: tg.eye(2, device=d),
                 lambda d: tg.full((2,), 1.0, device=d), lambda d: tg.rand_like(x, device=d),
                 lambda d: tg.linspace(0, 1, 3, device=d), lambda d: tg.empty(2, device=d)):
        assert make("cpu:0").device == "cpu"
        with pytest.raises(RuntimeError, match="CPU only .*got device 'cuda'"):
            make("cuda")
    with pytest.raises(RuntimeError, match=r"to: tinygrad_edu computes on the CPU only "
                                           r"\(with numpy\); got device 'mps'"):
        x.to("mps")
    with pytest.raises(TypeError, match="'gpu' is not a dtype"):
        x.to("gpu")


def test_device_objects_and_the_other_to_keywords():
    x = tg.zeros(2)
    assert x.device == "cpu" and x.device.type == "cpu" and x.device.index is None
    assert repr(x.device) == "device(type='cpu')" and x.to(x.device) is x
    gpu = tg.device("cuda", 1)
    assert gpu == "cuda:1" and gpu.type == "cuda" and gpu.index == 1
    with pytest.raises(RuntimeError, match="CPU only .*'cuda:1'"):
        x.to(gpu)
    with pytest.raises(ValueError, match="device: expected one of cpu, cuda"):
        tg.device("gpu")
    assert x.to("cpu", non_blocking=True) is x
    copied = x.to(copy=True)
    assert copied is not x and copied.data is not x.data and copied.tolist() == [0.0, 0.0]


def test_repr_of_bools_and_of_summarized_tensors_as_torch():
    assert repr(Tensor([True])) == "tensor([True])"                   # no pad for a False
    assert repr(Tensor([True, False])) == "tensor([ True, False])"
    big = np.full(2000, 1.5, np.float32)
    big[1000] = 1e6                                 # not shown: does not force sci notation
    assert repr(Tensor(big)) == "tensor([1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000])"


def test_numpy_meeting_a_tensor():
    w = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (w * w).sum().backward()
    w.data += -0.5 * w.grad                  # micrograd's and makemore's update (was a TypeError)
    assert w.data.tolist() == [0.0, 0.0, 0.0] and w.requires_grad
    a = np.array([2.0, 2.0, 2.0], dtype=np.float32)
    x = Tensor(np.array([1.0, 2.0, 4.0], dtype=np.float32), requires_grad=True)
    y = a * x + a / x - a ** x                 # ndarray on the left: the tensor's operators
    assert isinstance(y, Tensor) and y.requires_grad and y.dtype == np.float32
    y.sum().backward()
    expected = 2 - 2 / np.array([1.0, 4.0, 16.0]) - np.log(2) * 2 ** np.array([1.0, 2.0, 4.0])
    assert np.allclose(x.grad.numpy(), expected, rtol=1e-6)
    assert (a < x).tolist() == [False, False, True] and (np.float64(2) * x).dtype == np.float32
    assert np.exp(x.detach()).tolist() == pytest.approx(np.exp([1.0, 2.0, 4.0]).tolist())
    with pytest.raises(TypeError, match=r"np\.exp: numpy cannot differentiate .*\(x\.exp\(\)"):
        np.exp(x)


def test_set_default_dtype_as_torch():
    import nn
    try:
        tg.set_default_dtype(tg.float64)
        assert tg.get_default_dtype() == np.float64
        made = [Tensor([1.5]), tg.zeros(2), tg.randn(2), tg.arange(0.0, 3.0), Tensor([3]) / 2,
                Tensor([1]).exp(), Tensor([2]) * 0.5, nn.Linear(2, 3).weight,
                nn.LSTM(2, 3).weight_ih_l0, nn.BatchNorm1d(3).running_mean]
        assert [t.dtype for t in made] == [np.float64] * len(made)
        assert Tensor(np.ones(2, np.float32)).dtype == np.float32     # arrays keep theirs
        assert tg.arange(3).dtype == np.int64
        with pytest.raises(TypeError, match="set_default_dtype: only floating point"):
            tg.set_default_dtype(tg.int64)
    finally:
        tg.set_default_dtype(tg.float32)
    assert Tensor([1.5]).dtype == np.float32 and nn.Linear(2, 3).weight.dtype == np.float32


def test_lists_of_float64_values_stay_float64_as_torch_infers():
    a = np.linspace(0, 1, 3)
    third = Tensor(1 / 3, dtype=np.float64)
    for data in ([a, a], [a.mean(), a.std()], [third, third], [1.0, np.float64(2)]):
        assert Tensor(data).dtype == np.float64, data          # were float32: rounded
    assert Tensor([third, third])[0].item() == 1 / 3
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor([[1.0], [np.float32(2)]]).dtype == np.float32
