"""nn.Module: registration, torch's names and order, state_dict rules, dtype, modes, repr."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.bn = nn.BatchNorm2d(2)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.ones(1, np.float32))
        self.block = Block()
        self.layers = nn.ModuleList([nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 3, bias=False)])
        self.heads = nn.ModuleDict({"a": nn.Linear(3, 1), "b": nn.Identity()})
        self.register_buffer("steps", tg.zeros(1))
        self.register_buffer("scratch", tg.zeros(2), persistent=False)

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        h = self.block.bn(self.block.conv(x)).flatten(1)[:, :8] * self.scale
        for layer in self.layers:
            h = layer(h)
        return self.heads["a"](h)


NET_PARAMS = ["scale", "block.conv.weight", "block.conv.bias", "block.bn.weight", "block.bn.bias",
              "layers.0.weight", "layers.0.bias", "layers.2.weight", "heads.a.weight",
              "heads.a.bias"]
NET_STATE = ["scale", "steps", "block.conv.weight", "block.conv.bias", "block.bn.weight",
             "block.bn.bias", "block.bn.running_mean", "block.bn.running_var",
             "block.bn.num_batches_tracked", "layers.0.weight", "layers.0.bias",
             "layers.2.weight", "heads.a.weight", "heads.a.bias"]


def test_names_and_order_are_torchs():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == NET_PARAMS
    assert list(net.state_dict()) == NET_STATE          # own params, own buffers, children
    assert [name for name, _ in net.named_buffers()] == [
        "steps", "scratch", "block.bn.running_mean", "block.bn.running_var",
        "block.bn.num_batches_tracked"]
    assert [name for name, _ in net.named_children()] == ["block", "layers", "heads"]
    assert [name for name, _ in net.named_modules()][:4] == ["", "block", "block.conv", "block.bn"]
    assert len(list(net.parameters())) == len(NET_PARAMS)
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]


def test_names_match_torch_for_the_same_architecture():
    torch = pytest.importorskip("torch")

    class TorchBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, 3)
            self.bn = torch.nn.BatchNorm2d(2)

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(1))
            self.block = TorchBlock()
            self.layers = torch.nn.ModuleList([torch.nn.Linear(8, 4), torch.nn.ReLU(),
                                               torch.nn.Linear(4, 3, bias=False)])
            self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(3, 1),
                                              "b": torch.nn.Identity()})
            self.register_buffer("steps", torch.zeros(1))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)

    reference = TorchNet()
    assert [n for n, _ in reference.named_parameters()] == NET_PARAMS
    assert list(reference.state_dict()) == NET_STATE
    ours = Net()
    ours.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    for key, value in reference.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy())


def test_shared_parameter_listed_once_and_state_dict_keeps_both_names():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_plain_list_of_modules_warns_and_stays_unregistered_as_in_torch():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]

    bad = Bad()
    with pytest.warns(nn.module.PlainContainerWarning,
                      match=r"Bad\.layers is a plain list .*nn\.ModuleList"):
        assert list(bad.parameters()) == [] and len(bad.layers) == 1  # torch: not registered

    class Registered(nn.Module):                   # fast.ai's pattern: each one registered
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.ReLU()]
            for i, layer in enumerate(self.layers):
                self.add_module(f"layer_{i}", layer)

    class Taps(nn.Module):                         # a list of taps into a child's layers
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
            self.taps = [self.body[0]]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(Registered().parameters())) == 2
        assert len(list(Taps().parameters())) == 2

    class Late(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = []
            self.layers.append(nn.Linear(2, 2))    # mutated after assignment

    with pytest.warns(nn.module.PlainContainerWarning, match=r"Late\.layers is a plain list"):
        list(Late().parameters())
    with pytest.warns(nn.module.PlainContainerWarning, match=r"plain dict .*nn\.ModuleDict"):
        model = nn.Sequential()
        model.heads = {"a": nn.Linear(1, 1)}
        model.state_dict()
    with pytest.warns(nn.module.PlainContainerWarning, match=r"nn\.ParameterList"):
        model = nn.Sequential()
        model.scales = [nn.Parameter(np.ones(2))]
        list(model.parameters())


def test_a_frozen_teacher_kept_in_a_list_is_left_out_on_purpose():
    class Student(nn.Module):
        def __init__(self, teacher):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self._teacher = [teacher]            # torch's idiom: not a child, not trained

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn.module.PlainContainerWarning)
        student = Student(nn.Linear(2, 2))
        assert list(student.state_dict()) == ["fc.weight", "fc.bias"]
        assert student.double()._teacher[0].weight.dtype == np.float32


def test_a_module_cannot_take_a_parameters_name():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="as parameter 'bias'"):
        lin.bias = nn.Identity()                 # torch refuses it too
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]


def test_assigning_before_init_and_wrong_types():
    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=re.escape("call super().__init__() first")):
        NoInit()
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = np.zeros((2, 2))
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_load_state_dict_errors_name_the_keys():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    del state["2.bias"]
    state["2.extra"] = np.zeros(1)
    state["0.weight"] = np.zeros((3, 2))
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert 'Missing key(s) in state_dict: "2.bias".' in message
    assert 'Unexpected key(s) in state_dict: "2.extra".' in message
    assert "size mismatch for 0.weight: copying a param with shape (3, 2) from checkpoint, " \
           "the shape in current model is (2, 3)." in message
    # non-strict still refuses wrong shapes, but reports missing/unexpected keys quietly
    state["0.weight"] = np.full((2, 3), 7.0)
    result = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    keys = result.load_state_dict(state, strict=False)
    assert keys.missing_keys == ["2.bias"] and keys.unexpected_keys == ["2.extra"]
    assert result[0].weight.dtype == np.float32 and np.all(result[0].weight.numpy() == 7.0)


def test_load_state_dict_copies_values_and_keeps_parameter_objects():
    source, target = nn.Linear(3, 2), nn.Linear(3, 2)
    weight = target.weight
    target.load_state_dict(source.state_dict())
    assert target.weight is weight
    np.testing.assert_array_equal(target.weight.numpy(), source.weight.numpy())
    source.weight.data[...] = 0           # not aliased
    assert np.any(target.weight.numpy() != 0)


def test_load_state_dict_writes_in_place_like_torch_copy():
    lin = nn.Linear(2, 2)
    earlier = lin.state_dict()["weight"]
    lin.load_state_dict({"weight": np.full((2, 2), 3.0), "bias": np.zeros(2)})
    np.testing.assert_array_equal(earlier.numpy(), 3.0)      # the same memory, updated
    assert lin.weight.dtype == np.float32


def test_state_dict_shares_memory_and_is_detached():
    lin = nn.Linear(2, 2)
    state = lin.state_dict()
    assert not state["weight"].requires_grad
    lin.weight.data[0, 0] = 5.0
    assert state["weight"].numpy()[0, 0] == 5.0


def test_double_float_to_convert_in_place():
    net = Net()
    params_before = list(net.parameters())
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.block.bn.running_var.dtype == np.float64
    assert net.block.bn.num_batches_tracked.dtype == np.int64
    assert all(a is b for a, b in zip(params_before, net.parameters()))
    out = net(tg.randn(2, 1, 4, 4, dtype="float64"))
    assert out.dtype == np.float64
    net.to("float32")
    assert all(p.dtype == np.float32 for p in net.parameters())
    with pytest.raises(TypeError, match="floating point"):
        net.to(np.int64)
    assert net.to("cpu") is net and net.cpu() is net
    assert net.to("cpu", dtype=tg.float64) is net and net.block.bn.weight.dtype == np.float64
    net.to(tg.zeros(1))                                  # to(tensor): its dtype, float32
    assert all(p.dtype == np.float32 for p in net.parameters())
    with pytest.raises(RuntimeError, match="Module.to: .*CPU only.*'cuda:0'"):
        net.to("cuda:0")


def test_a_module_overriding_apply_converts_its_own_tensors_too():
    calls = []

    class Cached(nn.Module):              # a module keeping a tensor that is no buffer
        def __init__(self):
            super().__init__()
            self.lin, self.table = nn.Linear(2, 2), tg.ones(3)

        def _apply(self, fn, recurse=True):
            calls.append(type(self).__name__)
            self.table = fn(self.table)
            return super()._apply(fn, recurse)

    net = nn.Sequential(Cached(), nn.BatchNorm1d(2))
    net[0].lin.weight.grad = tg.ones(2, 2)
    assert net.double() is net and calls == ["Cached"]
    assert net[0].table.dtype == net[0].lin.weight.grad.dtype == np.float64
    assert net[1].num_batches_tracked.dtype == np.int64 and not net[0].table.requires_grad
    net._apply(lambda t: t * 0 if t.dtype.kind == "f" else t)     # any function of the data
    assert not net[0].lin.weight.data.any() and not net[0].table.data.any()
    assert net[0].lin.weight.grad_fn is None


@pytest.mark.parametrize("make", [
    lambda d: nn.Linear(2, 3, device=d), lambda d: nn.Conv2d(1, 2, 3, device=d),
    lambda d: nn.ConvTranspose2d(1, 2, 3, device=d), lambda d: nn.BatchNorm2d(2, device=d),
    lambda d: nn.LayerNorm(4, device=d), lambda d: nn.GroupNorm(1, 2, device=d),
    lambda d: nn.Embedding(5, 2, device=d)])
def test_layers_take_torch_device_argument(make):
    layer = make("cpu")
    assert all(p.device == "cpu" for p in layer.parameters())
    with pytest.raises(RuntimeError, match=f"{type(layer).__name__}: .*CPU only.*'cuda'"):
        make("cuda")


def test_replacing_a_registered_entry_keeps_its_place():
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    layers[0] = nn.Identity()
    assert [type(m).__name__ for m in layers] == ["Identity", "Tanh", "Sigmoid"]
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    seq[0] = nn.Identity()                               # the head swap of fine-tuning
    setattr(seq, "1", nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Identity", "Tanh"]
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(tg.zeros(2, 2))
    assert [name for name, _ in lin.named_parameters()] == ["weight", "bias"]
    net = Net()
    net.block = Block()
    tops = list(dict.fromkeys(k.split(".")[0] for k in net.state_dict()))
    assert tops == ["scale", "steps", "block", "layers", "heads"]
    heads = nn.ModuleDict({"a": nn.ReLU(), "b": nn.ReLU()})
    heads["a"] = nn.Identity()
    assert list(heads) == ["a", "b"]
    bn = nn.BatchNorm1d(3)
    bn.register_buffer("running_mean", tg.ones(3))
    assert list(bn.state_dict())[2:4] == ["running_mean", "running_var"]


def test_register_names_are_checked_as_torch():
    lin = nn.Linear(2, 2)
    for call in (lambda: lin.register_buffer("a.b", tg.zeros(1)),
                 lambda: lin.register_buffer("weight", tg.zeros(1)),     # a parameter
                 lambda: lin.register_parameter("forward", None),        # a method
                 lambda: lin.add_module("", nn.ReLU())):
        with pytest.raises(KeyError):
            call()


def test_a_child_held_twice_is_one_child_and_train_calls_overrides():
    shared = nn.ReLU()
    seq = nn.Sequential(shared, shared)
    assert list(seq.children()) == [shared]
    visited = []
    seq.apply(visited.append)
    assert visited == [shared, seq]

    class FrozenNorm(nn.Module):          # keeps its BatchNorm in eval mode, as in torch code
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.BatchNorm1d(3)

        def train(self, mode: bool = True) -> nn.Module:
            super().train(mode)
            self.bn.eval()
            return self

    model = nn.Sequential(nn.Linear(3, 3), FrozenNorm())
    model.train()
    assert model.training and model[0].training and not model[1].bn.training
    with pytest.raises(ValueError, match="train: mode is expected to be a bool"):
        model.train("yes")


def test_train_eval_zero_grad_requires_grad():
    net = Net()
    assert net.training and net.block.bn.training
    assert net.eval() is net
    assert not net.training and not net.block.bn.training and not net.layers[0].training
    net.train()
    assert net.heads["b"].training
    out = net(tg.randn(2, 1, 4, 4)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_containers():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert [n for n, _ in seq[1:].named_parameters()] == ["2.weight", "2.bias"]
    x = tg.randn(5, 4)
    np.testing.assert_allclose(seq(x).numpy(), seq[2](seq[1](seq[0](x))).numpy())
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict(fc=nn.Linear(1, 1), act=nn.Tanh()))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    layers = nn.ModuleList()
    layers.append(nn.Linear(1, 1)).extend([nn.ReLU(), nn.Linear(1, 2)])
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Identity", "Linear", "ReLU", "Linear"]
    assert list(layers.state_dict()) == ["1.weight", "1.bias", "3.weight", "3.bias"]
    with pytest.raises(IndexError, match="out of range"):
        layers[4]
    heads = nn.ModuleDict({"x": nn.Linear(1, 1)})
    heads["y"] = nn.Linear(1, 1)
    assert "y" in heads and list(heads.keys()) == ["x", "y"] and len(heads) == 2
    by_keyword = [nn.ModuleList(modules=[nn.ReLU()]), nn.ModuleDict(modules={"a": nn.ReLU()}),
                  nn.ParameterList(values=[tg.ones(1)]),
                  nn.ParameterDict(parameters={"w": tg.ones(1)})]     # torch's keywords
    assert [len(container) for container in by_keyword] == [1, 1, 1, 1]


def test_list_like_containers_delete_insert_and_pop_renumber_like_torch():
    relu, tanh, sig, ident = nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Identity()
    for kind in (nn.Sequential, lambda *ms: nn.ModuleList(ms)):
        box = kind(relu, tanh, sig)
        del box[0]
        assert list(box) == [tanh, sig] and list(box._modules) == ["0", "1"]
        box.insert(1, ident)
        assert list(box) == [tanh, ident, sig] and list(box._modules) == ["0", "1", "2"]
        assert box.pop(0) is tanh and list(box) == [ident, sig]
        box += [relu]
        del box[:2]
        assert list(box) == [relu] and list(box._modules) == ["0"]
    assert list(nn.Sequential(relu) + nn.Sequential(tanh)) == [relu, tanh]
    assert list(nn.ModuleList([relu]) + nn.ModuleList([tanh])) == [relu, tanh]
    heads = nn.ModuleDict([("a", relu), ("b", tanh)])           # (key, module) pairs
    assert heads.pop("a") is relu and list(heads) == ["b"]
    heads.update([("c", sig)])
    heads.clear()
    assert len(heads) == 0


def test_repr_like_torch():
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16, 10, bias=False), nn.Dropout(0.25),
                          nn.BatchNorm1d(10))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))\n"
        "  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        "  (4): Linear(in_features=16, out_features=10, bias=False)\n"
        "  (5): Dropout(p=0.25, inplace=False)\n"
        "  (6): BatchNorm1d(10, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        ")")
    assert repr(nn.Parameter(np.zeros(1, np.float32))).startswith("Parameter containing:\n")


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    pairs = [(nn.Conv2d(3, 8, 3, stride=2, groups=1, bias=False),
              torch.nn.Conv2d(3, 8, 3, stride=2, bias=False)),
             (nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1),
              torch.nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)),
             (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
             (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
             (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
             (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss())]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def test_checkpoint_model_optimizer_epoch_roundtrip(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    x, y = tg.randn(16, 4), tg.Tensor(np.arange(16) % 3)

    def step(m, opt):
        loss = nn.functional.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(3):
        step(model, optimizer)
    path = tmp_path / "ckpt.npz"
    tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, path)
    with np.load(path, allow_pickle=False) as archive:       # plain numpy, no pickle
        assert "__structure__" in archive.files

    restored = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    restored_opt = nn.optim.Adam(restored.parameters(), lr=0.5)
    checkpoint = tg.load(path)
    restored.load_state_dict(checkpoint["model"])
    restored_opt.load_state_dict(checkpoint["optimizer"])
    assert checkpoint["epoch"] == 3 and restored_opt.param_groups[0]["lr"] == 0.01
    assert int(restored[1].num_batches_tracked.item()) == 3
    for _ in range(2):
        step(model, optimizer)
        step(restored, restored_opt)
    for a, b in zip(model.parameters(), restored.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match=re.escape("Module has no forward()")):
        nn.Module()(1)
