"""nn.utils.parametrize and nn.utils.parametrizations: a tensor computed from others at
each read, trained through them (the examples of torch's parametrizations tutorial)."""
import copy
import pickle

import numpy as np
import pytest

import nn
import nn.utils.parametrize as P
import nn.utils.prune as prune
import tinygrad_edu as tg
from checks import assert_trains_like_torch


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).mT

    def right_inverse(self, a):
        return a.triu()


class Double(nn.Module):
    def forward(self, x):
        return 2 * x

    def right_inverse(self, a):
        return a / 2


def test_a_symmetric_weight_trained_through_its_original():
    layer = nn.Linear(3, 3).double()
    P.register_parametrization(layer, "weight", Symmetric())
    assert type(layer).__name__ == "ParametrizedLinear" and P.is_parametrized(layer, "weight")
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = layer.weight.numpy()
    np.testing.assert_array_equal(w, w.T)
    step = nn.optim.SGD(layer.parameters(), lr=0.1)
    layer(tg.randn(4, 3, dtype=tg.float64)).pow(2).sum().backward()
    step.step()
    w = layer.weight.numpy()
    np.testing.assert_array_equal(w, w.T)                       # still symmetric
    layer.weight = tg.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]],
                             dtype=tg.float64)                  # stored by right_inverse
    assert layer.parametrizations.weight.original.numpy()[1, 0] == 0.0
    assert layer.weight.numpy()[1, 0] == 2.0


def test_chains_cache_and_removal():
    layer = nn.Linear(2, 2).double()
    original = layer.weight.numpy().copy()
    P.register_parametrization(layer, "weight", Symmetric())
    P.register_parametrization(layer, "weight", Double())         # applied after Symmetric
    expected = 2 * (np.triu(original) + np.triu(original, 1).T)
    np.testing.assert_allclose(layer.weight.numpy(), expected, rtol=1e-15)
    with P.cached():
        assert layer.weight is layer.weight
    assert layer.weight is not layer.weight
    P.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and not P.is_parametrized(layer)
    assert isinstance(layer.weight, nn.Parameter)
    np.testing.assert_allclose(layer.weight.numpy(), expected, rtol=1e-15)
    kept = nn.Linear(2, 2)
    before = kept.weight.numpy().copy()
    P.register_parametrization(kept, "weight", Double())
    P.remove_parametrizations(kept, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(kept.weight.numpy(), before / 2)   # right_inverse(weight)


def test_a_parametrization_must_keep_shape_unless_unsafe():
    class Row(nn.Module):
        def forward(self, x):
            return x[0]
    with pytest.raises(ValueError, match="must keep its shape \\(2, 2\\)"):
        P.register_parametrization(nn.Linear(2, 2), "weight", Row())
    layer = P.register_parametrization(nn.Linear(2, 2), "weight", Row(), unsafe=True)
    assert layer.weight.shape == (2,)
    with pytest.raises(ValueError, match="has no parameter or buffer named 'kernel'"):
        P.register_parametrization(nn.Linear(2, 2), "kernel", Double())


@pytest.mark.parametrize("make", ["weight_norm", "spectral_norm"])
def test_weight_and_spectral_norm_parametrizations(make):
    tg.manual_seed(0)
    layer = getattr(nn.utils.parametrizations, make)(nn.Linear(5, 4).double())
    keys = list(layer.state_dict())
    if make == "weight_norm":
        assert keys == ["bias", "parametrizations.weight.original0",
                        "parametrizations.weight.original1"]
        g = layer.parametrizations.weight.original0.numpy()
        np.testing.assert_allclose(np.linalg.norm(layer.weight.numpy(), axis=1, keepdims=True),
                                   g, rtol=1e-12)
    else:
        assert keys[-2:] == ["parametrizations.weight.0._u", "parametrizations.weight.0._v"]
        for _ in range(20):
            layer(tg.ones(1, 5, dtype=tg.float64))
        assert np.linalg.svd(layer.weight.numpy(), compute_uv=False)[0] == pytest.approx(1.0)
    layer(tg.ones(2, 5, dtype=tg.float64)).sum().backward()
    assert all(p.grad is not None for p in layer.parameters())


@pytest.mark.parametrize("make", ["weight_norm", "spectral_norm"])
def test_parametrizations_match_torch(make):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn.utils.parametrizations, make)(torch.nn.Conv2d(3, 4, 3).double())
    ours = getattr(nn.utils.parametrizations, make)(nn.Conv2d(3, 4, 3).double())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_trains_like_torch(torch, theirs, ours,
                             np.random.default_rng(0).standard_normal((2, 3, 5, 5)))


class PlusOne(nn.Module):
    def forward(self, w):
        return w + 1


def test_the_original_parameter_object_is_kept_and_trained():
    """As torch: register_parametrization writes right_inverse's value into the same
    Parameter, so an optimizer made before keeps training it; remove_parametrizations
    writes the value back into it, so a frozen weight stays frozen."""
    layer = nn.Linear(3, 3, bias=False).double()
    layer.weight.data[...] = np.arange(9.0).reshape(3, 3) / 10
    before = layer.weight
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)
    P.register_parametrization(layer, "weight", Symmetric())
    assert layer.parametrizations.weight.original is before
    layer.weight.sum().backward()
    opt.step()
    # original = triu(W); d sum(sym(original)) / d original = 1 on the diagonal, 2 above
    expected = np.triu(np.arange(9.0).reshape(3, 3) / 10) - 0.1 * np.triu(np.full((3, 3), 2.0))
    np.fill_diagonal(expected, np.diag(np.arange(9.0).reshape(3, 3) / 10) - 0.1)
    assert np.allclose(before.numpy(), expected, rtol=0, atol=1e-15)
    P.remove_parametrizations(layer, "weight")
    assert layer.weight is before and np.allclose(before.numpy(), before.numpy().T)

    frozen = nn.Linear(2, 2, bias=False)
    frozen.weight.requires_grad_(False)
    weight = frozen.weight
    P.register_parametrization(frozen, "weight", PlusOne())
    P.remove_parametrizations(frozen, "weight")
    assert frozen.weight is weight and not frozen.weight.requires_grad
    assert [name for name, _ in frozen.named_parameters()] == ["weight"]


def test_refusals_leave_the_module_as_it_was():
    layer = nn.Linear(3, 3).double()
    P.register_parametrization(layer, "weight", Symmetric())
    with pytest.raises(ValueError, match="must keep its shape"):
        P.register_parametrization(layer, "weight", Cut())
    assert len(layer.parametrizations.weight) == 1                 # not appended
    assert layer(tg.ones(1, 3, dtype=tg.float64)).shape == (1, 3)
    with pytest.raises(ValueError, match="right_inverse may not change the dtype "
                                         r"\(float64 to float32\), even unsafe"):
        P.register_parametrization(nn.Linear(2, 2).double(), "weight", ToFloat32(),
                                   unsafe=True)
    pruned = nn.Linear(2, 2)
    prune.l1_unstructured(pruned, "weight", amount=1)
    with pytest.raises(ValueError, match="no parameter or buffer named 'weight' .it is pruned: "
                                         "parametrize weight_orig."):
        P.register_parametrization(pruned, "weight", PlusOne())


class Cut(nn.Module):
    def forward(self, x):
        return x[:, :2]


class ToFloat32(nn.Module):
    def forward(self, x):
        return x

    def right_inverse(self, a):
        return a.float()


def test_a_parametrized_module_deep_copies_but_refuses_pickle_as_torch():
    layer = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2).double())
    copy_ = copy.deepcopy(layer)
    x = tg.ones(1, 3, dtype=tg.float64)
    assert type(copy_) is type(layer)
    np.testing.assert_array_equal(copy_(x).numpy(), layer(x).numpy())
    with tg.no_grad():
        copy_.parametrizations.weight.original0.mul_(2)        # g doubled in the copy only
    np.testing.assert_allclose(copy_(x).numpy() - copy_.bias.numpy(),
                               2 * (layer(x).numpy() - layer.bias.numpy()), rtol=1e-14)
    with pytest.raises(RuntimeError, match=r"pickle: ParametrizedLinear is parametrized; "
                                           r"serialization .* only supported through "
                                           r"state_dict\(\)"):
        pickle.dumps(layer)
