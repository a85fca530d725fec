"""MultiStepLR, ExponentialLR, LambdaLR, MultiplicativeLR, LinearLR, ConstantLR, SequentialLR
and ReduceLROnPlateau: lr sequences worked out by hand, state_dict round trips in the middle
of a schedule, argument errors; and (when torch is installed) torch's values over random
configurations."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.optim import lr_scheduler as L

# these tests follow schedules alone, without optimizer steps (which torch and we warn about)
pytestmark = pytest.mark.filterwarnings("ignore:.*called before optimizer.step")


def sgd(*lrs: float) -> nn.optim.SGD:
    """An SGD with one param group per lr."""
    return nn.optim.SGD([{"params": [tg.Tensor(np.ones(1), requires_grad=True)], "lr": lr}
                         for lr in lrs], lr=lrs[0])


def run(scheduler, steps: int, metrics=None) -> list[list[float]]:
    """The lrs of every group in effect for steps 0..steps-1 (read before each step)."""
    out = []
    for i in range(steps):
        out.append([group["lr"] for group in scheduler.optimizer.param_groups])
        assert scheduler.get_last_lr() == out[-1]
        scheduler.optimizer.step()
        scheduler.step() if metrics is None else scheduler.step(metrics[i])
    return out


def first_group(scheduler, steps: int, metrics=None) -> list[float]:
    return [lrs[0] for lrs in run(scheduler, steps, metrics)]


# ------------------------------------------------------------------ hand-computed sequences
def test_multi_step_lr():
    scheduler = L.MultiStepLR(sgd(1.0), milestones=[5, 2, 5], gamma=0.5)   # 5 listed twice
    assert first_group(scheduler, 8) == [1, 1, 0.5, 0.5, 0.5, 0.125, 0.125, 0.125]
    assert scheduler.last_epoch == 8 and scheduler.closed_form_lr() == [0.125]
    assert first_group(L.MultiStepLR(sgd(1.0), [0], gamma=0.5), 2) == [0.5, 0.5]


def test_exponential_lr_with_two_groups():
    scheduler = L.ExponentialLR(sgd(1.0, 0.5), gamma=0.5)
    assert run(scheduler, 4) == [[1, 0.5], [0.5, 0.25], [0.25, 0.125], [0.125, 0.0625]]
    assert scheduler.closed_form_lr() == [1 / 16, 1 / 32]


def test_lambda_lr_one_function_per_group():
    scheduler = L.LambdaLR(sgd(1.0, 2.0), [lambda t: 1 / (t + 1), lambda t: t])
    assert run(scheduler, 4) == [[1, 0], [1 / 2, 2], [1 / 3, 4], [1 / 4, 6]]
    one = L.LambdaLR(sgd(1.0, 2.0), lambda t: 0.5 ** t)          # one function for all groups
    assert run(one, 3) == [[1, 2], [0.5, 1], [0.25, 0.5]]


def test_multiplicative_lr():
    # lr_t = lr_{t-1} / t, so lr_t = base / t!
    scheduler = L.MultiplicativeLR(sgd(1.0, 3.0), lambda t: 1 / t)
    expected = [[1 / math.factorial(t), 3 / math.factorial(t)] for t in range(6)]
    np.testing.assert_allclose(run(scheduler, 6), expected, rtol=1e-15)


def test_linear_lr_warm_up_and_decay():
    warm_up = L.LinearLR(sgd(0.05), start_factor=0.5, total_iters=4)
    np.testing.assert_allclose(first_group(warm_up, 7),
                               [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05, 0.05], rtol=1e-14)
    decay = L.LinearLR(sgd(1.0), start_factor=1.0, end_factor=0.0, total_iters=4)
    np.testing.assert_allclose(first_group(decay, 6), [1, 0.75, 0.5, 0.25, 0, 0], atol=1e-15)
    default = L.LinearLR(sgd(3.0))                            # 1/3 -> 1 over 5 steps
    np.testing.assert_allclose(first_group(default, 7), [1, 1.4, 1.8, 2.2, 2.6, 3, 3],
                               rtol=1e-14)


def test_constant_lr():
    scheduler = L.ConstantLR(sgd(1.0, 0.1), factor=0.5, total_iters=3)
    np.testing.assert_allclose(run(scheduler, 5), [[0.5, 0.05]] * 3 + [[1, 0.1]] * 2,
                               rtol=1e-15)
    assert scheduler.closed_form_lr() == [1.0, 0.1]


def test_sequential_constant_then_exponential():
    optimizer = sgd(1.0)
    scheduler = L.SequentialLR(optimizer, [L.ConstantLR(optimizer, factor=0.1, total_iters=2),
                                           L.ExponentialLR(optimizer, gamma=0.9)],
                               milestones=[2])
    np.testing.assert_allclose(first_group(scheduler, 6), [0.1, 0.1, 1, 0.9, 0.81, 0.729],
                               rtol=1e-14)
    assert scheduler.last_epoch == 6


def test_sequential_warm_up_then_cosine_and_a_third_phase():
    optimizer = sgd(1.0, 2.0)
    warm_up = L.LinearLR(optimizer, start_factor=0.25, total_iters=2)
    cosine = L.CosineAnnealingLR(optimizer, T_max=4)
    tail = L.MultiplicativeLR(optimizer, lambda t: 0.5)      # no closed form: goes on halving
    scheduler = L.SequentialLR(optimizer, [warm_up, cosine, tail], milestones=[2, 6])
    factors = ([0.25, 0.625] + [(1 + math.cos(math.pi * t / 4)) / 2 for t in range(4)]
               + [0.5 ** k * (1 + math.cos(math.pi * 3 / 4)) / 2 for k in (1, 2)])
    np.testing.assert_allclose(run(scheduler, 8), [[f, 2 * f] for f in factors], rtol=1e-14)


def test_reduce_on_plateau_min_rel_with_patience_cooldown_and_min_lr():
    scheduler = L.ReduceLROnPlateau(sgd(1.0), factor=0.5, patience=1, cooldown=1,
                                    threshold=0.1, min_lr=0.2)
    metrics = [10, 9.5, 9.2, 8.0] + [8.0] * 8      # 9.5 and 9.2 are not 10 % better than 10
    after = [lrs[0] for lrs in run(scheduler, 12, metrics)[1:]] + scheduler.get_last_lr()
    assert after == [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    assert scheduler.best == 8.0 and scheduler.last_epoch == 12


def test_reduce_on_plateau_max_abs_and_tensor_metrics():
    scheduler = L.ReduceLROnPlateau(sgd(1.0), mode="max", patience=0, threshold=0.5,
                                    threshold_mode="abs")
    for metric, lr in zip([1.0, 1.4, 1.6, 2.0, 2.2], [1, 0.1, 0.1, 0.01, 0.01]):
        scheduler.step(tg.Tensor(metric))
        assert scheduler.get_last_lr()[0] == pytest.approx(lr, rel=1e-15)


def test_reduce_on_plateau_threshold_boundary_eps_and_min_lr_per_group():
    scheduler = L.ReduceLROnPlateau(sgd(1.0, 2e-8), factor=0.5, patience=0, threshold=0.5,
                                    min_lr=[0.6, 0.0])
    scheduler.step(4.0)
    scheduler.step(2.0)                            # exactly best * (1 - threshold): no gain
    # group 0 stops at its min_lr; group 1 halves (1e-8 is not > eps): skipped
    assert scheduler.get_last_lr() == [0.6, 2e-8] and scheduler.best == 4.0
    scheduler.step(1.9)
    assert scheduler.best == 1.9 and scheduler.num_bad_epochs == 0


def test_reduce_on_plateau_after_a_param_group_is_added():
    optimizer = sgd(1.0)
    scheduler = L.ReduceLROnPlateau(optimizer, patience=0, min_lr=0.05)
    optimizer.add_param_group({"params": [tg.Tensor(np.ones(1), requires_grad=True)],
                               "lr": 0.3})
    scheduler.step(1.0)
    scheduler.step(1.0)
    assert scheduler.get_last_lr() == pytest.approx([0.1, 0.05])
    assert scheduler.min_lrs == [0.05, 0.05]
    optimizer = sgd(1.0)
    scheduler = L.ReduceLROnPlateau(optimizer, patience=0, min_lr=[0.05])
    optimizer.add_param_group({"params": [tg.Tensor(np.ones(1), requires_grad=True)]})
    scheduler.step(1.0)
    with pytest.raises(RuntimeError, match="ReduceLROnPlateau: the optimizer has 2 param"):
        scheduler.step(1.0)


def test_a_param_group_added_after_a_per_group_schedule_is_an_error_as_torch():
    for make in (lambda o: L.LambdaLR(o, lambda t: 0.5 ** t),
                 lambda o: L.MultiplicativeLR(o, lambda t: 0.5)):
        optimizer = sgd(1.0)
        scheduler = make(optimizer)
        optimizer.add_param_group({"params": [tg.Tensor(np.ones(1), requires_grad=True)],
                                   "lr": 0.3})
        with pytest.raises(ValueError, match="the optimizer has 2 param groups but the "
                                             "schedule has 1"):
            scheduler.step()                 # (the new group's lr used to stay 0.3 silently)
    optimizer = sgd(1.0)
    scheduler = L.ExponentialLR(optimizer, gamma=0.5)    # recursive: every group follows
    optimizer.add_param_group({"params": [tg.Tensor(np.ones(1), requires_grad=True)],
                               "lr": 0.3})
    scheduler.step()
    assert scheduler.get_last_lr() == [0.5, 0.15]


def test_resuming_with_last_epoch_keeps_the_loaded_lr_as_torch():
    def resumed(name, last_epoch, *args, **kwargs):
        optimizer = sgd(0.37)                      # as loaded from a checkpoint
        optimizer.param_groups[0]["initial_lr"] = 1.0
        getattr(L, name)(optimizer, *args, **kwargs, last_epoch=last_epoch)
        return optimizer.param_groups[0]["lr"]
    assert resumed("ExponentialLR", 4, 0.5) == 0.37           # the step to epoch 5 keeps it
    assert resumed("LinearLR", 1, 0.25, total_iters=4) == 0.37
    assert resumed("ConstantLR", 2, 0.25, total_iters=4) == 0.37
    assert resumed("ConstantLR", 3, 0.25, total_iters=4) == 0.37 / 0.25   # ends at epoch 4
    assert resumed("MultiStepLR", 2, [3], 0.5) == 0.185                   # decays at 3
    assert resumed("LambdaLR", 1, lambda t: 0.5 ** t) == 0.25             # 1.0 * 0.5 ** 2


# ------------------------------------------------------------------ state_dict round trips
def _sequential(m, optimizer):           # saved at 5, in the second phase; the third at 7
    return m.SequentialLR(optimizer, [m.LinearLR(optimizer, 0.1, total_iters=3),
                                      m.ExponentialLR(optimizer, 0.8),
                                      m.MultiplicativeLR(optimizer, lambda t: 0.5)],
                          milestones=[3, 7])


ROUND_TRIPS = {        # m is our lr_scheduler module, or torch's
    "MultiStepLR": lambda m, opt: m.MultiStepLR(opt, [2, 4, 4, 7], gamma=0.3),
    "ExponentialLR": lambda m, opt: m.ExponentialLR(opt, 0.7),
    "LambdaLR": lambda m, opt: m.LambdaLR(opt, [lambda t: 0.9 ** t, lambda t: 1 / (1 + t)]),
    "MultiplicativeLR": lambda m, opt: m.MultiplicativeLR(opt, lambda t: 1 - 0.05 * t),
    "LinearLR": lambda m, opt: m.LinearLR(opt, 0.2, 0.9, total_iters=6),
    "ConstantLR": lambda m, opt: m.ConstantLR(opt, 0.4, total_iters=4),
    "SequentialLR": _sequential,
    "ReduceLROnPlateau": lambda m, opt: m.ReduceLROnPlateau(opt, factor=0.5, patience=1,
                                                            cooldown=2, min_lr=[0.0, 0.01]),
}
PLATEAU_METRICS = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3]


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_state_dict_round_trip_mid_schedule(name, tmp_path):
    make = ROUND_TRIPS[name]
    metrics = PLATEAU_METRICS if name == "ReduceLROnPlateau" else None
    optimizer = sgd(1.0, 0.5)
    scheduler = make(L, optimizer)
    run(scheduler, 5, metrics)
    tg.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
            tmp_path / "checkpoint.npz")            # a state_dict is plain data: no pickle
    checkpoint = tg.load(tmp_path / "checkpoint.npz")
    assert "optimizer" not in checkpoint["scheduler"]
    assert "lr_lambdas" not in checkpoint["scheduler"]
    other_opt = sgd(0.123, 0.456)
    other = make(L, other_opt)
    other_opt.load_state_dict(checkpoint["optimizer"])
    other.load_state_dict(checkpoint["scheduler"])
    assert other.last_epoch == scheduler.last_epoch
    assert other.get_last_lr() == scheduler.get_last_lr()
    rest = metrics[5:] if metrics else None
    assert run(other, 7, rest) == run(scheduler, 7, rest)


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_loads_torch_state_dict_mid_schedule(name):
    torch = pytest.importorskip("torch")
    make = ROUND_TRIPS[name]
    metrics = PLATEAU_METRICS if name == "ReduceLROnPlateau" else None
    theirs_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                                  for lr in (1.0, 0.5)])
    theirs = make(torch.optim.lr_scheduler, theirs_opt)
    run(theirs, 5, metrics)
    ours_opt = sgd(0.123, 0.456)
    ours = make(L, ours_opt)
    for group, saved in zip(ours_opt.param_groups, theirs_opt.param_groups):
        group["lr"] = saved["lr"]
    ours.load_state_dict(theirs.state_dict())
    rest = metrics[5:] if metrics else None
    np.testing.assert_allclose(run(ours, 7, rest), run(theirs, 7, rest), rtol=1e-12)


def test_lambda_lr_loads_a_torch_style_state_dict_keeping_its_functions():
    scheduler = L.LambdaLR(sgd(1.0), lambda t: 0.5 ** t)
    run(scheduler, 3)
    state = {**scheduler.state_dict(), "lr_lambdas": [None]}      # what torch writes
    other = L.LambdaLR(sgd(1.0), lambda t: 0.5 ** t)
    other.load_state_dict(state)
    other.optimizer.param_groups[0]["lr"] = scheduler.optimizer.param_groups[0]["lr"]
    assert callable(other.lr_lambdas[0]) and run(other, 2) == run(scheduler, 2)


# ------------------------------------------------------------------ errors
def _seq(optimizer, **kwargs):
    options = dict(schedulers=[L.ExponentialLR(optimizer, 0.9), L.ExponentialLR(optimizer, 0.5)],
                   milestones=[3])
    return L.SequentialLR(optimizer, **{**options, **kwargs})


@pytest.mark.parametrize("make, error, match", [
    (lambda o: L.MultiStepLR(o, [2, -1]), ValueError, "MultiStepLR: milestones must be non-neg"),
    (lambda o: L.MultiStepLR(o, [2.5]), ValueError, "MultiStepLR: milestones must be"),
    (lambda o: L.MultiStepLR(o, 5), TypeError, "MultiStepLR: milestones must be a list"),
    (lambda o: L.LambdaLR(o, [lambda t: 1]), ValueError,
     "LambdaLR: expected 2 values for lr_lambda"),
    (lambda o: L.LambdaLR(o, 3), TypeError, "LambdaLR: lr_lambda must be a function"),
    (lambda o: L.MultiplicativeLR(o, [lambda t: 1, "x"]), TypeError,
     "MultiplicativeLR: lr_lambda must be a function"),
    (lambda o: L.LinearLR(o, start_factor=0), ValueError,
     r"LinearLR: start_factor must be in \(0, 1\]"),
    (lambda o: L.LinearLR(o, end_factor=1.5), ValueError,
     r"LinearLR: end_factor must be in \[0, 1\]"),
    (lambda o: L.LinearLR(o, total_iters=0), ValueError,
     "LinearLR: total_iters must be a positive int"),
    (lambda o: L.ConstantLR(o, factor=0), ValueError, "ConstantLR: factor must be in"),
    (lambda o: L.ConstantLR(o, factor=1.5), ValueError, "ConstantLR: factor must be in"),
    (lambda o: L.ConstantLR(o, total_iters=2.0), ValueError, "ConstantLR: total_iters must be"),
    (lambda o: L.ExponentialLR("sgd", 0.9), TypeError, "ExponentialLR: str is not an Optimizer"),
    (lambda o: L.SequentialLR(o, [], []), ValueError, "SequentialLR: schedulers is empty"),
    (lambda o: _seq(o, milestones=[]), ValueError, "SequentialLR: 2 schedulers need 1 milestones"),
    (lambda o: _seq(o, milestones=[0]), ValueError, "SequentialLR: milestones must be positive"),
    (lambda o: _seq(o, schedulers=[L.ExponentialLR(o, 0.9)] * 3, milestones=[4, 2]),
     ValueError, "SequentialLR: milestones must be increasing"),
    (lambda o: _seq(o, schedulers=[L.ExponentialLR(o, 0.9), L.ExponentialLR(sgd(1, 1), 0.9)]),
     ValueError, r"SequentialLR: schedulers\[1\] drives another optimizer"),
    (lambda o: _seq(o, schedulers=[L.ExponentialLR(o, 0.9), L.ReduceLROnPlateau(o)]),
     ValueError, r"schedulers\[1\] is a ReduceLROnPlateau"),
    (lambda o: _seq(o, schedulers=[L.ExponentialLR(o, 0.9), "x"]), TypeError,
     r"SequentialLR: schedulers\[1\] is a str"),
    (lambda o: _seq(o, schedulers=[_seq(o), L.ExponentialLR(o, 0.9)]), TypeError,
     r"SequentialLR: schedulers\[0\] is a SequentialLR"),
    (lambda o: L.ReduceLROnPlateau(o, mode="lowest"), ValueError,
     "ReduceLROnPlateau: mode must be 'min' or 'max', got 'lowest'"),
    (lambda o: L.ReduceLROnPlateau(o, threshold_mode="relative"), ValueError,
     "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs'"),
    (lambda o: L.ReduceLROnPlateau(o, factor=1.0), ValueError,
     r"ReduceLROnPlateau: factor must be in \[0, 1\)"),
    (lambda o: L.ReduceLROnPlateau(o, patience=-1), ValueError,
     "ReduceLROnPlateau: patience must be a non-negative int"),
    (lambda o: L.ReduceLROnPlateau(o, cooldown=0.5), ValueError, "ReduceLROnPlateau: cooldown"),
    (lambda o: L.ReduceLROnPlateau(o, eps=-1), ValueError, "ReduceLROnPlateau: threshold, eps"),
    (lambda o: L.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError,
     "ReduceLROnPlateau: expected 2 values for min_lr"),
])
def test_bad_arguments_name_the_scheduler_and_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make(sgd(1.0, 0.5))


def test_sequential_load_state_dict_checks_the_number_of_schedulers():
    optimizer = sgd(1.0)
    state = _seq(optimizer).state_dict()
    state["_schedulers"].pop()
    with pytest.raises(ValueError, match="the state has 1 schedulers, this SequentialLR 2"):
        _seq(sgd(1.0)).load_state_dict(state)


# ------------------------------------------------------------------ torch's values
FUNCTIONS = [lambda t: 0.95 ** t, lambda t: 1 / (1 + 0.3 * t), lambda t: 1 + 0.1 * (t % 3),
             lambda t: 1.0 if t < 4 else 0.5]


def _random_config(rng: np.random.Generator, kind: str, groups: int) -> tuple[str, dict]:
    """A scheduler name and keyword arguments (the same for torch and for us)."""
    if kind == "MultiStepLR":
        milestones = sorted(rng.integers(0, 20, size=rng.integers(1, 5)).tolist())
        return kind, dict(milestones=milestones, gamma=rng.uniform(0.1, 0.9))
    if kind == "ExponentialLR":
        return kind, dict(gamma=rng.uniform(0.7, 1.0))
    if kind in ("LambdaLR", "MultiplicativeLR"):
        picks = rng.integers(0, len(FUNCTIONS), size=groups)
        lr_lambda = [FUNCTIONS[i] for i in picks] if rng.random() < 0.5 else FUNCTIONS[picks[0]]
        return kind, dict(lr_lambda=lr_lambda)
    if kind == "LinearLR":
        return kind, dict(start_factor=rng.uniform(0.05, 1), end_factor=rng.uniform(0, 1),
                          total_iters=int(rng.integers(1, 12)))
    if kind == "ConstantLR":
        return kind, dict(factor=rng.uniform(0.05, 1), total_iters=int(rng.integers(1, 12)))
    if kind == "StepLR":
        return kind, dict(step_size=int(rng.integers(1, 6)), gamma=rng.uniform(0.1, 0.9))
    if kind == "CosineAnnealingLR":
        return kind, dict(T_max=int(rng.integers(1, 15)), eta_min=rng.uniform(0, 0.01))
    assert kind == "ReduceLROnPlateau"
    min_lr = rng.uniform(0, 0.05, size=groups).tolist()
    return kind, dict(mode=str(rng.choice(["min", "max"])), factor=rng.uniform(0, 0.9),
                      patience=int(rng.integers(0, 4)), threshold=rng.uniform(0, 0.1),
                      threshold_mode=str(rng.choice(["rel", "abs"])),
                      cooldown=int(rng.integers(0, 3)),
                      min_lr=min_lr if rng.random() < 0.5 else min_lr[0],
                      eps=float(rng.choice([1e-8, 1e-3])))


CHAINABLE = ["MultiStepLR", "ExponentialLR", "LambdaLR", "MultiplicativeLR", "LinearLR",
             "ConstantLR", "StepLR", "CosineAnnealingLR"]


@pytest.mark.parametrize("kind", CHAINABLE[:6] + ["SequentialLR", "ReduceLROnPlateau"])
def test_matches_torch_on_random_configurations(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(sum(map(ord, kind)))
    for trial in range(12):
        groups = int(rng.integers(1, 4))
        lrs = rng.uniform(0.01, 1, size=groups).tolist()
        resume = kind not in ("SequentialLR", "ReduceLROnPlateau") and trial % 3 == 2
        ours_opt = sgd(*lrs)
        theirs_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                                      for lr in lrs])
        options = {}
        if resume:                    # as after loading an optimizer saved at epoch last_epoch
            options["last_epoch"] = int(rng.integers(0, 10))
            initial_lrs = rng.uniform(0.01, 1, size=groups).tolist()
            for opt in (ours_opt, theirs_opt):
                for group, initial in zip(opt.param_groups, initial_lrs):
                    group["initial_lr"] = initial

        def build(module, opt, name, kwargs):
            if name != "SequentialLR":
                return getattr(module, name)(opt, **kwargs, **options)
            inner = [getattr(module, n)(opt, **kw) for n, kw in kwargs["schedulers"]]
            return module.SequentialLR(opt, inner, kwargs["milestones"])

        if kind == "SequentialLR":
            count = int(rng.integers(2, 4))
            inner = [_random_config(rng, str(rng.choice(CHAINABLE)), groups)
                     for _ in range(count)]
            milestones = np.cumsum(rng.integers(1, 8, size=count - 1)).tolist()
            name, kwargs = kind, dict(schedulers=inner, milestones=milestones)
        else:
            name, kwargs = _random_config(rng, kind, groups)
        ours = build(L, ours_opt, name, kwargs)
        theirs = build(torch.optim.lr_scheduler, theirs_opt, name, kwargs)
        metrics = np.round(np.cumsum(rng.normal(0, 1, size=30)), 1).tolist()
        for step in range(30):
            expected = [group["lr"] for group in theirs_opt.param_groups]
            np.testing.assert_allclose([group["lr"] for group in ours_opt.param_groups],
                                       expected, rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name} {kwargs} {options}, step {step}")
            assert ours.last_epoch == theirs.last_epoch
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12,
                                       atol=1e-15)
            theirs_opt.step()
            if kind == "ReduceLROnPlateau":
                theirs.step(metrics[step])
                ours.step(metrics[step])
            else:
                theirs.step()
                ours.step()
        if kind == "ReduceLROnPlateau":            # the same state, under the same keys
            assert ours.state_dict() == pytest.approx(theirs.state_dict())


def test_polynomial_lr_decays_to_zero_and_stays():
    lrs = first_group(L.PolynomialLR(sgd(1.0), total_iters=4, power=2.0), 7)
    np.testing.assert_allclose(lrs, [1.0, 9 / 16, 1 / 4, 1 / 16, 0.0, 0.0, 0.0], atol=1e-15)


def test_cosine_annealing_warm_restarts_restarts_with_growing_cycles():
    scheduler = L.CosineAnnealingWarmRestarts(sgd(1.0), T_0=2, T_mult=2, eta_min=0.1)
    cosine = [0.1 + 0.9 * (1 + math.cos(math.pi * k / n)) / 2
              for n in (2, 4) for k in range(n)]               # cycles of 2, then 4 steps
    np.testing.assert_allclose(first_group(scheduler, 7), cosine + [1.0], rtol=1e-15)
    scheduler = L.CosineAnnealingWarmRestarts(sgd(1.0), T_0=2, T_mult=2)
    scheduler.step(2.5)                                        # fractional epochs, as torch
    assert (scheduler.T_i, scheduler.T_cur, scheduler.last_epoch) == (4, 0.5, 2)
    assert scheduler.get_last_lr()[0] == pytest.approx((1 + math.cos(math.pi / 8)) / 2)
    with pytest.raises(ValueError, match="T_mult must be a positive int"):
        L.CosineAnnealingWarmRestarts(sgd(1.0), T_0=2, T_mult=1.5)


def test_cyclic_lr_triangle_and_its_opposite_momentum():
    optimizer = nn.optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.5, momentum=0.9)
    scheduler = L.CyclicLR(optimizer, 0.01, 0.1, step_size_up=3)        # sets lr to base_lr
    lrs, momenta = [], []
    for _ in range(7):
        lrs.append(optimizer.param_groups[0]["lr"])
        momenta.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose(lrs, [0.01, 0.04, 0.07, 0.1, 0.07, 0.04, 0.01], rtol=1e-12)
    np.testing.assert_allclose(momenta, [0.9, 0.9 - 0.1 / 3, 0.9 - 0.2 / 3, 0.8,
                                         0.9 - 0.2 / 3, 0.9 - 0.1 / 3, 0.9], rtol=1e-12)
    with pytest.raises(ValueError, match="CyclicLR: the optimizer must have momentum or betas"):
        L.CyclicLR(nn.optim.Adagrad([tg.zeros(1, requires_grad=True)]), 0.01, 0.1)
    halving = L.CyclicLR(sgd(1.0), 0.0, 1.0, step_size_up=1, mode="triangular2",
                         cycle_momentum=False)
    np.testing.assert_allclose(first_group(halving, 6), [0, 1, 0, 0.5, 0, 0.25], atol=1e-15)


def test_chained_scheduler_composes_the_factors():
    optimizer = sgd(1.0)
    chained = L.ChainedScheduler([L.ConstantLR(optimizer, factor=0.1, total_iters=2),
                                  L.ExponentialLR(optimizer, gamma=0.9)])
    np.testing.assert_allclose(first_group(chained, 4), [0.1, 0.09, 0.81, 0.729], rtol=1e-12)


def test_get_lr_outside_step_warns_as_torch_and_points_to_get_last_lr():
    p = tg.tensor([1.0], requires_grad=True)
    opt = nn.optim.SGD([p], lr=1.0)
    scheduler = L.StepLR(opt, step_size=1, gamma=0.5)
    with pytest.warns(UserWarning, match=r"StepLR.get_lr\(\) is step\(\)'s own: .* use "
                                         r"get_last_lr\(\)"):
        scheduler.get_lr()
    assert scheduler.state_dict()["_get_lr_called_within_step"] is False      # as torch's

    class Mine(L.LRScheduler):                     # a user's get_lr: no warning (torch)
        def get_lr(self):
            return [0.1]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        scheduler.step()                           # step's own call: no warning either
        assert Mine(opt).get_lr() == [0.1]
    assert scheduler.get_last_lr() == [0.5]


def test_a_scheduler_stepped_before_the_optimizer_warns_as_torch():
    p = tg.ones(2, requires_grad=True)
    opt = nn.optim.SGD([p], lr=0.1)
    scheduler = L.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match=r"ExponentialLR.step\(\) was called before "
                                         r"optimizer.step\(\)"):
        scheduler.step()

    class Plain(nn.optim.Optimizer):               # a user's optimizer with its own step
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        def step(self):
            for q in self.param_groups[0]["params"]:
                q.data -= self.param_groups[0]["lr"] * q.grad.data

    for opt in (nn.optim.SGD([p], lr=0.1), Plain([p])):
        scheduler = L.StepLR(opt, step_size=1)
        (p * p).sum().backward()
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            scheduler.step()                        # the right order: no warning


def test_the_deprecated_step_epoch_jumps_there_with_a_warning_as_torch():
    p = tg.ones(2, requires_grad=True)
    opt = nn.optim.SGD([p], lr=0.1)
    opt.step()
    scheduler = L.StepLR(opt, step_size=3, gamma=0.5)
    with pytest.warns(UserWarning, match=r"StepLR.step\(epoch\) is deprecated"):
        scheduler.step(5)
    assert scheduler.last_epoch == 5 and scheduler.get_last_lr() == [0.05]
    scheduler.step()
    assert scheduler.last_epoch == 6 and scheduler.get_last_lr() == [0.025]
    plateau = L.ReduceLROnPlateau(opt)
    with pytest.warns(UserWarning, match=r"ReduceLROnPlateau.step\(metrics, epoch\) is "
                                         "deprecated"):
        plateau.step(0.3, 7)
    assert plateau.last_epoch == 7
