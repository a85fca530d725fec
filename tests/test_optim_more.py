"""Adagrad, Adadelta, Adamax, NAdam, RAdam and Rprop: first steps worked out by hand, the rules
step by step against plain-Python loops written from torch's documented algorithms,
state_dict round trips, maximize, frozen parameters, argument errors; and (when torch is
installed) torch's parameters and state after 20 steps on random problems."""
from __future__ import annotations

import math

import numpy as np
import pytest
from test_optim import A, B, P0, by_hand, run      # loss = sum(A p**2 / 2 + B p)

import nn
import tinygrad_edu as tg
from nn.optim.adagrad import Adadelta, Adagrad
from nn.optim.adam_more import Adamax, NAdam, RAdam
from nn.optim.asgd import ASGD
from nn.optim.lr_scheduler import OneCycleLR
from nn.optim.rprop import Rprop

ALL = (Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD)
G0 = [a * p + b for a, b, p in zip(A, B, P0)]          # the first gradient: [3.1, -1.2]


# ------------------------------------------------------------------ first steps by hand
def test_first_steps_by_hand():
    g0, p0 = np.array(G0), np.array(P0)
    # Adagrad: sum = g**2, so the first step is lr * g / (|g| + eps): lr * sign(g)
    np.testing.assert_allclose(run(Adagrad, 1, lr=0.1)[0], [0.9, -1.9], rtol=1e-9)
    # then g1 = [3 * 0.9 + 0.1, 0.5 * -1.9 - 0.2] = [2.8, -1.15], sum = g0**2 + g1**2
    np.testing.assert_allclose(run(Adagrad, 2, lr=0.1)[1],
                               [0.9 - 0.1 * 2.8 / math.sqrt(3.1**2 + 2.8**2),
                                -1.9 + 0.1 * 1.15 / math.sqrt(1.2**2 + 1.15**2)], rtol=1e-9)
    # Adadelta: v = 0.1 g**2, u = 0, dx = sqrt(eps) / sqrt(0.1 g**2 + eps) * g (about 3e-3 sign g)
    np.testing.assert_allclose(run(Adadelta, 1)[0],
                               p0 - 1e-3 / np.sqrt(0.1 * g0**2 + 1e-6) * g0, rtol=1e-14)
    # Adamax: m = 0.1 g, u = |g| + eps, bias correction 0.1: the step is lr * sign(g)
    np.testing.assert_allclose(run(Adamax, 1)[0], [1 - 2e-3, -2 + 2e-3], rtol=1e-9)
    # NAdam: v_hat = g**2 and m_hat = g (1 + 0.1 mu2 / (1 - mu1 mu2)): the second term is g
    mu1, mu2 = (0.9 * (1 - 0.5 * 0.96 ** (t * 4e-3)) for t in (1, 2))
    np.testing.assert_allclose(run(NAdam, 1)[0],
                               p0 - 2e-3 * (1 + 0.1 * mu2 / (1 - mu1 * mu2)) * np.sign(g0),
                               rtol=1e-9)
    # RAdam: rho_1 = 1999 - 2 * 0.999 / 0.001 = 1 <= 5, so the step is lr * m_hat = lr * g
    np.testing.assert_allclose(run(RAdam, 1)[0], [1 - 3.1e-3, -2 + 1.2e-3], rtol=1e-12)


def test_rprop_by_hand():
    # signs agree: the step grows 0.01 -> 0.012 (g1 = [3.07, -1.195])
    np.testing.assert_allclose(run(Rprop, 2), [[0.99, -1.99], [0.978, -1.978]], rtol=1e-12)
    # lr 2: p1 = [-1, 0], g1 = [-2.9, -0.2]: coordinate 0 overshot (s0 = 1, no move),
    # coordinate 1 speeds up (s1 = 2.4); g2 = [-2.9, 1.0]: coordinate 0 had g_prev = 0 so it
    # moves by s0 = 1, coordinate 1 overshot (s1 = 1.2, no move)
    np.testing.assert_allclose(run(Rprop, 3, lr=2.0), [[-1, 0], [-1, 2.4], [0, 2.4]],
                               rtol=1e-12)
    # the clip applies from the first step: an lr above the largest step size is cut to it
    np.testing.assert_allclose(run(Rprop, 1, lr=5.0, step_sizes=(0.0, 0.5))[0], [0.5, -1.5])


# ------------------------------------------------------------------ plain-Python rules
def adagrad_rule(lr, lr_decay, weight_decay, init, eps):
    def rule(p, g, s, t):
        g = g + weight_decay * p
        s["sum"] = s.get("sum", init) + g * g
        return p - lr / (1 + (t - 1) * lr_decay) * g / (math.sqrt(s["sum"]) + eps)
    return rule


def adadelta_rule(lr, rho, eps, weight_decay):
    def rule(p, g, s, t):
        g = g + weight_decay * p
        s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
        dx = math.sqrt(s.get("u", 0.0) + eps) / math.sqrt(s["v"] + eps) * g
        s["u"] = rho * s.get("u", 0.0) + (1 - rho) * dx * dx
        return p - lr * dx
    return rule


def adamax_rule(lr, beta1, beta2, eps, weight_decay):
    def rule(p, g, s, t):
        g = g + weight_decay * p
        s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
        s["u"] = max(beta2 * s.get("u", 0.0), abs(g) + eps)
        return p - lr * s["m"] / ((1 - beta1 ** t) * s["u"])
    return rule


def decay(p, g, lr, weight_decay, decoupled):
    """(p, g) after weight decay, L2 or decoupled."""
    return (p * (1 - lr * weight_decay), g) if decoupled else (p, g + weight_decay * p)


def nadam_rule(lr, beta1, beta2, eps, weight_decay, psi, decoupled):
    def mu(t):
        return beta1 * (1 - 0.5 * 0.96 ** (t * psi))

    def rule(p, g, s, t):
        p, g = decay(p, g, lr, weight_decay, decoupled)
        s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
        s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g * g
        products = [math.prod(mu(i) for i in range(1, n + 1)) for n in (t, t + 1)]
        m_hat = mu(t + 1) * s["m"] / (1 - products[1]) + (1 - mu(t)) * g / (1 - products[0])
        return p - lr * m_hat / (math.sqrt(s["v"] / (1 - beta2 ** t)) + eps)
    return rule


def radam_rule(lr, beta1, beta2, eps, weight_decay, decoupled):
    def rule(p, g, s, t):
        p, g = decay(p, g, lr, weight_decay, decoupled)
        s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
        s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g * g
        m_hat = s["m"] / (1 - beta1 ** t)
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        if rho <= 5:
            return p - lr * m_hat
        r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        return p - lr * m_hat * r * math.sqrt(1 - beta2 ** t) / (math.sqrt(s["v"]) + eps)
    return rule


def rprop_rule(lr, etaminus, etaplus, smallest, largest):
    def rule(p, g, s, t):
        size, agreement = s.get("size", lr), g * s.get("prev", 0.0)
        factor = etaplus if agreement > 0 else etaminus if agreement < 0 else 1.0
        s["size"] = min(max(size * factor, smallest), largest)
        s["prev"] = 0.0 if agreement < 0 else g
        return p - s["size"] * math.copysign(1.0, s["prev"]) * (s["prev"] != 0)
    return rule


CASES = [
    (Adagrad, dict(lr=0.1), adagrad_rule(0.1, 0.0, 0.0, 0.0, 1e-10)),
    (Adagrad, dict(lr=0.2, lr_decay=0.1, weight_decay=0.05, initial_accumulator_value=0.3,
                   eps=1e-3), adagrad_rule(0.2, 0.1, 0.05, 0.3, 1e-3)),
    (Adadelta, dict(), adadelta_rule(1.0, 0.9, 1e-6, 0.0)),
    (Adadelta, dict(lr=0.5, rho=0.7, eps=1e-3, weight_decay=0.1),
     adadelta_rule(0.5, 0.7, 1e-3, 0.1)),
    (Adamax, dict(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1),
     adamax_rule(0.1, 0.8, 0.9, 1e-8, 0.1)),
    (NAdam, dict(lr=0.1), nadam_rule(0.1, 0.9, 0.999, 1e-8, 0.0, 4e-3, False)),
    (NAdam, dict(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1, momentum_decay=0.3),
     nadam_rule(0.1, 0.8, 0.9, 1e-8, 0.1, 0.3, False)),
    (NAdam, dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True),
     nadam_rule(0.1, 0.9, 0.999, 1e-8, 0.1, 4e-3, True)),
    (RAdam, dict(lr=0.1, betas=(0.8, 0.5), weight_decay=0.1),      # rho_t > 5 from t = 5
     radam_rule(0.1, 0.8, 0.5, 1e-8, 0.1, False)),
    (RAdam, dict(lr=0.1, betas=(0.8, 0.5), weight_decay=0.1, decoupled_weight_decay=True),
     radam_rule(0.1, 0.8, 0.5, 1e-8, 0.1, True)),
    (Rprop, dict(lr=0.3, etas=(0.4, 1.5), step_sizes=(0.05, 0.6)),
     rprop_rule(0.3, 0.4, 1.5, 0.05, 0.6)),
]


@pytest.mark.parametrize("cls,options,rule", CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_rule_step_by_step(cls, options, rule):
    np.testing.assert_allclose(run(cls, 12, **options), by_hand(rule, 12), rtol=1e-12)


def test_decoupled_weight_decay_differs_from_l2():
    for cls in (NAdam, RAdam):
        coupled = run(cls, 6, lr=0.1, weight_decay=0.5)
        assert not np.allclose(coupled, run(cls, 6, lr=0.1, weight_decay=0.5,
                                            decoupled_weight_decay=True))
        assert not np.allclose(coupled, run(cls, 6, lr=0.1))


# ------------------------------------------------------------------ options and state
def quadratic_step(p: tg.Tensor, optimizer: nn.optim.Optimizer, sign: float = 1.0) -> None:
    loss = (tg.Tensor(np.array(A)) * p * p / 2 + tg.Tensor(np.array(B)) * p).sum()
    optimizer.zero_grad()
    (sign * loss).backward()
    optimizer.step()


@pytest.mark.parametrize("cls", ALL)
def test_maximize_is_minimizing_the_negative(cls):
    options = {} if cls is Rprop else dict(weight_decay=0.1)
    p, q = (tg.Tensor(np.array(P0), requires_grad=True) for _ in range(2))
    minimizer, maximizer = cls([p], **options), cls([q], maximize=True, **options)
    for _ in range(5):
        quadratic_step(p, minimizer)
        quadratic_step(q, maximizer, sign=-1.0)
    np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert maximizer.param_groups[0]["maximize"] and not minimizer.defaults["maximize"]


@pytest.mark.parametrize("cls", ALL)
def test_state_dict_roundtrip_mid_training(cls, tmp_path):
    def make():
        p = tg.Tensor(np.array(P0), requires_grad=True)
        return p, cls([{"params": [p]}], lr=0.05)

    p, optimizer = make()
    for _ in range(3):
        quadratic_step(p, optimizer)
    saved = optimizer.state_dict()
    assert saved["state"][0]["step"] == 3 and saved["param_groups"][0]["lr"] == 0.05
    tg.save(saved, tmp_path / "opt.npz")
    q, resumed = make()
    q.data[...] = p.data
    resumed.load_state_dict(tg.load(tmp_path / "opt.npz"))
    for array in saved["state"][0].values():                 # copies: no effect
        if isinstance(array, np.ndarray):
            array[...] = 7
    for _ in range(4):
        quadratic_step(p, optimizer)
        quadratic_step(q, resumed)
    np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert resumed.state[q].keys() == optimizer.state[p].keys()


@pytest.mark.parametrize("cls", ALL)
def test_frozen_and_gradless_parameters_are_left_alone(cls):
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    model[0].weight.requires_grad = False
    unused = tg.Tensor(np.ones(2, np.float32), requires_grad=True)
    before = [model[0].weight.numpy().copy(), unused.numpy().copy()]
    optimizer = cls([{"params": model.parameters()}, {"params": [unused]}], lr=0.1)
    model(tg.Tensor(np.ones((4, 2), np.float32))).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(model[0].weight.numpy(), before[0])
    np.testing.assert_array_equal(unused.numpy(), before[1])
    assert not np.array_equal(model[1].weight.numpy(), before[0][:1])
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert optimizer.state[model[1].weight]["step"] == 1
    if cls is Adagrad:      # as torch: every parameter's state exists from the constructor
        assert optimizer.state[unused]["step"] == 0
        np.testing.assert_array_equal(optimizer.state[unused]["sum"], [0.0, 0.0])
    else:
        assert unused not in optimizer.state and model[0].weight not in optimizer.state


def test_adagrad_group_accumulator_and_late_groups():
    a, b = (tg.Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    optimizer = Adagrad([{"params": [a], "initial_accumulator_value": 3.0}],
                        initial_accumulator_value=1.0)
    assert optimizer.state[a]["sum"].tolist() == [3.0, 3.0]
    optimizer.add_param_group({"params": [b]})
    assert b not in optimizer.state                       # made at its first step
    (a * 2 + b * 2).sum().backward()
    optimizer.step()
    assert optimizer.state[b]["sum"].tolist() == [5.0, 5.0]        # 1 + 2**2
    np.testing.assert_allclose(a.numpy(), 1 - 0.01 * 2 / math.sqrt(7))


def test_one_cycle_lr_cycles_beta1_or_refuses():
    p = tg.Tensor(np.ones(1), requires_grad=True)
    for cls in (Adamax, NAdam, RAdam):
        optimizer = cls([p], betas=(0.9, 0.99))
        OneCycleLR(optimizer, max_lr=0.1, total_steps=10)
        assert optimizer.param_groups[0]["betas"] == (0.95, 0.99)
    for cls in (Adagrad, Adadelta, Rprop):
        with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
            OneCycleLR(cls([p]), max_lr=0.1, total_steps=10)


def test_bad_arguments_are_clear_errors():
    p = tg.Tensor(np.ones(2), requires_grad=True)
    for cls in ALL:
        with pytest.raises(ValueError, match=rf"{cls.__name__}: lr.* must be >= 0, got lr=-1"):
            cls([p], lr=-1)
        for flag in ("foreach", "capturable", "differentiable", "fused"):   # torch's switches:
            cls([p], **{flag: False})                                        # accepted, no-ops
        with pytest.raises(NotImplementedError, match="differentiable=True"):
            cls([p], differentiable=True)
    with pytest.raises(ValueError, match="got initial_accumulator_value=-0.1"):
        Adagrad([p], initial_accumulator_value=-0.1)
    with pytest.raises(ValueError, match="got lr_decay=nan"):
        Adagrad([p], lr_decay=float("nan"))
    with pytest.raises(ValueError, match=r"Adadelta: rho must be in \[0, 1\], got 1.5"):
        Adadelta([p], rho=1.5)
    for cls in (Adamax, NAdam, RAdam):
        with pytest.raises(ValueError, match=rf"{cls.__name__}: betas must be two numbers in"):
            cls([p], betas=(0.9, 1.0))
        with pytest.raises(ValueError, match="got eps=-1"):
            cls([p], eps=-1)
    with pytest.raises(ValueError, match="got momentum_decay=-1"):
        NAdam([p], momentum_decay=-1)
    with pytest.raises(ValueError, match=r"Rprop: etas must be .* got \(0.5, 1.0\)"):
        Rprop([p], etas=(0.5, 1.0))
    with pytest.raises(ValueError, match=r"Rprop: step_sizes must be .* got \(1.0, 0.1\)"):
        Rprop([p], step_sizes=(1.0, 0.1))
    with pytest.raises(ValueError, match="empty parameter list"):
        NAdam([])


# ------------------------------------------------------------------ torch
def random_options(cls, rng: np.random.Generator) -> dict:
    """Random hyper-parameters in each option's useful range."""
    options = dict(lr=float(rng.uniform(0.01, 0.3)), maximize=bool(rng.integers(2)))
    if cls is not Rprop:
        options["weight_decay"] = float(rng.choice([0.0, rng.uniform(0, 0.2)]))
    if cls in (Adamax, NAdam, RAdam):
        options["betas"] = (float(rng.uniform(0, 0.95)), float(rng.uniform(0.3, 0.999)))
        options["eps"] = float(10 ** rng.uniform(-8, -2))
    if cls in (NAdam, RAdam):
        options["decoupled_weight_decay"] = bool(rng.integers(2))
    if cls is NAdam:
        options["momentum_decay"] = float(rng.uniform(0, 0.5))
    if cls is Adagrad:
        options.update(lr_decay=float(rng.uniform(0, 0.2)), eps=float(10 ** rng.uniform(-10, -2)),
                       initial_accumulator_value=float(rng.choice([0.0, rng.uniform(0, 1)])))
    if cls is Adadelta:
        options.update(lr=float(rng.uniform(0.1, 2)), rho=float(rng.uniform(0.5, 0.99)),
                       eps=float(10 ** rng.uniform(-8, -2)))
    if cls is ASGD:
        options.update(lambd=float(rng.uniform(0, 0.1)), alpha=float(rng.uniform(0.5, 1)),
                       t0=float(rng.integers(0, 10)))
    if cls is Rprop:
        options.update(etas=(float(rng.uniform(0.2, 0.9)), float(rng.uniform(1.05, 2))),
                       step_sizes=(float(rng.uniform(0, 0.01)), float(rng.uniform(0.2, 2))))
    return options


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("cls", ALL)
def test_matches_torch(cls, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    shapes = [(), (1,), (3, 1), (2, 4)]
    starts = [rng.normal(size=shape) for shape in shapes]
    targets = [rng.normal(size=shape) for shape in shapes]
    options = random_options(cls, rng)
    late = {"lr": options["lr"] / 2}                   # a second group with its own lr

    def loss(ps, lib):       # not quadratic: the gradients' sizes change, bounded by 1
        return sum(lib.log(1 + (p - lib.tensor(t)) ** 2).sum() for p, t in zip(ps, targets))

    ours = [tg.Tensor(x.copy(), requires_grad=True) for x in starts]
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in starts]
    mine = cls([{"params": ours[:2]}, {"params": ours[2:], **late}], **options)
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)     # torch keeps NAdam's mu_product, ASGD's eta
                                               # and mu in this dtype
    try:
        reference = getattr(torch.optim, cls.__name__)(
            [{"params": theirs[:2]}, {"params": theirs[2:], **late}], **options)
        for _ in range(20):
            for optimizer, ps, lib in ((mine, ours, tg), (reference, theirs, torch)):
                optimizer.zero_grad()
                loss(ps, lib).backward()
                optimizer.step()
    finally:
        torch.set_default_dtype(default_dtype)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-14)
    torch_state = reference.state_dict()["state"]
    for i, p in enumerate(ours):
        expected = {k: np.asarray(v) for k, v in torch_state[i].items()}
        assert mine.state[p].keys() == expected.keys()
        for key, value in mine.state[p].items():
            np.testing.assert_allclose(value, expected[key], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("make", [
    lambda ps, **kw: nn.optim.SGD(ps, lr=0.1, momentum=0.9, **kw),
    lambda ps, **kw: nn.optim.Adam(ps, lr=0.1, **kw),
    lambda ps, **kw: nn.optim.AdamW(ps, lr=0.1, **kw),
    lambda ps, **kw: nn.optim.RMSprop(ps, lr=0.1, momentum=0.5, **kw),
])
def test_maximize_on_the_first_optimizers_ascends_as_minimizing_the_negation(make):
    up, down = tg.Tensor([1.0, -2.0], requires_grad=True), tg.Tensor([1.0, -2.0], requires_grad=True)
    ascend, descend = make([up], maximize=True), make([down])
    for _ in range(3):
        for p, opt, sign in ((up, ascend, 1), (down, descend, -1)):
            opt.zero_grad()
            (sign * (p * p * 3 - p).sum()).backward()
            opt.step()
    np.testing.assert_array_equal(up.numpy(), down.numpy())
    assert ascend.param_groups[0]["maximize"] and not descend.param_groups[0]["maximize"]


def test_repr_lists_each_parameter_group_as_torch():
    weight, bias = nn.Linear(2, 1).parameters()
    step = nn.optim.SGD([{"params": [weight]}, {"params": [bias], "lr": 0.5}], lr=0.1)
    text = repr(step)
    assert text.startswith("SGD (\nParameter Group 0\n    dampening: 0")
    assert "    weight_decay: 0.0\n\nParameter Group 1\n    dampening" in text  # blank line
    assert text.endswith("    lr: 0.5\n    maximize: False\n    momentum: 0.0\n"
                         "    nesterov: False\n    weight_decay: 0.0\n)")
