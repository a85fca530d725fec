"""scatter_reduce: values by hand for each reduction, the split of amax/amin gradients
among ties, include_self, infinite starting values, finite differences, and errors."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# a graph's edges: message k goes to node TARGET[k]
TARGET = np.array([0, 0, 2, 2, 2])
MESSAGES = np.array([1.0, 3.0, 2.0, 5.0, 5.0])


def reduced(reduce, include_self=True, start=(10.0, 20.0, -1.0, 7.0)):
    x = Tensor(np.array(start), requires_grad=True)
    m = Tensor(MESSAGES, requires_grad=True)
    return x, m, tg.scatter_reduce(x, 0, Tensor(TARGET), m, reduce, include_self=include_self)


def test_each_reduction_by_hand():
    expected = {"sum": [14, 20, 11, 7], "mean": [14 / 3, 20, 11 / 4, 7],
                "amax": [10, 20, 5, 7], "amin": [1, 20, -1, 7], "prod": [30, 20, -50, 7]}
    for reduce, values in expected.items():
        with tg.no_grad():
            np.testing.assert_allclose(reduced(reduce)[2].numpy(), values, rtol=1e-15)
    without_self = {"sum": [4, 20, 12, 7], "mean": [2, 20, 4, 7], "amax": [3, 20, 5, 7],
                    "amin": [1, 20, 2, 7], "prod": [3, 20, 50, 7]}   # node 1, 3: untouched
    for reduce, values in without_self.items():
        with tg.no_grad():
            out = reduced(reduce, include_self=False)[2]
        np.testing.assert_allclose(out.numpy(), values, rtol=1e-15)


def test_gradients_mean_and_ties_of_amax():
    x, m, out = reduced("mean")
    out.backward(Tensor(np.array([3.0, 1.0, 4.0, 1.0])))
    np.testing.assert_allclose(m.grad.numpy(), [1, 1, 1, 1, 1])          # g / count
    np.testing.assert_allclose(x.grad.numpy(), [1, 1, 1, 1])
    x, m, out = reduced("amax")
    out.backward(Tensor(np.array([3.0, 1.0, 4.0, 1.0])))
    np.testing.assert_array_equal(m.grad.numpy(), [0, 0, 0, 2, 2])       # two 5s share 4
    np.testing.assert_array_equal(x.grad.numpy(), [3, 1, 0, 1])          # 10 won at node 0
    x, m, out = reduced("amax", start=(3.0, 0.0, 0.0, 0.0))              # x ties a message
    out.backward(Tensor(np.ones(4)))
    np.testing.assert_array_equal(m.grad.numpy(), [0, 0.5, 0, 0.5, 0.5])
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 1, 0, 1])
    x, m, out = reduced("amax", include_self=False, start=(3.0, 0.0, 0.0, 0.0))
    out.backward(Tensor(np.ones(4)))         # x takes no part: the 3 gets all of g (torch: half)
    np.testing.assert_array_equal(m.grad.numpy(), [0, 1, 0, 0.5, 0.5])
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 0, 1])


def test_max_aggregation_from_minus_infinity():
    x = Tensor(np.full(4, -np.inf), requires_grad=True)
    m = Tensor(MESSAGES, requires_grad=True)
    out = x.scatter_reduce(0, Tensor(TARGET), m, "amax")
    assert out.tolist() == [3, -np.inf, 5, -np.inf]
    out.backward(Tensor(np.ones(4)))
    assert x.grad.tolist() == [0, 1, 0, 1] and m.grad.tolist() == [0, 1, 0, 0.5, 0.5]
    y = Tensor(np.full(4, -np.inf), requires_grad=True)
    tg.scatter_reduce(y, 0, Tensor(TARGET), m, "amin").backward(Tensor(np.ones(4)))
    assert y.grad.tolist() == [1, 1, 1, 1]                   # -inf stays the minimum


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_finite_differences(reduce, include_self):
    rng = np.random.default_rng(3)
    index = Tensor(rng.integers(0, 3, size=(4, 2)))
    x = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    src = Tensor(rng.standard_normal((5, 2)), requires_grad=True)   # a larger src: row 4 unread
    assert tg.gradcheck(lambda x, s: tg.scatter_reduce(x, 0, index, s, reduce,
                                                       include_self=include_self), (x, src))
    assert tg.gradgradcheck(lambda x, s: tg.scatter_reduce(x, 0, index, s, reduce,
                                                           include_self=include_self), (x, src))


def test_in_place_and_errors():
    buffer = tg.zeros(3)
    buffer.scatter_reduce_(0, Tensor([0, 0, 2]), Tensor([1.0, 2.0, 3.0]), "sum")
    assert buffer.tolist() == [3.0, 0.0, 3.0]
    with pytest.raises(ValueError, match="scatter_reduce: reduce must be one of sum, prod, "
                                         "mean, amax, amin, got 'max'"):
        tg.scatter_reduce(tg.zeros(3), 0, Tensor([0]), tg.ones(1), "max")
    with pytest.raises(TypeError, match="scatter_reduce: src must have input's dtype"):
        tg.scatter_reduce(tg.zeros(3), 0, Tensor([0]), Tensor([1]), "sum")
    with pytest.raises(IndexError, match="scatter_reduce"):
        tg.scatter_reduce(tg.zeros(3), 0, Tensor([3]), tg.ones(1), "sum")


def test_prod_has_the_gradient_of_a_product_zeros_included():
    x = Tensor(np.array([2.0, 5.0]), requires_grad=True)
    m = Tensor(np.array([3.0, 0.0, 4.0]), requires_grad=True)
    out = tg.scatter_reduce(x, 0, Tensor([0, 0, 1]), m, "prod")    # [2*3*0, 5*4]
    assert out.tolist() == [0.0, 20.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 4.0] and m.grad.tolist() == [0.0, 6.0, 5.0]   # torch's
    assert tg.gradgradcheck(lambda x, m: tg.scatter_reduce(x, 0, Tensor([0, 0, 1]), m, "prod",
                                                           include_self=False), (x, m))


def test_integer_inputs_and_infinite_results():
    x, index, src = Tensor([5, 7, 1]), Tensor([0, 0, 2, 2]), Tensor([2, 3, -4, -4])
    assert tg.scatter_reduce(x, 0, index, src, "mean").tolist() == [3, 7, -3]   # rounds down
    assert tg.scatter_reduce(x, 0, index, src, "mean").dtype == tg.int64
    assert tg.scatter_reduce(x, 0, index, src, "amax", include_self=False).tolist() == [3, 7, -4]
    m = Tensor(np.array([-np.inf, 2.0]), requires_grad=True)
    out = tg.scatter_reduce(tg.zeros(2, dtype=tg.float64), 0, Tensor([0, 1]), m, "amax",
                            include_self=False)
    out.sum().backward()
    assert out.tolist() == [-np.inf, 2.0] and m.grad.tolist() == [1.0, 1.0]   # as torch


def test_index_reduce_is_scatter_reduce_with_one_index_per_slice():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), requires_grad=True)
    rows = Tensor(np.array([[10.0, -1.0], [0.0, 8.0]]), requires_grad=True)
    out = x.index_reduce(0, Tensor([2, 2]), rows, "amax")          # both rows into row 2
    assert out.tolist() == [[1, 2], [3, 4], [10, 8]]
    out.sum().backward()
    assert rows.grad.tolist() == [[1, 0], [0, 1]] and x.grad.tolist() == [[1, 1], [1, 1], [0, 0]]
    with pytest.raises(ValueError, match="index_reduce: reduce must be one of prod, mean, "
                                         "amax, amin, got 'sum'"):
        x.index_reduce(0, Tensor([0]), rows[:1], "sum")


def test_index_put_writes_or_accumulates_at_a_tuple_of_indices():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    v = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    rows, cols = Tensor([0, 1, 0]), Tensor([2, 0, 2])              # (0, 2) twice
    summed = tg.index_put(x, (rows, cols), v, accumulate=True)
    assert summed.tolist() == [[0, 0, 4], [2, 0, 0]]
    last = x.index_put((rows, cols), v)                          # the last write wins
    assert last.tolist() == [[0, 0, 3], [2, 0, 0]]
    (summed.sum() + last.sum()).backward()
    assert v.grad.tolist() == [1, 2, 2] and x.grad.tolist() == [[2, 2, 1], [1, 2, 2]]
    masked = tg.index_put(Tensor(np.ones((2, 2))), (Tensor([[True, False], [False, True]]),),
                          Tensor(5.0, dtype=tg.float64))          # a mask, a broadcast value
    assert masked.tolist() == [[5, 1], [1, 5]]
    buffer = tg.zeros(3)
    buffer.index_put_((Tensor([1, 1]),), tg.ones(2), accumulate=True)
    assert buffer.tolist() == [0, 2, 0]
    with pytest.raises(TypeError, match="index_put: indices must be a tuple of tensors"):
        tg.index_put(buffer, Tensor([0]), tg.ones(1))
    with pytest.raises(IndexError, match=r"index_put: .* \(input shape \(3,\)\)"):
        tg.index_put(buffer, (Tensor([3]),), tg.ones(1))
    with pytest.raises(ValueError, match=r"index_put: values of shape \(2,\) do not broadcast"):
        tg.index_put(buffer, (Tensor([0, 1, 2]),), tg.ones(2))


def test_nan_wins_and_errors_name_the_function_called():
    x = Tensor(np.array([1.0, np.nan, 3.0]))
    out = tg.scatter_reduce(x, 0, Tensor([0, 1]), Tensor(np.array([np.nan, 2.0])), "amax")
    assert np.isnan(out.numpy()[:2]).all() and out.numpy()[2] == 3.0       # as torch
    with pytest.raises(IndexError, match="index_reduce: index 5 is out of bounds"):
        tg.zeros(3).index_reduce(0, Tensor([5]), tg.ones(1), "amax")
    with pytest.raises(TypeError, match="index_put: each index must be an int64, int32 "
                                        "\\(not uint8"):
        tg.index_put(tg.zeros(3), (Tensor(np.array([1, 0, 1], dtype=np.uint8)),), tg.ones(2))
    buffer = tg.zeros(2)
    tg.index_put_(buffer, (Tensor([1]),), tg.ones(1))
    assert buffer.tolist() == [0.0, 1.0]


def test_small_integer_and_bool_dtypes_are_kept():
    index, x = Tensor([0, 0, 1, 2, 2]), Tensor(np.array([1, 0, 3], dtype=np.uint8))
    src = Tensor(np.array([5, 2, 7, 4, 200], dtype=np.uint8))
    out = x.scatter_reduce(0, index, src, "prod")
    assert out.dtype == tg.uint8 and out.tolist() == [10, 0, 96]     # wraps, as torch
    flags = Tensor(np.array([True, False, True]))
    assert flags.scatter_reduce(0, index, Tensor(np.array([1, 1, 0, 1, 1], bool)),
                                "prod").tolist() == [True, False, True]
    with pytest.raises(TypeError, match="reduce='mean' is not defined for bool"):
        flags.scatter_reduce(0, index, Tensor(np.ones(5, bool)), "mean")
    with pytest.raises(TypeError, match="index_put: each index must be an int64, int32"):
        tg.index_put(tg.zeros(3), (Tensor(np.array([1], dtype=np.int8)),), tg.ones(1))
