"""Lazy layers: the input size comes from the first input (d2l.ai's 2023 edition builds
every model with them); the layer then is the module it stood for."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg


def test_lenet_of_lazy_layers_becomes_the_plain_one():
    net = nn.Sequential(nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
                        nn.AvgPool2d(2), nn.LazyBatchNorm2d(), nn.Flatten(),
                        nn.LazyLinear(120), nn.Sigmoid(), nn.LazyLinear(10))
    assert repr(net[5]) == "LazyLinear(in_features=0, out_features=120, bias=True)"
    state = tg.get_rng_state()
    assert repr(net[0]) == "LazyConv2d(0, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
    assert repr(net[3]) == ("LazyBatchNorm2d(0, eps=1e-05, momentum=0.1, affine=True, "
                            "bias=True, track_running_stats=True)")           # torch's text
    assert tg.get_rng_state() == state                # printing drew no random numbers
    step = nn.optim.SGD(net.parameters(), lr=0.1)            # made before the first call
    placeholder = net[7].weight
    out = net(tg.randn(2, 1, 28, 28))
    assert out.shape == (2, 10)
    assert type(net[0]) is nn.Conv2d and net[0].weight.shape == (6, 1, 5, 5)
    assert type(net[3]) is nn.BatchNorm2d and net[3].running_mean.shape == (6,)
    assert type(net[5]) is nn.Linear and net[5].in_features == 6 * 14 * 14
    assert net[7].weight is placeholder and placeholder.shape == (10, 120)
    bound = 1 / np.sqrt(120)                                   # Linear's own init
    assert np.abs(placeholder.numpy()).max() <= bound
    before = placeholder.numpy().copy()
    out.sum().backward()
    step.step()
    assert not np.array_equal(placeholder.numpy(), before)      # the optimizer trained it
    assert list(net.state_dict())[:2] == ["0.weight", "0.bias"]


def test_lazy_layers_read_the_right_axis():
    assert nn.LazyLinear(3, bias=False)(tg.ones(4, 7)).shape == (4, 3)
    conv = nn.LazyConv1d(2, 3)
    conv(tg.ones(5, 8))                                        # unbatched (C, L)
    assert conv.in_channels == 5
    norm = nn.LazyBatchNorm1d()
    norm(tg.randn(4, 3))
    assert norm.num_features == 3 and type(norm) is nn.BatchNorm1d
    up = nn.LazyConvTranspose2d(4, 2, stride=2)
    assert up(tg.ones(1, 3, 5, 5)).shape == (1, 4, 10, 10) and up.weight.shape == (3, 4, 2, 2)


def test_matches_torch_shapes_and_keys():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.LazyConv2d(4, 3), torch.nn.LazyBatchNorm2d(),
                                 torch.nn.Flatten(), torch.nn.LazyLinear(2))
    ours = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.Flatten(),
                         nn.LazyLinear(2))
    theirs(torch.ones(1, 2, 6, 6))
    ours(tg.ones(1, 2, 6, 6))
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(ours) == repr(theirs)


def test_loading_a_checkpoint_and_converting_before_the_first_call():
    net = nn.Sequential(nn.LazyLinear(4), nn.LazyBatchNorm1d(affine=False))
    net(tg.randn(5, 3))
    clone = nn.Sequential(nn.LazyLinear(4), nn.LazyBatchNorm1d(affine=False))
    clone.load_state_dict(net.state_dict())          # d2l's file I/O: shapes from the file
    assert type(clone[0]) is nn.Linear and clone[0].in_features == 3
    x = tg.randn(2, 3)
    net.eval()
    clone.eval()
    np.testing.assert_array_equal(clone(x).numpy(), net(x).numpy())
    double = nn.Sequential(nn.LazyConv2d(2, 3, groups=1), nn.LazyBatchNorm2d()).double()
    out = double(tg.randn(1, 4, 5, 5, dtype=tg.float64))
    assert out.dtype == np.float64 and double[1].running_var.dtype == np.float64


def test_an_unbuilt_lazy_model_loads_another_unbuilt_ones_state():
    target = nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d())
    target.load_state_dict(nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d()).state_dict())
    assert type(target[0]) is nn.LazyLinear                # still lazy, as in torch
    assert target(tg.randn(4, 5)).shape == (4, 3) and type(target[1]) is nn.BatchNorm1d


def test_a_checkpoint_with_a_bias_but_no_weight_loads_into_the_lazy_layer():
    layer = nn.LazyLinear(4)                       # torch: the bias takes the file's shape
    result = layer.load_state_dict({"bias": tg.arange(4.0)}, strict=False)
    assert result.missing_keys == ["weight"] and type(layer) is nn.LazyLinear
    assert layer.bias.tolist() == [0, 1, 2, 3] and layer.weight.shape == (0,)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "weight".$'):
        nn.LazyLinear(4).load_state_dict({"bias": tg.arange(4.0)})
    layer(tg.ones(2, 3))                           # built: the loaded bias is kept
    assert type(layer) is nn.Linear and layer.weight.shape == (4, 3)
    assert layer.bias.tolist() == [0, 1, 2, 3]
    conv = nn.LazyConv2d(2, 3)
    conv.load_state_dict({"bias": tg.ones(2)}, strict=False)
    assert conv(tg.ones(1, 5, 4, 4)).shape == (1, 2, 2, 2) and conv.bias.tolist() == [1, 1]
    wrong = nn.LazyLinear(4)
    wrong.load_state_dict({"bias": tg.arange(5.0)}, strict=False)
    with pytest.raises(ValueError, match=r"LazyLinear: the bias loaded from a checkpoint has "
                       r"shape \(5,\), but the Linear built for this input needs \(4,\)"):
        wrong(tg.ones(2, 3))
    norm = nn.LazyBatchNorm1d()                    # any of a norm's entries gives its size
    norm.load_state_dict({"bias": tg.full((3,), 2.0)}, strict=False)
    assert type(norm) is nn.BatchNorm1d and norm.num_features == 3
    assert norm.bias.tolist() == [2, 2, 2] and norm.weight.tolist() == [1, 1, 1]


def test_torch_lazy_mixin_methods_build_the_layer_before_the_first_call():
    layer = nn.LazyConv2d(4, 3)
    assert layer.has_uninitialized_params()
    layer.reset_parameters()                               # nothing to reset yet, as torch
    optimizer = nn.optim.SGD(layer.parameters(), lr=0.1)   # made before the layer is built
    layer.initialize_parameters(tg.ones(1, 2, 5, 5))
    assert type(layer) is nn.Conv2d and layer.weight.shape == (4, 2, 3, 3)
    layer(tg.ones(1, 2, 5, 5)).sum().backward()
    before = layer.weight.detach().clone()
    optimizer.step()
    assert not np.allclose(layer.weight.numpy(), before.numpy())
