"""sampling.py: random and creation functions. Reproducibility under manual_seed and
generator=, the forms and dtypes of torch's signatures, the distributions (sample
frequencies against the exact probabilities, within 5 standard errors), no gradient
through sampling, and the errors.

Only test_distributions_against_torch uses torch (skipped without it), and it compares
distributions only: the two libraries' random streams differ.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.random import initial_seed
from tinygrad_edu.sampling import (as_tensor, bernoulli, empty_like, logspace, multinomial,
                                   normal, randint, randint_like, randperm, seed)


def assert_frequencies(samples: np.ndarray, probabilities, sigmas: float = 5.0) -> None:
    """Each category's share of `samples` within `sigmas` standard errors of its probability."""
    p = np.asarray(probabilities, dtype=np.float64)
    share = np.bincount(samples.ravel(), minlength=len(p)) / samples.size
    assert np.all(np.abs(share - p) <= sigmas * np.sqrt(p * (1 - p) / samples.size) + 1e-12), (
        share, p)


DRAWS = {  # name: a function making one random tensor (from the shared generator)
    "randint": lambda: randint(3, 10, (4, 5)),
    "randint_like": lambda: randint_like(tg.zeros(3), 7),
    "randperm": lambda: randperm(9),
    "multinomial": lambda: multinomial(Tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]]), 2),
    "multinomial-replacement": lambda: multinomial(Tensor([1.0, 2.0]), 6, replacement=True),
    "bernoulli": lambda: bernoulli(tg.full((6,), 0.5)),
    "bernoulli_": lambda: tg.zeros(6).bernoulli_(0.3),
    "normal": lambda: normal(Tensor([0.0, 10.0]), 2.0),
    "normal-size": lambda: normal(1.0, 2.0, (3,)),
}


@pytest.mark.parametrize("name", DRAWS)
def test_manual_seed_reproduces_every_draw(name):
    tg.manual_seed(123)
    first = [DRAWS[name]().data.copy() for _ in range(2)]
    tg.manual_seed(123)
    again = [DRAWS[name]().data for _ in range(2)]
    np.testing.assert_array_equal(first, again)
    assert not all(np.array_equal(first[0], d()) for d in [DRAWS[name]] * 3)   # it varies


def test_generator_keyword_takes_a_numpy_generator():
    calls = [lambda g: randint(10, (5,), generator=g), lambda g: randperm(5, generator=g),
             lambda g: multinomial(Tensor([1.0, 1.0, 1.0]), 2, generator=g),
             lambda g: bernoulli(tg.full((5,), 0.5), generator=g),
             lambda g: tg.zeros(5).bernoulli_(generator=g),
             lambda g: normal(0.0, 1.0, (5,), generator=g),
             lambda g: randint_like(tg.zeros(5), 4, generator=g)]
    for call in calls:
        np.testing.assert_array_equal(call(np.random.default_rng(4)).data,
                                      call(np.random.default_rng(4)).data)
    with pytest.raises(TypeError, match=r"randperm: generator must be a tinygrad_edu."
                                        r"Generator, a np.random.Generator .* got int"):
        randperm(3, generator=0)


def test_seed_and_initial_seed():
    tg.manual_seed(5)
    assert initial_seed() == 5
    value = seed()
    assert 0 <= value < 2**64 and initial_seed() == value
    a = tg.rand(3)
    tg.manual_seed(value)
    np.testing.assert_array_equal(tg.rand(3).data, a.data)


# ---------------------------------------------------------------- randint, randint_like, randperm
def test_randint_forms_and_dtypes():
    tg.manual_seed(0)
    for x in (randint(10, (2, 3)), randint(high=10, size=(2, 3)), randint(3, 10, (2, 3)),
              randint(low=3, high=10, size=[2, 3])):
        assert x.shape == (2, 3) and x.dtype == np.int64 and not x.requires_grad
        assert x.data.min() >= 0 and x.data.max() < 10
    assert randint(3, 10, (500,)).data.min() == 3
    f = randint(5, (4,), dtype=tg.float32, requires_grad=True)
    assert f.dtype == np.float32 and f.requires_grad and np.all(f.data == np.round(f.data))
    assert randint(0, 2, (8,), dtype=tg.bool_).dtype == np.bool_
    like = randint_like(Tensor(np.zeros((2, 2))), 3, 10)
    assert like.dtype == np.float64 and like.shape == (2, 2) and like.data.min() >= 3
    assert randint_like(tg.zeros(3), high=4, dtype=tg.int64).dtype == np.int64
    assert_frequencies(randint(2, 7, (20000,)).data - 2, [0.2] * 5)


def test_randint_errors():
    with pytest.raises(TypeError, match="randint: size is required"):
        randint(0, 2)
    with pytest.raises(ValueError, match="randint: expects low < high, got low=5 >= high=5"):
        randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint: high must be an int, got 2.5"):
        randint(0, 2.5, (3,))
    with pytest.raises(ValueError, match=r"randint: the range \[0, 300\) does not fit in uint8"):
        randint(0, 300, (2,), dtype=np.uint8)
    with pytest.raises(RuntimeError, match="only floating point tensors can require grad"):
        randint(0, 2, (2,), requires_grad=True)
    with pytest.raises(TypeError, match="randint_like: expected the bounds"):
        randint_like(tg.zeros(2))
    with pytest.raises(RuntimeError, match="randint: .*CPU only"):
        randint(3, (2,), device="cuda")


def test_randperm():
    p = randperm(50)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(50))
    assert randperm(0).shape == (0,) and randperm(4, dtype=tg.float32).dtype == np.float32
    firsts = np.array([randperm(4).data[0] for _ in range(4000)])
    assert_frequencies(firsts, [0.25] * 4)
    with pytest.raises(ValueError, match="randperm: n must be a non-negative int, got -1"):
        randperm(-1)


# ---------------------------------------------------------------- multinomial
def test_multinomial_with_replacement_frequencies():
    weights = Tensor([[1.0, 0.0, 3.0, 4.0], [5.0, 1.0, 0.0, 0.0]])     # not normalized
    draws = multinomial(weights, 10000, replacement=True)
    assert draws.shape == (2, 10000) and draws.dtype == np.int64 and not draws.requires_grad
    assert_frequencies(draws.data[0], [1 / 8, 0, 3 / 8, 4 / 8])
    assert_frequencies(draws.data[1], [5 / 6, 1 / 6, 0, 0])
    assert multinomial(Tensor([0.0, 1.0, 0.0]), 4, True).tolist() == [1, 1, 1, 1]


def test_multinomial_without_replacement_draws_in_sequence():
    """P(first i, then j) = p_i * p_j / (1 - p_i): the exponential race gives it exactly."""
    p = np.array([0.5, 0.3, 0.2])
    draws = multinomial(Tensor(np.tile(p, (6000, 1))), 2).data
    assert np.all(draws[:, 0] != draws[:, 1])
    pairs = draws[:, 0] * 3 + draws[:, 1]
    exact = [0 if i == j else p[i] * p[j] / (1 - p[i]) for i in range(3) for j in range(3)]
    assert_frequencies(pairs, exact)
    everything = multinomial(Tensor([2.0, 0.0, 1.0, 0.0]), 4).tolist()
    assert sorted(everything[:2]) == [0, 2] and everything[2:] == [1, 3]   # zeros come last


def test_multinomial_gives_no_gradient_and_shapes():
    w = Tensor([1.0, 2.0], requires_grad=True)
    out = multinomial(w, 1)
    assert out.shape == (1,) and not out.requires_grad and out.grad_fn is None
    assert multinomial(Tensor(np.ones((0, 3))), 2).shape == (0, 2)
    assert w.multinomial(2).shape == (2,)


@pytest.mark.parametrize("weights, n, replacement, error, message", [
    (np.ones((2, 2, 2)), 1, False, ValueError, "input must be 1-D or 2-D"),
    (np.ones(3, np.int64), 1, False, TypeError, "floating point weights, got int64"),
    (np.ones(3), 0, False, ValueError, "num_samples=0 <= 0"),
    (np.ones(3), 4, False, ValueError, r"cannot sample 4 > 3 categories \(input shape \(3,\)\) "
                                       "without replacement"),
    (np.array([1.0, -1.0]), 1, False, ValueError, "inf, nan or an element < 0"),
    (np.array([1.0, np.nan]), 1, True, ValueError, "inf, nan or an element < 0"),
    (np.array([1.0, np.inf]), 1, True, ValueError, "inf, nan or an element < 0"),
    (np.array([[1.0, 0.0], [0.0, 0.0]]), 1, False, ValueError, "a row of weights sums to 0"),
])
def test_multinomial_errors(weights, n, replacement, error, message):
    with pytest.raises(error, match=f"multinomial: .*{message}"):
        multinomial(Tensor(weights), n, replacement)


# ---------------------------------------------------------------- bernoulli
def test_bernoulli():
    p = Tensor(np.array([0.0, 1.0, 0.25]), requires_grad=True)
    draws = np.stack([bernoulli(p).data for _ in range(4000)])
    assert draws.dtype == np.float64 and set(np.unique(draws)) <= {0.0, 1.0}
    assert np.all(draws[:, 0] == 0) and np.all(draws[:, 1] == 1)
    assert_frequencies(draws[:, 2].astype(np.int64), [0.75, 0.25])
    out = bernoulli(p)
    assert not out.requires_grad and out.grad_fn is None          # no gradient
    assert bernoulli(tg.zeros(5), 1.0).tolist() == [1.0] * 5      # p for every element
    assert p.bernoulli().shape == (3,)
    with pytest.raises(ValueError, match=r"bernoulli: the probabilities must lie in \[0, 1\]"):
        bernoulli(Tensor([1.5]))
    with pytest.raises(TypeError, match="bernoulli: expected a floating point tensor"):
        bernoulli(Tensor([1]))


def test_bernoulli_in_place():
    x = tg.zeros(2, 3)
    version = x._version
    assert x.bernoulli_(Tensor([0.0, 1.0, 1.0])) is x            # p broadcast to the rows
    assert x.tolist() == [[0, 1, 1], [0, 1, 1]] and x._version == version + 1
    ints = Tensor(np.zeros(4, np.int64)).bernoulli_(1)
    assert ints.dtype == np.int64 and ints.tolist() == [1, 1, 1, 1]
    w = tg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="bernoulli_: a leaf tensor that requires grad can "
                                           "only be changed in place inside no_grad"):
        w.bernoulli_()
    with tg.no_grad():
        w.bernoulli_(1.0)
    assert w.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"bernoulli_: p of shape \(2, 3\) does not broadcast "
                                         r"to the tensor's shape \(3,\)"):
        tg.zeros(3).bernoulli_(tg.full((2, 3), 0.5))
    with pytest.raises(ValueError, match=r"bernoulli_: the probabilities must lie in \[0, 1\]"):
        tg.zeros(3).bernoulli_(1.5)
    with pytest.raises(TypeError, match="bernoulli_: the probabilities must be floating point"):
        tg.zeros(2).bernoulli_(Tensor([0, 1]))


# ---------------------------------------------------------------- normal
def test_normal_forms_dtypes_and_moments():
    assert normal(Tensor(np.zeros((2, 1))), tg.ones(3)).shape == (2, 3)
    assert normal(Tensor(np.zeros(2)), tg.ones(2, dtype=tg.float32)).dtype == np.float64
    assert normal(tg.zeros(2), 2.0).dtype == np.float32 and normal(1.0, tg.ones(2)).shape == (2,)
    assert normal(1.0, 2.0, (2, 3)).dtype == np.float32
    assert normal(1.0, 2.0, size=(2,), dtype=tg.float64).dtype == np.float64
    assert normal(tg.zeros(3), 0.0).tolist() == [0.0, 0.0, 0.0]
    draws = normal(Tensor(np.array([[-3.0], [5.0]])), Tensor(np.array([0.5, 2.0, 4.0])))
    assert draws.shape == (2, 3)
    many = normal(Tensor(np.full((20000, 2), [-3.0, 5.0])), Tensor(np.array([0.5, 2.0]))).data
    np.testing.assert_allclose(many.mean(0), [-3.0, 5.0], atol=5 * 2.0 / math.sqrt(20000))
    np.testing.assert_allclose(many.std(0), [0.5, 2.0], rtol=0.03)
    mean = tg.zeros(2, requires_grad=True)
    assert not normal(mean, 1.0).requires_grad                     # no gradient to mean
    assert normal(0.0, 1.0, (2,), requires_grad=True).requires_grad


def test_normal_errors():
    with pytest.raises(TypeError, match="normal: with a number mean and std, size is required"):
        normal(1.0, 2.0)
    with pytest.raises(ValueError, match="normal: expects std >= 0.0, got std=-1"):
        normal(0.0, -1, (2,))
    with pytest.raises(ValueError, match="normal: expects std >= 0.0 in every element"):
        normal(tg.zeros(2), Tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"mean of shape \(2,\) and std of shape \(3,\)"):
        normal(tg.zeros(2), tg.ones(3))
    with pytest.raises(TypeError, match="normal: expected floating point tensors, got int64"):
        normal(Tensor([0, 1]), 1.0)
    with pytest.raises(TypeError, match="size is only for a number mean and std"):
        normal(tg.zeros(2), 1.0, (2,))


# ---------------------------------------------------------------- creation
def test_empty_like_as_tensor_logspace():
    e = empty_like(Tensor(np.ones((2, 3), np.int64)))
    assert e.dtype == np.int64 and e.tolist() == [[0, 0, 0], [0, 0, 0]]
    assert empty_like(tg.ones(2), dtype=tg.float64).dtype == np.float64
    t = tg.ones(2, requires_grad=True)
    assert as_tensor(t) is t and as_tensor(t, dtype=tg.float32) is t
    converted = as_tensor(t, dtype=tg.float64)
    assert converted.dtype == np.float64 and converted.requires_grad   # t.to(...): in the graph
    array = np.ones(3)
    shared = as_tensor(array)
    shared.data[0] = 5.0
    assert array[0] == 5.0 and shared.dtype == np.float64               # no copy
    copied = as_tensor(array, dtype=tg.float32)
    copied.data[1] = 7.0
    assert array[1] == 1.0 and copied.dtype == np.float32
    assert as_tensor([1.0, 2.0]).dtype == np.float32 and as_tensor(3).dtype == np.int64
    np.testing.assert_allclose(logspace(0, 2, 3).data, [1.0, 10.0, 100.0])
    assert logspace(0, 2, 3).dtype == np.float32
    assert logspace(0, 3, 4, base=2, dtype=tg.int64).tolist() == [1, 2, 4, 8]
    np.testing.assert_allclose(logspace(-1, 1, 5, dtype=tg.float64).data,
                               10.0 ** np.linspace(-1, 1, 5), rtol=1e-15)
    with pytest.raises(ValueError, match="logspace: steps must be non-negative, got -1"):
        logspace(0, 1, -1)


# ---------------------------------------------------------------- against torch (optional)
def test_distributions_against_torch():
    """Both libraries' sample frequencies lie near the same exact probabilities."""
    torch = pytest.importorskip("torch")
    weights = [1.0, 0.0, 2.0, 5.0]
    exact = np.array(weights) / sum(weights)
    assert_frequencies(multinomial(Tensor(weights), 8000, True).data, exact)
    assert_frequencies(torch.multinomial(torch.tensor(weights), 8000, True).numpy(), exact)
    firsts = multinomial(Tensor(np.tile(weights, (4000, 1))), 2).data[:, 0]
    torch_firsts = torch.multinomial(torch.tensor([weights] * 4000), 2)[:, 0].numpy()
    assert_frequencies(firsts, exact)
    assert_frequencies(torch_firsts, exact)
    assert_frequencies(randint(-2, 3, (10000,)).data + 2, [0.2] * 5)
    assert_frequencies(torch.randint(-2, 3, (10000,)).numpy() + 2, [0.2] * 5)
    for draw in (normal(2.0, 3.0, (20000,)).data, torch.normal(2.0, 3.0, (20000,)).numpy()):
        assert abs(draw.mean() - 2.0) < 5 * 3.0 / math.sqrt(20000)
        assert abs(draw.std() - 3.0) < 0.1


def test_a_generator_of_its_own_as_in_makemore():
    g = tg.Generator().manual_seed(2147483647)
    weights = tg.randn((27, 27), generator=g)
    probs = tg.rand(27, generator=g)
    draws = tg.multinomial(probs, num_samples=4, replacement=True, generator=g)
    again = tg.Generator().manual_seed(2147483647)                 # the same stream again
    assert np.array_equal(tg.randn((27, 27), generator=again).numpy(), weights.numpy())
    assert np.array_equal(tg.rand(27, generator=again).numpy(), probs.numpy())
    assert tg.multinomial(probs, 4, True, generator=again).tolist() == draws.tolist()
    tg.manual_seed(0)
    shared = tg.rand(3).tolist()
    tg.manual_seed(0)
    tg.rand(3, generator=g)                                       # leaves the shared one alone
    assert tg.rand(3).tolist() == shared
    state, before = g.get_state(), tg.rand(2, generator=g).tolist()
    assert g.set_state(state) is g and tg.rand(2, generator=g).tolist() == before
    assert g.initial_seed() == 2147483647 and g.device == "cpu"
    loader_seed = tg.Generator().manual_seed(1)
    loader = nn.data.DataLoader(list(range(8)), batch_size=4, shuffle=True,
                                generator=loader_seed)
    first = [b.tolist() for b in loader]
    loader_seed.manual_seed(1)                        # re-seeded in place: the loader follows
    assert [b.tolist() for b in loader] == first
    shared = nn.data.DataLoader(list(range(8)), batch_size=4, shuffle=True,
                                generator=tg.default_generator)
    tg.manual_seed(3)
    first = [b.tolist() for b in shared]
    tg.manual_seed(3)                                 # manual_seed re-seeds the shared stream
    assert [b.tolist() for b in shared] == first      # in place: this loader follows too
    with pytest.raises(TypeError, match="randn: generator must be a tinygrad_edu.Generator"):
        tg.randn(2, generator=5)


def test_seeds_and_the_default_generator_as_torch():
    assert tg.manual_seed(-1) is tg.default_generator          # torch returns its generator
    assert tg.default_generator.initial_seed() == 2 ** 64 - 1  # negatives wrap, as torch
    drawn = tg.randn(3, generator=tg.default_generator)
    tg.manual_seed(2 ** 64 - 1)
    assert tg.randn(3).tolist() == drawn.tolist()              # the same shared stream
    assert tg.Generator().initial_seed() == 67280421310721     # torch's fixed start
    assert tg.rand(2, generator=tg.Generator()).tolist() == tg.rand(
        2, generator=tg.Generator()).tolist()
    assert tg.manual_seed(1.0).initial_seed() == 1            # int(seed), as torch.manual_seed
    for bad in (1.5, "3", True):                              # a Generator's own is strict
        with pytest.raises(TypeError, match="manual_seed: the seed must be an int"):
            tg.Generator().manual_seed(bad)
    with pytest.raises(TypeError, match="manual_seed: the seed must be an int"):
        tg.manual_seed("three")
    with pytest.raises(ValueError, match="between -2\\*\\*63 and 2\\*\\*64 - 1"):
        tg.Generator().manual_seed(2 ** 64)
