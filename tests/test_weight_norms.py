"""nn.utils.weight_norm / spectral_norm: the weight recomputed from new parameters before
each forward, gradients reaching them by the chain rule, and removal."""
import pickle

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from checks import assert_trains_like_torch


def test_weight_norm_splits_direction_and_length():
    layer = nn.utils.weight_norm(nn.Linear(3, 2).double())
    assert list(layer.state_dict()) == ["bias", "weight_g", "weight_v"]
    g, v = layer.weight_g, layer.weight_v
    assert g.shape == (2, 1)
    np.testing.assert_allclose(layer.weight.numpy(), v.numpy(), rtol=1e-15)   # g = ||v|| at first
    with tg.no_grad():
        g.mul_(2.0)
    x = tg.tensor([[1.0, -2.0, 0.5]], dtype=tg.float64)
    out = layer(x)
    np.testing.assert_allclose(layer.weight.numpy(), 2 * v.numpy(), rtol=1e-14)
    out.sum().backward()
    row_norm = np.linalg.norm(v.numpy(), axis=1, keepdims=True)
    # d out / d g = (v / ||v||) . x, per output row
    np.testing.assert_allclose(g.grad.numpy(), (v.numpy() / row_norm) @ x.numpy().T, rtol=1e-12)
    whole = nn.utils.weight_norm(nn.Linear(3, 2), dim=None)
    assert whole.weight_g.shape == ()
    nn.utils.remove_weight_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"]
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Linear"):
        nn.utils.remove_weight_norm(layer)


def test_spectral_norm_divides_by_the_largest_singular_value():
    tg.manual_seed(0)
    layer = nn.utils.spectral_norm(nn.Linear(6, 4).double())
    assert list(layer.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    x = tg.randn(3, 6, dtype=tg.float64)
    for _ in range(30):                      # power iteration converges over forwards
        layer(x)
    sigma = np.linalg.svd(layer.weight_orig.numpy(), compute_uv=False)[0]
    np.testing.assert_allclose(layer.weight.numpy(), layer.weight_orig.numpy() / sigma,
                               rtol=1e-9)
    u = layer.weight_u.numpy().copy()
    layer.eval()
    layer(x)
    np.testing.assert_array_equal(layer.weight_u.numpy(), u)   # no iteration in eval mode
    conv = nn.utils.spectral_norm(nn.ConvTranspose2d(3, 5, 2))  # rows along dim 1
    assert conv.weight_u.shape == (5,) and conv.weight_v.shape == (3 * 2 * 2,)
    nn.utils.remove_spectral_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"]
    with pytest.raises(RuntimeError, match="spectral_norm: 'weight' of Linear is already"):
        nn.utils.spectral_norm(nn.utils.spectral_norm(nn.Linear(2, 2)))


@pytest.mark.filterwarnings("ignore::FutureWarning")      # torch deprecates its weight_norm
@pytest.mark.parametrize("make", ["weight_norm", "spectral_norm"])
def test_matches_torch(make):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn.utils, make)(torch.nn.Conv2d(3, 4, 3).double())
    ours = getattr(nn.utils, make)(nn.Conv2d(3, 4, 3).double())
    assert_trains_like_torch(torch, theirs, ours,
                             np.random.default_rng(0).standard_normal((2, 3, 5, 5)))


@pytest.mark.parametrize("make, removal", [
    (nn.utils.weight_norm, nn.utils.remove_weight_norm),
    (nn.utils.spectral_norm, nn.utils.remove_spectral_norm)])
def test_a_reparametrized_module_pickles_and_keeps_working(make, removal):
    """As torch's: the hook is an object of a module-level class, not a closure."""
    layer = make(nn.Conv2d(2, 3, 3).double())
    copy = pickle.loads(pickle.dumps(layer))
    x = tg.randn(2, 2, 5, 5, dtype=tg.float64)
    layer.eval(), copy.eval()
    np.testing.assert_array_equal(copy(x).numpy(), layer(x).numpy())
    copy.train()
    copy(x).square().sum().backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0
               for p in copy.parameters())
    expected = copy.eval()(x).numpy()      # (training moved spectral norm's u and v)
    removal(copy)                          # the unpickled handle removes the unpickled hook
    assert not copy._forward_pre_hooks and "weight" in dict(copy.named_parameters())
    np.testing.assert_allclose(copy(x).numpy(), expected, rtol=1e-12)
