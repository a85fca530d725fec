"""Gradient checkpointing (tinygrad_edu.utils.checkpoint): the same values and gradients
as without it, one node in the graph instead of the segment's, and the limits it states."""
import gc
import weakref

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu.utils.checkpoint import checkpoint, checkpoint_sequential


def _model(seed: int = 0) -> nn.Sequential:
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 8),
                         nn.ReLU(), nn.Linear(8, 3)).double()


def _grads(model: nn.Module) -> list:
    return [p.grad.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("input_requires_grad", [True, False])
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_gives_the_plain_values_and_gradients(segments,
                                                                    input_requires_grad):
    x = tg.tensor(np.random.default_rng(1).standard_normal((4, 5)),
                  requires_grad=input_requires_grad)
    plain, checked = _model(), _model()
    tg.manual_seed(7)
    (plain(x) ** 2).sum().backward()
    plain_x_grad = x.grad.numpy().copy() if input_requires_grad else None
    x.grad = None
    tg.manual_seed(7)                                     # the same dropout masks
    out = checkpoint_sequential(checked, segments, x, use_reentrant=False)
    tg.manual_seed(7)
    np.testing.assert_array_equal(out.numpy(), plain(x).detach().numpy())
    (out ** 2).sum().backward()
    for g_plain, g_checked in zip(_grads(plain), _grads(checked)):
        np.testing.assert_allclose(g_checked, g_plain, rtol=1e-12, atol=1e-14)
    if input_requires_grad:
        np.testing.assert_allclose(x.grad.numpy(), plain_x_grad, rtol=1e-12, atol=1e-14)


def test_dropout_is_replayed_with_the_same_mask_and_the_generator_moves_on_as_without():
    layer = nn.Dropout(0.5)
    x = tg.ones(1000, dtype=tg.float64, requires_grad=True)
    tg.manual_seed(3)
    out = checkpoint(layer, x)
    after_forward = tg.rand(1).item()
    out.backward(tg.ones(1000, dtype=tg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())   # grad = mask * 2
    tg.manual_seed(3)
    layer(x)
    assert tg.rand(1).item() == after_forward     # the replay left the generator alone


def test_graph_keeps_one_node_and_frees_the_segment_values():
    w = tg.tensor(np.ones((50, 50)), requires_grad=True)
    x = tg.tensor(np.ones((50, 50)), requires_grad=True)
    intermediates = []

    def block(v):
        h = (v @ w).tanh()
        intermediates.append(weakref.ref(h))
        return (h @ w).sigmoid()

    out = checkpoint(block, x)
    gc.collect()
    assert intermediates[0]() is None                  # the forward's h is gone already
    assert type(out.grad_fn).__name__ == "Checkpoint"
    assert out.grad_fn.next_functions[0][0] is not None   # x's accumulator, not h's op
    out.sum().backward()
    assert len(intermediates) == 2                     # recomputed once, in backward
    expected_w, expected_x = tg.grad(block(x).sum(), [w, x])
    np.testing.assert_allclose(w.grad.numpy(), expected_w.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), expected_x.numpy(), rtol=1e-12)


def test_tuple_outputs_and_non_tensor_arguments():
    a = tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64, requires_grad=True)
    b = tg.tensor([[0.5], [2.0]], dtype=tg.float64, requires_grad=True)

    def f(x, power, y):
        return x ** power, (y * x).sum(1), x.argmax()

    p, s, i = checkpoint(f, a, 3, b)
    assert i.item() == 2 and p.shape == (3,) and s.shape == (2,)
    (p.sum() + (s * tg.tensor([1.0, -1.0], dtype=tg.float64)).sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), 3 * a.numpy() ** 2 + (0.5 - 2.0))
    np.testing.assert_allclose(b.grad.numpy(), [[6.0], [-6.0]])


def test_second_derivative_through_a_checkpoint():
    x = tg.tensor([0.3, -1.2], dtype=tg.float64, requires_grad=True)
    y = checkpoint(lambda v: (v ** 3).sum(), x)
    y.backward(create_graph=True)
    first = x.grad
    np.testing.assert_allclose(first.numpy(), 3 * x.numpy() ** 2)
    x.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy())


def test_grad_and_backward_inputs_reach_the_parameters_inside():
    w = tg.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=tg.float64, requires_grad=True)
    x = tg.tensor([[0.2, 0.7]], dtype=tg.float64, requires_grad=True)

    def f(v):
        return (v @ w).tanh()

    expected = tg.grad((f(x) ** 2).sum(), [w, x])
    found = tg.grad((checkpoint(f, x) ** 2).sum(), [w, x])
    for a, b in zip(found, expected):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    assert w.grad is None and x.grad is None
    (checkpoint(f, x) ** 2).sum().backward(inputs=[w])
    np.testing.assert_allclose(w.grad.numpy(), expected[0].numpy(), rtol=1e-12)
    assert x.grad is None
    hessian = tg.autograd.functional.hessian(lambda v: (checkpoint(f, v) ** 2).sum(), x)
    np.testing.assert_allclose(hessian.numpy(), tg.autograd.functional.hessian(
        lambda v: (f(v) ** 2).sum(), x).numpy(), rtol=1e-12)


def test_nothing_requires_grad_and_no_grad_mode_are_plain_calls():
    x = tg.ones(3)
    out = checkpoint(lambda v: v * 2, x)
    assert out.grad_fn is None and not out.requires_grad
    with tg.no_grad():
        assert checkpoint(nn.Linear(3, 2), x).grad_fn is None


def test_nested_outputs_dicts_and_outputs_without_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    out, (h, c) = checkpoint(lambda a: (a * 2, (a * 3, a.argmax())), x)   # an LSTM's shape
    assert not c.requires_grad and c.grad_fn is None and c.item() == 1
    h.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    result = checkpoint(lambda a: {"y": a * 2, "constant": tg.ones(2)}, x)
    assert result["y"].requires_grad and not result["constant"].requires_grad
    x.grad = None
    result["y"].sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_bad_calls_name_the_problem():
    x = tg.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match="checkpoint_sequential: segments must be between 1 "
                                         "and the number of layers \\(2\\), got 3"):
        checkpoint_sequential(nn.Sequential(nn.ReLU(), nn.ReLU()), 3, x)
    with pytest.raises(TypeError, match="checkpoint: use_reentrant must be True, False or "
                                        "None"):
        checkpoint(lambda v: v, x, use_reentrant="no")


def test_matches_torch_checkpoint_sequential():
    torch = pytest.importorskip("torch")
    from torch.utils.checkpoint import checkpoint_sequential as torch_sequential
    ours = _model()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                 torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    ours = nn.Sequential(*[m for m in ours if not isinstance(m, nn.Dropout)])
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((4, 5))
    (checkpoint_sequential(ours, 2, tg.tensor(x)) ** 2).sum().backward()
    (torch_sequential(theirs, 2, torch.tensor(x), use_reentrant=False) ** 2).sum().backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_gradient_penalty_through_a_checkpoint_reaches_the_weights():
    w = tg.tensor([0.5, -1.5], dtype=tg.float64, requires_grad=True)
    x = tg.tensor([0.3, -1.2], dtype=tg.float64, requires_grad=True)

    def penalty(step):
        (gx,) = tg.grad(step(x).sum(), x, create_graph=True)
        return (gx ** 2).sum()

    expected = tg.grad(penalty(lambda v: (v * w).sin() ** 3), w)[0]
    penalty(lambda v: checkpoint(lambda u: (u * w).sin() ** 3, v)).backward()
    np.testing.assert_allclose(w.grad.numpy(), expected.numpy(), rtol=1e-12)
