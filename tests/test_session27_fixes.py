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
