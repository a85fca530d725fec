"""Hooks on backward-graph nodes: grad_fn.register_prehook / register_hook, as torch's Node."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def test_a_node_hook_sees_the_gradients_its_vjp_sends():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    c = Tensor([5.0, 6.0])
    out = a * b * c
    seen = []
    out.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        ([None if g is None else g.numpy() for g in grad_inputs], grad_outputs[0].numpy())))
    out.sum().backward()
    (grad_ab, grad_c), upstream = seen[0]
    np.testing.assert_array_equal(upstream, [1.0, 1.0])
    np.testing.assert_array_equal(grad_ab, [5.0, 6.0])        # d(ab * c)/d(ab) = c
    assert grad_c is None                                       # c does not require grad


def test_node_hooks_see_broadcast_gradients_summed_to_the_inputs_shapes():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    bias = Tensor(np.zeros(3), requires_grad=True)
    out = a + bias
    shapes = []
    out.grad_fn.register_hook(lambda gi, go: shapes.append([g.shape for g in gi]))
    out.sum().backward()
    assert shapes == [[(2, 3), (3,)]]


def test_a_node_hook_can_replace_the_gradients():
    x = Tensor([2.0, 3.0], requires_grad=True)
    y = x * x
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, gi[1]))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2 * 10 + 2, 3 * 10 + 3])


def test_a_prehook_replaces_the_upstream_gradient_before_the_vjp():
    x = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    y = x.exp()
    handle = y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 0.5,))
    y.sum().backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 0.5 * np.exp([2.0, 3.0]), rtol=1e-15)
    handle.remove()
    x.grad = None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([2.0, 3.0]), rtol=1e-15)


def test_every_step_of_the_chain_rule_can_be_watched():
    """The lesson: register a hook on every node and print what flows back."""
    x = Tensor(0.5, requires_grad=True)
    loss = (x * 3.0).tanh().square()
    log = []
    node = loss.grad_fn
    while isinstance(node, tg.Function):                 # down to the leaf's AccumulateGrad
        node.register_hook(lambda gi, go, name=node.name: log.append((name, go[0].item())))
        node = node.next_functions[0][0]
    loss.backward()
    t = np.tanh(1.5)
    assert [name for name, _ in log] == ["mul", "tanh", "mul"]      # square is x * x
    np.testing.assert_allclose([g for _, g in log], [1.0, 2 * t, 2 * t * (1 - t * t)],
                               rtol=1e-6)


def test_node_hooks_with_second_derivatives():
    x = Tensor([1.5], requires_grad=True)
    y = x ** 3
    calls = []
    y.grad_fn.register_hook(lambda gi, go: calls.append(gi[0].requires_grad))
    (g,) = tg.grad(y.sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    assert calls == [True] and g.item() == 3 * 1.5 ** 2 and h.item() == 6 * 1.5


def test_bad_hook_results_are_clear_errors():
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    y.grad_fn.register_hook(lambda gi, go: (gi[0], gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="must return None or 2 gradients"):
        y.sum().backward()
    z = x.exp()
    z.grad_fn.register_prehook(lambda go: go[0])
    with pytest.raises(RuntimeError, match="prehook must return None or a 1-tuple"):
        z.sum().backward()


def test_matches_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[0.3, -1.2], [2.0, 0.7]])
    results = []
    for lib in (tg, torch):
        a = lib.tensor(data, requires_grad=True)
        w = lib.tensor(data.T.copy(), requires_grad=True)
        out = (a @ w).sigmoid()
        seen = []
        out.grad_fn.register_prehook(lambda go: (go[0] * 3,))
        mm = out.grad_fn.next_functions[0][0]
        mm.register_hook(lambda gi, go, seen=seen: seen.append([g.detach().numpy()
                                                                for g in gi]))
        out.sum().backward()
        results.append((seen[0], a.grad.numpy(), w.grad.numpy()))
    for ours, theirs in zip(results[0][0] + list(results[0][1:]),
                            results[1][0] + list(results[1][1:])):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_prehooks_run_after_the_output_tensors_hooks_and_retain_grad_as_torch():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = a * a
    order = []
    y.grad_fn.register_prehook(lambda go: order.append(("prehook", go[0].tolist()))
                               or (go[0] * 10,))
    y.register_hook(lambda g: order.append(("tensor hook", g.tolist())))
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    assert order == [("tensor hook", [1.0, 1.0]), ("prehook", [1.0, 1.0])]
    assert y.grad.tolist() == [1.0, 1.0] and a.grad.tolist() == [20.0, 40.0]
    order.clear()
    (g,) = tg.grad(y.sum(), y)              # y's VJP does not run: neither does its prehook
    assert g.tolist() == [1.0, 1.0] and order == [("tensor hook", [1.0, 1.0])]
    y.grad_fn.register_prehook(lambda go: (go[0].sum(),))
    with pytest.raises(RuntimeError, match=r"returned float64 \(\) for a gradient of float64 "
                                           r"\(2,\)"):
        y.sum().backward()
