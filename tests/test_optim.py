"""Optimizers: the update rules, step by step, against values computed by hand from the
formulas in torch's documentation (plain Python floats, no torch), then torch itself."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg

A = [3.0, 0.5]          # loss = sum(A * p**2 / 2 + B * p), so dL/dp = A * p + B
B = [0.1, -0.2]
P0 = [1.0, -2.0]


def run(optimizer_cls, steps: int, **options) -> list[list[float]]:
    """Parameter values after each of `steps` optimizer steps on the quadratic loss."""
    p = tg.Tensor(np.array(P0), requires_grad=True)
    optimizer = optimizer_cls([p], **options)
    trajectory = []
    for _ in range(steps):
        loss = (tg.Tensor(np.array(A)) * p * p / 2 + tg.Tensor(np.array(B)) * p).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        trajectory.append(p.numpy().tolist())
    return trajectory


def by_hand(rule, steps: int) -> list[list[float]]:
    """Apply `rule(p, g, state, t) -> new p` to each coordinate separately."""
    out, ps, states = [], list(P0), [{} for _ in P0]
    for t in range(1, steps + 1):
        ps = [rule(p, a * p + b, state, t) for p, a, b, state in zip(ps, A, B, states)]
        out.append(list(ps))
    return out


def test_plain_sgd_first_steps_literal():
    # g = [3*1 + 0.1, 0.5*(-2) - 0.2] = [3.1, -1.2]; p1 = p0 - 0.1 g = [0.69, -1.88]
    # g1 = [3*0.69 + 0.1, 0.5*(-1.88) - 0.2] = [2.17, -1.14]; p2 = [0.473, -1.766]
    np.testing.assert_allclose(run(nn.optim.SGD, 2, lr=0.1), [[0.69, -1.88], [0.473, -1.766]],
                               rtol=1e-12)


@pytest.mark.parametrize("momentum,dampening,nesterov,weight_decay", [
    (0.9, 0.0, False, 0.0), (0.9, 0.3, False, 0.0), (0.8, 0.0, True, 0.0),
    (0.9, 0.0, True, 0.05), (0.0, 0.0, False, 0.1)])
def test_sgd(momentum, dampening, nesterov, weight_decay):
    lr = 0.05

    def rule(p, g, s, t):
        g = g + weight_decay * p
        if momentum:
            s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
            g = g + momentum * s["b"] if nesterov else s["b"]
        return p - lr * g

    np.testing.assert_allclose(run(nn.optim.SGD, 6, lr=lr, momentum=momentum,
                                   dampening=dampening, nesterov=nesterov,
                                   weight_decay=weight_decay), by_hand(rule, 6), rtol=1e-12)


def adam_rule(lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad):
    def rule(p, g, s, t):
        if decoupled:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
        s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g * g
        v = s["v"]
        if amsgrad:
            s["vmax"] = max(s.get("vmax", 0.0), v)
            v = s["vmax"]
        m_hat, v_hat = s["m"] / (1 - beta1 ** t), v / (1 - beta2 ** t)
        return p - lr * m_hat / (math.sqrt(v_hat) + eps)
    return rule


def test_adam_first_step_is_lr_times_sign():
    # bias correction makes the first step lr * g / (|g| + eps'), i.e. almost exactly lr
    trajectory = run(nn.optim.Adam, 1, lr=0.01)
    np.testing.assert_allclose(trajectory[0], [1.0 - 0.01, -2.0 + 0.01], rtol=1e-9)


@pytest.mark.parametrize("weight_decay,amsgrad", [(0.0, False), (0.1, False), (0.1, True)])
def test_adam(weight_decay, amsgrad):
    rule = adam_rule(0.1, 0.8, 0.9, 1e-8, weight_decay, decoupled=False, amsgrad=amsgrad)
    np.testing.assert_allclose(run(nn.optim.Adam, 8, lr=0.1, betas=(0.8, 0.9),
                                   weight_decay=weight_decay, amsgrad=amsgrad),
                               by_hand(rule, 8), rtol=1e-12)


def test_adamw_decouples_weight_decay():
    rule = adam_rule(0.1, 0.9, 0.999, 1e-8, 0.2, decoupled=True, amsgrad=False)
    ours = run(nn.optim.AdamW, 8, lr=0.1, weight_decay=0.2)
    np.testing.assert_allclose(ours, by_hand(rule, 8), rtol=1e-12)
    coupled = run(nn.optim.Adam, 8, lr=0.1, weight_decay=0.2)
    assert not np.allclose(ours, coupled)
    assert nn.optim.AdamW([tg.Tensor([1.0], requires_grad=True)]).defaults["weight_decay"] == 0.01
    # torch's Adam(decoupled_weight_decay=True) is AdamW; both groups say which they are
    as_adam = run(nn.optim.Adam, 8, lr=0.1, weight_decay=0.2, decoupled_weight_decay=True)
    assert as_adam == ours
    w = [tg.Tensor([1.0], requires_grad=True)]
    assert nn.optim.AdamW(w).param_groups[0]["decoupled_weight_decay"] is True
    assert nn.optim.Adam(w).param_groups[0]["decoupled_weight_decay"] is False


def test_options_given_as_0d_tensors_are_read_as_numbers():
    number = lambda x: tg.tensor(x, dtype=tg.float64)          # noqa: E731
    ours = run(nn.optim.Adam, 4, lr=number(0.1), betas=(number(0.8), 0.9),
               weight_decay=number(0.1))
    assert ours == run(nn.optim.Adam, 4, lr=0.1, betas=(0.8, 0.9), weight_decay=0.1)
    p = tg.Tensor([1.0], requires_grad=True)
    optimizer = nn.optim.SGD([p], lr=0.5)
    optimizer.add_param_group({"params": [tg.Tensor([2.0], requires_grad=True)],
                               "lr": tg.tensor(0.25)})
    assert type(optimizer.param_groups[1]["lr"]) is float and optimizer.param_groups[1]["lr"] == 0.25
    with pytest.raises(ValueError, match=r"0-d Tensors, got a Tensor of shape \(2,\)"):
        nn.optim.SGD([p], lr=tg.tensor([0.1, 0.2]))


@pytest.mark.parametrize("momentum,centered,weight_decay", [
    (0.0, False, 0.0), (0.9, False, 0.0), (0.0, True, 0.0), (0.5, True, 0.1)])
def test_rmsprop(momentum, centered, weight_decay):
    lr, alpha, eps = 0.01, 0.9, 1e-8

    def rule(p, g, s, t):
        g = g + weight_decay * p
        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
        v = s["v"]
        if centered:
            s["a"] = alpha * s.get("a", 0.0) + (1 - alpha) * g
            v = v - s["a"] ** 2
        if momentum:
            s["b"] = momentum * s.get("b", 0.0) + g / (math.sqrt(v) + eps)
            return p - lr * s["b"]
        return p - lr * g / (math.sqrt(v) + eps)

    np.testing.assert_allclose(run(nn.optim.RMSprop, 8, lr=lr, alpha=alpha, momentum=momentum,
                                   centered=centered, weight_decay=weight_decay),
                               by_hand(rule, 8), rtol=1e-12)


@pytest.mark.parametrize("name,options", [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1))])
def test_matches_torch(name, options):
    torch = pytest.importorskip("torch")
    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, name)([p], **options)
    expected = []
    for _ in range(10):
        loss = (torch.tensor(A, dtype=torch.float64) * p * p / 2
                + torch.tensor(B, dtype=torch.float64) * p).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected.append(p.detach().numpy().tolist())
    np.testing.assert_allclose(run(getattr(nn.optim, name), 10, **options), expected, rtol=1e-10)


def test_parameter_groups_use_their_own_options():
    a = tg.Tensor(np.ones(2), requires_grad=True)
    b = tg.Tensor(np.ones(2), requires_grad=True)
    optimizer = nn.optim.SGD([{"params": [a], "name": "first"},
                              {"params": b, "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert optimizer.param_groups[0]["momentum"] == 0.0 and optimizer.param_groups[1]["lr"] == 1.0
    assert optimizer.param_groups[0]["name"] == "first"           # extra keys kept, as torch
    (a.sum() + b.sum()).backward()
    optimizer.step()
    np.testing.assert_allclose(a.numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.numpy(), [0.0, 0.0])
    assert "momentum_buffer" not in optimizer.state.get(a, {})
    assert "momentum_buffer" in optimizer.state[b]


def test_parameters_without_grad_are_skipped_and_zero_grad():
    a = tg.Tensor(np.ones(2), requires_grad=True)
    b = tg.Tensor(np.ones(2), requires_grad=True)
    optimizer = nn.optim.Adam([a, b], lr=0.1)
    (a * 2).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])
    optimizer.zero_grad()
    assert a.grad is None


def test_bad_arguments_are_clear_errors():
    p = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        nn.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        nn.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        nn.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="can only optimize floating point tensors"):
        nn.optim.SGD([tg.Tensor(np.ones(2, np.int64))], lr=0.1)
    with pytest.raises(ValueError, match="betas must be two numbers in"):
        nn.optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="betas must be two numbers in"):
        nn.optim.Adam([p], betas=(0.9,))
    for make in (nn.optim.SGD, nn.optim.Adam, nn.optim.AdamW, nn.optim.RMSprop):
        with pytest.raises(ValueError, match=r"lr, .* must be >= 0, got lr=nan"):
            make([p], lr=float("nan"))
    with pytest.raises(ValueError, match=r"must be >= 0, got eps=nan, weight_decay=-1"):
        nn.optim.Adam([p], eps=float("nan"), weight_decay=-1)
    with pytest.raises(TypeError, match="an ordered iterable .* got a Tensor; wrap it in a list"):
        nn.optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="got a set: its order changes between runs"):
        nn.optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="must be ordered .* not a set"):
        nn.optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(KeyError, match="needs a 'params' entry"):
        nn.optim.SGD([p], lr=0.1).add_param_group({"lr": 0.5})


def test_frozen_parameters_may_be_listed_and_are_left_alone():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    model[0].weight.requires_grad = False                # fine-tuning: freeze a layer
    frozen = model[0].weight.numpy().copy()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    model(tg.Tensor(np.ones((4, 2), np.float32))).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(model[0].weight.numpy(), frozen)
    assert model[0].weight.grad is None and model[0].bias.grad is not None


def test_zero_grad_without_none_zeroes_the_gradient_in_place():
    p = tg.Tensor(np.ones(2), requires_grad=True)
    optimizer = nn.optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    held = p.grad
    optimizer.zero_grad(set_to_none=False)
    assert p.grad is held and held.tolist() == [0.0, 0.0]          # as torch
    layer = nn.Linear(1, 1)
    layer(tg.Tensor(np.ones((1, 1), np.float32))).sum().backward()
    held = layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is held and held.tolist() == [[0.0]]


def test_state_dict_roundtrip_resumes_exactly():
    def make():
        p = tg.Tensor(np.array(P0), requires_grad=True)
        return p, nn.optim.Adam([p], lr=0.1, amsgrad=True)

    def step(p, optimizer):
        loss = (tg.Tensor(np.array(A)) * p * p / 2 + tg.Tensor(np.array(B)) * p).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    p, optimizer = make()
    for _ in range(3):
        step(p, optimizer)
    state = optimizer.state_dict()
    assert state["param_groups"][0]["params"] == [0] and state["state"][0]["step"] == 3
    q, resumed = make()
    q.data[...] = p.data
    resumed.load_state_dict(state)
    state["state"][0]["exp_avg"][...] = 0          # a copy: the optimizer is not affected
    for _ in range(3):
        step(p, optimizer)
        step(q, resumed)
    np.testing.assert_array_equal(p.numpy(), q.numpy())
    with pytest.raises(ValueError, match="parameter groups"):
        resumed.load_state_dict({"state": {}, "param_groups": []})
    old_style = {"state": {str(k): v for k, v in state["state"].items()},     # keys "0", ...
                 "param_groups": state["param_groups"]}
    resumed.load_state_dict(old_style)
    assert resumed.state_dict()["state"][0]["step"] == 3


def test_checkpoint_through_save_load(tmp_path):
    p = tg.Tensor(np.array(P0), requires_grad=True)
    optimizer = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    (p * p).sum().backward()
    optimizer.step()
    tg.save(optimizer.state_dict(), tmp_path / "opt.npz")
    loaded = tg.load(tmp_path / "opt.npz")
    fresh = nn.optim.SGD([tg.Tensor(np.array(P0), requires_grad=True)], lr=0.5)
    fresh.load_state_dict(loaded)
    assert fresh.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(next(iter(fresh.state.values()))["momentum_buffer"],
                                  optimizer.state[p]["momentum_buffer"])


def test_float32_parameters_stay_float32():
    p = tg.Tensor(np.ones(3, np.float32), requires_grad=True)
    for cls in (nn.optim.SGD, nn.optim.Adam, nn.optim.AdamW, nn.optim.RMSprop):
        optimizer = cls([p], lr=0.01)
        (p * p).sum().backward()
        optimizer.step()
        p.grad = None
        assert p.dtype == np.float32


def test_clip_grad_norm():
    a = tg.Tensor(np.array([3.0, 0.0]), requires_grad=True)
    b = tg.Tensor(np.array([4.0]), requires_grad=True)
    a.grad, b.grad = tg.Tensor(np.array([3.0, 0.0])), tg.Tensor(np.array([4.0]))
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.numpy(), [3 / (5 + 1e-6), 0.0])
    np.testing.assert_allclose(b.grad.numpy(), [4 / (5 + 1e-6)])
    assert nn.utils.clip_grad_norm_([a, b], 10.0).item() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), [4 / (5 + 1e-6)])      # unchanged
    assert nn.utils.clip_grad_norm_(a, 1.0, norm_type="inf").item() == pytest.approx(0.6, 1e-5)
    b.grad = tg.Tensor(np.array([np.inf]))
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_scales_in_place_and_follows_torch_at_the_edges():
    a = tg.Tensor(np.array([3.0, 0.0]), requires_grad=True)
    b = tg.Tensor(np.array([0.0, 0.0], np.float32), requires_grad=True)
    c = tg.Tensor(np.array([4.0]), requires_grad=True)
    a.grad, b.grad, c.grad = (tg.Tensor(np.array([3.0, 0.0])),
                              tg.Tensor(np.array([0.0, 0.0], np.float32)),
                              tg.Tensor(np.array([4.0])))
    held = a.grad
    total = nn.utils.clip_grad_norm_([a, b, c], 2.5)
    assert total.item() == 5.0 and total.dtype == np.float64     # float32 and float64 promote
    assert a.grad is held and held.tolist() == pytest.approx([1.5, 0.0], rel=1e-6)
    # norm 0: torch's norm of the per-gradient norms counts the non-zero gradients (2 here)
    assert nn.utils.clip_grad_norm_([a, b, c], 10.0, norm_type=0).item() == 2.0
    assert nn.utils.clip_grad_norm_([a, b, c], 10.0, norm_type=-1).item() == 0.0
    a.grad = tg.Tensor(np.array([np.nan, 1.0]))                     # nan: every gradient nan
    assert np.isnan(nn.utils.clip_grad_norm_([a, c], 1.0).item())
    assert np.isnan(c.grad.item())


def test_clip_grad_value_and_the_flat_parameter_vector():
    model = nn.Linear(2, 2)
    (model(tg.ones(1, 2)) * 100).sum().backward()
    nn.utils.clip_grad_value_(model.parameters(), 5.0)
    assert model.weight.grad.tolist() == [[5.0, 5.0], [5.0, 5.0]]
    assert model.bias.grad.tolist() == [5.0, 5.0]
    vector = nn.utils.parameters_to_vector(model.parameters())
    assert vector.shape == (6,) and vector.requires_grad
    nn.utils.vector_to_parameters(tg.arange(6.0), model.parameters())
    assert model.weight.tolist() == [[0.0, 1.0], [2.0, 3.0]] and model.bias.tolist() == [4, 5]
    with pytest.raises(ValueError, match="vector_to_parameters: the vector has 5 elements, "
                                         "the parameters 6"):
        nn.utils.vector_to_parameters(tg.arange(5.0), model.parameters())
    assert nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=False).item() > 1


def test_pad_sequence_batches_sequences_of_different_lengths():
    from nn.utils.rnn import pad_sequence

    a = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    b = tg.tensor([[7.0, 8.0]], requires_grad=True)
    out = pad_sequence([a, b])                                 # (L, B, *)
    assert out.shape == (3, 2, 2) and out[:, 1].tolist() == [[7, 8], [0, 0], [0, 0]]
    left = pad_sequence([a, b], batch_first=True, padding_value=-1.0, padding_side="left")
    assert left[1].tolist() == [[-1, -1], [-1, -1], [7, 8]]
    (out * out).sum().backward()
    assert b.grad.tolist() == [[14.0, 16.0]]                   # the padding takes none
    with pytest.raises(ValueError, match="pad_sequence: the sequences must be"):
        pad_sequence([a, tg.ones(2, 3)])


def test_clip_grad_norm_clips_when_given_model_parameters_as_a_generator():
    model = nn.Linear(3, 2)
    (model(tg.ones(1, 3)).sum() * 100).backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), 1.0)     # a generator, as usual
    assert total.item() == pytest.approx(200 * 2 ** 0.5, rel=1e-6)
    clipped = nn.utils.get_total_norm([p.grad for p in model.parameters()])
    assert clipped.item() == pytest.approx(1.0, rel=1e-5)


def test_adam_steps_lr_for_huge_gradients_where_v_hat_would_overflow():
    for optimizer in (nn.optim.Adam, nn.optim.AdamW):
        p = nn.Parameter(tg.zeros(3))
        step = optimizer([p], lr=0.1)
        p.grad = tg.tensor(np.array([1e20, -1e20, 1.0], np.float32))
        step.step()
        np.testing.assert_allclose(p.detach().numpy(), [-0.1, 0.1, -0.1], rtol=1e-6)


def test_adadelta_steps_for_huge_gradients_as_torch():
    p = nn.Parameter(tg.zeros(3))
    step = nn.optim.Adadelta([p], lr=1.0)
    p.grad = tg.tensor(np.array([3e19, -3e19, 1.0], np.float32))
    step.step()
    np.testing.assert_allclose(p.detach().numpy(), [-0.0031623, 0.0031623, -0.0031623],
                               rtol=1e-4)
