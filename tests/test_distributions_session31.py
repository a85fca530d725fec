"""Multinomial.entropy, kl_divergence(Binomial, Binomial), the base class's cdf/icdf and
Distribution.set_default_validate_args: each checked against sums over the support with
math.comb (no torch needed), and against torch when it is installed."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, gradcheck

D = tg.distributions


def t64(values, requires_grad: bool = False) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def multinomial_entropy(n: int, probs: list[float]) -> float:
    """-sum p(x) log p(x) over every count vector x with sum n, p(x) = n! prod p_k^x_k / x_k!"""
    total = 0.0
    for x in itertools.product(range(n + 1), repeat=len(probs)):
        if sum(x) == n:
            p = math.factorial(n) * math.prod(q ** k / math.factorial(k)
                                              for q, k in zip(probs, x))
            total -= p * math.log(p) if p > 0 else 0.0
    return total


def binomial_kl(n: int, p: float, q: float) -> float:
    """sum_k P(k) log(P(k) / Q(k)) over k = 0..n, for P = Binomial(n, p), Q = Binomial(n, q)."""
    total = 0.0
    for k in range(n + 1):
        pk, qk = (math.comb(n, k) * r ** k * (1 - r) ** (n - k) for r in (p, q))
        total += 0.0 if pk == 0 else math.inf if qk == 0 else pk * math.log(pk / qk)
    return total


BATCH = [[0.2, 0.3, 0.5], [0.7, 0.2, 0.1], [0.0, 0.4, 0.6], [1.0, 0.0, 0.0]]


@pytest.mark.parametrize("n", [0, 1, 3, 6])
def test_multinomial_entropy_sums_over_every_count_vector(n):
    ours = D.Multinomial(n, probs=t64(BATCH)).entropy()
    assert ours.shape == (4,)
    np.testing.assert_allclose(ours.numpy(), [multinomial_entropy(n, p) for p in BATCH],
                               rtol=1e-10, atol=1e-12)
    two_by_two = D.Multinomial(n, probs=t64(BATCH).reshape(2, 2, 3)).entropy()
    np.testing.assert_allclose(two_by_two.numpy().ravel(), ours.numpy(), rtol=1e-12)
    assert D.Multinomial(3, probs=[0.25, 0.75]).entropy().item() == \
        pytest.approx(multinomial_entropy(3, [0.25, 0.75]), rel=1e-6)      # float32


def test_multinomial_entropy_gradient():
    logits = t64([[0.3, -1.0, 0.5, 2.0], [0.0, 0.0, 1.0, -2.0]], requires_grad=True)
    assert gradcheck(lambda z: D.Multinomial(4, logits=z).entropy(), [logits])


def test_multinomial_entropy_matches_torch():
    """torch takes log n! as torch.lgamma of an int64 tensor, which is float32 (an error of
    up to 6e-7 at n = 20); with that term in float64 the two agree to 1e-10."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(31)
    for n, shape in ((1, (5,)), (4, (3, 2)), (7, (2, 3, 4)), (2, (1, 6)), (20, (3, 3))):
        probs = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]).reshape(shape)
        theirs = torch.distributions.Multinomial(n, probs=torch.tensor(probs)).entropy()
        log_factorial_error = torch.lgamma(torch.tensor(n) + 1).item() - math.lgamma(n + 1)
        ours = D.Multinomial(n, probs=t64(probs)).entropy()
        np.testing.assert_allclose(ours.numpy(), theirs.numpy() + log_factorial_error,
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p, q", [(0.3, 0.6), (0.9, 0.05), (0.0, 0.6), (1.0, 0.6), (0.3, 0.0),
                                  (0.3, 1.0), (0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0)])
def test_binomial_kl_sums_over_the_support(p, q):
    ours = D.kl_divergence(D.Binomial(5, t64(p)), D.Binomial(5, t64(q))).item()
    assert ours == pytest.approx(binomial_kl(5, p, q), rel=1e-12, abs=1e-14)


def test_binomial_kl_total_counts_and_logits():
    kl = D.kl_divergence(D.Binomial(t64([5, 3, 0]), t64([0.3, 0.3, 0.3])),
                         D.Binomial(t64([3, 3, 0]), logits=t64([0.2, 0.2, -50.0])))
    q = 1 / (1 + math.exp(-0.2))
    np.testing.assert_allclose(kl.numpy(), [math.inf, binomial_kl(3, 0.3, q), 0.0], rtol=1e-12)
    with pytest.raises(NotImplementedError, match="Binomial.*p.total_count >= q.total_count"):
        D.kl_divergence(D.Binomial(3, t64(0.3)), D.Binomial(5, t64(0.6)))


def test_binomial_kl_gradient():
    p, q = t64([0.2, 0.5, 0.9], requires_grad=True), t64([0.6, 0.1, 0.4], requires_grad=True)
    assert gradcheck(lambda a, b: D.kl_divergence(D.Binomial(4, a), D.Binomial(4, b)), [p, q])


def test_binomial_kl_matches_torch():
    torch = pytest.importorskip("torch")
    td = torch.distributions
    n, p, q = [5.0, 3.0, 4.0], [0.3, 0.8, 0.01], [0.6, 0.2, 0.5]
    theirs = td.kl_divergence(td.Binomial(torch.tensor([5.0, 3.0, 4.0], dtype=torch.float64),
                                          torch.tensor(p, dtype=torch.float64)),
                              td.Binomial(torch.tensor([5.0, 2.0, 4.0], dtype=torch.float64),
                                          torch.tensor(q, dtype=torch.float64)))
    ours = D.kl_divergence(D.Binomial(t64(n), t64(p)), D.Binomial(t64([5, 2, 4]), t64(q)))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    # at the edges, n times torch's Bernoulli KL (torch's Binomial formula gives -inf or nan)
    edges = t64([0.0, 1.0, 0.3, 1.0])
    others = t64([0.6, 0.6, 0.0, 1.0])
    bernoulli = td.kl_divergence(td.Bernoulli(torch.tensor(edges.numpy())),
                                 td.Bernoulli(torch.tensor(others.numpy())))
    ours = D.kl_divergence(D.Binomial(5, edges), D.Binomial(5, others))
    np.testing.assert_allclose(ours.numpy(), 5 * bernoulli.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dist", [D.Bernoulli(0.3), D.Categorical(probs=[0.5, 0.5]),
                                  D.Poisson(2.0), D.Multinomial(2, probs=[0.5, 0.5])])
def test_base_cdf_and_icdf_raise_not_implemented(dist):
    name = type(dist).__name__
    with pytest.raises(NotImplementedError, match=f"{name} has no cdf"):
        dist.cdf(1.0)
    with pytest.raises(NotImplementedError, match=f"{name} has no icdf"):
        dist.icdf(0.5)
    assert D.Normal(0.0, 1.0).cdf(0.0).item() == 0.5           # (the closed forms stay)


def test_set_default_validate_args():
    try:
        D.Distribution.set_default_validate_args(False)
        assert D.Normal(0.0, -1.0).scale.item() == -1.0            # no error: not validated
        assert D.Bernoulli(1.5).probs.item() == 1.5
        assert D.Binomial(3, t64(0.5)).log_prob(t64(0.5)).shape == ()
        D.RelaxedBernoulli(0.5, probs=t64(1.5))
        with np.errstate(invalid="ignore"):                        # (log of -1)
            assert np.isnan(D.TransformedDistribution(
                D.Normal(0.0, 1.0), [D.transforms.ExpTransform()]).log_prob(t64(-1.0)).item())
        with pytest.raises(ValueError, match="Normal: expected"):
            D.Normal(0.0, -1.0, validate_args=True)                # an explicit True wins
        D.Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError, match="Normal: expected"):
            D.Normal(0.0, -1.0)
        with pytest.raises(ValueError, match="RelaxedBernoulli: expected probs"):
            D.RelaxedBernoulli(0.5, probs=t64(1.5))
        with pytest.raises(ValueError, match="TransformedDistribution: expected values"):
            D.TransformedDistribution(D.Normal(0.0, 1.0), [D.transforms.ExpTransform()]) \
                .log_prob(t64(-1.0))
        D.Normal(0.0, -1.0, validate_args=False)                   # an explicit False wins
        for bad in (None, 2, "no"):
            with pytest.raises(ValueError, match="set_default_validate_args: expected True"):
                D.Distribution.set_default_validate_args(bad)
    finally:
        D.Distribution.set_default_validate_args(True)


def test_set_default_validate_args_like_torch():
    torch = pytest.importorskip("torch")
    td = torch.distributions
    default = td.Distribution._validate_args
    try:
        for value in (False, True):
            td.Distribution.set_default_validate_args(value)
            D.Distribution.set_default_validate_args(value)
            outcomes = []
            for make in (lambda: td.Normal(0.0, -1.0), lambda: D.Normal(0.0, -1.0)):
                try:
                    make()
                    outcomes.append("ok")
                except ValueError:
                    outcomes.append("ValueError")
            assert outcomes[0] == outcomes[1] == ("ValueError" if value else "ok")
    finally:
        td.Distribution.set_default_validate_args(default)
        D.Distribution.set_default_validate_args(True)
