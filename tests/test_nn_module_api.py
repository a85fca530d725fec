"""More of torch's Module API: forward hooks, dotted-path lookups, remove_duplicate,
ParameterList / ParameterDict, container details and reprs (torch's text where it has one)."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


def small_net() -> nn.Sequential:
    tg.manual_seed(0)
    return nn.Sequential(OrderedDict(features=nn.Sequential(nn.Linear(3, 4), nn.ReLU()),
                                     bn=nn.BatchNorm1d(4), head=nn.Linear(4, 2)))


# ---------------------------------------------------------------- forward hooks
def test_forward_hook_sees_inputs_and_output_and_can_replace_it():
    net, seen = small_net(), []
    handle = net.features.register_forward_hook(
        lambda module, args, output: seen.append((module, args[0].shape, output.numpy())))
    x = tg.randn(5, 3)
    y = net(x)
    assert seen[0][0] is net.features and seen[0][1] == (5, 3)
    np.testing.assert_array_equal(seen[0][2], net.features(x).numpy())    # (a second call)
    handle.remove()
    net(x)
    assert len(seen) == 2                                 # removed: the direct call above only
    net.head.register_forward_hook(lambda module, args, output: output * 0)
    assert not net(x).numpy().any() and y.numpy().any()


def test_forward_pre_hook_can_replace_the_input_and_gradients_flow_through_hooks():
    lin = nn.Linear(2, 1)
    tuple_hook = lin.register_forward_pre_hook(lambda module, args: (args[0] * 0,))
    assert lin(tg.ones(1, 2)).tolist() == [[lin.bias.item()]]           # a tuple: the args
    tuple_hook.remove()
    lin.register_forward_pre_hook(lambda module, args: args[0] * 2)    # one value: a 1-tuple
    x = tg.Tensor([[1.0, 3.0]], requires_grad=True)
    lin(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * lin.weight.numpy())


def test_hooks_with_kwargs_prepend_and_order():
    calls = []

    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_hook(lambda mod, args, out: calls.append("second"))
    m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(kwargs["factor"]),
                            with_kwargs=True)
    assert m(tg.Tensor([2.0]), factor=5.0).item() == 6.0
    assert calls == ["first", "second", 3.0]


def test_always_call_hook_runs_when_forward_or_a_pre_hook_raises():
    calls = []
    lin = nn.Linear(2, 2)
    lin.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
    lin.register_forward_hook(lambda mod, args, out: calls.append("never"))
    with pytest.raises(ValueError):
        lin(tg.zeros(3, 5))
    assert calls == [None]

    def broken_pre_hook(mod, args):
        raise KeyError("pre")

    def broken_hook(mod, args, out):
        raise IndexError("hook")

    handle = lin.register_forward_pre_hook(broken_pre_hook)
    with pytest.raises(KeyError, match="pre"):
        lin(tg.zeros(3, 2))
    assert calls == [None, None]
    handle.remove()
    lin.register_forward_hook(broken_hook, always_call=True, prepend=True)
    with pytest.warns(UserWarning, match="always_call=True raised IndexError"), \
            pytest.raises(ValueError):                     # the first error propagates
        lin(tg.zeros(3, 5))


def test_a_handle_removes_its_own_registration():
    calls = []
    lin = nn.Linear(2, 2)
    a = lambda mod, args, out: calls.append("a")           # noqa: E731
    b = lambda mod, args, out: calls.append("b")           # noqa: E731
    lin.register_forward_hook(a)
    lin.register_forward_hook(b)
    third = lin.register_forward_hook(a)
    third.remove()
    third.remove()                                         # twice: still only its own
    lin(tg.zeros(1, 2))
    assert calls == ["a", "b"]


# ---------------------------------------------------------------- lookups by dotted path
def test_get_submodule_parameter_buffer_and_set_submodule():
    net = small_net()
    assert net.get_submodule("features.0") is net.features[0]
    assert net.get_submodule("") is net
    assert net.get_parameter("head.bias") is net.head.bias
    assert net.get_buffer("bn.running_var") is net.bn.running_var
    with pytest.raises(AttributeError, match="Sequential has no submodule `nope`"):
        net.get_submodule("features.nope")
    with pytest.raises(AttributeError, match="Linear has no parameter `gain`"):
        net.get_parameter("head.gain")
    new_head = nn.Linear(4, 3)
    net.set_submodule("head", new_head)
    assert net.head is new_head and net(tg.randn(2, 3)).shape == (2, 3)
    with pytest.raises(AttributeError):
        net.set_submodule("features.extra", nn.ReLU(), strict=True)
    net.scale = 3.0
    with pytest.raises(AttributeError, match="`scale` of Sequential is not an nn.Module"):
        net.set_submodule("scale", nn.ReLU())
    with pytest.raises(ValueError, match="not an nn.Module"):
        net.set_submodule("head", 3.0)


# ---------------------------------------------------------------- shared entries
def test_remove_duplicate_false_lists_shared_modules_and_parameters_again():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in net.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in net.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert len(list(net.modules(remove_duplicate=False))) == 4
    assert [n for n, _ in net.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    bns = nn.Sequential(nn.BatchNorm1d(2))
    bns.append(bns[0])
    assert len(list(bns.named_buffers(remove_duplicate=False))) == 6
    assert [n for n, _ in net.named_modules(None, "top")][:2] == ["top", "top.0"]   # torch's order


# ---------------------------------------------------------------- parameter containers
def test_parameter_list_registers_converts_and_trains():
    class Gains(nn.Module):
        def __init__(self):
            super().__init__()
            self.gains = nn.ParameterList([tg.ones(2), nn.Parameter(np.full(2, 2.0, np.float32))])
            self.gains.append(tg.zeros(2))

        def forward(self, x):
            for g in self.gains:
                x = x * g + g
            return x

    model = Gains()
    assert [n for n, _ in model.named_parameters()] == ["gains.0", "gains.1", "gains.2"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.gains)
    assert len(model.gains) == 3 and model.gains[-1] is model.gains[2]
    assert len(model.gains[1:]) == 2
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    model(tg.ones(2)).sum().backward()
    opt.step()
    # x: 1 -> 1*1 + 1 = 2 -> 2*2 + 2 = 6 -> 6*g2 + g2, so dL/dg2 = 6 + 1 = 7 per element
    np.testing.assert_allclose(model.gains[2].numpy(), [-0.7, -0.7], rtol=1e-6)
    with pytest.raises(IndexError, match="out of range for 3 entries"):
        model.gains[3]
    with pytest.raises(TypeError, match="expected a Parameter or a Tensor"):
        model.gains.append(3.0)
    made = nn.ParameterList([tg.ones(2, requires_grad=True) * 2])[0]    # a graph tensor
    assert made.is_leaf and made.requires_grad and made.tolist() == [2.0, 2.0]


def test_parameter_dict_behaves_like_a_dict_of_registered_parameters():
    params = nn.ParameterDict({"a": tg.ones(2)})
    params["b"] = nn.Parameter(np.zeros(3, np.float32))
    params.update(nn.ParameterDict({"c": tg.ones(1)}))
    assert list(params) == ["a", "b", "c"] and "b" in params and len(params) == 3
    assert list(params.state_dict()) == ["a", "b", "c"]
    assert params.get("zz") is None and params.pop("a").shape == (2,)
    assert [k for k, _ in params.items()] == ["b", "c"]
    assert repr(params) == ("ParameterDict(\n    (b): Parameter containing: [float32 of size 3]\n"
                            "    (c): Parameter containing: [float32 of size 1]\n)")
    unsorted = nn.ParameterDict({"weight": tg.ones(1), "bias": tg.ones(1)})
    assert list(unsorted) == ["bias", "weight"]          # torch sorts a plain dict's keys
    ordered = nn.ParameterDict(OrderedDict(weight=tg.ones(1), bias=tg.ones(1)))
    assert list(ordered) == ["weight", "bias"]           # ... but keeps an OrderedDict's order


def test_module_dict_from_another_module_dict():
    first = nn.ModuleDict({"relu": nn.ReLU(), "tanh": nn.Tanh()})
    copy = nn.ModuleDict(first)
    copy.update(nn.ModuleDict({"sig": nn.Sigmoid()}))
    assert list(copy) == ["relu", "tanh", "sig"] and copy["relu"] is first["relu"]


def test_sequential_insert_returns_self_and_checks_the_index():
    seq = nn.Sequential(nn.ReLU())
    assert seq.insert(0, nn.Tanh()).insert(-1, nn.Sigmoid()) is seq
    assert [type(m).__name__ for m in seq] == ["Tanh", "Sigmoid", "ReLU"]
    with pytest.raises(IndexError, match="out of range"):
        seq.insert(10, nn.ReLU())


# ---------------------------------------------------------------- reprs
def test_reprs_follow_torch():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.Linear(2, 2)])
    assert repr(layers) == ("ModuleList(\n"
                            "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
                            "  (3): ReLU()\n"
                            "  (4): Linear(in_features=2, out_features=2, bias=True)\n)")

    class TwoLines(nn.Module):
        def extra_repr(self):
            return "alpha=1\nbeta=2"

    assert repr(TwoLines()) == "TwoLines(\n  alpha=1\n  beta=2\n)"
    lin = nn.Linear(2, 2)
    assert repr(lin.load_state_dict(lin.state_dict())) == "<All keys matched successfully>"
    assert repr(lin.load_state_dict({}, strict=False)) == (
        "_IncompatibleKeys(missing_keys=['weight', 'bias'], unexpected_keys=[])")


def test_batchnorm_without_bias():
    bn = nn.BatchNorm2d(3, bias=False)
    assert [n for n, _ in bn.named_parameters()] == ["weight"] and bn.bias is None
    assert repr(bn) == ("BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=False, "
                        "track_running_stats=True)")
    x = tg.randn(4, 3, 2, 2)
    y = bn(x)
    mean = x.numpy().mean(axis=(0, 2, 3), keepdims=True)
    std = np.sqrt(x.numpy().var(axis=(0, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(y.numpy(), (x.numpy() - mean) / std, atol=1e-5)


def test_against_torch_reprs_and_names():
    torch = pytest.importorskip("torch")
    ours = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Tanh(), nn.Tanh(), nn.Tanh()])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                                  torch.nn.Tanh(), torch.nn.Tanh(), torch.nn.Tanh()])
    assert repr(ours) == repr(theirs)
    assert repr(nn.BatchNorm1d(5, affine=False)) == repr(torch.nn.BatchNorm1d(5, affine=False))
    shared = nn.Linear(2, 2)
    tshared = torch.nn.Linear(2, 2)
    ours, theirs = nn.Sequential(shared, shared), torch.nn.Sequential(tshared, tshared)
    for kwargs in ({}, {"remove_duplicate": False}):
        assert ([n for n, _ in ours.named_parameters(**kwargs)]
                == [n for n, _ in theirs.named_parameters(**kwargs)])
        assert ([n for n, _ in ours.named_modules(**kwargs)]
                == [n for n, _ in theirs.named_modules(**kwargs)])


def test_load_state_dict_assign_takes_the_values_dtype_and_keeps_requires_grad():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    model[0].bias.requires_grad_(False)
    state = {k: np.ones(v.shape, np.float64) for k, v in model.state_dict().items()}
    state["1.num_batches_tracked"] = np.array(5)
    old_weight = model[0].weight
    model.load_state_dict(state, assign=True)
    assert model[0].weight is not old_weight and model[0].weight.dtype == np.float64
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.requires_grad
    assert not model[0].bias.requires_grad                  # the module's flag is kept
    assert model[1].running_mean.dtype == np.float64 and model[1].num_batches_tracked.item() == 5
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                              "1.bias"]


def test_load_state_dict_assign_keeps_the_checkpoints_tensors_as_torch():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    given = nn.Parameter(tg.ones(2))
    state["0.bias"] = given
    model.load_state_dict(state, assign=True)
    assert model[0].bias is given and model[1].running_mean is state["1.running_mean"]
    state["0.weight"].data[0, 0] = 42.0                # a Parameter sharing the tensor's memory
    assert model[0].weight[0, 0].item() == 42.0 and model[0].weight.is_leaf
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.requires_grad
    array = np.zeros((2, 2), np.float32)               # (an array: its memory too)
    model[0].load_state_dict({"weight": array, "bias": tg.zeros(2)}, assign=True)
    array[1, 1] = 7.0
    assert model[0].weight[1, 1].item() == 7.0


# ------------------------------------------- nineteenth session: a Module mechanics sweep
def test_extra_state_is_saved_and_loaded_as_torch():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.step = nn.Linear(1, 1), 0

        def get_extra_state(self):
            return {"step": self.step}

        def set_extra_state(self, state):
            self.step = state["step"]

    model = Counter()
    model.step = 7
    state = model.state_dict()
    assert list(state) == ["_extra_state", "lin.weight", "lin.bias"]
    fresh = Counter()
    fresh.load_state_dict(state)
    assert fresh.step == 7
    del state["_extra_state"]
    assert Counter().load_state_dict(state, strict=False).missing_keys == ["_extra_state"]


def test_state_dict_overrides_with_torchs_signature_and_destination():
    class NoBias(nn.Linear):
        def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
            out = super().state_dict(*args, destination=destination, prefix=prefix,
                                     keep_vars=keep_vars)
            out.pop(prefix + "bias", None)
            return out

    assert list(nn.Sequential(nn.ReLU(), NoBias(2, 2)).state_dict()) == ["1.weight"]
    assert list(nn.Linear(2, 2).state_dict(destination=None, prefix="z.")) == \
        ["z.weight", "z.bias"]
    filled: dict = {}
    assert nn.Linear(2, 2).state_dict(destination=filled) is filled and len(filled) == 2
    with pytest.warns(FutureWarning, match="positional arguments are deprecated"):
        assert list(nn.Linear(2, 2).state_dict(None, "p.")) == ["p.weight", "p.bias"]


def test_a_load_from_state_dict_override_renames_old_keys():
    class Compat(nn.Linear):
        def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
            if prefix + "W" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "W")
            super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    model = nn.Sequential(Compat(2, 2))
    checkpoint = {"0.W": tg.ones(2, 2), "0.bias": tg.zeros(2)}
    result = model.load_state_dict(checkpoint)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert model[0].weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert list(checkpoint) == ["0.W", "0.bias"]                 # the caller's dict is kept


def test_load_state_dict_refuses_what_is_not_a_dict_or_a_tensor():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="load_state_dict: expected a dict-like state_dict, "
                                        "got list"):
        model.load_state_dict(list(model.state_dict().items()))
    bn = nn.BatchNorm1d(2)
    state = bn.state_dict()
    state["num_batches_tracked"] = 5
    with pytest.raises(RuntimeError, match='copying the parameter named "num_batches_tracked", '
                                           "expected a Tensor or an ndarray"):
        bn.load_state_dict(state)
    state["num_batches_tracked"] = np.asarray(5)          # arrays load (an extension)
    bn.load_state_dict(state)
    assert bn.num_batches_tracked.item() == 5


def test_dir_sequential_repetition_and_cuda_as_torch():
    model = nn.Linear(2, 2)
    model.register_buffer("mask", None)
    model.head = nn.ReLU()
    assert {"weight", "bias", "head", "mask", "forward"} <= set(dir(model))
    block = nn.Sequential(nn.ReLU(), nn.Tanh())
    assert [type(m).__name__ for m in block * 2] == ["ReLU", "Tanh", "ReLU", "Tanh"]
    assert (2 * block)[2] is block[0]                            # shared, as torch
    block *= 2
    assert len(block) == 4 and list(block._modules) == ["0", "1", "2", "3"]
    with pytest.raises(RuntimeError, match="CPU only"):
        model.cuda()
    assert model._get_name() == "Linear"


def test_type_casts_every_parameter_and_buffer_as_torch():
    norm = nn.BatchNorm1d(2)
    weight = norm.weight
    assert norm.type(tg.float64) is norm and norm.weight is weight
    assert norm.weight.dtype == norm.running_mean.dtype == np.float64
    assert norm.num_batches_tracked.dtype == np.float64          # unlike to(): ints too
    norm.type("torch.FloatTensor")
    assert norm.weight.dtype == norm.num_batches_tracked.dtype == np.float32
    assert norm.type(tg.DoubleTensor).weight.dtype == np.float64
    with pytest.raises(TypeError, match="Module.type: parameter 'weight' requires grad, so it "
                                        "must stay floating point; got int32"):
        nn.Linear(2, 2).type(tg.int32)


def test_to_empty_gives_new_memory_and_keeps_the_parameter_objects():
    layer = nn.Linear(3, 2)
    weight, before = layer.weight, layer.weight.data
    assert layer.to_empty(device="cpu") is layer and layer.weight is weight
    assert layer.weight.data is not before and not np.shares_memory(layer.weight.data, before)
    assert layer.weight.shape == (2, 3) and layer.weight.dtype == np.float32
    assert layer.weight.requires_grad
    layer.reset_parameters()                     # the usual next step: fill it again
    assert np.isfinite(layer.weight.numpy()).all()
    with pytest.raises(RuntimeError, match="Module.to_empty: .*CPU only.*got device 'cuda'"):
        layer.to_empty(device="cuda")
