"""nn.Module.register_full_backward_hook / register_full_backward_pre_hook (nn/backward_hooks.py)."""
from __future__ import annotations

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import Tensor


class TwoInputs(nn.Module):
    """out = relu(l1(x) + l2(y)), and a non-Tensor argument `scale` in between."""

    def __init__(self) -> None:
        super().__init__()
        self.l1, self.l2 = nn.Linear(3, 2), nn.Linear(4, 2)

    def forward(self, x, scale, y):
        return (self.l1(x) + self.l2(y)).relu() * scale


def _data(seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((5, 3)), rng.standard_normal((5, 4))


def test_hooks_see_the_gradients_of_inputs_and_outputs():
    tg.manual_seed(0)
    net = TwoInputs().double()
    calls = []
    net.register_full_backward_pre_hook(lambda m, go: calls.append(("pre", m, go)))
    net.register_full_backward_hook(lambda m, gi, go: calls.append(("full", m, gi, go)))
    x_data, y_data = _data()
    x, y = Tensor(x_data, requires_grad=True), Tensor(y_data, requires_grad=True)
    out = net(x, 3.0, y)
    weights = np.arange(10.0).reshape(5, 2)
    (out * weights).sum().backward()

    assert [c[0] for c in calls] == ["pre", "full"]
    (_, module, grad_output), (_, _, grad_input, grad_output_again) = calls
    assert module is net and grad_output_again is grad_output
    np.testing.assert_array_equal(grad_output[0].numpy(), weights)
    # by hand: dL/dz = 3 * weights * [z > 0] with z = l1(x) + l2(y)
    z = (x_data @ net.l1.weight.numpy().T + net.l1.bias.numpy()
         + y_data @ net.l2.weight.numpy().T + net.l2.bias.numpy())
    g_z = 3 * weights * (z > 0)
    assert len(grad_input) == 3 and grad_input[1] is None
    np.testing.assert_allclose(grad_input[0].numpy(), g_z @ net.l1.weight.numpy(), rtol=1e-14)
    np.testing.assert_allclose(grad_input[2].numpy(), g_z @ net.l2.weight.numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), grad_input[0].numpy(), rtol=1e-14)


def test_grad_input_holds_only_what_flows_through_the_module():
    lin = nn.Linear(2, 2, bias=False)
    lin.weight.data[...] = [[1.0, 2.0], [3.0, 4.0]]
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append(gi[0].numpy()))
    x = Tensor([[1.0, 1.0]], requires_grad=True)
    (lin(x).sum() + 10 * x.sum()).backward()         # the caller's own use of x: +10
    np.testing.assert_array_equal(seen[0], [[4.0, 6.0]])
    np.testing.assert_array_equal(x.grad.numpy(), [[14.0, 16.0]])


def test_returned_gradients_replace_the_flowing_ones():
    lin = nn.Linear(2, 2, bias=False)
    lin.weight.data[...] = [[1.0, 2.0], [3.0, 4.0]]
    lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] + 100,))
    x = Tensor([[1.0, 1.0]], requires_grad=True)
    lin(x).sum().backward()
    np.testing.assert_array_equal(lin.weight.grad.numpy(), [[2.0, 2.0], [2.0, 2.0]])
    np.testing.assert_array_equal(x.grad.numpy(), [[108.0, 112.0]])


def test_hooks_chain_in_order_and_prepend_and_handles_remove_them():
    lin = nn.Linear(2, 2)
    order = []
    first = lin.register_full_backward_hook(lambda m, gi, go: order.append("first"))
    lin.register_full_backward_hook(lambda m, gi, go: order.append("second"))
    lin.register_full_backward_hook(lambda m, gi, go: order.append("zeroth"), prepend=True)
    x = tg.ones(1, 2, requires_grad=True)
    lin(x).sum().backward()
    assert order == ["zeroth", "first", "second"]
    first.remove()
    order.clear()
    lin(x).sum().backward()
    assert order == ["zeroth", "second"]


def test_without_inputs_that_need_grad_the_hook_runs_with_nones():
    tg.manual_seed(1)
    conv = nn.Conv2d(1, 2, 3)
    seen = []
    conv.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    conv(tg.randn(2, 1, 5, 5)).sum().backward()
    assert seen == [((None,), (2, 2, 3, 3))]
    assert conv.weight.grad is not None


def test_grad_cam_reads_a_conv_layers_output_gradient():
    tg.manual_seed(2)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 6 * 6, 3)).double()
    stash = {}
    model[0].register_forward_hook(lambda m, args, out: stash.update(act=out))
    model[0].register_full_backward_hook(lambda m, gi, go: stash.update(grad=go[0]))
    x = tg.randn(1, 1, 6, 6, dtype=tg.float64)
    model(x)[0, 1].backward()
    # the same gradient by the engine: dL/d(activation) with the activation retained
    act = model[0](x)
    act.retain_grad()
    model[2:](model[1](act))[0, 1].backward()
    np.testing.assert_allclose(stash["grad"].numpy(), act.grad.numpy(), rtol=1e-14)
    weights = stash["grad"].numpy().mean(axis=(2, 3), keepdims=True)
    cam = np.maximum((weights * stash["act"].numpy()).sum(axis=1), 0)
    assert cam.shape == (1, 6, 6) and np.isfinite(cam).all()


class Pair(nn.Module):
    def forward(self, x):
        return x * 2, x.sum(), "label"


def test_a_tuple_output_gets_one_grad_output_entry_per_item():
    m = Pair()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = Tensor([1.0, 2.0], requires_grad=True)
    doubled, total, label = m(x)
    assert label == "label" and isinstance(doubled, Tensor)
    ((doubled * Tensor([1.0, 10.0])).sum() + 5 * total).backward()
    (grad_input,), grad_output = seen[0][0], seen[0][1]
    np.testing.assert_array_equal(grad_output[0].numpy(), [1.0, 10.0])
    assert grad_output[1].item() == 5.0 and grad_output[2] is None
    np.testing.assert_array_equal(grad_input.numpy(), [7.0, 25.0])
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 25.0])


def test_float32_and_float64_inputs_keep_their_dtypes():
    class Mix(nn.Module):
        def forward(self, a, b):
            return (a.double() * b).sum()
    m = Mix()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    a = Tensor(np.array([1.5, 2.5], dtype=np.float32), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    m(a, b).backward()
    grad_a, grad_b = seen[0]
    assert (grad_a.dtype, grad_b.dtype) == (np.float32, np.float64)
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.5, 2.5])


def test_second_derivatives_pass_through_a_hooked_module():
    class Cube(nn.Module):
        def forward(self, x):
            return x ** 3
    m = Cube()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    x = Tensor([2.0], requires_grad=True)
    (g,) = tg.grad(m(x).sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    assert g.item() == 12.0 and h.item() == 12.0


def test_no_grad_calls_leave_inputs_and_outputs_alone():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: pytest.fail("no backward here"))
    x = tg.ones(1, 2, requires_grad=True)
    seen = []
    lin.register_forward_hook(lambda m, args, out: seen.append(args[0]))
    with tg.no_grad():
        out = lin(x)
    assert seen[0] is x and out.grad_fn is None


def test_bad_replacements_are_clear_errors():
    lin = nn.Linear(2, 2)
    x = tg.ones(1, 2, requires_grad=True)
    handle = lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="returned 2 for a grad_input of 1 entries"):
        lin(x).sum().backward()
    handle.remove()
    lin.register_full_backward_pre_hook(lambda m, go: (go[0].sum(),))
    with pytest.raises(RuntimeError, match=r"grad_output entry of shape \(1, 2\) was replaced "
                                           r"by \(\)"):
        lin(x).sum().backward()


def test_matches_torch_on_the_two_input_module():
    torch = pytest.importorskip("torch")
    tg.manual_seed(3)
    ours = TwoInputs().double()
    theirs = torch.nn.Module()
    theirs.l1, theirs.l2 = torch.nn.Linear(3, 2).double(), torch.nn.Linear(4, 2).double()
    theirs.forward = lambda x, scale, y: (theirs.l1(x) + theirs.l2(y)).relu() * scale
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    x_data, y_data = _data(4)
    results = []
    for lib, net in ((tg, ours), (torch, theirs)):
        seen = []
        net.register_full_backward_pre_hook(lambda m, go: (go[0] * 0.5,))
        net.register_full_backward_hook(
            lambda m, gi, go, seen=seen: seen.append([None if g is None else
                                                      g.detach().numpy() for g in gi]))
        x = lib.tensor(x_data, requires_grad=True)
        y = lib.tensor(y_data, requires_grad=True)
        out = net(x, 2.0, y)
        (out * lib.tensor(np.arange(10.0).reshape(5, 2))).sum().backward()
        results.append((seen[0], x.grad.numpy(), y.grad.numpy()))
    (seen_ours, gx, gy), (seen_torch, tx, ty) = results
    assert seen_ours[1] is None and seen_torch[1] is None
    for a, b in ((seen_ours[0], seen_torch[0]), (seen_ours[2], seen_torch[2]), (gx, tx),
                 (gy, ty)):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)
