"""Learning-rate schedules: closed forms written out here, momentum cycling, torch's values."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.optim import lr_scheduler

# these tests follow schedules alone, without optimizer steps (which torch and we warn about)
pytestmark = pytest.mark.filterwarnings("ignore:.*called before optimizer.step")


def sgd(lr: float = 0.1, **options) -> nn.optim.SGD:
    return nn.optim.SGD([tg.Tensor(np.ones(2), requires_grad=True)], lr=lr, **options)


def lrs(scheduler, steps: int) -> list[float]:
    """The lr in effect for steps 0..steps-1 (read before each scheduler.step())."""
    out = []
    for _ in range(steps):
        out.append(scheduler.optimizer.param_groups[0]["lr"])
        scheduler.optimizer.step()
        scheduler.step()
    return out


def test_step_lr():
    scheduler = lr_scheduler.StepLR(sgd(1.0), step_size=3, gamma=0.5)
    np.testing.assert_allclose(lrs(scheduler, 8), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])
    assert scheduler.last_epoch == 8
    assert scheduler.get_last_lr() == [0.25] == scheduler.closed_form_lr()


def test_cosine_annealing_follows_the_closed_form():
    base, eta_min, T = 0.1, 0.001, 10
    scheduler = lr_scheduler.CosineAnnealingLR(sgd(base), T_max=T, eta_min=eta_min)
    expected = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2
                for t in range(25)]
    np.testing.assert_allclose(lrs(scheduler, 25), expected, rtol=1e-10, atol=1e-15)


def test_one_cycle_two_phases_with_cosine_and_momentum():
    optimizer = sgd(momentum=0.9)
    total, max_lr = 10, 1.0
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=total)
    initial, minimum = max_lr / 25, max_lr / 25 / 1e4
    up_end = 0.3 * total - 1              # step 2 reaches max_lr

    def anneal(start, end, pct):
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2

    expected_lr, expected_momentum = [], []
    for step in range(total):
        if step <= up_end:
            pct = step / up_end
            expected_lr.append(anneal(initial, max_lr, pct))
            expected_momentum.append(anneal(0.95, 0.85, pct))
        else:
            pct = (step - up_end) / (total - 1 - up_end)
            expected_lr.append(anneal(max_lr, minimum, pct))
            expected_momentum.append(anneal(0.85, 0.95, pct))
    seen_lr, seen_momentum = [], []
    for step in range(total):
        if step:
            scheduler.step()
        seen_lr.append(optimizer.param_groups[0]["lr"])
        seen_momentum.append(optimizer.param_groups[0]["momentum"])
    np.testing.assert_allclose(seen_lr, expected_lr, rtol=1e-12)
    np.testing.assert_allclose(seen_momentum, expected_momentum, rtol=1e-12)
    assert seen_lr[2] == pytest.approx(max_lr) and seen_lr[-1] == pytest.approx(minimum)
    scheduler.step()                      # step 10 = total_steps is still allowed, as torch
    with pytest.raises(ValueError, match="total_steps=10"):
        scheduler.step()


def test_one_cycle_cycles_adam_beta1():
    optimizer = nn.optim.Adam([tg.Tensor(np.ones(1), requires_grad=True)], betas=(0.9, 0.99))
    lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, epochs=2, steps_per_epoch=5)
    assert optimizer.param_groups[0]["betas"] == (0.95, 0.99)
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        class Plain(nn.optim.Optimizer):
            def update(self, param, grad, state, group):
                param -= group["lr"] * grad
        lr_scheduler.OneCycleLR(Plain([tg.Tensor(np.ones(1), requires_grad=True)], {"lr": 0.1}),
                                max_lr=0.1, total_steps=5)


@pytest.mark.parametrize("make", [
    lambda m, opt: m.StepLR(opt, step_size=2, gamma=0.3),
    lambda m, opt: m.CosineAnnealingLR(opt, T_max=7, eta_min=0.01),
    lambda m, opt: m.OneCycleLR(opt, max_lr=0.5, total_steps=20),
    lambda m, opt: m.OneCycleLR(opt, max_lr=0.5, total_steps=20, three_phase=True,
                                anneal_strategy="linear", pct_start=0.25),
])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_matches_torch(make, optimizer):
    torch = pytest.importorskip("torch")
    options = dict(lr=0.1, momentum=0.9) if optimizer == "SGD" else dict(lr=0.1)
    theirs_opt = getattr(torch.optim, optimizer)([torch.zeros(1, requires_grad=True)], **options)
    ours_opt = getattr(nn.optim, optimizer)([tg.Tensor(np.zeros(1), requires_grad=True)],
                                            **options)
    theirs = make(torch.optim.lr_scheduler, theirs_opt)
    ours = make(lr_scheduler, ours_opt)
    key = "momentum" if optimizer == "SGD" else "betas"
    for _ in range(19):
        assert ours_opt.param_groups[0]["lr"] == pytest.approx(
            theirs_opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15)
        assert np.allclose(ours_opt.param_groups[0][key], theirs_opt.param_groups[0][key])
        theirs_opt.step()
        theirs.step()
        ours.step()


def test_one_cycle_checks_its_step_counts():
    for kwargs, what in ((dict(epochs=-2, steps_per_epoch=-5), "epochs must be a positive int"),
                         (dict(epochs=2.5, steps_per_epoch=4), "epochs must be a positive int"),
                         (dict(epochs=2, steps_per_epoch=0), "steps_per_epoch must be"),
                         (dict(total_steps=10.0), "total_steps must be a positive int")):
        with pytest.raises(ValueError, match=f"OneCycleLR: {what}"):
            lr_scheduler.OneCycleLR(sgd(), 0.1, **kwargs)


def test_cosine_resumed_with_last_epoch_keeps_the_loaded_lr_as_torch():
    optimizer = sgd()
    optimizer.param_groups[0].update(lr=0.037, initial_lr=0.1)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, last_epoch=4)
    assert scheduler.get_last_lr() == [0.037] and scheduler.last_epoch == 5


def test_scheduler_state_dict_resumes():
    optimizer = sgd()
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    lrs(scheduler, 4)
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 4
    other_opt = sgd()
    other_opt.param_groups[0]["lr"] = optimizer.param_groups[0]["lr"]
    other = lr_scheduler.CosineAnnealingLR(other_opt, T_max=10)
    other.load_state_dict(state)
    assert lrs(other, 3) == lrs(scheduler, 3)


def test_a_warmup_schedule_subclassing_torchs_old_base_name():
    class CosineWarmupScheduler(lr_scheduler._LRScheduler):      # UvA's tutorial 6
        def __init__(self, optimizer, warmup, max_iters):
            self.warmup, self.max_num_iters = warmup, max_iters
            super().__init__(optimizer)

        def get_lr(self):
            epoch = self.last_epoch
            factor = 0.5 * (1 + math.cos(math.pi * epoch / self.max_num_iters))
            if epoch <= self.warmup:
                factor *= epoch / self.warmup
            return [base_lr * factor for base_lr in self.base_lrs]

    assert lr_scheduler._LRScheduler is lr_scheduler.LRScheduler
    rates = lrs(CosineWarmupScheduler(sgd(1.0), warmup=2, max_iters=8), 4)
    np.testing.assert_allclose(rates, [0, 0.5 * (1 + math.cos(math.pi / 8)) / 2,
                                       0.5 * (1 + math.cos(math.pi / 4)),
                                       0.5 * (1 + math.cos(3 * math.pi / 8))])
