"""The optimizer hooks, as torch's: step pre/post hooks, and the state_dict and
load_state_dict pre/post hooks (order, what each may return, handles)."""
from __future__ import annotations

import pytest

import nn
import tinygrad_edu as tg


def _sgd(lr: float = 0.5) -> tuple:
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    p.grad = tg.tensor([1.0, 1.0])
    return p, nn.optim.SGD([p], lr=lr)


def test_step_hooks_see_the_optimizer_args_and_kwargs_and_can_replace_them():
    p, opt = _sgd()
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", args, kwargs)))
    handle = opt.register_step_post_hook(
        lambda o, args, kwargs: calls.append(("post", p.tolist())))
    opt.step()
    assert calls == [("pre", (opt,), {}), ("post", [0.5, 1.5])]   # args start with opt
    handle.remove()
    closures = []
    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": lambda: (
        closures.append(1), tg.tensor(7.0))[1]}))            # a new closure for the step
    loss = opt.step()
    assert closures == [1] and loss.item() == 7.0 and len(calls) == 3
    opt.register_step_pre_hook(lambda o, args, kwargs: 3)
    with pytest.raises(RuntimeError, match=r"SGD.step: a step pre-hook must return None or "
                                           r"a tuple \(new_args, new_kwargs\), got 3"):
        opt.step()


def test_a_subclass_whose_step_calls_its_base_runs_the_hooks_once():
    class Clipped(nn.optim.SGD):
        def step(self, closure=None):
            for group in self.param_groups:
                nn.utils.clip_grad_value_(group["params"], 0.5)
            return super().step(closure)

    p = tg.tensor([1.0, 2.0], requires_grad=True)
    p.grad = tg.tensor([3.0, -3.0])
    opt = Clipped([p], lr=1.0)
    seen = []
    opt.register_step_pre_hook(lambda o, a, k: seen.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: seen.append("post"))
    opt.step()
    opt.step()
    assert seen == ["pre", "post"] * 2 and p.tolist() == [0.0, 3.0]


def test_state_dict_hooks_run_in_order_and_may_replace_the_dict():
    p, opt = _sgd()
    order = []
    opt.register_state_dict_pre_hook(lambda o: order.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: order.append("post") or {**sd, "x": 1})
    opt.register_state_dict_post_hook(lambda o, sd: order.append("first"), prepend=True)
    saved = opt.state_dict()
    assert order == ["pre", "first", "post"] and saved["x"] == 1
    assert saved["param_groups"][0]["lr"] == 0.5

    loaded = []

    def halve_lr(o, sd):
        assert sd is not saved                          # a shallow copy, as torch
        groups = [{**g, "lr": g["lr"] / 2} for g in sd["param_groups"]]
        return {**sd, "param_groups": groups}

    q, other = _sgd(lr=0.1)
    other.register_load_state_dict_pre_hook(halve_lr)
    other.register_load_state_dict_post_hook(lambda o: loaded.append(o.param_groups[0]["lr"]))
    other.load_state_dict(saved)
    assert loaded == [0.25] and saved["param_groups"][0]["lr"] == 0.5


def test_lbfgs_keeps_its_history_through_the_hooked_state_dict():
    p = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)
    opt = nn.optim.LBFGS([p], lr=0.5, max_iter=3)

    def closure():
        opt.zero_grad()
        loss = ((p - 3.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    seen = []
    opt.register_state_dict_post_hook(lambda o, sd: seen.append(len(sd["state"][0]["old_dirs"])))
    saved = opt.state_dict()
    twin = nn.optim.LBFGS([tg.tensor([0.0, 0.0], dtype=tg.float64, requires_grad=True)])
    twin.register_load_state_dict_post_hook(lambda o: seen.append("loaded"))
    twin.load_state_dict(saved)
    assert seen == [len(opt.state[p]["old_dirs"]), "loaded"] and seen[0] > 0
    assert twin.state_dict()["state"][0]["n_iter"] == saved["state"][0]["n_iter"]
