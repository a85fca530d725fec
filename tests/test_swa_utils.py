"""nn.optim.swa_utils: AveragedModel (SWA and EMA), update_bn and SWALR, checked against
their definitions (and against torch when it is installed)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.optim import swa_utils


def model() -> nn.Module:
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()


def snapshots(m: nn.Module, averaged: swa_utils.AveragedModel, steps: int) -> list[dict]:
    """Perturb the model `steps` times, averaging after each; the model's states."""
    rng, states = np.random.default_rng(1), []
    for _ in range(steps):
        with tg.no_grad():
            for p in m.parameters():
                p.add_(tg.tensor(rng.normal(size=p.shape)))
        m(tg.tensor(rng.normal(size=(5, 3))))             # moves BatchNorm's statistics
        averaged.update_parameters(m)
        states.append({k: v.numpy().copy() for k, v in m.state_dict().items()})
    return states


def test_swa_is_the_mean_of_the_models_and_copies_the_buffers():
    m = model()
    averaged = swa_utils.AveragedModel(m)
    states = snapshots(m, averaged, 4)
    mine = averaged.module.state_dict()
    assert averaged.n_averaged.item() == 4 and averaged.n_averaged.dtype == np.int64
    for name in ("0.weight", "1.weight", "3.bias"):
        np.testing.assert_allclose(mine[name].numpy(), np.mean([s[name] for s in states], 0),
                                   rtol=1e-14)
    np.testing.assert_array_equal(mine["1.running_mean"].numpy(), states[-1]["1.running_mean"])
    assert "n_averaged" in averaged.state_dict() and "module.0.weight" in averaged.state_dict()
    x = tg.tensor(np.ones((2, 3)))
    averaged.eval()
    np.testing.assert_array_equal(averaged(x).numpy(), averaged.module(x).numpy())


@pytest.mark.parametrize("how", ["avg_fn", "multi_avg_fn"])
def test_ema_follows_its_recursion_and_use_buffers_averages_the_statistics(how):
    m = model()
    fn = (swa_utils.get_ema_avg_fn(0.75) if how == "avg_fn"
          else swa_utils.get_ema_multi_avg_fn(0.75))
    averaged = swa_utils.AveragedModel(m, use_buffers=True, **{how: fn})
    states = snapshots(m, averaged, 3)
    for name in ("0.weight", "1.running_var"):
        want = states[0][name]
        for s in states[1:]:
            want = 0.75 * want + 0.25 * s[name]
        np.testing.assert_allclose(averaged.module.state_dict()[name].numpy(), want,
                                   rtol=1e-14)
    with pytest.raises(ValueError, match=r"decay must be in \[0, 1\]"):
        swa_utils.get_ema_avg_fn(1.5)
    with pytest.raises(ValueError, match="give avg_fn or multi_avg_fn, not both"):
        swa_utils.AveragedModel(m, avg_fn=fn, multi_avg_fn=fn)


def test_update_bn_recomputes_the_statistics_as_a_cumulative_average():
    m = model()
    rng = np.random.default_rng(2)
    batches = [tg.tensor(rng.normal(size=(6, 3))) for _ in range(3)]
    m.eval()
    swa_utils.update_bn([(b, 0) for b in batches], m)      # (input, target) pairs
    assert not m.training and m[1].momentum == 0.1
    hidden = [m[0](b).numpy() for b in batches]
    np.testing.assert_allclose(m[1].running_mean.numpy(), np.mean([h.mean(0) for h in hidden],
                                                                   0), rtol=1e-13)
    np.testing.assert_allclose(m[1].running_var.numpy(), np.mean([h.var(0, ddof=1)
                                                                  for h in hidden], 0),
                               rtol=1e-13)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_swalr_anneals_to_swa_lr(strategy):
    p = nn.Parameter(tg.zeros(1))
    opt = nn.optim.SGD([p], lr=1.0)
    schedule = swa_utils.SWALR(opt, swa_lr=0.2, anneal_epochs=4, anneal_strategy=strategy)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(6):
        opt.step()
        schedule.step()
        lrs.append(opt.param_groups[0]["lr"])
    alpha = [(t / 4 if strategy == "linear" else (1 - math.cos(math.pi * t / 4)) / 2)
             for t in [0, 1, 2, 3, 4, 4, 4]]
    np.testing.assert_allclose(lrs, [0.2 * a + 1.0 * (1 - a) for a in alpha], rtol=1e-14)
    with pytest.raises(ValueError, match="anneal_strategy must be 'cos' or 'linear'"):
        swa_utils.SWALR(opt, swa_lr=0.1, anneal_strategy="step")


def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).double()
    gm = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    gm.load_state_dict({k: tg.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    ta = torch.optim.swa_utils.AveragedModel(
        tm, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.9))
    ga = swa_utils.AveragedModel(gm, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.9))
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = rng.normal(size=(5, 3))
        for m, T in ((tm, torch), (gm, tg)):
            with T.no_grad():
                for p in m.parameters():
                    p.mul_(1.1)
            m(T.tensor(x))
        ta.update_parameters(tm)
        ga.update_parameters(gm)
    for key, value in ta.state_dict().items():
        np.testing.assert_allclose(ga.state_dict()[key].numpy(), value.numpy(), rtol=1e-14,
                                   err_msg=key)
