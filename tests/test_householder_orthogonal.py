"""linalg.householder_product / geqrf, and nn.utils.parametrizations.orthogonal."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.utils.parametrizations import orthogonal
from tinygrad_edu import Tensor, gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def _reflections(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """H_1 ... H_k E from the definition, one explicit m x m matrix per reflection."""
    m, n = a.shape
    q = np.eye(m)
    for i, t in enumerate(tau):
        v = np.concatenate([np.zeros(i), [1.0], a[i + 1:, i]])
        q = q @ (np.eye(m) - t * np.outer(v, v))
    return q[:, :n]


@pytest.mark.parametrize("m, n, k", [(4, 3, 3), (4, 3, 1), (3, 3, 3), (5, 2, 0), (1, 1, 1)])
def test_householder_product_is_the_product_of_the_reflections(m, n, k):
    a, tau = RNG.standard_normal((m, n)), RNG.standard_normal(k)
    out = tg.linalg.householder_product(Tensor(a), Tensor(tau))
    np.testing.assert_allclose(out.data, _reflections(a, tau), rtol=1e-12, atol=1e-14)
    batch = tg.orgqr(Tensor(np.stack([a, 2 * a])), Tensor(np.stack([tau, tau / 2])))
    np.testing.assert_allclose(batch.data[1], _reflections(2 * a, tau / 2), atol=1e-12)
    args = [Tensor(a, requires_grad=True), Tensor(tau, requires_grad=True)]
    assert gradcheck(tg.linalg.householder_product, args)
    assert gradgradcheck(tg.linalg.householder_product, args)


def test_geqrf_is_lapacks_compact_qr():
    a = RNG.standard_normal((2, 5, 3))
    reflectors, tau = tg.geqrf(Tensor(a))
    q = tg.linalg.householder_product(reflectors, tau).data
    r = np.triu(reflectors.data)[:, :3]
    np.testing.assert_allclose(q @ r, a, atol=1e-13)               # A = Q R
    np.testing.assert_allclose(np.swapaxes(q, 1, 2) @ q, np.broadcast_to(np.eye(3), (2, 3, 3)),
                               atol=1e-14)


def test_householder_product_errors():
    with pytest.raises(ValueError, match=r"householder_product: A must be a batch of matrices "
                       r"\(\.\.\., m, n\) with m >= n, got shape \(2, 3\)"):
        tg.linalg.householder_product(tg.zeros(2, 3), tg.zeros(2))
    with pytest.raises(ValueError, match=r"tau must have shape \(\.\.\., k\) with the batch of "
                       r"A \(\) and k <= n = 2, got \(3,\)"):
        tg.linalg.householder_product(tg.zeros(3, 2), tg.zeros(3))
    with pytest.raises(TypeError, match="one floating point dtype"):
        tg.linalg.householder_product(tg.zeros(3, 2), tg.zeros(2, dtype=tg.float64))


def _holder(weight: np.ndarray) -> nn.Module:
    module = nn.Module()
    module.weight = nn.Parameter(Tensor(weight.copy()))
    return module


def _is_orthonormal(q: np.ndarray) -> bool:
    n, k = q.shape[-2:]
    gram = np.swapaxes(q, -1, -2) @ q if n >= k else q @ np.swapaxes(q, -1, -2)
    return np.allclose(gram, np.eye(min(n, k)), atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder", None])
def test_the_weight_stays_orthogonal_while_it_trains(shape, orthogonal_map):
    tg.manual_seed(0)
    module = orthogonal(_holder(RNG.standard_normal(shape)), orthogonal_map=orthogonal_map)
    assert _is_orthonormal(module.weight.data)                  # at once: base = QR's Q
    optimizer = nn.optim.SGD(module.parameters(), lr=0.1)
    target = Tensor(RNG.standard_normal(shape))
    for _ in range(3):
        optimizer.zero_grad()
        loss = ((module.weight - target) ** 2).sum()
        loss.backward()
        optimizer.step()
    assert _is_orthonormal(module.weight.data)
    assert module.parametrizations.weight.original.grad.data.any()
    assert list(module.state_dict()) == ["parametrizations.weight.original",
                                         "parametrizations.weight.0.base"]


def test_an_orthogonal_weight_keeps_its_value_and_can_be_assigned():
    q = np.linalg.qr(RNG.standard_normal((4, 4)))[0]
    q *= np.sign(np.diag(np.linalg.qr(q)[1]))                      # (QR's R >= 0 form)
    module = orthogonal(_holder(q))
    np.testing.assert_allclose(module.weight.data, q, atol=1e-14)   # base = q, original = -I
    np.testing.assert_array_equal(module.parametrizations.weight.original.data, -np.eye(4))
    other = np.linalg.qr(RNG.standard_normal((4, 4)))[0]
    module.weight = Tensor(other)
    np.testing.assert_allclose(module.weight.data, other, atol=1e-14)
    plain = orthogonal(_holder(RNG.standard_normal((3, 3))), orthogonal_map="cayley",
                       use_trivialization=False)
    assert "base" not in plain.parametrizations.weight[0]._buffers   # original kept as it is
    with pytest.raises(NotImplementedError, match="the cayley map cannot be assigned to when "
                       "use_trivialization=False"):
        plain.weight = Tensor(other[:3, :3])


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="orthogonal: expected a matrix or batch of matrices, "
                       "got a tensor of 1 dimensions"):
        orthogonal(nn.Linear(2, 3), "bias")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of 'matrix_exp', "
                       "'cayley', 'householder', got 'qr'"):
        orthogonal(nn.Linear(2, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="orthogonal: Linear has no parameter or buffer named "
                       "'kernel'"):
        orthogonal(nn.Linear(2, 3), "kernel")


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("use_trivialization", [True, False])
def test_orthogonal_matches_torch(shape, orthogonal_map, use_trivialization):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.parametrizations import orthogonal as torch_orthogonal
    weight, grad = RNG.standard_normal(shape), RNG.standard_normal(shape)
    ours = orthogonal(_holder(weight), "weight", orthogonal_map,
                      use_trivialization=use_trivialization)
    theirs = torch.nn.Module()
    theirs.weight = torch.nn.Parameter(torch.tensor(weight))
    torch_orthogonal(theirs, "weight", orthogonal_map, use_trivialization=use_trivialization)
    original = theirs.parametrizations.weight.original
    x = RNG.standard_normal(tuple(original.shape)) * 0.3       # the same point, diagonal kept
    i = np.arange(min(shape[-2:]))
    x[..., i, i] = original.detach().numpy()[..., i, i]
    with torch.no_grad():
        original.copy_(torch.tensor(x))
    ours.parametrizations.weight.original.data[...] = x
    if use_trivialization:             # (its random completion of a non-square base is torch's)
        ours.parametrizations.weight[0].base = Tensor(theirs.parametrizations.weight[0].base
                                                      .numpy())
    (theirs.weight * torch.tensor(grad)).sum().backward()
    (ours.weight * Tensor(grad)).sum().backward()
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad.data,
                               original.grad.numpy(), atol=1e-10)
