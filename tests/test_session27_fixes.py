"""Small fixes from the twenty-seventh session's sweeps (linear algebra, indexing): each
test fails without its fix."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, linalg

RNG = np.random.default_rng(27)


def test_lu_pivots_are_checked_as_torch():
    A = Tensor(RNG.standard_normal((3, 3)))
    LU, pivots = linalg.lu_factor(A)
    b = Tensor(np.ones((3, 1)))
    np.testing.assert_allclose((A @ linalg.lu_solve(LU, pivots, b)).numpy(), b.numpy(),
                               atol=1e-12)
    with pytest.raises(ValueError, match=r"lu_solve: pivots must be integers from 1 to 3 "
                                         r"\(lu_factor's 1-based"):
        linalg.lu_solve(LU, pivots.numpy() - 1, b)               # scipy's 0-based pivots
    with pytest.raises(ValueError, match=r"lu_solve: expected 3 pivots per matrix"):
        linalg.lu_solve(LU, pivots.numpy()[:2], b)
    with pytest.raises(ValueError, match=r"lu_unpack: pivots must be integers from 1 to 3"):
        tg.lu_unpack(LU, pivots.numpy() + 5)


def test_linalg_edges_as_torch():
    assert linalg.cond(Tensor(np.zeros((0, 2)))).item() == 0.0          # empty: 0, as torch
    with pytest.raises(ValueError, match=r"cond: A must be a batch of square matrices"):
        linalg.cond(Tensor(np.zeros((2, 0))), "fro")
    symmetric = Tensor(np.array([[2.0, 1.0], [1.0, 3.0]]))
    np.testing.assert_array_equal(linalg.eigvalsh(symmetric, UPLO="u").numpy(),
                                  linalg.eigvalsh(symmetric, UPLO="U").numpy())
    with pytest.raises(ValueError, match=r"solve: the batch dimensions of A \(2, 3, 3\) and "
                                         r"B \(3, 3, 2\) do not broadcast"):
        linalg.solve(Tensor(np.eye(3)[None].repeat(2, 0)), Tensor(np.ones((3, 3, 2))))
    with pytest.raises(ValueError, match=r"matrix_rank: A must be a batch of square"):
        linalg.matrix_rank(Tensor(np.ones((2, 3))), hermitian=True)


def test_range_and_tuple_index_items_are_advanced_indices_as_torch():
    b = np.arange(18.0).reshape(2, 3, 3)
    x = Tensor(b, requires_grad=True)
    picked = x[1, :, range(3)]        # torch: x[1][:, [0, 1, 2]] (numpy: picks axis first)
    np.testing.assert_array_equal(picked.numpy(), b[1])
    (picked * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[1], np.arange(9.0).reshape(3, 3))
    assert x[0, :, (0, 1)].shape == (3, 2) and x[0, :, [0, 1]].shape == (3, 2)
    y = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y[:, (0, 0)].sum().backward()                    # a repeated position accumulates
    np.testing.assert_array_equal(y.grad.numpy(), [[2, 0, 0], [2, 0, 0]])
    z = tg.zeros(2, 3, 3)
    z[0, :, range(3)] = Tensor(np.arange(9.0, dtype=np.float32).reshape(3, 3))
    np.testing.assert_array_equal(z.numpy()[0], np.arange(9.0).reshape(3, 3))


@pytest.mark.parametrize("value, match", [
    (None, "cannot write a NoneType into a float32 tensor"),
    ("a", "cannot write a str into a float32 tensor"),
    (1j, "cannot write a complex into a float32 tensor"),
])
def test_setitem_refuses_values_that_are_not_numbers(value, match):
    x = tg.zeros(2, 3)
    with pytest.raises(TypeError, match=match):
        x[0] = value
    assert x.numpy().tolist() == [[0.0] * 3] * 2


def test_a_finite_number_beyond_a_float_dtype_is_refused_as_torch():
    x = tg.zeros(2)
    with pytest.raises(ValueError, match=r"setitem: the value 1e\+39 does not fit in float32"):
        x[0] = 1e39
    with pytest.raises(ValueError, match=r"fill_: the value 100000.0 does not fit in float16 "
                                         r"\(it would be inf; the largest is 65504\)"):
        tg.zeros(2).half().fill_(1e5)
    x[0] = float("inf")                              # inf itself is a float32 value
    assert x.tolist() == [float("inf"), 0.0]
    with np.errstate(over="ignore"):                          # (numpy warns of the cast)
        assert (tg.ones(1) * 1e39).tolist() == [float("inf")]  # arithmetic overflows, as torch
