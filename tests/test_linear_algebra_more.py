"""einsum and the products built on it (linear_algebra_more.py): values against numpy and
hand-worked numbers, gradients by finite differences (first and second order), the
errors. The Einsum primitive's own gradient cases are in tests/gradcases/einsum.py.

Only the tests named *_torch use torch (skipped without it).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck, gradgradcheck
from tinygrad_edu.linear_algebra_more import (addmm, baddbmm, cdist, dist, einsum, inner, kron,
                                              tensordot)

RNG = np.random.default_rng(7)


def rand(*shape: int, requires_grad: bool = True, seed: int | None = None) -> Tensor:
    rng = RNG if seed is None else np.random.default_rng(seed)
    return Tensor(rng.standard_normal(shape), requires_grad=requires_grad)


def check_grads(fn, inputs) -> None:
    assert gradcheck(fn, inputs) and gradgradcheck(fn, inputs)


# ---------------------------------------------------------------- einsum
EQUATIONS = [  # (equation, shapes, numpy's equation when it differs)
    ("ij,jk->ik", [(2, 3), (3, 4)], None),
    ("ii->", [(3, 3)], None),
    ("ii->i", [(4, 4)], None),
    ("bii->bi", [(2, 3, 3)], None),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)], None),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)], None),
    ("b...a", [(2, 4, 3)], None),
    ("ij,jk", [(2, 3), (3, 4)], None),
    ("ba", [(2, 3)], None),
    ("aB", [(2, 3)], None),                   # implicit output sorted: uppercase first
    ("ij,jk->ik", [(2, 1), (3, 4)], None),    # j broadcasts
    (" i j , j k -> i k ", [(2, 3), (3, 4)], "ij,jk->ik"),
    (",i->i", [(), (3,)], None),
    ("ij,jk->ik", [(2, 0), (0, 3)], None),
]


@pytest.mark.parametrize("equation, shapes, numpy_equation", EQUATIONS,
                         ids=[e[0] for e in EQUATIONS])
def test_einsum_values_match_numpy(equation, shapes, numpy_equation):
    ops = [rand(*s, requires_grad=False) for s in shapes]
    out = einsum(equation, *ops)
    expected = np.einsum(numpy_equation or equation, *[o.data for o in ops])
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


def test_einsum_hand_values_and_gradients():
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    trace = einsum("ii->", a)
    assert trace.item() == 5.0
    trace.backward()
    np.testing.assert_array_equal(a.grad.data, np.eye(2))      # the gradient of a trace is I
    a.grad = None
    diagonal = einsum("ii->i", a)
    assert diagonal.tolist() == [1.0, 4.0]
    (diagonal * Tensor([10.0, 20.0], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[10.0, 0.0], [0.0, 20.0]])    # diag(g)
    a.grad = None
    einsum("ij->i", a).sum().backward()                       # j only in a: expanded
    np.testing.assert_array_equal(a.grad.data, np.ones((2, 2)))


def test_einsum_gradient_is_the_matmul_rule():
    a, b = rand(3, 4), rand(4, 2)
    g = rand(3, 2, requires_grad=False)
    grad_a, grad_b = tg.grad(einsum("ij,jk->ik", a, b), [a, b], g)
    np.testing.assert_allclose(grad_a.data, g.data @ b.data.T, rtol=1e-12)
    np.testing.assert_allclose(grad_b.data, a.data.T @ g.data, rtol=1e-12)


def test_einsum_calling_forms_agree():
    a, b = rand(2, 3, requires_grad=False), rand(3, 4, requires_grad=False)
    expected = a.data @ b.data
    for out in (einsum("ij,jk->ik", [a, b]), einsum("ij,jk->ik", (a, b)),
                einsum(a, [0, 1], b, [1, 2], [0, 2]), einsum(a, [0, 1], b, [1, 2]),
                einsum("ij,jk->ik", a.data, b.data)):
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    c = rand(5, 2, 3, requires_grad=False)
    np.testing.assert_allclose(einsum(c, [..., 0, 1], b, [1, 2], [..., 0, 2]).data,
                               c.data @ b.data, rtol=1e-12)


def test_einsum_dtypes():
    ints = Tensor(np.arange(6).reshape(2, 3))
    out = einsum("ij,kj->ik", ints, ints)
    assert out.dtype == np.int64 and out.tolist() == [[5, 14], [14, 50]]
    f32 = einsum("i,i->", Tensor([1.0, 2.0]), Tensor([3.0, 4.0]))
    assert f32.dtype == np.float32 and f32.item() == 11.0


def test_einsum_second_derivative_by_hand():
    """d^2/dx^2 of x^T A x is A + A^T, through the VJP einsums (create_graph)."""
    a = Tensor(np.array([[1.0, 2.0], [0.5, -1.0]]))
    x = Tensor(np.array([0.3, -0.7]), requires_grad=True)
    (g,) = tg.grad(einsum("i,ij,j->", x, a, x), [x], create_graph=True)
    rows = [tg.grad(g[i], [x], retain_graph=True)[0].data for i in range(2)]
    np.testing.assert_allclose(rows, a.data + a.data.T, rtol=1e-12)


EINSUM_ERRORS = [
    ("ij->", [(3,)], ValueError, r"einsum: operand 0 has 1 dimensions .* name 2 and there is "
                                 r"no '\.\.\.'"),
    ("i->", [(3,), (3,)], ValueError, "1 operand.* but 2 were given"),
    ("i,i->", [(3,)], ValueError, "2 operand.* but 1 were given"),
    ("i->ii", [(3,)], ValueError, "output subscript i appears more than once"),
    ("i->j", [(3,)], ValueError, "output subscript j does not appear"),
    ("i1->", [(3,)], ValueError, "invalid subscript '1'"),
    ("i->->", [(3,)], ValueError, "more than one '->'"),
    ("i.->", [(3, 2)], ValueError, r"'\.' may only appear as one '\.\.\.'"),
    ("...i...->", [(3, 2)], ValueError, r"'\.' may only appear as one '\.\.\.'"),
    ("i,i->", [(3,), (4,)], ValueError, r"subscript i has size 4 in operand 1 \(shape \(4,\)\), "
                                        "which does not broadcast with size 3"),
    ("ii->i", [(1, 3)], ValueError, "subscript i is repeated in operand 0 .* sizes 1 and 3"),
    ("...i,...i->...", [(2, 3), (4, 3)], ValueError, r"a dimension covered by '\.\.\.' has "
                                                     "size 4"),
]


@pytest.mark.parametrize("equation, shapes, error, message", EINSUM_ERRORS,
                         ids=[e[0] + str(e[1]) for e in EINSUM_ERRORS])
def test_einsum_errors(equation, shapes, error, message):
    with pytest.raises(error, match=message):
        einsum(equation, *[rand(*s, requires_grad=False) for s in shapes])


def test_einsum_argument_errors():
    with pytest.raises(TypeError, match="einsum: expected an equation"):
        einsum()
    with pytest.raises(TypeError, match="at least one operand"):
        einsum("->")
    with pytest.raises(TypeError, match="one dtype, got float32, float64"):
        einsum("i,i->", Tensor([1.0]), Tensor(np.array([1.0])))
    with pytest.raises(TypeError, match="'i,i->' sums products of bool tensors"):
        einsum("i,i->", Tensor([True]), Tensor([True]))
    # as torch: a single operand summed is a sum (small integers and bools give int64),
    # products without a sum stay in the dtype
    assert einsum("i->", Tensor([True, True, False])).tolist() == 2
    summed = einsum("ij->", Tensor(np.full((2, 2), 200, np.uint8)))
    assert summed.dtype == np.int64 and summed.item() == 800
    both = einsum("ij,ij->ij", Tensor([[True, False]]), Tensor([[True, True]]))
    assert both.dtype == np.bool_ and both.tolist() == [[True, False]]
    with pytest.raises(ValueError, match=r"subscript 60 .* not an int in \[0, 52\)"):
        einsum(Tensor([1.0]), [60])


# ---------------------------------------------------------------- tensordot, inner
@pytest.mark.parametrize("shapes, dims", [
    (((2, 3, 4), (3, 4, 5)), 2), (((2, 3, 4), (4, 5)), 1), (((2, 3), (4, 1)), 0),
    (((2, 3, 4), (4, 3, 5)), ([1, 2], [1, 0])), (((2, 3, 4), (4, 3, 5)), ([-1], [0])),
    (((3,), (3,)), 1), (((2, 0), (0, 3)), 1)])
def test_tensordot_matches_numpy_and_differentiates(shapes, dims):
    a, b = rand(*shapes[0]), rand(*shapes[1])
    expected = np.tensordot(a.data, b.data, dims)
    np.testing.assert_allclose(tensordot(a, b, dims).data, expected, rtol=1e-12, atol=1e-12)
    check_grads(lambda x, y: tensordot(x, y, dims), [a, b])


def test_tensordot_dims_as_a_tensor_and_errors():
    a, b = rand(2, 3, 4, requires_grad=False), rand(4, 3, 5, requires_grad=False)
    np.testing.assert_allclose(tensordot(a, b, Tensor([[2], [0]])).data,
                               np.tensordot(a.data, b.data, ([2], [0])), rtol=1e-12)
    with pytest.raises(ValueError, match="tensordot: expects dims >= 0"):
        tensordot(a, b, -1)
    with pytest.raises(ValueError, match="dims=4 is more than"):
        tensordot(a, b, 4)
    with pytest.raises(ValueError, match=r"contracted dimensions need to match, but the first "
                                         r"\(shape \(2, 3, 4\)\) has size 3 in dim 1"):
        tensordot(a, b, ([1], [0]))
    with pytest.raises(ValueError, match="same length"):
        tensordot(a, b, ([1, 2], [1]))
    with pytest.raises(ValueError, match="appears more than once"):
        tensordot(a, b, ([2, 2], [0, 0]))
    with pytest.raises(TypeError, match="an int or a pair of lists"):
        tensordot(a, b, (2, 0))
    with pytest.raises(IndexError, match="tensordot: dimension 3 is out of range"):
        tensordot(a, b, ([3], [0]))


def test_inner():
    a, b = rand(2, 3), rand(4, 3)
    np.testing.assert_allclose(inner(a, b).data, np.inner(a.data, b.data), rtol=1e-12)
    check_grads(inner, [a, b])
    s = rand()
    np.testing.assert_allclose(inner(s, b).data, s.data * b.data)
    check_grads(inner, [s, b])
    assert a.inner(b).shape == (2, 4)
    assert inner(a, Tensor(2)).tolist() == (2 * a).tolist()     # torch's example: int 0-d
    with pytest.raises(ValueError, match=r"inner: the last dimension must match .* \(2, 3\) "
                                         r"and \(4, 2\)"):
        inner(a, rand(4, 2))
    with pytest.raises(TypeError, match="inner: both inputs must have the same dtype"):
        inner(a, Tensor(np.ones(3, np.float32)))


# ---------------------------------------------------------------- addmm, baddbmm
def test_addmm_values_broadcast_and_gradients():
    x, m1, m2 = rand(2, 1), rand(2, 3), rand(3, 4)
    out = addmm(x, m1, m2, beta=0.5, alpha=-2.0)
    np.testing.assert_allclose(out.data, 0.5 * x.data - 2.0 * m1.data @ m2.data, rtol=1e-12)
    check_grads(lambda *t: addmm(*t, beta=0.5, alpha=-2.0), [x, m1, m2])
    check_grads(addmm, [rand(4), m1, m2])
    np.testing.assert_allclose(x.addmm(m1, m2).data, x.data + m1.data @ m2.data, rtol=1e-12)


def test_addmm_beta_zero_ignores_input():
    x = Tensor(np.array([[np.nan, np.inf]]), requires_grad=True)
    m1, m2 = Tensor(np.ones((1, 2))), Tensor(np.ones((2, 2)))
    out = addmm(x, m1, m2, beta=0)
    assert out.tolist() == [[2.0, 2.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0]]                 # torch: a zero gradient


def test_baddbmm():
    x, b1, b2 = rand(3, 1, 4), rand(3, 2, 5), rand(3, 5, 4)
    out = baddbmm(x, b1, b2, beta=2, alpha=0.5)
    np.testing.assert_allclose(out.data, 2 * x.data + 0.5 * b1.data @ b2.data, rtol=1e-12)
    check_grads(lambda *t: baddbmm(*t, beta=2, alpha=0.5), [x, b1, b2])
    assert x.baddbmm(b1, b2).shape == (3, 2, 4)


def test_addmm_errors():
    m = rand(2, 2, requires_grad=False)
    with pytest.raises(ValueError, match=r"addmm: input of shape \(3, 2\) does not broadcast "
                                         r"to the shape \(2, 2\)"):
        addmm(rand(3, 2), m, m)
    with pytest.raises(ValueError, match=r"addmm: input of shape \(1, 2, 2\)"):
        addmm(rand(1, 2, 2), m, m)
    with pytest.raises(TypeError, match="addmm: input and the matrices must have the same "
                                        "dtype, got float32 and float64"):
        addmm(Tensor(np.ones(2, np.float32)), m, m)
    with pytest.raises(ValueError, match="mm: expects two 2-D tensors"):
        addmm(m, rand(2), m)
    with pytest.raises(TypeError):
        addmm(m, m, m, 1, 1)                               # beta and alpha are keywords
    with pytest.raises(ValueError, match="bmm: shapes"):
        baddbmm(rand(2), rand(3, 2, 2), rand(2, 2, 2))


# ---------------------------------------------------------------- kron
def test_kron_values_and_gradients():
    a = Tensor(np.array([[1, 2], [3, 4]]))
    b = Tensor(np.array([1, 10]))
    assert kron(a, b).tolist() == [[1, 10, 2, 20], [3, 30, 4, 40]]
    for sa, sb in [((2, 3), (3, 2)), ((2,), (2, 1, 3)), ((), (3,)), ((1, 2), (0, 2))]:
        x, y = rand(*sa), rand(*sb)
        np.testing.assert_allclose(kron(x, y).data, np.kron(x.data, y.data), rtol=1e-12)
        check_grads(kron, [x, y])
    assert a.kron(b).shape == (2, 4)
    assert kron(Tensor([2.0]), Tensor(np.array([1.0]))).dtype == np.float64


# ---------------------------------------------------------------- cdist, dist
def slow_cdist(x1: np.ndarray, x2: np.ndarray, p: float) -> np.ndarray:
    """A loop over the pairs of points (no batch dims)."""
    out = np.zeros((len(x1), len(x2)))
    for i, u in enumerate(x1):
        for j, v in enumerate(x2):
            d = np.abs(u - v)
            out[i, j] = (d.max() if np.isinf(p) else np.count_nonzero(d) if p == 0
                         else (d ** p).sum() ** (1 / p))
    return out


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, np.inf, 0.0])
def test_cdist_matches_a_loop(p):
    x1, x2 = rand(4, 3), rand(5, 3)
    np.testing.assert_allclose(cdist(x1, x2, p).data, slow_cdist(x1.data, x2.data, p),
                               rtol=1e-12)
    if p != 0:
        check_grads(lambda a, b: cdist(a, b, p), [x1, x2])


def test_cdist_matmul_path_is_exact_enough_and_differentiates():
    offset = 1e4                                    # far from the origin: centering matters
    x1, x2 = rand(30, 3), rand(4, 3)
    x1.data += offset
    x2.data += offset
    expected = slow_cdist(x1.data, x2.data, 2)
    by_matmul = cdist(x1, x2)                       # 30 > 25 points: the matmul formula
    np.testing.assert_allclose(by_matmul.data, expected, rtol=1e-9)
    np.testing.assert_allclose(cdist(x1, x2, compute_mode="donot_use_mm_for_euclid_dist").data,
                               expected, rtol=1e-12)
    small1, small2 = rand(3, 2), rand(4, 2)
    check_grads(lambda a, b: cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                [small1, small2])


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"])
def test_cdist_at_zero_distance_has_zero_gradient(mode):
    x = Tensor(np.array([[1.0, 2.0], [0.0, 0.0]]), requires_grad=True)
    out = cdist(x, x.detach(), compute_mode=mode)
    assert out.data[0, 0] == 0 and out.data[1, 1] == 0
    out[0, 0].backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_cdist_batches_broadcast():
    x1, x2 = rand(2, 1, 3, 2), rand(4, 5, 2)
    out = cdist(x1, x2)
    assert out.shape == (2, 4, 3, 5)
    np.testing.assert_allclose(out.data[1, 2], slow_cdist(x1.data[1, 0], x2.data[2], 2),
                               rtol=1e-12)
    check_grads(cdist, [rand(2, 1, 2, 2), rand(3, 2, 2)])
    assert cdist(rand(0, 3), rand(4, 3)).shape == (0, 4)


def test_cdist_errors():
    a = rand(2, 3, requires_grad=False)
    with pytest.raises(ValueError, match=r"cdist: expects tensors of at least 2 dims .* x1 has "
                                         r"shape \(3,\)"):
        cdist(rand(3), a)
    with pytest.raises(ValueError, match="same number of columns"):
        cdist(a, rand(4, 2))
    with pytest.raises(ValueError, match="non-negative p"):
        cdist(a, a, p=-1)
    with pytest.raises(TypeError, match="cdist: only supports floating point tensors, x1 has "
                                        "dtype int64"):
        cdist(Tensor(np.ones((2, 3), np.int64)), a)
    with pytest.raises(TypeError, match="same dtype"):
        cdist(a, Tensor(np.ones((2, 3), np.float32)))
    with pytest.raises(ValueError, match="batch dims"):
        cdist(rand(5, 2, 3), rand(7, 4, 3))
    with pytest.raises(ValueError, match="not a valid value for compute_mode"):
        cdist(a, a, compute_mode="foo")


def test_dist():
    a, b = Tensor([1.0, 2.0]), Tensor([4.0, 6.0])
    assert dist(a, b).item() == 5.0 and dist(a, b, 1).item() == 7.0
    assert a.dist(b, np.inf).item() == 4.0
    x, y = rand(2, 3), rand(3)
    np.testing.assert_allclose(dist(x, y).data, np.linalg.norm(x.data - y.data), rtol=1e-12)
    check_grads(dist, [x, y])
    check_grads(lambda u, v: dist(u, v, 3), [x, y])
    with pytest.raises(TypeError, match="norm: expects a floating point tensor"):
        dist(Tensor([1, 2]), Tensor([3, 4]))
    with pytest.raises(TypeError, match="dist: p must be a number"):
        dist(a, b, "fro")


# ---------------------------------------------------------------- edge shapes
EDGE_CASES = {  # id: (function, input shapes): 0-d, size-1 and empty axes, random shapes
    "tensordot-0d": (lambda a, b: tensordot(a, b, 0), [(), (2, 1)]),
    "tensordot-size1": (lambda a, b: tensordot(a, b, 2), [(3, 1, 2), (1, 2, 1)]),
    "inner-size1": (inner, [(1, 3), (2, 1, 3)]),
    "inner-empty": (inner, [(0, 2), (3, 2)]),
    "addmm-empty-k": (addmm, [(2, 3), (2, 0), (0, 3)]),
    "addmm-0d-input": (addmm, [(), (1, 2), (2, 1)]),
    "baddbmm-size1": (baddbmm, [(1,), (1, 2, 1), (1, 1, 3)]),
    "kron-0d-0d": (kron, [(), ()]),
    "cdist-size1": (cdist, [(1, 1, 2), (3, 2)]),
    "cdist-empty": (cdist, [(0, 2), (3, 2)]),
    "cdist-p1-empty-cols": (lambda a, b: cdist(a, b, 1.0), [(2, 0), (3, 0)]),
    "dist-0d": (dist, [(), ()]),
    "dist-empty": (dist, [(0, 3), (3,)]),
}
for _i in range(3):
    _n, _k, _m = (int(s) for s in RNG.integers(1, 4, 3))
    EDGE_CASES[f"addmm-rand{_i}"] = (addmm, [(_n, 1), (_n, _k), (_k, _m)])
    EDGE_CASES[f"kron-rand{_i}"] = (kron, [tuple(RNG.integers(1, 3, _i + 1)), (_k, _m)])


@pytest.mark.parametrize("fn, shapes", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_gradients_on_edge_shapes(fn, shapes):
    check_grads(fn, [rand(*s) for s in shapes])


# ---------------------------------------------------------------- against torch (optional)
def test_einsum_and_products_against_torch():
    torch = pytest.importorskip("torch")
    for equation, shapes, _ in EQUATIONS:
        ops = [rand(*s) for s in shapes]
        tops = [torch.tensor(o.data, requires_grad=True) for o in ops]
        out, expected = einsum(equation, *ops), torch.einsum(equation, *tops)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
        g = np.random.default_rng(0).standard_normal(out.shape)
        grads = tg.grad(out, ops, Tensor(g))
        expected_grads = torch.autograd.grad(expected, tops, torch.tensor(g))
        for ours, theirs in zip(grads, expected_grads):
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)
    a, b = rand(2, 3, 4), rand(4, 3, 5)
    ta, tb = torch.tensor(a.data), torch.tensor(b.data)
    pairs = [(tensordot(a, b, ([1, 2], [1, 0])), torch.tensordot(ta, tb, ([1, 2], [1, 0]))),
             (inner(a, a), torch.inner(ta, ta)), (kron(a, b), torch.kron(ta, tb)),
             (dist(a, a[0], 3), torch.dist(ta, ta[0], 3))]
    x, m1, m2 = rand(3, 1), rand(3, 2), rand(2, 5)
    pairs.append((addmm(x, m1, m2, beta=0.3, alpha=2),
                  torch.addmm(*(torch.tensor(t.data) for t in (x, m1, m2)), beta=0.3, alpha=2)))
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_cdist_against_torch():
    torch = pytest.importorskip("torch")
    for p in (2.0, 1.0, 0.5, 3.0, np.inf, 0.0):
        for n in (3, 30):                             # 30: torch and we use the matmul formula
            x1, x2 = rand(2, n, 4), rand(2, 5, 4)
            t1, t2 = (torch.tensor(t.data, requires_grad=True) for t in (x1, x2))
            out, expected = cdist(x1, x2, p), torch.cdist(t1, t2, p)
            np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-9)
            if p:
                g = np.random.default_rng(1).standard_normal(out.shape)
                ours = tg.grad(out, [x1, x2], Tensor(g))
                theirs = torch.autograd.grad(expected, [t1, t2], torch.tensor(g))
                for o, t in zip(ours, theirs):
                    np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-8, atol=1e-10)


def test_linalg_inv_solve_and_vector_norm():
    A = tg.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=tg.float64)
    np.testing.assert_allclose(tg.linalg.inv(A).data, np.array([[3, -1], [-1, 2]]) / 5,
                               rtol=1e-15)
    assert tg.inverse(A).tolist() == A.inverse().tolist() == tg.linalg.inv(A).tolist()
    b = tg.tensor([3.0, 5.0], dtype=tg.float64)
    np.testing.assert_allclose(tg.linalg.solve(A, b).data, [0.8, 1.4], rtol=1e-15)  # A x = b
    X = tg.linalg.solve(A, tg.eye(2, dtype=tg.float64) * 5, left=False)             # X A = 5 I
    np.testing.assert_allclose(X.data, [[3, -1], [-1, 2]], rtol=1e-14)
    assert tg.linalg.vector_norm(tg.tensor([3.0, -4.0]), ord=1).item() == 7.0
    with pytest.raises(ValueError, match=r"solve: A must be a batch of square matrices "
                                         r"\(\.\.\., n, n\), got shape \(2, 3\)"):
        tg.linalg.solve(tg.ones(2, 3), tg.ones(2))
    with pytest.raises(ValueError, match=r"solve: A \(2, 2\) needs B with 2 rows, got shape"):
        tg.linalg.solve(A, tg.ones(3, 1, dtype=tg.float64))
    with pytest.raises(TypeError, match="inv: A must be floating point, got int64"):
        tg.linalg.inv(tg.eye(2, dtype=tg.int64))


def test_linalg_det_and_slogdet():
    A = tg.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=tg.float64, requires_grad=True)
    assert tg.linalg.det(A).item() == pytest.approx(5.0, rel=1e-15)
    tg.linalg.det(A).backward()                           # Jacobi: det(A) A^-T = adj(A)^T
    np.testing.assert_allclose(A.grad.data, [[3.0, -1.0], [-1.0, 2.0]], rtol=1e-14)
    sign, logabsdet = tg.linalg.slogdet(tg.tensor([[0.0, 2.0], [3.0, 0.0]]))
    assert sign.item() == -1.0 and logabsdet.item() == pytest.approx(np.log(6.0))
    big = tg.eye(300, dtype=tg.float64) * 10               # det = 1e300 * 1e... overflows
    assert tg.linalg.slogdet(big).logabsdet.item() == pytest.approx(300 * np.log(10.0))
    assert tg.tensor([[2.0, 0.0], [0.0, 4.0]]).det().item() == 8.0


def test_a_singular_matrix_is_an_error_naming_the_op():
    singular = [[1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(np.linalg.LinAlgError, match=r"inverse: a matrix of shape \(2, 2\) is "
                                                    "singular"):
        tg.linalg.inv(tg.tensor(singular))
    with pytest.raises(np.linalg.LinAlgError, match="solve: a matrix of shape"):
        tg.linalg.solve(tg.tensor(singular), tg.ones(2))
    a = tg.tensor(singular, dtype=tg.float64, requires_grad=True)
    with pytest.raises(np.linalg.LinAlgError, match="det/slogdet backward: a matrix"):
        tg.linalg.slogdet(a).logabsdet.backward()
    d = tg.linalg.det(a)
    assert d.item() == 0.0
    d.backward(retain_graph=True)          # the cofactors, also at a singular matrix
    np.testing.assert_allclose(a.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-14)
    with pytest.raises(np.linalg.LinAlgError, match=r"det backward with create_graph: a "
                                                    r"matrix of shape \(2, 2\) is singular"):
        tg.grad(d, a, create_graph=True)


def test_top_level_det_logdet_slogdet():
    A = tg.tensor([[2.0, 0.0], [0.0, 3.0]], dtype=tg.float64)
    assert tg.det(A).item() == pytest.approx(6.0) and A.logdet().item() == pytest.approx(np.log(6))
    assert np.isnan(tg.logdet(tg.tensor([[0.0, 2.0], [3.0, 0.0]])).item())   # det < 0
    assert tg.slogdet(A).sign.item() == 1.0


def test_linalg_norm_reads_orders_of_a_matrix_as_matrix_norms():
    A = tg.tensor([[0.1, -0.7, 0.4], [0.9, 0.2, -0.5]], dtype=tg.float64, requires_grad=True)
    assert tg.linalg.norm(A, 1).item() == pytest.approx(1.0)          # largest column sum
    assert tg.linalg.norm(A, -1).item() == pytest.approx(0.9)
    assert tg.linalg.norm(A, math.inf).item() == pytest.approx(1.6)   # largest row sum
    assert tg.linalg.norm(A, -math.inf).item() == pytest.approx(1.2)
    assert tg.linalg.norm(A).item() == pytest.approx(math.sqrt(1.76))  # Frobenius
    assert tg.linalg.norm(A, ord=1, dim=1).tolist() == pytest.approx([1.2, 1.6])  # vectors
    tg.linalg.norm(A, math.inf).backward()
    assert A.grad.tolist() == [[0, 0, 0], [1, 1, -1]]                  # sign of the max row
    stacked = tg.stack([A.detach(), 2 * A.detach()])
    assert tg.linalg.matrix_norm(stacked, 1, keepdim=True).shape == (2, 1, 1)
    assert tg.linalg.matrix_norm(stacked, 1).tolist() == pytest.approx([1.0, 2.0])
    assert tg.linalg.norm(stacked, 1, dim=(0, 2)).tolist() == pytest.approx([2.1, 2.7])
    assert tg.linalg.matrix_norm(tg.zeros(3, 0), 1).item() == 0.0          # as torch
    assert tg.linalg.matrix_norm(tg.zeros(2, 0, 0), math.inf).tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="matrix_norm: expected a floating point tensor"):
        tg.linalg.matrix_norm(tg.tensor([[1, -2], [3, 4]]), 1)
    with pytest.raises(ValueError, match="linalg.norm: ord='fro' is a matrix norm"):
        tg.linalg.norm(tg.ones(3), "fro")
    with pytest.raises(ValueError, match="linalg.norm: with ord given and no dim, A must be"):
        tg.linalg.norm(tg.ones(2, 2, 2), 1)


def test_linalg_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for shape in [(5,), (3, 4), (2, 3, 4)]:
        values = rng.standard_normal(shape)
        for ord in [None, 1, -1, math.inf, -math.inf, 3]:
            for dim in [None, -1, (0, 1), (-1, -2)]:
                try:
                    expected = torch.linalg.norm(torch.tensor(values), ord, dim).numpy()
                except (RuntimeError, IndexError):
                    continue
                found = tg.linalg.norm(tg.tensor(values), ord, dim).numpy()
                np.testing.assert_allclose(found, expected, rtol=1e-12)


def test_cross_and_vector_norm_refuse_what_torch_refuses():
    with pytest.raises(ValueError, match=r"cross: input \(4, 3\) and other \(3,\) must have the "
                                         "same number of dimensions"):
        tg.linalg.cross(tg.ones(4, 3), tg.tensor([1.0, 0.0, 0.0]))
    assert tg.linalg.cross(tg.ones(4, 1, 3), tg.ones(1, 2, 3)).shape == (4, 2, 3)
    with pytest.raises(TypeError, match="vector_norm: ord must be a number .* got 'fro' .'fro' "
                                        "and 'nuc' are for linalg.matrix_norm"):
        tg.linalg.vector_norm(tg.tensor([3.0, -4.0]), ord="fro")
    assert tg.linalg.vector_norm(tg.tensor([3.0, -4.0]), ord=np.float64(1)).item() == 7.0
