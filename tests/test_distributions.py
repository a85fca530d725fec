"""tinygrad_edu.distributions against closed forms worked out by hand (torch not needed)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.distributions import Bernoulli, Categorical, Normal, kl_divergence


def f64(values) -> tg.Tensor:
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_normal_log_prob_entropy_kl_and_the_reparameterization_gradient():
    loc, scale = f64([0.0, 1.0]), f64([1.0, 2.0])
    normal = Normal(loc, scale)
    log_p = normal.log_prob(tg.tensor([0.0, 3.0], dtype=tg.float64))
    np.testing.assert_allclose(log_p.data, [-0.5 * math.log(2 * math.pi),
                                            -0.5 - math.log(2) - 0.5 * math.log(2 * math.pi)])
    np.testing.assert_allclose(normal.entropy().data,
                               0.5 + 0.5 * math.log(2 * math.pi) + np.log([1.0, 2.0]))
    kl = kl_divergence(normal, Normal(0.0, 1.0))          # the VAE's KL term
    np.testing.assert_allclose(kl.data, [0.0, 0.5 * (4 + 1 - 1 - math.log(4))], rtol=1e-15)
    tg.manual_seed(0)
    draw = normal.rsample((4,))
    assert draw.shape == (4, 2) and draw.requires_grad and not normal.sample().requires_grad
    draw.sum().backward()                                 # d(loc + scale eps)/d loc = 1 each
    assert loc.grad.tolist() == [4.0, 4.0]
    with pytest.raises(ValueError, match="Normal: expected scale > 0 and a finite loc"):
        Normal(0.0, 0.0)


def test_categorical_from_probs_or_logits_log_prob_entropy_sampling():
    probs = tg.tensor([0.2, 0.3, 0.5], dtype=tg.float64)
    dist = Categorical(probs=probs)
    np.testing.assert_allclose(dist.log_prob(tg.tensor([2, 0])).data, np.log([0.5, 0.2]))
    np.testing.assert_allclose(dist.entropy().item(),
                               -sum(p * math.log(p) for p in (0.2, 0.3, 0.5)), rtol=1e-15)
    same = Categorical(logits=tg.tensor(np.log([2.0, 3.0, 5.0])))  # unnormalized logits
    np.testing.assert_allclose(same.probs.data, [0.2, 0.3, 0.5], rtol=1e-15)
    tg.manual_seed(1)
    draws = dist.sample((20000,))
    assert draws.dtype == np.int64
    np.testing.assert_allclose(np.bincount(draws.data) / 20000, [0.2, 0.3, 0.5], atol=0.01)
    logits = f64([0.0, 1.0, 2.0])                          # REINFORCE: d log p_k / d logits
    Categorical(logits=logits).log_prob(tg.tensor(2)).backward()
    p = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    np.testing.assert_allclose(logits.grad.data, np.eye(3)[2] - p, rtol=1e-14)
    assert kl_divergence(dist, Categorical(probs=probs)).item() == 0.0
    with pytest.raises(ValueError, match="Categorical: give either probs or logits"):
        Categorical()


def test_bernoulli_log_prob_entropy_kl():
    dist = Bernoulli(probs=tg.tensor([0.25], dtype=tg.float64))
    np.testing.assert_allclose(dist.log_prob(tg.tensor([1.0, 0.0])).data,
                               np.log([0.25, 0.75]), rtol=1e-14)
    np.testing.assert_allclose(dist.entropy().item(),
                               -(0.25 * math.log(0.25) + 0.75 * math.log(0.75)), rtol=1e-14)
    kl = kl_divergence(dist, Bernoulli(logits=tg.tensor([0.0], dtype=tg.float64)))
    np.testing.assert_allclose(kl.item(), 0.25 * math.log(0.5) + 0.75 * math.log(1.5),
                               rtol=1e-14)
    with pytest.raises(NotImplementedError, match="kl_divergence: no closed form for "
                                                  "Bernoulli and Normal"):
        kl_divergence(dist, Normal(0.0, 1.0))


def test_invalid_parameters_are_refused_and_zero_probabilities_clamped_as_torch():
    for make, message in ((lambda: Categorical(probs=tg.tensor([-0.1, 1.1])), "Categorical"),
                          (lambda: Categorical(probs=tg.tensor([0.0, 0.0])), "Categorical"),
                          (lambda: Bernoulli(probs=tg.tensor([1.5])), "Bernoulli")):
        with pytest.raises(ValueError, match=f"{message}: expected"):
            make()
    certain = Categorical(probs=tg.tensor([0.0, 1.0], dtype=tg.float64))
    assert certain.log_prob(tg.tensor(0)).item() == pytest.approx(math.log(2.0 ** -52))
    assert certain.entropy().item() == pytest.approx(2.0 ** -52)     # torch's, to the last bit


def test_multinomial_as_d2l_uses_it_and_its_log_prob():
    from tinygrad_edu.distributions import multinomial
    tg.manual_seed(0)
    fair = tg.ones(6) / 6
    draw = multinomial.Multinomial(1, fair).sample()
    assert draw.shape == (6,) and draw.sum().item() == 1.0 and draw.dtype == np.float32
    counts = multinomial.Multinomial(10, fair).sample((500,))
    assert counts.shape == (500, 6) and (counts.sum(1).numpy() == 10).all()
    assert abs(counts.numpy().mean(0) - 10 / 6).max() < 0.2
    p = tg.tensor([0.2, 0.3, 0.5], requires_grad=True, dtype=tg.float64)
    log_p = multinomial.Multinomial(4, probs=p).log_prob(tg.tensor([1.0, 0.0, 3.0]))
    # 4! / (1! 0! 3!) 0.2 0.5^3 = 4 * 0.025
    assert log_p.item() == pytest.approx(np.log(4 * 0.2 * 0.125))
    log_p.backward()
    np.testing.assert_allclose(p.grad.numpy(), [1.0, -4.0, 2.0], rtol=1e-12)  # x/p - n
    with pytest.raises(ValueError, match="Multinomial.log_prob: expected values to be counts"):
        multinomial.Multinomial(2, probs=p).log_prob(tg.tensor([1.0, 1.0, 1.0]))
    relaxed = multinomial.Multinomial(5, probs=p, validate_args=False)        # torch's rule:
    assert relaxed.log_prob(tg.tensor([1.0, 1.0, 1.0])).item() == pytest.approx(   # n = sum
        np.log(6 * 0.2 * 0.3 * 0.5))
