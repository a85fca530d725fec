"""Where distributions meet their values: the support of a TransformedDistribution, the
transforms' cache, value shapes, discrete supports (enumerate_support) and torch's
distributions.kl / distributions.utils modules."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.distributions as D
from tinygrad_edu import Tensor

T = D.transforms


def t64(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.float64))


def test_transformed_log_prob_and_cdf_refuse_values_outside_the_last_transform():
    logistic = D.TransformedDistribution(D.Normal(t64(0.0), t64(1.0)), [T.SigmoidTransform()])
    with pytest.raises(ValueError, match=r"TransformedDistribution: expected values in "
                                         r"\[0, 1\], where SigmoidTransform\(\) maps, got 1.5"):
        logistic.log_prob(t64(1.5))
    log_normal = D.TransformedDistribution(D.Normal(t64(0.0), t64(1.0)), T.ExpTransform())
    with pytest.raises(ValueError, match=r"expected values in \(0, inf\).*got -1.0"):
        log_normal.log_prob(t64([2.0, -1.0]))
    assert log_normal.cdf(t64(0.0)).item() == 0.0       # cdf outside: 0 or 1, as torch
    assert logistic.cdf(t64(1.5)).item() == 1.0
    # x = log y: the density of log-normal at y = 2 is N(log 2) / 2
    expected = -math.log(2) ** 2 / 2 - 0.5 * math.log(2 * math.pi) - math.log(2)
    assert log_normal.log_prob(t64(2.0)).item() == pytest.approx(expected, rel=1e-15)
    assert log_normal.icdf(t64(0.5)).item() == pytest.approx(1.0, rel=1e-15)   # p, not y
    loose = D.TransformedDistribution(D.Normal(t64(0.0), t64(1.0), validate_args=False),
                                      [T.ExpTransform()], validate_args=False)
    with np.errstate(invalid="ignore"):                  # log(-1): nan, as asked
        assert np.isnan(loose.log_prob(t64(-1.0)).item())
    power = D.TransformedDistribution(D.Exponential(t64(1.0)), [T.PowerTransform(t64(2.0)).inv])
    with pytest.raises(ValueError, match=r"\(0, inf\)"):     # x^(1/2) maps onto x > 0
        power.log_prob(t64(-0.5))


def test_cache_size_one_inverts_a_saturated_tanh_exactly():
    """SAC's squashed Gaussian: tanh(10) is 1.0 in float32, so atanh of it is inf; with
    cache_size=1 the log-density of the drawn action uses the x it came from."""
    base = D.Normal(Tensor(np.float32(0.0)), Tensor(np.float32(1.0)))
    x = Tensor(np.float32(10.0))
    squash = T.TanhTransform(cache_size=1)
    action = squash(x)
    assert action.item() == 1.0
    policy = D.TransformedDistribution(base, [squash])
    log_det = 2 * (math.log(2) - 10 - math.log1p(math.exp(-20)))
    expected = -50 - 0.5 * math.log(2 * math.pi) - log_det
    assert policy.log_prob(action).item() == pytest.approx(expected, rel=1e-6)
    plain = D.TransformedDistribution(base, [T.TanhTransform()])
    with np.errstate(all="ignore"):
        assert not np.isfinite(plain.log_prob(action).item())
    assert squash(x) is action                                  # the cached output
    with pytest.raises(ValueError, match="TanhTransform: cache_size must be 0 or 1, got 2"):
        T.TanhTransform(cache_size=2)
    chain = T.ComposeTransform([T.TanhTransform(), T.AffineTransform(0.0, 2.0)], cache_size=1)
    doubled = chain(x)                                   # (each part caches, as torch)
    assert chain.inv(doubled) is x and doubled.item() == 2.0
    affine = T.AffineTransform(t64(1.0), t64(2.0), cache_size=1)
    y = affine(t64(3.0))
    assert affine.inv(y).item() == 3.0 and repr(T.ComposeTransform([affine], cache_size=1))


def test_value_shapes_are_checked_against_batch_and_event_shape():
    cases = [
        (lambda: D.Normal(tg.zeros(3), 1.0).log_prob(tg.zeros(4)), r"Normal: a value of shape "
         r"\(4,\) does not broadcast with batch_shape \+ event_shape \(3,\)"),
        (lambda: D.Bernoulli(logits=tg.zeros(3)).log_prob(tg.zeros(4)), r"Bernoulli: .*\(4,\)"),
        (lambda: D.MixtureSameFamily(D.Categorical(logits=tg.zeros(5, 2)),
                                     D.Normal(tg.zeros(5, 2), 1.0)).log_prob(tg.zeros(4)),
         r"MixtureSameFamily: a value of shape \(4,\) .* \(5,\)"),
        (lambda: D.kl_divergence(D.Normal(tg.zeros(3), 1.0), D.Normal(tg.zeros(4), 1.0)),
         r"kl_divergence: the batch shapes \(3,\) and \(4,\) do not broadcast"),
        (lambda: D.Categorical(logits=tg.tensor(1.5)), "Categorical: logits must have at least "
         "one dimension"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    mixture = D.MixtureSameFamily(D.Categorical(logits=tg.zeros(5, 2)),
                                  D.Normal(tg.zeros(5, 2), 1.0))
    assert mixture.log_prob(tg.zeros(7, 1)).shape == (7, 5)    # a sample axis in front


def test_enumerate_support_perplexity_and_missing_moments():
    categorical = D.Categorical(logits=tg.zeros(2, 3, 4))
    assert categorical.has_enumerate_support
    support = categorical.enumerate_support()
    assert support.shape == (4, 2, 3) and support.dtype == np.int64
    assert support.numpy()[:, 1, 2].tolist() == [0, 1, 2, 3]
    assert categorical.enumerate_support(expand=False).shape == (4, 1, 1)
    coin = D.Bernoulli(logits=t64([0.0, 1.0]))
    assert coin.enumerate_support().numpy().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert D.Binomial(3, logits=t64([0.0, 2.0])).enumerate_support(False).numpy().ravel() \
        .tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(NotImplementedError, match="total_count differs"):
        D.Binomial(t64([2.0, 3.0]), logits=t64([0.0, 0.0])).enumerate_support()
    binomial = D.Binomial(3, probs=t64([0.3]))
    pmf = [math.comb(3, k) * 0.3 ** k * 0.7 ** (3 - k) for k in range(4)]
    assert binomial.entropy().item() == pytest.approx(-sum(q * math.log(q) for q in pmf),
                                                      rel=1e-14)
    assert np.isnan(D.Categorical(probs=t64([0.5, 0.5])).mean.item())     # (torch's)
    assert not D.Normal(0.0, 1.0).has_enumerate_support
    # exp(entropy) of a fair die is 6
    assert D.Categorical(probs=t64(np.full(6, 1 / 6))).perplexity().item() == \
        pytest.approx(6, rel=1e-15)
    transformed = D.TransformedDistribution(D.Normal(0.0, 1.0), [T.ExpTransform()])
    for moment in ("mean", "variance", "stddev"):
        with pytest.raises(NotImplementedError, match="no closed-form"):
            getattr(transformed, moment)
    with pytest.raises(NotImplementedError, match="no closed-form entropy"):
        transformed.entropy()


def test_torch_module_paths_kl_and_utils():
    from tinygrad_edu.distributions.kl import kl_divergence, register_kl
    from tinygrad_edu.distributions.utils import (broadcast_all, clamp_probs,
                                                  logits_to_probs, probs_to_logits)
    assert kl_divergence is D.kl_divergence and register_kl is D.register_kl
    p = t64([0.0, 0.25, 1.0])
    eps = np.finfo(np.float64).eps
    assert clamp_probs(p).numpy().tolist() == [eps, 0.25, 1 - eps]
    assert probs_to_logits(p).numpy()[1] == math.log(0.25)
    binary = probs_to_logits(p, is_binary=True).numpy()
    assert binary[1] == pytest.approx(math.log(1 / 3), rel=1e-15)
    assert binary[0] == pytest.approx(math.log(eps), rel=1e-12) and binary[2] == -binary[0]
    probs = logits_to_probs(t64([0.0, math.log(3.0)])).numpy()
    assert probs.tolist() == pytest.approx([0.25, 0.75], rel=1e-15)
    assert logits_to_probs(t64(0.0), is_binary=True).item() == 0.5
    a, b = broadcast_all(0.5, tg.zeros(2, 1, dtype=tg.float64))
    assert a.shape == b.shape == (2, 1) and a.dtype == np.float64
    with pytest.raises(ValueError, match="broadcast_all: expected numbers or Tensors"):
        broadcast_all("x")
